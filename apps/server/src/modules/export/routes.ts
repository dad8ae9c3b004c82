// Export API: download one backed-up item (GET .../items/download), start a zip export of a
// user or a shared drive — whole services, or a label, folder, items or query of one service
// (POST .../exports), follow it (GET .../exports/:id) and download the zip (GET
// .../exports/:id/download; Range requests answered). Starting one is the export use case
// (start-export.ts), as for the CLI. Every request, downloads included, needs
// the session of someone the policy module allows to export this customer's data now — so a
// URL alone opens nothing, and a role change, a removal or the customer's move to another
// partner ends access at once. The tenant is loaded and authorised first; another tenant's
// customer, source or export answers 404. End users reach their own items and exports only
// (the policy's own-data rule); another user's answers 404 like an unknown one.
import { Readable } from 'node:stream';
import { z } from 'zod';
import type { ApiModule } from '../../http/app.ts';
import { AppError, notFound } from '../../http/errors.ts';
import { type BackupService, openTenantRepository } from '../backup/index.ts';
import { messageAttachment, rawMessage } from '../browse/index.ts';
import { idempotencyKeyHeaders, startJobIdempotently } from '../idempotency/index.ts';
import { auditActorOf, requireActor } from '../identity/index.ts';
import { authorizeSubject, ownSubjectOnly } from '../policy/index.ts';
import { authorizeCustomer } from '../tenancy/index.ts';
import { sendAsAttachment } from './download-headers.ts';
import { exportServices } from './export-archive.ts';
import { type DataExport, getExport, listExports } from './exports.ts';
import { safeFileName } from './file-names.ts';
import { findItemVersion, itemDownloadDetails } from './item-download.ts';
import { itemFile, NoItemContentError } from './item-files.ts';
import { sendExportZip } from './send-export-zip.ts';
import { startExport } from './start-export.ts';

const params = z.object({ customerId: z.uuid() });
const service = z.enum(exportServices);
const isoTime = z.iso.datetime({ offset: true }).transform((value) => new Date(value));

const downloadQuery = z
  .object({
    source: z.uuid(),
    item: z.string().min(1).max(1024),
    version: z.coerce.number().int().min(1).optional(),
    asOf: isoTime.optional(),
  })
  .refine((query) => query.version === undefined || query.asOf === undefined, {
    message: 'give version or asOf, not both',
    path: ['asOf'],
  });

const attachmentQuery = z.strictObject({
  source: z.uuid(),
  item: z.string().min(1).max(1024),
  version: z.coerce.number().int().min(1).optional(),
  part: z
    .string()
    .regex(/^[1-9][0-9]{0,3}(\.[1-9][0-9]{0,3}){0,49}$/, 'a MIME part path such as "2" or "2.1"')
    .describe("The attachment's MIME part path, as GET …/gmail/message lists it"),
});

/** A user by email, or a shared drive by id (as GET …/browse/sources?user= names them). */
const subject = z
  .string()
  .trim()
  .min(1)
  .max(320)
  .refine((value) => !value.includes('@') || z.email().safeParse(value).success, 'an email, or a shared drive id');

const exportBody = z
  .object({
    user: subject.describe('The user (email) or the shared drive (id) whose backups are exported'),
    /** Default: every service (a shared drive: Drive); with a selection, exactly one. */
    services: z.array(service).min(1).optional(),
    asOf: isoTime.optional(),
    /** The selection, with the restore API's names: a Gmail label, a Drive folder, items, a search. */
    label: z.string().min(1).max(500).optional(),
    folder: z.string().min(1).max(2000).optional(),
    items: z.array(z.string().min(1).max(1000)).min(1).max(10_000).optional(),
    query: z.string().min(1).max(1000).optional(),
  })
  .strict();

const selectionSchema = z.object({
  label: z.string().optional(),
  folder: z.string().optional(),
  items: z.array(z.string()).optional(),
  query: z.string().optional(),
});

const exportStatus = z.object({
  id: z.string(),
  user: z.string(),
  /** A shared drive's export: the drive (the name it had when the export was asked for). */
  sharedDrive: z.object({ id: z.string(), name: z.string().nullable() }).nullable(),
  services: z.array(z.string()),
  /** What of the one service was exported (a query's items are resolved at the start); null: all of it. */
  selection: selectionSchema.nullable(),
  asOf: z.string().nullable(),
  status: z.enum(['queued', 'running', 'success', 'failed', 'expired']),
  itemsDone: z.number(),
  itemsTotal: z.number(),
  bytesDone: z.number(),
  zipBytes: z.number().nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  /** Relative URL of the zip while it is kept (downloading it needs a session allowed to export). */
  downloadUrl: z.string().nullable(),
});

export const exportModule: ApiModule = (app, ctx) => {
  function statusOf(row: DataExport) {
    const live = row.status === 'success' && row.expiresAt && row.expiresAt.getTime() > ctx.clock.now().getTime();
    return {
      id: row.id,
      user: row.subjectEmail,
      sharedDrive: row.sharedDriveId ? { id: row.sharedDriveId, name: row.sharedDriveName } : null,
      services: row.services,
      selection: row.selection ?? null,
      asOf: row.asOf?.toISOString() ?? null,
      status: row.status,
      itemsDone: row.itemsDone,
      itemsTotal: row.itemsTotal,
      bytesDone: row.bytesDone,
      zipBytes: row.zipBytes,
      error: row.error,
      createdAt: row.createdAt.toISOString(),
      startedAt: row.startedAt?.toISOString() ?? null,
      finishedAt: row.finishedAt?.toISOString() ?? null,
      expiresAt: row.expiresAt?.toISOString() ?? null,
      downloadUrl: live ? `/api/customers/${row.customerId}/exports/${row.id}/download` : null,
    };
  }

  function auditTenants(request: Parameters<typeof auditActorOf>[0], customerId: string) {
    const who = auditActorOf(request);
    return { ...who, tenants: [...new Set([...who.tenants, `customer:${customerId}` as const])] };
  }

  app.get(
    '/api/customers/:customerId/items/download',
    {
      schema: {
        tags: ['export'],
        summary: 'Download one backed-up item: .eml, the file, .ics or .vcf (latest, a version, or as of a time)',
        params,
        querystring: downloadQuery,
        produces: ['message/rfc822', 'application/octet-stream', 'text/calendar', 'text/vcard'],
      },
    },
    async (request, reply) => {
      const { customerId } = request.params;
      const actor = requireActor(request);
      await authorizeCustomer(ctx.db, actor, 'customer.data.export', customerId);
      const { source, version } = await findItemVersion(ctx.db, customerId, request.query, ownSubjectOnly(actor));
      // One worker thread is plenty for one item.
      const repository = await openTenantRepository(ctx, customerId);
      let body: AsyncIterable<Buffer>;
      let file: ReturnType<typeof itemFile>;
      try {
        file = itemFile(repository, source.service as BackupService, version);
        body = file.body();
      } catch (error) {
        await repository.close();
        if (error instanceof NoItemContentError) throw new AppError('conflict', error.message);
        throw error;
      }
      await ctx.audit.record({
        ...auditTenants(request, customerId),
        action: 'item.download',
        target: customerId,
        result: 'success',
        details: itemDownloadDetails(source, version),
      });
      async function* closing(): AsyncGenerator<Buffer> {
        try {
          yield* body;
        } finally {
          await repository.close();
        }
      }
      return sendAsAttachment(reply, file.fileName, file.contentType).send(Readable.from(closing()));
    },
  );

  app.get(
    '/api/customers/:customerId/items/attachment',
    {
      schema: {
        tags: ['export'],
        summary: 'Download one attachment of a backed-up message (by MIME part path; latest version unless given)',
        params,
        querystring: attachmentQuery,
        produces: ['application/octet-stream'],
      },
    },
    async (request, reply) => {
      const { customerId } = request.params;
      const actor = requireActor(request);
      await authorizeCustomer(ctx.db, actor, 'customer.data.browse', customerId);
      const { source, version } = await findItemVersion(ctx.db, customerId, request.query, ownSubjectOnly(actor));
      if (source.service !== 'gmail') {
        throw new AppError(
          'validation_failed',
          'Attachments are parts of Gmail messages: source is not a Gmail backup.',
          {
            field: 'source',
          },
        );
      }
      const { part } = request.query;
      const attachment = await messageAttachment(await rawMessage(ctx, customerId, version), part);
      if (!attachment) throw notFound(`Attachment ${part} of this message`);
      await ctx.audit.record({
        ...auditTenants(request, customerId),
        action: 'item.download',
        target: customerId,
        result: 'success',
        details: { ...itemDownloadDetails(source, version), part },
      });
      const fileName = safeFileName(attachment.filename ?? `attachment-${part.replaceAll('.', '-')}`);
      return sendAsAttachment(reply, fileName, attachment.mimeType).send(Buffer.from(attachment.content));
    },
  );

  app.post(
    '/api/customers/:customerId/exports',
    {
      schema: {
        tags: ['export'],
        summary:
          "Start a zip export of a user's or shared drive's backups — whole services, or a label, folder, items or query of one — as of a time (default: the latest backup)",
        params,
        headers: idempotencyKeyHeaders,
        body: exportBody,
        response: { 202: z.object({ id: z.string(), itemsTotal: z.number() }) },
      },
    },
    async (request, reply) => {
      const { label, folder, items, query } = request.body;
      const selection = {
        ...(label !== undefined ? { label } : {}),
        ...(folder !== undefined ? { folder } : {}),
        ...(items !== undefined ? { items } : {}),
        ...(query !== undefined ? { query } : {}),
      };
      const actor = requireActor(request);
      return startJobIdempotently(ctx, request, reply, { actor, status: 202 }, async () => {
        const row = await startExport(ctx, {
          customerId: request.params.customerId,
          user: request.body.user,
          ...(request.body.services ? { services: request.body.services } : {}),
          ...(Object.keys(selection).length > 0 ? { selection } : {}),
          asOf: request.body.asOf ?? null,
          by: { actor, audit: auditActorOf(request) },
        });
        return { id: row.id, itemsTotal: row.itemsTotal };
      });
    },
  );

  app.get(
    '/api/customers/:customerId/exports',
    {
      schema: {
        tags: ['export'],
        summary: "The customer's exports, newest first (paged; of one user if given)",
        params,
        querystring: z
          .object({
            limit: z.coerce.number().int().min(1).max(200).default(50),
            offset: z.coerce.number().int().min(0).default(0),
            user: subject.optional().describe('A user (email) or a shared drive (id)'),
          })
          .strict(),
        response: {
          200: z.object({ exports: z.array(exportStatus), total: z.number(), limit: z.number(), offset: z.number() }),
        },
      },
    },
    async (request) => {
      const { customerId } = request.params;
      const actor = requireActor(request);
      await authorizeCustomer(ctx.db, actor, 'customer.data.browse', customerId);
      const { limit, offset } = request.query;
      // An end user lists their own exports only, whatever `user` asks for.
      const user = ownSubjectOnly(actor) ?? request.query.user;
      const page = await listExports(ctx, customerId, { limit, offset, ...(user ? { user } : {}) });
      return { exports: page.exports.map(statusOf), total: page.total, limit, offset };
    },
  );

  app.get(
    '/api/customers/:customerId/exports/:exportId',
    {
      schema: {
        tags: ['export'],
        summary: 'An export: progress while it builds, then its download URL (the zip is kept 7 days)',
        params: params.extend({ exportId: z.uuid() }),
        response: { 200: exportStatus },
      },
    },
    async (request) => {
      const { customerId, exportId } = request.params;
      const actor = requireActor(request);
      await authorizeCustomer(ctx.db, actor, 'customer.data.browse', customerId);
      const row = await getExport(ctx, customerId, exportId);
      if (!row) throw notFound('Export');
      authorizeSubject(actor, row.subjectEmail, notFound('Export').message);
      return statusOf(row);
    },
  );

  app.get(
    '/api/customers/:customerId/exports/:exportId/download',
    {
      schema: {
        tags: ['export'],
        summary: 'Download a finished export (410 once its zip is deleted, 7 days after it was finished)',
        params: params.extend({ exportId: z.uuid() }),
        produces: ['application/zip'],
      },
    },
    async (request, reply) => {
      const { customerId, exportId } = request.params;
      // Checked now, not when the export was made: the person must still be allowed.
      const actor = requireActor(request);
      await authorizeCustomer(ctx.db, actor, 'customer.data.export', customerId);
      const owned = await getExport(ctx, customerId, exportId);
      if (owned) authorizeSubject(actor, owned.subjectEmail, 'Export not found.');
      return sendExportZip(ctx, reply, {
        customerId,
        exportId,
        range: request.headers.range,
        audit: auditActorOf(request),
      });
    },
  );
};
