// Shared drives API (part of the backup module's routes): GET …/shared-drives lists the domain's
// shared drives as the backup last saw them, with their protection, last backup and figures;
// PUT …/shared-drives/:driveId/protection protects one or stops protecting it; PUT
// …/shared-drives/settings says whether a drive first seen is protected. Both changes need
// `customer.settings.manage`, as the backup window and retention do: what is backed up is the
// tenant's standing configuration, and turning a drive's protection off ends its backups — not
// something a help-desk admin (who may run backups and restores) decides. Both are audited.
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { App } from '../../http/app.ts';
import { notFound } from '../../http/errors.ts';
import { auditActorOf, requireActor } from '../identity/index.ts';
import { authorizeCustomer } from '../tenancy/index.ts';
import { lastRunSchema } from './run-schema.ts';
import {
  listSharedDrives,
  protectsNewSharedDrives,
  setProtectNewSharedDrives,
  setSharedDriveProtection,
} from './shared-drives.ts';

const params = z.object({ customerId: z.uuid() });

const driveEntry = z.object({
  driveId: z.string(),
  name: z.string(),
  protected: z.boolean(),
  lastBackup: z.object({
    lastSuccessAt: z.string().nullable().describe('Null: not backed up yet.'),
    lastRun: lastRunSchema.nullable(),
  }),
  items: z.number().describe('Items at the latest backup point (0: none yet).'),
  bytes: z.number(),
});

export function sharedDriveRoutes(app: App, ctx: AppContext): void {
  function audit(request: FastifyRequest, customerId: string, action: string, details: Record<string, unknown>) {
    const who = auditActorOf(request);
    return ctx.audit.record({
      ...who,
      tenants: [...new Set([...who.tenants, `customer:${customerId}` as const])],
      action,
      target: customerId,
      result: 'success',
      details,
    });
  }

  app.get(
    '/api/customers/:customerId/shared-drives',
    {
      schema: {
        tags: ['backup'],
        summary: "The domain's shared drives (by name, searched and paged) with protection, last backup and figures",
        params,
        querystring: z.strictObject({
          q: z.string().trim().max(200).optional().describe('Part of the name or id'),
          limit: z.coerce.number().int().min(1).max(200).default(25),
          offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
        }),
        response: {
          200: z.object({
            drives: z.array(driveEntry),
            total: z.number().int(),
            protectNew: z.boolean().describe('Whether a drive first seen is protected'),
            limit: z.number().int(),
            offset: z.number().int(),
          }),
        },
      },
    },
    async (request) => {
      const { customerId } = request.params;
      await authorizeCustomer(ctx.db, requireActor(request), 'customer.read', customerId);
      const { q, limit, offset } = request.query;
      const page = await listSharedDrives(ctx, customerId, { q: q || undefined, limit, offset });
      return { ...page, protectNew: await protectsNewSharedDrives(ctx, customerId), limit, offset };
    },
  );

  app.put(
    '/api/customers/:customerId/shared-drives/settings',
    {
      schema: {
        tags: ['backup'],
        summary: 'Whether shared drives first seen from now on are protected (backed up)',
        params,
        body: z.strictObject({ protectNew: z.boolean() }),
        response: { 200: z.object({ protectNew: z.boolean() }) },
      },
    },
    async (request) => {
      const { customerId } = request.params;
      await authorizeCustomer(ctx.db, requireActor(request), 'customer.settings.manage', customerId);
      const before = await protectsNewSharedDrives(ctx, customerId);
      await setProtectNewSharedDrives(ctx, customerId, request.body.protectNew);
      await audit(request, customerId, 'shared_drives.settings.update', {
        before: { protectNew: before },
        after: { protectNew: request.body.protectNew },
      });
      return { protectNew: request.body.protectNew };
    },
  );

  app.put(
    '/api/customers/:customerId/shared-drives/:driveId/protection',
    {
      schema: {
        tags: ['backup'],
        summary: 'Protect a shared drive (back it up) or stop protecting it (its backups are kept)',
        params: params.extend({
          driveId: z
            .string()
            .min(1)
            .max(200)
            .regex(/^[\w-]+$/, 'a shared drive id'),
        }),
        body: z.strictObject({ protected: z.boolean() }),
        response: { 200: driveEntry.pick({ driveId: true, name: true, protected: true }) },
      },
    },
    async (request) => {
      const { customerId, driveId } = request.params;
      await authorizeCustomer(ctx.db, requireActor(request), 'customer.settings.manage', customerId);
      const drive = await setSharedDriveProtection(ctx.db, customerId, driveId, request.body.protected);
      if (!drive) throw notFound('Shared drive');
      await audit(request, customerId, 'shared_drive.protection.update', {
        driveId,
        name: drive.name,
        protected: drive.protected,
      });
      return { driveId: drive.driveId, name: drive.name, protected: drive.protected };
    },
  );
}
