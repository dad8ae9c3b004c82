// Opens the metadata database: PGlite in the data dir (embedded default) or a PostgreSQL
// server (DATABASE_URL). Both are reached through the same Drizzle API and migrations.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import { migrate as migratePostgres } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import { removeGroupAndOtherAccess } from '../config/file-modes.ts';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.ts';
import { type LeaseHolders, pgliteLeaseHolders, postgresLeaseHolders } from './lease-holders.ts';

/** The Drizzle client: core query builder only (each module imports its own tables). */
export type Db = PgDatabase<PgQueryResultHKT>;
export type DatabaseTarget = { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string };

export const migrationsFolder = path.join(import.meta.dirname, '..', '..', 'drizzle');

export interface Database {
  readonly kind: DatabaseTarget['kind'];
  readonly db: Db;
  /** The embedded instance, for pg-boss's PGlite adapter. */
  readonly pglite: PGlite | null;
  /** The connection string, for pg-boss on PostgreSQL. */
  readonly url: string | null;
  readonly lock: DataDirLock | null;
  /** This process as the holder of leases, and which other holders are dead (lease-holders.ts). */
  readonly leases: LeaseHolders;
  migrate(): Promise<void>;
  /** Whether every migration in the repository has been applied. */
  migrationsCurrent(): Promise<boolean>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Which command holds the PGlite lock (shown to a second process). */
  command: string;
  /** For tests: a migrated data dir image to start from instead of an empty one. */
  loadDataDir?: Blob;
  /** For tests: an in-memory PGlite (no lock needed). */
  inMemory?: boolean;
}

export async function openDatabase(target: DatabaseTarget, options: OpenOptions): Promise<Database> {
  if (target.kind === 'postgres') return openPostgres(target.url);
  return openPglite(target.dataDir, options);
}

async function openPglite(dataDir: string, options: OpenOptions): Promise<Database> {
  let lock: DataDirLock | null = null;
  if (!options.inMemory) {
    mkdirSync(path.dirname(dataDir), { recursive: true });
    lock = acquireDataDirLock(`${dataDir}.lock`, options.command);
  }
  let pglite: PGlite;
  try {
    pglite = new PGlite({
      ...(options.inMemory ? {} : { dataDir }),
      ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
    });
    await pglite.waitReady;
    if (!options.inMemory) removeGroupAndOtherAccess(dataDir);
  } catch (error) {
    lock?.release();
    throw error;
  }
  const db = drizzlePglite(pglite) as unknown as Db;
  let closed = false;
  return {
    kind: 'pglite',
    db,
    pglite,
    url: null,
    lock,
    leases: pgliteLeaseHolders(),
    migrate: () => migratePglite(drizzlePglite(pglite), { migrationsFolder }),
    migrationsCurrent: () => migrationsCurrent(db),
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: async () => {
      if (closed) return;
      closed = true;
      try {
        await pglite.close();
        if (!options.inMemory) removeGroupAndOtherAccess(dataDir);
      } finally {
        lock?.release();
      }
    },
  };
}

async function openPostgres(url: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle connection the server ends (restart, failover, pg_terminate_backend) is dropped
  // from the pool and replaced on demand; without a listener node-postgres would crash.
  pool.on('error', (error) => {
    process.emitWarning(`PostgreSQL closed an idle connection: ${error.message}`, 'SafeholdDatabaseWarning');
  });
  const db = drizzlePostgres(pool) as unknown as Db;
  const leases = postgresLeaseHolders(pool, url);
  let closed = false;
  return {
    kind: 'postgres',
    db,
    pglite: null,
    url,
    lock: null,
    leases,
    migrate: async () => {
      // Several processes may start at once: one migrates, the others wait for it.
      const client = await pool.connect();
      try {
        await client.query('select pg_advisory_lock(7405001)');
        await migratePostgres(drizzlePostgres(client), { migrationsFolder });
      } finally {
        await client.query('select pg_advisory_unlock(7405001)').catch(() => undefined);
        client.release();
      }
    },
    migrationsCurrent: () => migrationsCurrent(db),
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await leases.close();
      await pool.end();
    },
  };
}

interface Journal {
  entries: { idx: number; tag: string; when: number }[];
}

export function migrationJournal(): Journal {
  return JSON.parse(readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as Journal;
}

async function migrationsCurrent(db: Db): Promise<boolean> {
  const expected = migrationJournal().entries.length;
  try {
    const result = await db.execute<{ count: number }>(
      sql`select count(*)::int as count from drizzle.__drizzle_migrations`,
    );
    const rows = (result as unknown as { rows: { count: number }[] }).rows;
    return (rows[0]?.count ?? 0) >= expected;
  } catch {
    return false;
  }
}
