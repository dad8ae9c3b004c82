// Backup API: GET /api/customers/:customerId/backup/status, GET .../backup/runs (paged),
// POST .../backup/runs (on-demand backup of some services and/or users); the daily window is
// schedule-routes.ts, retention retention-routes.ts, shared drives shared-drive-routes.ts. The tenant is loaded
// first and authorised by policy; a tenant the caller cannot see answers 404.
import { z } from 'zod';
import type { ApiModule } from '../../http/app.ts';
import { idempotencyKeyHeaders, startJobIdempotently } from '../idempotency/index.ts';
import { auditActorOf, requireActor } from '../identity/index.ts';
import { backupHistoryAccess } from '../policy/index.ts';
import { authorizeCustomer } from '../tenancy/index.ts';
import { getBackupSummary, listUserBackups } from './dashboard.ts';
import { discoverSharedDriveSubjects } from './directory-subjects.ts';
import { retentionRoutes } from './retention-routes.ts';
import { lastRunSchema, runStatus } from './run-schema.ts';
import { scheduleRoutes } from './schedule-routes.ts';
import { sharedDriveRoutes } from './shared-drive-routes.ts';
import { startBackup } from './start-backup.ts';
import { getBackupStatus, listBackupRuns } from './status.ts';

const params = z.object({ customerId: z.uuid() });
const service = z.enum(['gmail', 'drive', 'calendar', 'contacts']);

const serviceStatus = z.object({
  lastSuccessAt: z.string().nullable(),
  successRate24h: z.number().nullable(),
  items: z.number(),
  bytes: z.number(),
  sources: z.number(),
});
const statusResponse = z.object({
  services: z.partialRecord(service, serviceStatus),
  repositoryDamage: z
    .object({
      detectedAt: z.string(),
      packs: z.array(z.string()),
      problems: z.array(z.object({ pack: z.string(), blob: z.string().optional(), problem: z.string() })),
    })
    .nullable()
    .describe('Damage found by the rolling verify of the tenant repository (null when none)'),
  sources: z.array(
    z.object({
      sourceId: z.string(),
      subjectKind: z.enum(['user', 'shared_drive']),
      subjectId: z.string(),
      subjectEmail: z.string(),
      service,
      lastSuccessAt: z.string().nullable(),
      lastRun: z
        .object({ id: z.string(), status: runStatus, finishedAt: z.string().nullable(), error: z.string().nullable() })
        .nullable(),
      items: z.number(),
      bytes: z.number(),
    }),
  ),
});
const runEntry = z.object({
  id: z.string(),
  sourceId: z.string(),
  subjectEmail: z.string(),
  service,
  trigger: z.enum(['scheduled', 'on_demand']),
  status: runStatus,
  mode: z.string().nullable(),
  added: z.number(),
  changed: z.number(),
  deleted: z.number(),
  skipped: z.number(),
  failed: z.number(),
  items: z.number(),
  bytes: z.number(),
  error: z.string().nullable(),
  queuedAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  errors: z.array(z.object({ item: z.string(), reason: z.string(), advice: z.string() })),
});
const runsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  /** One subject's history: a user's email or a shared drive's id. */
  user: z.union([z.email(), z.string().regex(/^[\w-]{1,200}$/, 'an email or a shared drive id')]).optional(),
  service: service.optional(),
});
const runsBody = z
  .object({
    services: z.array(service).min(1).optional(),
    users: z.array(z.email()).min(1).max(10_000).optional(),
  })
  .strict();

const failureEntry = z.object({
  runId: z.string(),
  subjectEmail: z.string(),
  service,
  status: z.enum(['failed', 'partial']),
  finishedAt: z.string().nullable(),
  error: z.string().nullable().describe('The run-level cause; null when only some items failed.'),
  failedItems: z.number(),
  skippedItems: z.number(),
  reasons: z.array(z.object({ item: z.string(), reason: z.string(), advice: z.string() })),
});
const summaryResponse = z.object({
  coverage: z.object({
    licensed: z.number().int(),
    protected: z.number().int().describe('Licensed users with a successful backup of every service.'),
    ratio: z.number().nullable(),
  }),
  last24h: z.object({
    success: z.number().int(),
    partial: z.number().int(),
    failed: z.number().int(),
    successRate: z.number().nullable(),
  }),
  inProgress: z.object({ queued: z.number().int(), running: z.number().int() }),
  lastSuccessAt: z.string().nullable(),
  failures: z.object({ total: z.number().int(), items: z.array(failureEntry) }),
});
const userServiceBackup = z.object({
  lastSuccessAt: z.string().nullable().describe('Null: not backed up yet.'),
  items: z.number().describe('Items at the latest backup point (0: none yet).'),
  bytes: z.number().describe('Their bytes.'),
  lastRun: lastRunSchema.nullable(),
});
const userBackupsQuery = z.strictObject({
  q: z.string().trim().max(200).optional(),
  users: z.enum(['licensed', 'all']).default('licensed'),
  limit: z.coerce.number().int().min(1).max(200).default(25),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
const userBackupsResponse = z.object({
  users: z.array(
    z.object({
      userId: z.string(),
      email: z.string(),
      name: z.string(),
      license: z.enum(['standard', 'archived', 'none']),
      services: z.object({
        gmail: userServiceBackup,
        drive: userServiceBackup,
        calendar: userServiceBackup,
        contacts: userServiceBackup,
      }),
      items: z.number().describe("Protected: the services' items at their latest backup points, summed."),
      bytes: z.number().describe('Their bytes.'),
      nextBackupAt: z
        .string()
        .nullable()
        .describe("When the user's slot in the daily backup window next opens; null: not backed up on schedule."),
    }),
  ),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});

export const backupModule: ApiModule = (app, ctx) => {
  sharedDriveRoutes(app, ctx);
  scheduleRoutes(app, ctx);
  retentionRoutes(app, ctx);

  app.get(
    '/api/customers/:customerId/backup/status',
    {
      schema: {
        tags: ['backup'],
        summary: 'Backup status per service and per user',
        params,
        response: { 200: statusResponse },
      },
    },
    async (request) => {
      await authorizeCustomer(ctx.db, requireActor(request), 'customer.read', request.params.customerId);
      return getBackupStatus(ctx, request.params.customerId);
    },
  );

  app.get(
    '/api/customers/:customerId/backup/summary',
    {
      schema: {
        tags: ['backup'],
        summary: 'Dashboard figures: coverage, 24-hour outcomes, runs in progress, failures needing attention',
        params,
        response: { 200: summaryResponse },
      },
    },
    async (request) => {
      await authorizeCustomer(ctx.db, requireActor(request), 'customer.read', request.params.customerId);
      return getBackupSummary(ctx, request.params.customerId);
    },
  );

  app.get(
    '/api/customers/:customerId/backup/users',
    {
      schema: {
        tags: ['backup'],
        summary: 'The last backup of each service per user (licensed users by default), searched and paged',
        params,
        querystring: userBackupsQuery,
        response: { 200: userBackupsResponse },
      },
    },
    async (request) => {
      await authorizeCustomer(ctx.db, requireActor(request), 'customer.read', request.params.customerId);
      return listUserBackups(ctx, request.params.customerId, request.query);
    },
  );

  app.get(
    '/api/customers/:customerId/backup/runs',
    {
      schema: {
        tags: ['backup'],
        summary: "Backup runs, newest first (paged; of one user's or shared drive's service if given)",
        params,
        querystring: runsQuery,
        response: {
          200: z.object({ runs: z.array(runEntry), total: z.number(), limit: z.number(), offset: z.number() }),
        },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      const access = backupHistoryAccess(actor);
      await authorizeCustomer(ctx.db, actor, access.action, request.params.customerId);
      const { limit, offset, service: only } = request.query;
      // An end user's page asks for their own history; whatever `user` says, it is theirs.
      const user = access.onlySubject ?? request.query.user;
      const page = await listBackupRuns(ctx, request.params.customerId, {
        limit,
        offset,
        ...(user !== undefined ? { subject: user } : {}),
        ...(only ? { service: only } : {}),
      });
      return { ...page, limit, offset };
    },
  );

  app.post(
    '/api/customers/:customerId/backup/runs',
    {
      schema: {
        tags: ['backup'],
        summary: 'Start an on-demand backup (all services and users unless narrowed)',
        params,
        headers: idempotencyKeyHeaders,
        body: runsBody,
        response: { 202: z.object({ runs: z.array(z.object({ runId: z.string(), userEmail: z.string(), service })) }) },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      return startJobIdempotently(ctx, request, reply, { actor, status: 202 }, async () => {
        // startBackup loads the tenant and asks the policy module (customer.backup.run) itself.
        const runs = await startBackup(ctx, {
          customerId: request.params.customerId,
          // A whole-domain backup lists the domain's shared drives from Google first, as the CLI's
          // does: new drives are found (and protected as the tenant says) without an operator.
          scope: request.body.users
            ? { kind: 'users', emails: request.body.users }
            : { kind: 'domain', sharedDrives: () => discoverSharedDriveSubjects(ctx, request.params.customerId) },
          ...(request.body.services ? { services: request.body.services } : {}),
          by: { actor, audit: auditActorOf(request) },
          trigger: 'on_demand',
        });
        return { runs: runs.map((run) => ({ runId: run.runId, userEmail: run.subject.email, service: run.service })) };
      });
    },
  );
};
