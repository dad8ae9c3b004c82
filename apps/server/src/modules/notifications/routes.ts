// GET /api/vendor/outbox: the mail this installation sent or would have sent (every message
// is kept in the outbox; without SMTP it is the only place it goes). Vendor admins only: the
// policy says why.
import { z } from 'zod';
import type { Config } from '../../config/config.ts';
import type { ApiModuleOf } from '../../http/api-module.ts';
import { requireActor } from '../identity/index.ts';
import { authorize } from '../policy/index.ts';
import type { MailService } from './mail.ts';

const outboxEntry = z.object({
  id: z.string(),
  to: z.string(),
  subject: z.string(),
  text: z.string(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
  error: z.string().nullable(),
});

const smtpNotice =
  'Mail is delivered over SMTP; a copy of every message is kept here, with its invitation, setup or ' +
  'password-reset link removed: those links go to their recipients only.';
const outboxOnlyNotice =
  'No SMTP server is configured (SMTP_URL), so mail is kept here instead of being sent, links included: ' +
  'this page is how an invitation or password-reset link reaches its person, and whoever opens one can become ' +
  'that person. That is why only vendor admins can read it. Configure SMTP_URL to send mail and keep links out of it.';

/** What the outbox route uses of the AppContext. */
export interface OutboxRoutesContext {
  config: Pick<Config, 'smtp'>;
  mail: MailService;
}

export const outboxModule: ApiModuleOf<OutboxRoutesContext> = (app, ctx) => {
  app.get(
    '/api/vendor/outbox',
    {
      schema: {
        tags: ['vendor'],
        summary: 'Mail sent or queued by this installation, newest first',
        querystring: z.strictObject({
          to: z.email().optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: {
          200: z.object({
            smtpConfigured: z.boolean(),
            /** What the outbox is for here, and whether its messages show their links. */
            notice: z.string(),
            messages: z.array(outboxEntry),
          }),
        },
      },
    },
    async (request) => {
      authorize(requireActor(request), 'vendor.outbox.read', { kind: 'vendor' });
      const { to, limit } = request.query;
      const smtpConfigured = ctx.config.smtp !== null;
      return {
        smtpConfigured,
        notice: smtpConfigured ? smtpNotice : outboxOnlyNotice,
        messages: await ctx.mail.outbox({ limit, ...(to ? { to: to.toLowerCase() } : {}) }),
      };
    },
  );
};
