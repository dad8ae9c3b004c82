// Retention API (part of the backup module's routes, issue 19 item 1): GET …/backup/retention
// reads the age limits per service group; POST …/backup/retention/preview counts what the next
// prune would remove under proposed limits, deleting nothing; PUT …/backup/retention saves them
// (audited with before and after). Changing and previewing need `customer.settings.manage`.
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/app.ts';
import { auditActorOf, requireActor } from '../identity/index.ts';
import { authorizeCustomer } from '../tenancy/index.ts';
import { getRetention, previewPrune, retentionSchema, setRetention } from './retention.ts';

const params = z.object({ customerId: z.uuid() });
const previewResponse = z.object({
  items: z.number().int().describe('Item versions the next prune would remove'),
  bytes: z.number().describe('Their bytes (content shared with kept versions stays stored: about)'),
});

export function retentionRoutes(app: App, ctx: AppContext): void {
  app.get(
    '/api/customers/:customerId/backup/retention',
    {
      schema: {
        tags: ['backup'],
        summary: 'Retention: an age limit per service group, or null to keep everything while licensed',
        params,
        response: { 200: retentionSchema },
      },
    },
    async (request) => {
      const { customerId } = request.params;
      await authorizeCustomer(ctx.db, requireActor(request), 'customer.read', customerId);
      return getRetention(ctx, customerId);
    },
  );

  app.post(
    '/api/customers/:customerId/backup/retention/preview',
    {
      schema: {
        tags: ['backup'],
        summary: 'What the next prune would remove under this retention (nothing is changed)',
        params,
        body: retentionSchema,
        response: { 200: previewResponse },
      },
    },
    async (request) => {
      const { customerId } = request.params;
      await authorizeCustomer(ctx.db, requireActor(request), 'customer.settings.manage', customerId);
      return previewPrune(ctx, customerId, request.body);
    },
  );

  app.put(
    '/api/customers/:customerId/backup/retention',
    {
      schema: {
        tags: ['backup'],
        summary: 'Set the retention (every group named; null keeps everything while licensed)',
        params,
        body: retentionSchema,
        response: { 200: retentionSchema },
      },
    },
    async (request) => {
      const { customerId } = request.params;
      await authorizeCustomer(ctx.db, requireActor(request), 'customer.settings.manage', customerId);
      const before = await getRetention(ctx, customerId);
      await setRetention(ctx, customerId, request.body);
      const after = await getRetention(ctx, customerId);
      const who = auditActorOf(request);
      await ctx.audit.record({
        ...who,
        tenants: [...new Set([...who.tenants, `customer:${customerId}` as const])],
        action: 'backup.retention.set',
        target: customerId,
        result: 'success',
        details: { before, after },
      });
      return after;
    },
  );
}
