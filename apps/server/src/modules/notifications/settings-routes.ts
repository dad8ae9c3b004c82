// Settings › Notifications over HTTP (issue 19 item 3): read and change the customer's
// notification settings (whoever manages its settings: the policy decides), and the
// unsubscribe link of every notification email — a signed token, no sign-in: GET opens a page
// that says it is done, POST is the one-click unsubscribe of RFC 8058 (List-Unsubscribe-Post).
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../../clock.ts';
import type { Db } from '../../db/database.ts';
import type { ApiModuleOf } from '../../http/api-module.ts';
import { AppError } from '../../http/errors.ts';
import type { AuditService } from '../audit/index.ts';
import { auditActorOf, requestMeta, requireActor } from '../identity/index.ts';
import { createRateLimiter, type RateLimitRule } from '../rate-limits/index.ts';
import {
  getNotificationSettings,
  notificationSettingsSchema,
  notificationSettingsUpdateSchema,
  setNotificationSettings,
  unsubscribe,
} from './settings.ts';
import { notificationKinds, readUnsubscribeToken, unsubscribeKey } from './unsubscribe.ts';

/** What the notification settings routes use of the AppContext. */
export interface NotificationSettingsContext {
  db: Db;
  audit: AuditService;
  clock: Clock;
  masterKey: Buffer;
}

const security = [{ session: [], csrf: [] }];
const tags = ['customers'];
const customerIdParams = z.strictObject({ customerId: z.uuid('must be a customer id') });
const tokenQuery = z.strictObject({ token: z.string().min(1).max(2000) });
/** Unsubscribe attempts per address: tokens are signed, this only slows down noise. */
const unsubscribeRule: RateLimitRule = { name: 'notifications:unsubscribe', limit: 30, windowMs: 3600_000 };

const kindLabel = { status: 'status emails', alerts: 'failure alerts' } as const;

function page(title: string, message: string): string {
  const escapeHtml = (text: string) =>
    text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} · Safehold</title></head><body style="font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>`;
}

export const notificationSettingsModule: ApiModuleOf<NotificationSettingsContext> = (app, ctx) => {
  const key = unsubscribeKey(ctx.masterKey);
  const limiter = createRateLimiter(ctx);

  app.get(
    '/api/customers/:customerId/notifications',
    {
      schema: {
        tags,
        summary: 'Settings › Notifications: the status email, failure alerts, recipients and who unsubscribed',
        security,
        params: customerIdParams,
        response: { 200: notificationSettingsSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      return getNotificationSettings(ctx, actor, request.params.customerId);
    },
  );

  app.put(
    '/api/customers/:customerId/notifications',
    {
      schema: {
        tags,
        summary: 'Change the notification settings given (the others stay); resubscribe recipients who unsubscribed',
        security,
        params: customerIdParams,
        body: notificationSettingsUpdateSchema,
        response: { 200: notificationSettingsSchema },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const { actor: person, ip, userAgent, onBehalfOf, tenants } = auditActorOf(request);
      return setNotificationSettings(
        ctx,
        actor,
        {
          actor: person,
          ip,
          userAgent,
          onBehalfOf: onBehalfOf ?? null,
          tenants: tenants.filter((t) => !t.startsWith('customer:')),
        },
        request.params.customerId,
        request.body,
      );
    },
  );

  /** Records the unsubscribe a valid token names; null for a token this installation did not sign. */
  async function follow(request: FastifyRequest<{ Querystring: { token: string } }>) {
    const claim = readUnsubscribeToken(key, request.query.token);
    if (!claim) return null;
    await limiter.consume([{ rule: unsubscribeRule, subject: claim.email }]);
    await unsubscribe(ctx, claim, requestMeta(request));
    return claim;
  }

  app.get(
    '/api/notifications/unsubscribe',
    {
      schema: {
        tags: ['notifications'],
        summary: "An email's unsubscribe link: no sign-in; answers a page that says it is done",
        querystring: tokenQuery,
      },
    },
    async (request, reply) => {
      const claim = await follow(request);
      reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
      reply.type('text/html; charset=utf-8');
      if (!claim) {
        return reply
          .code(400)
          .send(page('Link not valid', 'This unsubscribe link is not valid. Copy the whole link from the email.'));
      }
      return reply.send(
        page(
          'Unsubscribed',
          `Done: ${claim.email} gets no more Safehold ${kindLabel[claim.kind]} for this domain. An administrator can add you again in Settings › Notifications.`,
        ),
      );
    },
  );
  app.post(
    '/api/notifications/unsubscribe',
    {
      // Authorised by the signed token, not by cookies: a mail client posts it (RFC 8058).
      config: { csrf: false },
      schema: {
        tags: ['notifications'],
        summary: 'One-click unsubscribe (RFC 8058 List-Unsubscribe-Post), for mail clients',
        querystring: tokenQuery,
        response: { 200: z.object({ email: z.string(), kind: z.enum(notificationKinds) }) },
      },
    },
    async (request) => {
      const claim = await follow(request);
      if (!claim) {
        throw new AppError('invalid_link', 'querystring.token: this unsubscribe link is not valid.', {
          field: 'querystring.token',
        });
      }
      return { email: claim.email, kind: claim.kind };
    },
  );
};
