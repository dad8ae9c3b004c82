// Tenant repositories: each customer's backups live in one repository under the storage URL
// (`<storageUrl>/<customerId>`), sealed with the tenant's own keys. The keys are generated at
// tenant creation and kept wrapped by the installation's master key (AES-256-GCM); deleting
// the tenant_repository_keys row makes the tenant's data unreadable (crypto-shredding).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import {
  type Backend,
  backendFromUrl,
  createRepository,
  createWorkerPool,
  generateKeys,
  observeWrites,
  openRepository,
  packNameFromPath,
  type Repository,
  RepositoryError,
  type RepositoryKeys,
  type WorkerPool,
} from '@safehold/repository';
import { eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import type { Metrics } from '../../metrics/metrics.ts';
import { createPostgresBlobIndex } from './postgres-blob-index.ts';
import { tenantRepositoryKeys } from './tables.ts';

function aad(customerId: string): Buffer {
  return Buffer.from(`safehold-tenant-keys-v1:${customerId}`);
}

/** Seals dataKey|idKey with the master key; the customer id is bound as associated data. */
export function wrapTenantKeys(masterKey: Buffer, customerId: string, keys: RepositoryKeys): string {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', masterKey, nonce);
  cipher.setAAD(aad(customerId));
  const sealed = Buffer.concat([cipher.update(Buffer.concat([keys.dataKey, keys.idKey])), cipher.final()]);
  return Buffer.concat([nonce, sealed, cipher.getAuthTag()]).toString('base64');
}

export function unwrapTenantKeys(masterKey: Buffer, customerId: string, wrapped: string): RepositoryKeys {
  const bytes = Buffer.from(wrapped, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', masterKey, bytes.subarray(0, 12));
  decipher.setAAD(aad(customerId));
  decipher.setAuthTag(bytes.subarray(bytes.length - 16));
  const plain = Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]);
  if (plain.length !== 64) throw new Error(`tenant keys of ${customerId} have the wrong length`);
  return { dataKey: plain.subarray(0, 32), idKey: plain.subarray(32) };
}

export function tenantRepositoryLocation(storageUrl: string, customerId: string): string {
  return `${storageUrl.replace(/\/+$/, '')}/${customerId}`;
}

export class TenantRepositoryMissingError extends Error {
  override name = 'TenantRepositoryMissingError';
}

/**
 * Generates the tenant's keys, creates its repository and stores the wrapped keys. Idempotent:
 * a tenant that already has keys keeps them (returns false).
 */
/**
 * Opening a tenant's repository: its wrapped keys (database) and the master key that unwraps
 * them; with `metrics`, the packs it writes are counted there.
 */
export type TenantRepositoryDeps = Pick<AppContext, 'db' | 'masterKey'> & Partial<Pick<AppContext, 'metrics'>>;

export async function createTenantRepositoryKeys(
  ctx: TenantRepositoryDeps & Pick<AppContext, 'config'>,
  customerId: string,
): Promise<boolean> {
  const [existing] = await ctx.db
    .select({ customerId: tenantRepositoryKeys.customerId })
    .from(tenantRepositoryKeys)
    .where(eq(tenantRepositoryKeys.customerId, customerId));
  if (existing) return false;
  const keys = generateKeys();
  const location = tenantRepositoryLocation(ctx.config.storageUrl, customerId);
  const backend = await backendFromUrl(location);
  // The repository first, then the row: a crash in between leaves an unreadable repository
  // whose location is free again for the next attempt... except `createRepository` refuses an
  // existing config, so a stale one (no keys row) is a clear error for the operator.
  const repository = await createRepository({ backend, keys, index: createPostgresBlobIndex(ctx.db, customerId) });
  await repository.close();
  const inserted = await ctx.db
    .insert(tenantRepositoryKeys)
    .values({ customerId, wrappedKeys: wrapTenantKeys(ctx.masterKey, customerId, keys), location })
    .onConflictDoNothing()
    .returning({ customerId: tenantRepositoryKeys.customerId });
  return inserted.length > 0;
}

export async function tenantKeys(
  ctx: TenantRepositoryDeps,
  customerId: string,
): Promise<{ keys: RepositoryKeys; location: string }> {
  const [row] = await ctx.db.select().from(tenantRepositoryKeys).where(eq(tenantRepositoryKeys.customerId, customerId));
  if (!row) throw new TenantRepositoryMissingError(`customer ${customerId} has no backup repository keys`);
  return { keys: unwrapTenantKeys(ctx.masterKey, customerId, row.wrappedKeys), location: row.location };
}

/**
 * One pool of blob worker threads per process, shared by every repository it opens (keys travel
 * with each task): a job or a download opening a repository starts no threads of its own, which
 * cost each backup job a Node boot and a compile of the worker per thread (docs/benchmarks.md,
 * scaleout). Replaced when one of its threads died; idle threads keep no process alive.
 */
let processPool: WorkerPool | undefined;

function sharedWorkerPool(): WorkerPool {
  if (!processPool || processPool.broken) processPool = createWorkerPool(Math.max(2, availableParallelism()));
  return processPool;
}

/** Opens the tenant's repository with its keys and the PostgreSQL blob index. Close it after use. */
export async function openTenantRepository(ctx: TenantRepositoryDeps, customerId: string): Promise<Repository> {
  const { keys, location } = await tenantKeys(ctx, customerId);
  const stored = await backendFromUrl(location);
  const backend = ctx.metrics ? countingPackWrites(stored, ctx.metrics) : stored;
  return openRepository({
    backend,
    keys,
    index: createPostgresBlobIndex(ctx.db, customerId, { backend, dataKey: keys.dataKey }),
    pool: sharedWorkerPool(),
  });
}

/**
 * The backend, telling `metrics` of each pack written whole (a put under data/, or a streamed
 * pack committed, format §5).
 */
export function countingPackWrites(backend: Backend, metrics: Metrics): Backend {
  return observeWrites(backend, (name, bytes) => {
    if (packNameFromPath(name) !== undefined) metrics.packWritten(bytes);
  });
}

/** Where the tenant's repository lies (null when it never got keys). */
export async function tenantRepositoryLocationOf(db: Db, customerId: string): Promise<string | null> {
  const [row] = await db
    .select({ location: tenantRepositoryKeys.location })
    .from(tenantRepositoryKeys)
    .where(eq(tenantRepositoryKeys.customerId, customerId));
  return row?.location ?? null;
}

/** What deleting a repository's objects did: how many went, and how many Object Lock kept. */
export interface RepositoryDeletion {
  deleted: number;
  /** Objects within their S3 Object Lock retention, left in place. */
  locked: number;
  /** The latest retain-until date among them (null when the store refused without telling). */
  lockedUntil: Date | null;
}

/**
 * Deletes every object of a tenant's repository (packs, indexes, snapshots, config) once its
 * keys are gone: what was unreadable is now also not there. With S3 Object Lock, objects still
 * within their retention are skipped and counted — no delete is tried before the date, and a
 * store that refuses one anyway (403) counts the same — rather than failing the deletion; they
 * are unreadable without the keys (docs/deployment.md "Immutable backups") and a later call
 * deletes them (tenantRepositoryStorage records the location for the daily maintenance).
 */
export async function deleteTenantRepository(location: string, now: Date = new Date()): Promise<RepositoryDeletion> {
  const backend = await backendFromUrl(location);
  const result: RepositoryDeletion = { deleted: 0, locked: 0, lockedUntil: null };
  const keep = (until: Date | null) => {
    result.locked++;
    if (until && (!result.lockedUntil || until > result.lockedUntil)) result.lockedUntil = until;
  };
  try {
    for await (const object of backend.list('')) {
      const until = (await backend.retainedUntil?.(object.name)) ?? null;
      if (until && until.getTime() > now.getTime()) {
        keep(until);
        continue;
      }
      try {
        await backend.delete(object.name);
      } catch (error) {
        if (!(error instanceof RepositoryError && error.code === 'locked')) throw error;
        keep(null);
        continue;
      }
      result.deleted++;
    }
  } finally {
    await backend.close?.();
  }
  return result;
}

/** How many objects remain in a repository location (0 after deleteTenantRepository). */
export async function countRepositoryObjects(location: string): Promise<number> {
  const backend = await backendFromUrl(location);
  let count = 0;
  try {
    for await (const _object of backend.list('')) count++;
  } finally {
    await backend.close?.();
  }
  return count;
}
