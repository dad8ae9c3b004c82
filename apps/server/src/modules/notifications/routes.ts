// GET /api/vendor/outbox: the mail this installation sent or would have sent (every message
// is kept in the outbox; without SMTP it is the only place it goes). Vendor operators only.
import { z } from 'zod';
import type { ApiModule } from '../../http/app.ts';
import { requireActor } from '../identity/index.ts';
import { authorize } from '../policy/policy.ts';

const outboxEntry = z.object({
  id: z.string(),
  to: z.string(),
  subject: z.string(),
  text: z.string(),
  createdAt: z.string(),
  sentAt: z.string().nullable(),
  error: z.string().nullable(),
});

export const outboxModule: ApiModule = (app, ctx) => {
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
        response: { 200: z.object({ smtpConfigured: z.boolean(), messages: z.array(outboxEntry) }) },
      },
    },
    async (request) => {
      authorize(requireActor(request), 'vendor.outbox.read', { kind: 'vendor' });
      const { to, limit } = request.query;
      return {
        smtpConfigured: ctx.config.smtp !== null,
        messages: await ctx.mail.outbox({ limit, ...(to ? { to: to.toLowerCase() } : {}) }),
      };
    },
  );
};
