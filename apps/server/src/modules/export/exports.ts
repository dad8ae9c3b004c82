// Zip exports as jobs: `exportRowFor` checks there is something to export (startExport then
// records the queued export with its job), `runExport` builds the zip into the export directory with progress in the row, and
// `exportForDownload` finds a finished zip for a download — which always needs the session of
// someone allowed to export the customer's data at that moment (no bearer links: issue 16 #2).
// A zip is kept 7 days after it was finished; housekeeping then deletes it.
import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Repository } from '@safehold/repository';
import { and, count, desc, eq, inArray, lt } from 'drizzle-orm';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../http/errors.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import {
  type BackupService,
  isNarrowed,
  openTenantRepository,
  selectionMisfit,
  sharedDriveName,
  subjectKey,
  type VersionSelection,
} from '../backup/index.ts';
import { itemKeysMatching, QueryError } from '../search/index.ts';
import { buildExport, type ExportPlan, type ExportProgress, exportServices, planExport } from './export-archive.ts';
import { dataExports } from './tables.ts';
import { createZipArchive } from './zip-archive.ts';

export const EXPORT_JOB = 'export.build';
/** How long a finished zip is kept for download. */
export const exportRetentionMs = 7 * 24 * 3600_000;
const progressIntervalMs = 500;

export type DataExport = typeof dataExports.$inferSelect;

export interface CreateExportInput {
  customerId: string;
  /** The backed-up user's email; ignored for a shared drive. */
  subjectEmail: string;
  /** Export this shared drive (its id) instead of a user. */
  sharedDriveId?: string;
  services?: readonly BackupService[];
  asOf?: Date | null;
  /** A label, folder, items or query of exactly one service; none: everything of the services. */
  selection?: VersionSelection;
  requestedBy: string;
}

const invalid = (field: string, message: string) => new AppError('validation_failed', message, { field });

/** What checking an export request needs of the context. */
export type ExportRequestDeps = Pick<AppContext, 'db' | 'clock'>;

/**
 * The queued export row a request asks for, after checking the user (or shared drive) has a
 * backup of at least one of the services as of the time asked for, and that a selection names
 * exactly one service it fits; a query is resolved to its items here, once. Writes nothing;
 * throws a validation error naming the field at fault.
 */
export async function exportRowFor(
  deps: ExportRequestDeps,
  input: CreateExportInput,
): Promise<typeof dataExports.$inferInsert> {
  const driveId = input.sharedDriveId;
  const asked = input.services && input.services.length > 0 ? [...new Set(input.services)] : undefined;
  const services = asked ?? (driveId ? ['drive' as const] : [...exportServices]);
  if (driveId && services.some((service) => service !== 'drive')) {
    throw invalid('services', 'A shared drive has Drive only: give services ["drive"] or none.');
  }
  const asOf = input.asOf ?? null;
  if (asOf && asOf.getTime() > deps.clock.now().getTime() + 60_000) {
    throw invalid('asOf', `asOf ${asOf.toISOString()} is in the future.`);
  }
  const selection: VersionSelection | undefined = input.selection ? { ...input.selection } : undefined;
  const narrowed = selection !== undefined && (isNarrowed(selection) || selection.query !== undefined);
  const [service] = services;
  if (narrowed && (services.length !== 1 || service === undefined || (!asked && !driveId))) {
    throw invalid('services', 'A selection (label, folder, items, query) narrows one service: give exactly one.');
  }
  if (narrowed && service) {
    const misfit = selectionMisfit(service, selection);
    if (misfit) throw invalid(misfit.field, misfit.message);
  }
  const sharedDrive = driveId ? { id: driveId, name: await sharedDriveName(deps.db, input.customerId, driveId) } : null;
  const subject = driveId ?? input.subjectEmail;
  const planOf = (chosen: VersionSelection | null) =>
    planExport(deps.db, {
      customerId: input.customerId,
      subjectEmail: subject,
      sharedDrive,
      services,
      asOf,
      selection: chosen,
    });
  let plan = await planOf(null);
  const [found] = plan.sources;
  if (!found) {
    const what = sharedDrive ? `shared drive ${sharedDrive.name ?? driveId}` : input.subjectEmail;
    throw invalid(
      'user',
      `No backup of ${what} (${services.join(', ')})${asOf ? ` as of ${asOf.toISOString()}` : ''} in this domain.`,
    );
  }
  if (narrowed) {
    if (selection.query !== undefined) selection.items = await queryItems(deps, plan, selection);
    plan = await planOf(selection);
  }
  return {
    id: randomUUID(),
    customerId: input.customerId,
    subjectEmail: driveId ?? found.source.subjectEmail,
    sharedDriveId: sharedDrive?.id ?? null,
    sharedDriveName: sharedDrive?.name ?? null,
    services,
    selection: narrowed ? selection : null,
    asOf,
    itemsTotal: plan.itemsTotal,
    requestedBy: input.requestedBy,
    createdAt: deps.clock.now(),
  };
}

/** The items a selection's query finds in the planned source, as of its backup point. */
async function queryItems(deps: ExportRequestDeps, plan: ExportPlan, selection: VersionSelection): Promise<string[]> {
  const [entry] = plan.sources;
  if (!entry || selection.query === undefined) return selection.items ?? [];
  try {
    return await itemKeysMatching(
      deps.db,
      plan.customerId,
      entry.source.id,
      entry.point.at,
      selection.query,
      selection.items,
    );
  } catch (error) {
    if (error instanceof QueryError) throw invalid('query', error.message);
    throw error;
  }
}

/** Writes a queued export row (without its job: startExport adds both at once). */
export async function insertExport(
  db: Pick<Db, 'insert'>,
  values: typeof dataExports.$inferInsert,
): Promise<DataExport> {
  const [row] = await db.insert(dataExports).values(values).returning();
  if (!row) throw new Error('the export row was not created');
  return row;
}

/** Records a queued export (no job, no audit entry): tests that build it themselves. */
export async function createExport(deps: ExportRequestDeps, input: CreateExportInput): Promise<DataExport> {
  return insertExport(deps.db, await exportRowFor(deps, input));
}

/** The export of this customer, or null (another tenant's id is simply not found). */
export async function getExport(
  ctx: Pick<AppContext, 'db'>,
  customerId: string,
  exportId: string,
): Promise<DataExport | null> {
  const [row] = await ctx.db
    .select()
    .from(dataExports)
    .where(and(eq(dataExports.customerId, customerId), eq(dataExports.id, exportId)));
  return row ?? null;
}

/** The customer's exports, newest first, one page of them and how many match (of one user or shared drive if given). */
export async function listExports(
  ctx: Pick<AppContext, 'db'>,
  customerId: string,
  page: { limit: number; offset: number; user?: string },
): Promise<{ exports: DataExport[]; total: number }> {
  const where = and(
    eq(dataExports.customerId, customerId),
    // An email in any case; a shared drive id as it is (ids are case-sensitive).
    page.user ? eq(dataExports.subjectEmail, subjectKey(page.user)) : undefined,
  );
  const rows = await ctx.db
    .select()
    .from(dataExports)
    .where(where)
    .orderBy(desc(dataExports.createdAt), desc(dataExports.id))
    .limit(page.limit)
    .offset(page.offset);
  const [total] = await ctx.db.select({ n: count() }).from(dataExports).where(where);
  return { exports: rows, total: total?.n ?? 0 };
}

export function exportFilePath(ctx: Pick<AppContext, 'config'>, row: Pick<DataExport, 'customerId' | 'id'>): string {
  return path.join(ctx.config.exportDir, row.customerId, `${row.id}.zip`);
}

/** Removes every export file of a tenant (its directory under the export dir). */
export async function deleteTenantExportFiles(ctx: Pick<AppContext, 'config'>, customerId: string): Promise<void> {
  await rm(path.join(ctx.config.exportDir, customerId), { recursive: true, force: true });
}

export interface RunExportOptions {
  signal?: AbortSignal;
  /** An already open tenant repository (the CLI and tests share one). */
  repository?: Repository;
  onProgress?(progress: ExportProgress): void;
}

/**
 * Builds the zip of a queued (or interrupted) export. A failure is recorded on the export
 * and thrown; the partial file is removed. Re-running an interrupted export starts over.
 */
export async function runExport(
  ctx: AppContext,
  exportId: string,
  options: RunExportOptions = {},
): Promise<DataExport> {
  const [row] = await ctx.db.select().from(dataExports).where(eq(dataExports.id, exportId));
  if (!row) throw new Error(`no export ${exportId}`);
  if (row.status === 'success' || row.status === 'expired') return row;
  await ctx.db
    .update(dataExports)
    .set({ status: 'running', startedAt: ctx.clock.now(), itemsDone: 0, bytesDone: 0, error: null })
    .where(eq(dataExports.id, exportId));
  const file = exportFilePath(ctx, row);
  const partial = `${file}.partial`;
  const workDir = `${file}.work`;
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await rm(partial, { force: true });
  await rm(workDir, { recursive: true, force: true });
  const repository = options.repository ?? (await openTenantRepository(ctx, row.customerId));
  let lastWrite = 0;
  let writing: Promise<unknown> = Promise.resolve();
  const archive = createZipArchive(partial, options.signal ? { signal: options.signal } : {});
  try {
    const plan = await planExport(ctx.db, {
      customerId: row.customerId,
      subjectEmail: row.subjectEmail,
      sharedDrive: row.sharedDriveId ? { id: row.sharedDriveId, name: row.sharedDriveName } : null,
      services: row.services as BackupService[],
      asOf: row.asOf,
      selection: row.selection,
    });
    await ctx.db.update(dataExports).set({ itemsTotal: plan.itemsTotal }).where(eq(dataExports.id, exportId));
    const built = await buildExport({
      db: ctx.db,
      repository,
      archive,
      plan,
      workDir,
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress(progress) {
        options.onProgress?.(progress);
        const now = ctx.clock.now().getTime();
        if (now - lastWrite < progressIntervalMs) return;
        lastWrite = now;
        // One progress write at a time; a slow database never queues them up.
        writing = writing.then(() =>
          ctx.db
            .update(dataExports)
            .set({ itemsDone: progress.itemsDone, bytesDone: progress.bytesDone })
            .where(eq(dataExports.id, exportId)),
        );
      },
    });
    const zipBytes = await archive.finish();
    await writing;
    await rename(partial, file);
    const finishedAt = ctx.clock.now();
    const [done] = await ctx.db
      .update(dataExports)
      .set({
        status: 'success',
        itemsDone: plan.itemsTotal,
        itemsTotal: plan.itemsTotal,
        bytesDone: built.bytes,
        zipBytes,
        fileName: exportFileName(row.sharedDriveName ?? row.subjectEmail, row.asOf ?? finishedAt),
        finishedAt,
        expiresAt: new Date(finishedAt.getTime() + exportRetentionMs),
      })
      .where(eq(dataExports.id, exportId))
      .returning();
    return done as DataExport;
  } catch (error) {
    archive.abort(error as Error);
    await writing.catch(() => {});
    await rm(partial, { force: true });
    await rm(workDir, { recursive: true, force: true });
    // A stopping worker is not the export's fault: it goes back to the queue (pg-boss retries it).
    const interrupted = options.signal?.aborted === true;
    await ctx.db
      .update(dataExports)
      .set(
        interrupted
          ? { status: 'queued', error: null, itemsDone: 0, bytesDone: 0 }
          : { status: 'failed', error: (error as Error).message, finishedAt: ctx.clock.now() },
      )
      .where(eq(dataExports.id, exportId));
    throw error;
  } finally {
    if (!options.repository) await repository.close();
  }
}

function exportFileName(email: string, at: Date): string {
  return `safehold-export-${email.replace(/[^a-zA-Z0-9@._-]/g, '_')}-${at.toISOString().slice(0, 19).replace(/:/g, '')}Z.zip`;
}

/** Declares the export job: the handler builds the export whose id it carries. */
export function defineExportJobs(jobs: JobQueue, ctx: () => AppContext): void {
  jobs.define(
    EXPORT_JOB,
    async (payload, run) => {
      try {
        await runExport(ctx(), payload.exportId, { signal: run.signal });
      } catch (error) {
        // Interrupted (the worker is stopping): thrown, so pg-boss runs it again later.
        if (run.signal.aborted) throw error;
        // Otherwise the failure is on the export row, for the person who asked to see.
        run.logger.warn({ err: error, exportId: payload.exportId }, 'export failed');
      }
    },
    { payload: z.object({ exportId: z.uuid() }), retryLimit: 2, expireInSeconds: 12 * 3600, concurrency: 2 },
  );
}

// --- Downloads --------------------------------------------------------------------------------

/**
 * The finished export a download asks for, within this customer (the caller has authorised the
 * person for it). Of another customer or unknown: 404; still being built or failed: 409; past
 * its retention or its zip already deleted: 410.
 */
export async function exportForDownload(
  ctx: Pick<AppContext, 'db' | 'clock' | 'config'>,
  customerId: string,
  exportId: string,
): Promise<DataExport & { file: string }> {
  const row = await getExport(ctx, customerId, exportId);
  if (!row) throw new AppError('not_found', 'Export not found.');
  if (row.status === 'queued' || row.status === 'running') {
    throw new AppError('conflict', 'This export is not ready yet: its zip is still being built.');
  }
  if (row.status === 'failed') {
    throw new AppError('conflict', 'This export failed, so it has no zip: start a new export.');
  }
  if (row.status === 'expired' || ctx.clock.now().getTime() >= (row.expiresAt?.getTime() ?? 0)) {
    throw new AppError('gone', 'This export has expired: start a new export.');
  }
  return { ...row, file: exportFilePath(ctx, row) };
}

/** Housekeeping: deletes the zips kept past their retention. */
export async function deleteExpiredExports(ctx: Pick<AppContext, 'db' | 'config'>, now: Date): Promise<number> {
  const expired = await ctx.db
    .select({ id: dataExports.id, customerId: dataExports.customerId })
    .from(dataExports)
    .where(and(eq(dataExports.status, 'success'), lt(dataExports.expiresAt, now)));
  for (const row of expired) await rm(exportFilePath(ctx, row), { force: true });
  if (expired.length === 0) return 0;
  await ctx.db
    .update(dataExports)
    .set({ status: 'expired' })
    .where(
      inArray(
        dataExports.id,
        expired.map((row) => row.id),
      ),
    );
  return expired.length;
}

/** The audit entry of an export event (created, downloaded). */
export function exportAuditDetails(row: DataExport): Record<string, unknown> {
  return {
    exportId: row.id,
    user: row.subjectEmail,
    ...(row.sharedDriveId ? { sharedDrive: { id: row.sharedDriveId, name: row.sharedDriveName } } : {}),
    services: row.services,
    ...(row.selection ? { selection: selectionSummary(row.selection) } : {}),
    asOf: row.asOf?.toISOString() ?? null,
    items: row.itemsTotal,
    zipBytes: row.zipBytes,
  };
}

/** A selection as the audit log keeps it: the label, folder and query as given, items counted. */
function selectionSummary(selection: VersionSelection): Record<string, unknown> {
  return {
    ...(selection.label !== undefined ? { label: selection.label } : {}),
    ...(selection.folder !== undefined ? { folder: selection.folder } : {}),
    ...(selection.query !== undefined ? { query: selection.query } : {}),
    ...(selection.items !== undefined ? { items: selection.items.length } : {}),
  };
}
