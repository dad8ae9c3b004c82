// Disaster recovery: rebuilds a tenant's backup history (sources, runs, item versions) and its
// PostgreSQL blob index from the tenant's repository alone, for a tenant whose database rows
// were lost. The repository is sealed with the tenant's keys, which live only in the database
// (wrapped by the master key): so recovery needs either the surviving customer + keys rows, or
// a key export (`safehold tenant export-keys`) plus the same master key.
import {
  backendFromUrl,
  createRepositoryIndex,
  openRepository,
  type PackRecord,
  packNameFromPath,
  type Repository,
  rebuildIndex,
} from '@safehold/repository';
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { findCustomerByDomainAnyCase, insertCustomer } from '../tenancy/index.ts';
import { INTERRUPTED_REASON } from './backup-types.ts';
import { createPostgresBlobIndex } from './postgres-blob-index.ts';
import { backupItemVersions, backupRunErrors, backupRuns, backupSources, tenantRepositoryKeys } from './tables.ts';
import { tenantRepositoryLocation, unwrapTenantKeys } from './tenant-repository.ts';

export class RecoverError extends Error {
  override name = 'RecoverError';
}

// ---- key export ----------------------------------------------------------------------------

export const keyExportSchema = z.object({
  format: z.literal('safehold-tenant-keys'),
  v: z.literal(1),
  customerId: z.string().uuid(),
  domain: z.string().min(1),
  name: z.string(),
  location: z.string().min(1),
  /** Still wrapped by the master key (the same format as tenant_repository_keys.wrapped_keys). */
  wrappedKeys: z.string().min(1),
  exportedAt: z.string(),
});
export type KeyExport = z.infer<typeof keyExportSchema>;

/** The tenant's repository keys as stored: wrapped by the master key, useless without it. */
export async function exportTenantKeys(
  ctx: Pick<AppContext, 'db' | 'clock' | 'masterKey'>,
  domain: string,
): Promise<KeyExport> {
  const customer = await findCustomerByDomainAnyCase(ctx.db, domain);
  const [keys] = customer
    ? await ctx.db.select().from(tenantRepositoryKeys).where(eq(tenantRepositoryKeys.customerId, customer.id))
    : [];
  const row = customer && keys ? { customer, keys } : null;
  if (!row) throw new RecoverError(`no customer with the domain "${domain}" and repository keys in this installation`);
  // Unwrapping proves the export is usable with this installation's master key.
  unwrapTenantKeys(ctx.masterKey, row.customer.id, row.keys.wrappedKeys);
  return {
    format: 'safehold-tenant-keys',
    v: 1,
    customerId: row.customer.id,
    domain: row.customer.domain,
    name: row.customer.name,
    location: row.keys.location,
    wrappedKeys: row.keys.wrappedKeys,
    exportedAt: ctx.clock.now().toISOString(),
  };
}

// ---- manifests -----------------------------------------------------------------------------

const runCounters = {
  trigger: z.enum(['scheduled', 'on_demand']).optional(),
  added: z.number().int().optional(),
  changed: z.number().int().optional(),
  deleted: z.number().int().optional(),
  skipped: z.number().int().optional(),
  failed: z.number().int().optional(),
  bytes: z.number().optional(),
  queuedAt: z.string().optional(),
  errors: z.array(z.object({ key: z.string(), reason: z.string() })).optional(),
};

/** A backup-run manifest (run-source.ts): v1 has versions only, v2 adds domain, counters, errors, covered runs. */
const manifestSchema = z.object({
  v: z.union([z.literal(1), z.literal(2)]),
  customerId: z.string(),
  domain: z.string().nullable().optional(),
  customerName: z.string().nullable().optional(),
  source: z.object({
    id: z.string().uuid(),
    subjectKind: z.enum(['user', 'shared_drive']),
    subjectId: z.string(),
    subjectEmail: z.string(),
    service: z.enum(['gmail', 'drive', 'calendar', 'contacts']),
  }),
  run: z.object({
    id: z.string().uuid(),
    status: z.enum(['success', 'partial', 'failed']),
    mode: z.string().nullable(),
    startedAt: z.string(),
    finishedAt: z.string(),
    error: z.string().nullable().optional(),
    ...runCounters,
  }),
  coveredRuns: z
    .array(
      z.object({
        id: z.string().uuid(),
        status: z.enum(['queued', 'running', 'success', 'partial', 'failed']),
        mode: z.string().nullable(),
        error: z.string().nullable(),
        startedAt: z.string().nullable(),
        finishedAt: z.string().nullable(),
        ...runCounters,
      }),
    )
    .optional(),
  cursor: z.record(z.string(), z.unknown()).nullable(),
  versions: z.array(
    z.object({
      key: z.string(),
      version: z.number().int(),
      objectId: z.string(),
      contentHash: z.string(),
      size: z.number(),
      metadata: z.record(z.string(), z.unknown()),
      validFrom: z.string(),
      validTo: z.string().nullable(),
      runId: z.string().uuid(),
      closedByRunId: z.string().uuid().nullable(),
    }),
  ),
});
type Manifest = z.infer<typeof manifestSchema>;

export interface RecoverReport {
  ok: boolean;
  customerId: string;
  domain: string;
  /** Where the keys came from: surviving database rows, or the export file (rows recreated). */
  keys: 'database' | 'file';
  manifests: number;
  sources: number;
  runs: number;
  versions: number;
  /** Versions named by manifests whose content the repository no longer has (retention and gc removed it): left out. */
  versionsWithoutContent: number;
  packs: number;
  blobs: number;
  /** Packs not in the repository's index files, read from their headers (rebuildIndex). */
  packsFromHeaders: number;
  problems: string[];
}

export interface RecoverOptions {
  domain?: string;
  keys?: KeyExport;
}

/**
 * Recovers one tenant. With `keys` the customer and keys rows are recreated (or checked) from
 * the export; without, they must still be in the database. Refuses when the tenant still has
 * backup rows (it rebuilds lost history, it does not merge).
 */
export async function recoverTenant(
  ctx: Pick<AppContext, 'config' | 'db' | 'logger' | 'masterKey'>,
  options: RecoverOptions,
): Promise<RecoverReport> {
  const domain = (options.domain ?? options.keys?.domain)?.toLowerCase();
  if (options.keys && options.domain && options.keys.domain.toLowerCase() !== domain)
    throw new RecoverError(`the key file is for ${options.keys.domain}, not ${options.domain}`);
  if (!domain) throw new RecoverError('the domain is unknown: give --domain');

  const existing = await findCustomerByDomainAnyCase(ctx.db, domain);
  const customerId = options.keys?.customerId ?? existing?.id;
  if (!customerId)
    throw new RecoverError(
      `no customer with the domain "${domain}" in this database: give the exported keys with --keys FILE`,
    );
  if (existing && existing.id !== customerId)
    throw new RecoverError(`${domain} is already a different customer (${existing.id}) in this database`);

  const [keysRow] = await ctx.db
    .select()
    .from(tenantRepositoryKeys)
    .where(eq(tenantRepositoryKeys.customerId, customerId));
  const wrapped = keysRow?.wrappedKeys ?? options.keys?.wrappedKeys;
  if (!wrapped)
    throw new RecoverError(
      `${domain} has no repository keys in this database: give the exported keys with --keys FILE`,
    );
  let keys: ReturnType<typeof unwrapTenantKeys>;
  try {
    keys = unwrapTenantKeys(ctx.masterKey, customerId, wrapped);
  } catch {
    throw new RecoverError(
      `the repository keys of ${domain} cannot be unwrapped: this installation's master key is not the one they were wrapped with`,
    );
  }
  const [hasSources] = await ctx.db
    .select({ n: sql<number>`count(*)::int` })
    .from(backupSources)
    .where(eq(backupSources.customerId, customerId));
  const [hasVersions] = await ctx.db
    .select({ n: sql<number>`count(*)::int` })
    .from(backupItemVersions)
    .where(eq(backupItemVersions.customerId, customerId));
  if ((hasSources?.n ?? 0) > 0 || (hasVersions?.n ?? 0) > 0)
    throw new RecoverError(
      `${domain} still has backup rows in this database: recover only rebuilds a tenant whose backup history was lost`,
    );

  // The repository is where the current storage URL says (the export's location is a hint).
  const location = keysRow?.location ?? tenantRepositoryLocation(ctx.config.storageUrl, customerId);
  const name = existing?.name ?? options.keys?.name ?? domain;
  const backend = await backendFromUrl(location);
  const problems: string[] = [];
  // No mirror: the index files already describe these packs; writing them again would duplicate.
  const index = createPostgresBlobIndex(ctx.db, customerId);
  const repository: Repository = await openRepository({ backend, keys, index, workers: 1 });
  let packs = 0;
  let blobs = 0;
  let packsFromHeaders = 0;
  const packsGone: string[] = [];
  let manifests: Manifest[] = [];
  const manifestIds = new Map<Manifest, string>();
  try {
    // 1. Manifests: every backup-run snapshot of this customer.
    for (const id of await repository.listSnapshotIds()) {
      try {
        const snapshot = await repository.readSnapshot(id);
        if (snapshot.kind !== 'backup-run') continue;
        const manifest = manifestSchema.parse(snapshot.data);
        if (manifest.customerId !== customerId) {
          problems.push(`manifest ${id} belongs to another customer (${manifest.customerId}): skipped`);
          continue;
        }
        manifests.push(manifest);
        manifestIds.set(manifest, id);
      } catch (error) {
        problems.push(`manifest ${id} is unreadable: ${error instanceof Error ? error.message : String(error)}`);
      }
    }

    // 2. The customer and keys rows (the blob index references the customer), once the repository
    // opened and its manifests were read with these keys; a second attempt finds them in the database.
    if (!existing || !keysRow) {
      await ctx.db.transaction(async (tx) => {
        if (!existing) await insertCustomer(tx, { id: customerId, domain: options.keys?.domain ?? domain, name });
        if (!keysRow) await tx.insert(tenantRepositoryKeys).values({ customerId, wrappedKeys: wrapped, location });
      });
    }

    // 3. Blob index: the repository's index files first (for the packs that exist), then pack
    // headers for packs they miss.
    const stored = new Set<string>();
    for await (const object of backend.list('data/')) {
      const name = packNameFromPath(object.name);
      if (name) stored.add(name);
    }
    const files = createRepositoryIndex(backend, keys.dataKey);
    await files.load();
    const fromFiles: PackRecord[] = [];
    for await (const pack of files.packs()) {
      if (stored.has(pack.name)) fromFiles.push(pack);
      else packsGone.push(pack.name);
    }
    // gc rewrites the index before it deletes packs: a named pack that is gone was lost.
    for (const name of packsGone)
      problems.push(`pack ${name} is named by the index files but missing from the storage: its blobs are lost`);
    for (let i = 0; i < fromFiles.length; i += 200) await index.addPacks(fromFiles.slice(i, i + 200));
    const indexed = new Set(fromFiles.map((pack) => pack.name));
    const missing = [...stored].filter((name) => !indexed.has(name)).length;
    if (missing > 0) {
      const report = await rebuildIndex(repository);
      packsFromHeaders = missing;
      for (const bad of report.unreadable) problems.push(`pack ${bad.pack} is unreadable: ${bad.problem}`);
    }
    for await (const pack of index.packs()) {
      packs += 1;
      blobs += pack.blobs.length;
    }
  } finally {
    await repository.close();
  }
  manifests = manifests.sort(
    (a, b) => a.run.finishedAt.localeCompare(b.run.finishedAt) || a.run.id.localeCompare(b.run.id),
  );
  const recoveredDomain = existing?.domain ?? options.keys?.domain ?? domain;

  const rows = rowsFromManifests(customerId, manifests, manifestIds);
  // Manifests outlive retention: a version that retention deleted still appears in the manifest
  // of its run, and the next gc removed its content. Such versions stay out (they were gone
  // before the database was); so do those whose content was in a lost pack (a problem above).
  const present = new Set<string>();
  const objectIds = [...new Set(rows.versions.map((version) => version.objectId))];
  for (let i = 0; i < objectIds.length; i += 5000)
    for (const id of (await index.lookup(objectIds.slice(i, i + 5000))).keys()) present.add(id);
  const versions = rows.versions.filter((version) => present.has(version.objectId));
  const versionsWithoutContent = rows.versions.length - versions.length;
  await ctx.db.transaction(async (tx) => {
    for (let i = 0; i < rows.sources.length; i += 500)
      await tx.insert(backupSources).values(rows.sources.slice(i, i + 500));
    for (let i = 0; i < rows.runs.length; i += 500) await tx.insert(backupRuns).values(rows.runs.slice(i, i + 500));
    for (let i = 0; i < rows.errors.length; i += 500)
      await tx.insert(backupRunErrors).values(rows.errors.slice(i, i + 500));
    for (let i = 0; i < versions.length; i += 500)
      await tx.insert(backupItemVersions).values(versions.slice(i, i + 500));
  });
  ctx.logger.info(
    {
      component: 'recover',
      customerId,
      manifests: manifests.length,
      versions: versions.length,
      versionsWithoutContent,
      packs,
    },
    'tenant backup history recovered from its repository',
  );
  return {
    ok: problems.length === 0,
    customerId,
    domain: recoveredDomain,
    keys: keysRow ? 'database' : 'file',
    manifests: manifests.length,
    sources: rows.sources.length,
    runs: rows.runs.length,
    versions: versions.length,
    versionsWithoutContent,
    packs,
    blobs,
    packsFromHeaders,
    problems,
  };
}

type SourceRow = typeof backupSources.$inferInsert;
type RunRow = typeof backupRuns.$inferInsert;
type VersionRow = typeof backupItemVersions.$inferInsert;

/**
 * Replays manifests (oldest first). A version appears in the manifest of the run that created
 * it (still open) and again in the one that closed it: its closing is kept whatever the order.
 */
export function rowsFromManifests(
  customerId: string,
  manifests: readonly Manifest[],
  manifestIds: ReadonlyMap<Manifest, string>,
): {
  sources: SourceRow[];
  runs: RunRow[];
  errors: (typeof backupRunErrors.$inferInsert)[];
  versions: VersionRow[];
} {
  const sources = new Map<string, SourceRow>();
  const runs = new Map<string, RunRow>();
  const errors: (typeof backupRunErrors.$inferInsert)[] = [];
  const versions = new Map<string, VersionRow>();
  const ordered = [...manifests].sort(
    (a, b) => a.run.finishedAt.localeCompare(b.run.finishedAt) || a.run.id.localeCompare(b.run.id),
  );
  for (const manifest of ordered) {
    const snapshotId = manifestIds.get(manifest) ?? null;
    const { source, run } = manifest;
    const sourceRow = sources.get(source.id) ?? {
      id: source.id,
      customerId,
      subjectKind: source.subjectKind,
      subjectId: source.subjectId,
      subjectEmail: source.subjectEmail,
      service: source.service,
    };
    sources.set(source.id, sourceRow);
    if (run.status === 'success') {
      // The cursor of the latest successful run: the next backup continues incrementally from it.
      sourceRow.cursor = manifest.cursor;
      sourceRow.cursorUpdatedAt = new Date(run.finishedAt);
      sourceRow.lastSuccessAt = new Date(run.finishedAt);
    }
    for (const entry of manifest.versions) {
      const id = `${source.id}\u0000${entry.key}\u0000${entry.version}`;
      const previous = versions.get(id);
      const validTo = entry.validTo ?? (previous?.validTo as Date | null | undefined) ?? null;
      versions.set(id, {
        customerId,
        sourceId: source.id,
        itemKey: entry.key,
        version: entry.version,
        objectId: entry.objectId,
        contentHash: entry.contentHash,
        size: entry.size,
        metadata: entry.metadata,
        validFrom: new Date(entry.validFrom),
        validTo: validTo ? new Date(validTo) : null,
        runId: entry.runId,
        closedByRunId: entry.closedByRunId ?? previous?.closedByRunId ?? null,
      });
    }
    const put = (
      id: string,
      fields: Omit<RunRow, 'customerId' | 'sourceId' | 'trigger' | 'queuedAt'> &
        z.infer<z.ZodObject<typeof runCounters>>,
    ) => {
      const { errors: runErrors, trigger, queuedAt, ...rest } = fields;
      runs.set(id, {
        ...rest,
        id,
        customerId,
        sourceId: source.id,
        // v1 manifests do not say how the run was started.
        trigger: trigger ?? 'scheduled',
        queuedAt: new Date(queuedAt ?? (rest.startedAt as Date | null) ?? run.startedAt),
        snapshotId,
      });
      for (const failure of runErrors ?? [])
        errors.push({ runId: id, customerId, itemKey: failure.key, reason: failure.reason });
    };
    for (const covered of manifest.coveredRuns ?? []) {
      put(covered.id, {
        ...covered,
        startedAt: covered.startedAt ? new Date(covered.startedAt) : null,
        finishedAt: covered.finishedAt ? new Date(covered.finishedAt) : null,
      });
    }
    put(run.id, {
      ...run,
      error: run.error ?? null,
      startedAt: new Date(run.startedAt),
      finishedAt: new Date(run.finishedAt),
      durationMs: new Date(run.finishedAt).getTime() - new Date(run.startedAt).getTime(),
    });
  }
  const versionRows = [...versions.values()];
  // v1 manifests (and runs known only from their versions) lack counters: derive them.
  for (const version of versionRows) {
    if (!runs.has(version.runId)) {
      const manifest = manifests.find((m) => m.versions.some((v) => v.runId === version.runId));
      runs.set(version.runId, {
        id: version.runId,
        customerId,
        sourceId: version.sourceId,
        trigger: 'scheduled',
        status: 'failed',
        error: `${INTERRUPTED_REASON} (recovered from a manifest)`,
        startedAt: version.validFrom as Date,
        queuedAt: version.validFrom as Date,
        snapshotId: manifest ? (manifestIds.get(manifest) ?? null) : null,
      });
    }
  }
  const byRun = new Map<string, VersionRow[]>();
  const closedBy = new Map<string, VersionRow[]>();
  const bySource = new Map<string, VersionRow[]>();
  const versionIds = new Set<string>();
  const push = (map: Map<string, VersionRow[]>, key: string, row: VersionRow) => {
    const list = map.get(key);
    if (list) list.push(row);
    else map.set(key, [row]);
  };
  for (const version of versionRows) {
    push(byRun, version.runId, version);
    if (version.closedByRunId) push(closedBy, version.closedByRunId, version);
    push(bySource, version.sourceId, version);
    versionIds.add(`${version.sourceId}\u0000${version.itemKey}\u0000${version.version}`);
  }
  for (const [id, row] of runs) {
    const created = byRun.get(id) ?? [];
    row.added ??= created.filter((version) => version.version === 1).length;
    row.changed ??= created.filter((version) => version.version > 1).length;
    row.deleted ??= (closedBy.get(id) ?? []).filter(
      (version) => !versionIds.has(`${version.sourceId}\u0000${version.itemKey}\u0000${version.version + 1}`),
    ).length;
    // Items at the backup point: versions current when the run ended (not in the manifest).
    const at = (row.finishedAt as Date | null | undefined)?.getTime();
    if (at !== undefined)
      row.items = (bySource.get(row.sourceId) ?? []).filter(
        (version) =>
          (version.validFrom as Date).getTime() <= at && (!version.validTo || (version.validTo as Date).getTime() > at),
      ).length;
  }
  return { sources: [...sources.values()], runs: [...runs.values()], errors, versions: versionRows };
}
