// Restore API: POST /api/customers/:customerId/restores starts a restore of one user's service
// or a shared drive (or a label, a folder, some items) as of a backup point, into the same or
// another user of the domain (a shared drive: into itself or a user's My Drive); GET /api/customers/:customerId/restores/:id shows its status, counts, errors and
// items (paged); GET /api/customers/:customerId/restores lists them, newest first. Starting one is the restore use case (start-restore.ts), as for the CLI. The
// tenant is loaded and authorised by policy first: a tenant the caller cannot see answers 404,
// as does a restore of another tenant, and for an end user a restore of another user's backup.
import { z } from 'zod';
import type { Db } from '../../db/database.ts';
import type { ApiModule } from '../../http/app.ts';
import { notFound } from '../../http/errors.ts';
import { sharedDriveNames, subjectKey } from '../backup/index.ts';
import { idempotencyKeyHeaders, startJobIdempotently } from '../idempotency/index.ts';
import { auditActorOf, requireActor } from '../identity/index.ts';
import { authorizeSubject, ownSubjectOnly } from '../policy/index.ts';
import { authorizeCustomer } from '../tenancy/index.ts';
import { getRestore, listRestoreItems, listRestores, type Restore, restoreErrors } from './restore-store.ts';
import { startRestore } from './start-restore.ts';

const service = z.enum(['gmail', 'drive', 'calendar', 'contacts']);
const status = z.enum(['queued', 'running', 'success', 'partial', 'failed']);
const itemStatus = z.enum(['pending', 'creating', 'restored', 'skipped', 'failed']);

/** A user's email or a shared drive's id: how the browse API names a backed-up subject. */
const subject = z
  .string()
  .max(320)
  .refine((value) => z.email().safeParse(value).success || /^[A-Za-z0-9_-]{1,200}$/.test(value), {
    message: "must be a user's email or a shared drive's id",
  });

const createBody = z
  .object({
    /** The backed-up user (email) or shared drive (id); a shared drive: administrators only. */
    user: subject,
    service,
    /** Restore as of this moment (the newest backup point at or before it); default the newest. */
    asOf: z.iso.datetime({ offset: true }).optional(),
    /** Another user of the same domain; default the user itself (a shared drive: the drive itself, by its id, or a user). */
    to: subject.optional(),
    /** Original labels and folders instead of a "Restored <date>" label / folder. */
    inPlace: z.boolean().optional(),
    label: z.string().min(1).max(500).optional(),
    folder: z.string().min(1).max(2000).optional(),
    items: z.array(z.string().min(1).max(1000)).min(1).max(10_000).optional(),
    /** A search (the language of GET …/search) choosing the items, as of the backup point. */
    query: z.string().min(1).max(1000).optional(),
    /** Drive: recreate sharing permissions (never with notification emails). */
    permissions: z.boolean().optional(),
  })
  .strict();

const params = z.object({ customerId: z.uuid() });
const restoreParams = z.object({ customerId: z.uuid(), restoreId: z.uuid() });
const itemsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
  status: itemStatus.optional(),
});

const listQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).default(0),
    /** The backed-up user or shared drive, or the user restored into. */
    user: subject.optional(),
    status: status.optional(),
  })
  .strict();

/** What every view of a restore shows: its request, state and counts. */
const restoreSummary = z.object({
  id: z.string(),
  service,
  /** Whose backup: a user's (`user` is their email) or a shared drive's (`user` is its id). */
  subjectKind: z.enum(['user', 'shared_drive']),
  user: z.string(),
  /** What to call the subject: the user's email, or the shared drive's name (its id when the backup never listed it). */
  subjectName: z.string(),
  /** The user restored into, or the shared drive's id when it is restored into itself. */
  to: z.string(),
  asOf: z.string(),
  inPlace: z.boolean(),
  containerName: z.string(),
  selection: z.object({
    label: z.string().optional(),
    folder: z.string().optional(),
    items: z.array(z.string()).optional(),
    query: z.string().optional(),
  }),
  status,
  total: z.number(),
  restored: z.number(),
  skipped: z.number(),
  failed: z.number(),
  error: z.string().nullable(),
  notes: z.array(z.string()),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});

const restoreResponse = restoreSummary.extend({
  errors: z.array(z.object({ item: z.string(), reason: z.string() })),
  items: z.array(
    z.object({
      itemKey: z.string(),
      version: z.number(),
      /** The item's subject, file name, event title or contact name, when its version has one. */
      title: z.string().nullable(),
      status: itemStatus,
      targetId: z.string().nullable(),
      reason: z.string().nullable(),
    }),
  ),
  itemsTotal: z.number(),
  limit: z.number(),
  offset: z.number(),
});

/** The names of the shared drives some restores come from, to show instead of their ids. */
function driveNamesOf(db: Db, customerId: string, list: readonly Restore[]): Promise<Map<string, string>> {
  return sharedDriveNames(
    db,
    customerId,
    list.flatMap((restore) => (restore.sharedDriveId ? [restore.sharedDriveId] : [])),
  );
}

function summaryOf(restore: Restore, driveNames: ReadonlyMap<string, string>): z.infer<typeof restoreSummary> {
  return {
    id: restore.id,
    service: restore.service,
    subjectKind: restore.sharedDriveId === null ? 'user' : 'shared_drive',
    user: restore.fromEmail,
    subjectName: restore.sharedDriveId
      ? (driveNames.get(restore.sharedDriveId) ?? restore.sharedDriveId)
      : restore.fromEmail,
    to: restore.toEmail,
    asOf: restore.asOf.toISOString(),
    inPlace: restore.inPlace,
    containerName: restore.containerName,
    selection: restore.selection as { label?: string; folder?: string; items?: string[]; query?: string },
    status: restore.status,
    total: restore.total,
    restored: restore.restored,
    skipped: restore.skipped,
    failed: restore.failed,
    error: restore.error,
    notes: restore.notes,
    createdAt: restore.createdAt.toISOString(),
    startedAt: restore.startedAt?.toISOString() ?? null,
    finishedAt: restore.finishedAt?.toISOString() ?? null,
  };
}

export const restoreModule: ApiModule = (app, ctx) => {
  app.post(
    '/api/customers/:customerId/restores',
    {
      schema: {
        tags: ['restore'],
        summary:
          'Start a restore of a user’s service or a shared drive (or a label, folder or items) as of a backup point',
        params,
        headers: idempotencyKeyHeaders,
        body: createBody,
        response: { 202: z.object({ id: z.string() }) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const who = auditActorOf(request);
      const actor = requireActor(request);
      return startJobIdempotently(ctx, request, reply, { actor, status: 202 }, async () => {
        const restore = await startRestore(ctx, {
          customerId: request.params.customerId,
          request: {
            user: subjectKey(body.user),
            service: body.service,
            ...(body.asOf ? { asOf: new Date(body.asOf) } : {}),
            ...(body.to ? { to: subjectKey(body.to) } : {}),
            inPlace: body.inPlace ?? false,
            selection: {
              ...(body.label !== undefined ? { label: body.label } : {}),
              ...(body.folder !== undefined ? { folder: body.folder } : {}),
              ...(body.items !== undefined ? { items: body.items } : {}),
              ...(body.query !== undefined ? { query: body.query } : {}),
            },
            permissions: body.permissions ?? false,
          },
          by: { actor, audit: who },
        });
        return { id: restore.id };
      });
    },
  );

  app.get(
    '/api/customers/:customerId/restores',
    {
      schema: {
        tags: ['restore'],
        summary: "The customer's restores, newest first (paged; by user and status), without their items",
        params,
        querystring: listQuery,
        response: {
          200: z.object({
            restores: z.array(restoreSummary),
            total: z.number(),
            limit: z.number(),
            offset: z.number(),
          }),
        },
      },
    },
    async (request) => {
      const { customerId } = request.params;
      const actor = requireActor(request);
      await authorizeCustomer(ctx.db, actor, 'customer.data.browse', customerId);
      const { limit, offset, status: only } = request.query;
      // An end user lists the restores of their own data only (what GET …/restores/:id shows
      // them), whatever `user` asks for.
      const own = ownSubjectOnly(actor);
      const user = own ? undefined : request.query.user;
      const page = await listRestores(ctx.db, customerId, {
        limit,
        offset,
        ...(own ? { dataOf: own } : {}),
        ...(user ? { user } : {}),
        ...(only ? { status: only } : {}),
      });
      const names = await driveNamesOf(ctx.db, customerId, page.restores);
      return {
        restores: page.restores.map((restore) => summaryOf(restore, names)),
        total: page.total,
        limit,
        offset,
      };
    },
  );

  app.get(
    '/api/customers/:customerId/restores/:restoreId',
    {
      schema: {
        tags: ['restore'],
        summary: 'A restore’s status, counts, errors and items (paged)',
        params: restoreParams,
        querystring: itemsQuery,
        response: { 200: restoreResponse },
      },
    },
    async (request) => {
      const { customerId, restoreId } = request.params;
      const actor = requireActor(request);
      await authorizeCustomer(ctx.db, actor, 'customer.data.browse', customerId);
      const restore = await getRestore(ctx.db, customerId, restoreId);
      if (!restore) throw notFound('Restore');
      authorizeSubject(actor, restore.fromEmail, notFound('Restore').message);
      const { limit, offset, status: only } = request.query;
      const page = await listRestoreItems(ctx.db, restore, {
        limit,
        offset,
        ...(only ? { status: only } : {}),
      });
      return {
        ...summaryOf(restore, await driveNamesOf(ctx.db, customerId, [restore])),
        errors: await restoreErrors(ctx.db, customerId, restoreId, 100),
        items: page.items,
        itemsTotal: page.total,
        limit,
        offset,
      };
    },
  );
};
