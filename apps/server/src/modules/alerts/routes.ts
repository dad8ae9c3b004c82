// HTTP routes of the Alerts page (issue 18 item 5). Only HTTP here: zod schemas, the signed-in
// actor and audit fields, calling service.ts.
import { z } from 'zod';
import type { ApiModule } from '../../http/app.ts';
import { auditActorOf, requireActor } from '../identity/index.ts';
import {
  acknowledgeAlert,
  alertsPageSchema,
  alertsQuerySchema,
  alertViewSchema,
  digestSettingBodySchema,
  digestSettingSchema,
  getDigestSetting,
  listPartnerAlerts,
  setDigestSetting,
} from './service.ts';

const security = [{ session: [], csrf: [] }];
const tags = ['alerts'];
const partnerParams = z.strictObject({ partnerId: z.uuid('must be a partner id') });
const alertParams = partnerParams.extend({ alertId: z.uuid('must be an alert id') });

export const alertsModule: ApiModule = (app, ctx) => {
  app.get(
    '/api/partners/:partnerId/alerts',
    {
      schema: {
        tags,
        summary:
          "Unresolved alerts across the partner's customers (technicians: assigned ones), open or acknowledged, newest cause first",
        security,
        params: partnerParams,
        querystring: alertsQuerySchema,
        response: { 200: alertsPageSchema },
      },
    },
    async (request) => listPartnerAlerts(ctx, requireActor(request), request.params.partnerId, request.query),
  );

  app.post(
    '/api/partners/:partnerId/alerts/:alertId/acknowledge',
    {
      schema: {
        tags,
        summary: 'Acknowledge an open alert (recorded with who and when; it is resolved when its cause is gone)',
        security,
        params: alertParams,
        response: { 200: alertViewSchema },
      },
    },
    async (request) => {
      const audit = auditActorOf(request);
      return acknowledgeAlert(
        ctx,
        requireActor(request),
        { ...audit, email: audit.actor.label },
        request.params.partnerId,
        request.params.alertId,
      );
    },
  );

  app.get(
    '/api/partners/:partnerId/alerts/digest',
    {
      schema: {
        tags,
        summary: "The signed-in member's daily email digest of open alerts: on or off",
        security,
        params: partnerParams,
        response: { 200: digestSettingSchema },
      },
    },
    async (request) => getDigestSetting(ctx, requireActor(request), request.params.partnerId),
  );

  app.put(
    '/api/partners/:partnerId/alerts/digest',
    {
      schema: {
        tags,
        summary: "Turn the signed-in member's daily email digest of open alerts on or off",
        security,
        params: partnerParams,
        body: digestSettingBodySchema,
        response: { 200: digestSettingSchema },
      },
    },
    async (request) =>
      setDigestSetting(
        ctx,
        requireActor(request),
        auditActorOf(request),
        request.params.partnerId,
        request.body.enabled,
      ),
  );
};
