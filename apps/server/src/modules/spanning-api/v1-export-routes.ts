// The Spanning-compatible API's shared drives and exports (PRODUCT §7): list the shared drives,
// export one, initiate a user's export, list and get exports, and download the zip —
// authenticated like every /api/v1 route (HTTP Basic, an API token), through the export
// module's startExport and its zip download, so the policy, the checks and the audit entries
// are the console's. Pages are `size` items and an opaque `pageToken`, as GET /users.
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/api-module.ts';
import { AppError, notFound } from '../../http/errors.ts';
import { listSharedDrives } from '../backup/index.ts';
import {
  type DataExport,
  exportServices,
  getExport,
  listExports,
  sendExportZip,
  startExport,
} from '../export/index.ts';
import { authorizeCustomer } from '../tenancy/index.ts';
import { apiTokenAuditActor, requireApiToken } from './basic-auth.ts';

const security = [{ apiTokenBasic: [] }];
const tags = ['spanning-compatible API'];
const config = { csrf: false };

const pageQuery = z.strictObject({
  size: z.coerce.number().int().min(1).max(200).default(50),
  pageToken: z.string().max(100).optional(),
});
const nextPage = {
  nextPageToken: z.string().nullable().describe('Give it as pageToken for the next page; null on the last page.'),
  nextLink: z.string().nullable().describe('The next page (path and query); null on the last page.'),
};

export const spanningExportSchema = z.strictObject({
  type: z.literal('export'),
  id: z.uuid(),
  email: z.string().nullable().describe("The user whose data is exported; null for a shared drive's export"),
  sharedDriveId: z.string().nullable(),
  services: z.array(z.string()),
  status: z.enum(['queued', 'running', 'success', 'failed', 'expired']),
  itemsDone: z.number(),
  itemsTotal: z.number(),
  error: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  expiresAt: z.string().nullable(),
  downloadLink: z.string().nullable().describe('The zip (same Basic authentication) while it is kept, 7 days'),
});
const sharedDriveSchema = z.strictObject({
  type: z.literal('sharedDrive'),
  id: z.string(),
  name: z.string(),
  protected: z.boolean(),
  lastBackupAt: z.string().nullable(),
});

function offsetOf(token: string | undefined): number {
  if (token === undefined) return 0;
  const offset = /^\d{1,9}$/.test(token) ? Number(token) : Number.NaN;
  if (!Number.isSafeInteger(offset)) {
    throw new AppError('validation_failed', 'query.pageToken: not a page token this API gave.', {
      field: 'query.pageToken',
    });
  }
  return offset;
}

function page(path: string, size: number, offset: number, returned: number, total: number) {
  const next = offset + returned < total ? String(offset + returned) : null;
  return { nextPageToken: next, nextLink: next ? `${path}?size=${size}&pageToken=${next}` : null };
}

export function registerV1ExportRoutes(app: App, ctx: AppContext): void {
  function toSpanningExport(row: DataExport) {
    const live = row.status === 'success' && row.expiresAt && row.expiresAt.getTime() > ctx.clock.now().getTime();
    return {
      type: 'export' as const,
      id: row.id,
      email: row.sharedDriveId ? null : row.subjectEmail,
      sharedDriveId: row.sharedDriveId ?? null,
      services: row.services,
      status: row.status,
      itemsDone: row.itemsDone,
      itemsTotal: row.itemsTotal,
      error: row.error,
      createdAt: row.createdAt.toISOString(),
      finishedAt: row.finishedAt?.toISOString() ?? null,
      expiresAt: row.expiresAt?.toISOString() ?? null,
      downloadLink: live ? `/api/v1/exports/${row.id}/download` : null,
    };
  }

  async function start(request: FastifyRequest, subject: string, services: readonly string[] | undefined) {
    const { actor } = requireApiToken(request);
    const row = await startExport(ctx, {
      customerId: actor.customerId,
      user: subject,
      ...(services ? { services } : {}),
      by: { actor, audit: apiTokenAuditActor(request) },
    });
    return toSpanningExport(row);
  }

  /** The tenant's export, once the token may export its data; another tenant's answers 404. */
  async function ownExport(request: FastifyRequest, exportId: string): Promise<DataExport> {
    const { actor } = requireApiToken(request);
    await authorizeCustomer(ctx.db, actor, 'customer.data.export', actor.customerId);
    const row = await getExport(ctx, actor.customerId, exportId);
    if (!row) throw notFound('The export');
    return row;
  }

  app.get(
    '/api/v1/shareddrives',
    {
      config,
      schema: {
        tags,
        summary: "The domain's shared drives by name, with whether they are protected and their last backup",
        security,
        querystring: pageQuery,
        response: { 200: z.strictObject({ sharedDrives: z.array(sharedDriveSchema), ...nextPage }) },
      },
    },
    async (request) => {
      const { actor } = requireApiToken(request);
      await authorizeCustomer(ctx.db, actor, 'customer.read', actor.customerId);
      const { size, pageToken } = request.query;
      const offset = offsetOf(pageToken);
      const result = await listSharedDrives(ctx, actor.customerId, { limit: size, offset });
      return {
        sharedDrives: result.drives.map((drive) => ({
          type: 'sharedDrive' as const,
          id: drive.driveId,
          name: drive.name,
          protected: drive.protected,
          lastBackupAt: drive.lastBackup.lastSuccessAt,
        })),
        ...page('/api/v1/shareddrives', size, offset, result.drives.length, result.total),
      };
    },
  );

  app.post(
    '/api/v1/shareddrives/:driveId/export',
    {
      config,
      schema: {
        tags,
        summary: "Export a shared drive's latest backup as a zip; follow it with GET /exports/{id}",
        security,
        params: z.strictObject({
          driveId: z
            .string()
            .min(1)
            .max(200)
            .regex(/^[^@]+$/, 'a shared drive id'),
        }),
        response: { 202: spanningExportSchema },
      },
    },
    async (request, reply) => reply.code(202).send(await start(request, request.params.driveId, undefined)),
  );

  app.post(
    '/api/v1/exports',
    {
      config,
      schema: {
        tags,
        summary:
          "Initiate an export of a user's latest backup (every service, or those given) as a zip; follow it with GET /exports/{id}",
        security,
        body: z.strictObject({
          email: z.email().max(320),
          services: z.array(z.enum(exportServices)).min(1).optional(),
        }),
        response: { 202: spanningExportSchema },
      },
    },
    async (request, reply) => reply.code(202).send(await start(request, request.body.email, request.body.services)),
  );

  app.get(
    '/api/v1/exports',
    {
      config,
      schema: {
        tags,
        summary: "The domain's exports, newest first",
        security,
        querystring: pageQuery,
        response: { 200: z.strictObject({ exports: z.array(spanningExportSchema), ...nextPage }) },
      },
    },
    async (request) => {
      const { actor } = requireApiToken(request);
      await authorizeCustomer(ctx.db, actor, 'customer.data.export', actor.customerId);
      const { size, pageToken } = request.query;
      const offset = offsetOf(pageToken);
      const result = await listExports(ctx, actor.customerId, { limit: size, offset });
      return {
        exports: result.exports.map(toSpanningExport),
        ...page('/api/v1/exports', size, offset, result.exports.length, result.total),
      };
    },
  );

  app.get(
    '/api/v1/exports/:exportId',
    {
      config,
      schema: {
        tags,
        summary: 'One export: its progress, then its download link (the zip is kept 7 days)',
        security,
        params: z.strictObject({ exportId: z.uuid() }),
        response: { 200: spanningExportSchema },
      },
    },
    async (request) => toSpanningExport(await ownExport(request, request.params.exportId)),
  );

  app.get(
    '/api/v1/exports/:exportId/download',
    {
      config,
      schema: {
        tags,
        summary: "A finished export's zip (Range requests answered; 409 while it builds, 410 once deleted)",
        security,
        params: z.strictObject({ exportId: z.uuid() }),
        produces: ['application/zip'],
      },
    },
    async (request, reply) => {
      const row = await ownExport(request, request.params.exportId);
      return sendExportZip(ctx, reply, {
        customerId: row.customerId,
        exportId: row.id,
        range: request.headers.range,
        audit: apiTokenAuditActor(request),
      });
    },
  );
}
