// HTTP routes of the vendor's Installation health page. Only HTTP here: zod schemas, the
// signed-in actor, calling the service.
import { z } from 'zod';
import type { ApiModule } from '../../http/app.ts';
import { auditActorOf, requireActor } from '../identity/index.ts';
import { installationHealth, retryFailedJob } from './service.ts';

const security = [{ session: [], csrf: [] }];
const tags = ['vendor'];
const iso = (date: Date | null) => date?.toISOString() ?? null;

const healthSchema = z.object({
  checkedAt: z.string(),
  queues: z.array(
    z.object({
      name: z.string(),
      created: z.number().int(),
      retry: z.number().int(),
      active: z.number().int(),
      oldestWaitingSince: z.string().nullable(),
    }),
  ),
  workers: z.array(
    z.object({
      label: z.string().describe('The process: command, host and pid'),
      state: z
        .enum(['alive', 'stopped', 'gone'])
        .describe('alive: beat within 2 minutes; stopped: stopped cleanly; gone: stopped beating (crashed)'),
      alive: z.boolean(),
      runs: z.number().int().describe('Backups it runs now'),
      startedAt: z.string().nullable(),
      lastHeartbeatAt: z.string().nullable(),
      leaseExpiresAt: z.string().nullable(),
    }),
  ),
  failedJobs: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      failedAt: z.string(),
      retryCount: z.number().int(),
      error: z.string(),
    }),
  ),
  storage: z.array(
    z.object({
      customerId: z.string(),
      customer: z.string(),
      domain: z.string(),
      partner: z.string().nullable(),
      bytes: z.number(),
    }),
  ),
  database: z.object({
    kind: z.enum(['postgresql', 'pglite']),
    bytes: z.number().nullable(),
    note: z.string().nullable(),
  }),
});

export const operationsModule: ApiModule = (app, ctx) => {
  app.get(
    '/api/vendor/health',
    {
      schema: {
        tags,
        summary:
          'Installation health: job queues, workers, failed jobs of the last 24 hours, storage per tenant, database size (vendor operators)',
        security,
        response: { 200: healthSchema },
      },
    },
    async (request) => {
      const health = await installationHealth(ctx, requireActor(request));
      return {
        checkedAt: health.checkedAt.toISOString(),
        queues: health.queues.map((queue) => ({ ...queue, oldestWaitingSince: iso(queue.oldestWaitingSince) })),
        workers: health.workers.map((worker) => ({
          ...worker,
          startedAt: iso(worker.startedAt),
          lastHeartbeatAt: iso(worker.lastHeartbeatAt),
          leaseExpiresAt: iso(worker.leaseExpiresAt),
        })),
        failedJobs: health.failedJobs.map((job) => ({ ...job, failedAt: job.failedAt.toISOString() })),
        storage: health.storage,
        database: health.database,
      };
    },
  );

  app.post(
    '/api/vendor/health/failed-jobs/:jobId/retry',
    {
      schema: {
        tags,
        summary: 'Send a failed job back to the queue (vendor admins; audited)',
        security,
        params: z.strictObject({ jobId: z.uuid('jobId: not a job id.') }),
        response: { 200: z.object({ id: z.string(), name: z.string() }) },
      },
    },
    async (request) => {
      const { actor, ip, userAgent } = auditActorOf(request);
      return retryFailedJob(ctx, requireActor(request), { actor, ip, userAgent }, request.params.jobId);
    },
  );
};
