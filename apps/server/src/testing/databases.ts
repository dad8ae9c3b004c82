// Test databases: every database test runs on PGlite, and also on PostgreSQL when
// TEST_DATABASE_URL is set (always in CI). PGlite instances start from a migrated template
// image (fast); PostgreSQL tests each get a fresh database cloned from a migrated template.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { systemClock } from '../clock.ts';
import { type Database, migrationJournal, openDatabase } from '../db/database.ts';
import { createJobQueue } from '../jobs/queue.ts';
import { createLogger } from '../logger.ts';

export type DatabaseKind = 'pglite' | 'postgres';

const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..', '..');
const templateDir = path.join(repoRoot, '.tmp', 'test-templates');

/** The kinds to run database tests on here; in CI a missing PostgreSQL fails the run. */
export function databaseKinds(): DatabaseKind[] {
  if (process.env.TEST_DATABASE_URL) return ['pglite', 'postgres'];
  if (process.env.CI === 'true')
    throw new Error('CI=true but TEST_DATABASE_URL is not set: PostgreSQL tests cannot run');
  if (!announced) {
    announced = true;
    process.stderr.write(
      '[tests] TEST_DATABASE_URL is not set: database tests run on PGlite only (skipping PostgreSQL)\n',
    );
  }
  return ['pglite'];
}
let announced = false;

function migrationsHash(): string {
  const journal = migrationJournal();
  const hash = createHash('sha256');
  for (const entry of journal.entries) {
    hash.update(entry.tag);
    hash.update(readFileSync(path.join(repoRoot, 'apps', 'server', 'drizzle', `${entry.tag}.sql`)));
  }
  // The templates also hold pg-boss's schema (installed by its own start), so its version counts.
  hash.update(readFileSync(path.join(repoRoot, 'node_modules', 'pg-boss', 'package.json')));
  return hash.digest('hex').slice(0, 16);
}

/** Installs pg-boss's tables the way a first `start` would, so tests' queues start fast. */
async function installJobSchema(database: Database): Promise<void> {
  const jobs = createJobQueue({ database, logger: createLogger({ level: 'silent' }), clock: systemClock });
  await jobs.start({ work: false });
  await jobs.stop({ graceMs: 1000 });
}

let pgliteTemplate: Promise<Blob> | null = null;

/** A migrated PGlite image, built once per migration set and cached in .tmp/. */
export function pgliteTemplateImage(): Promise<Blob> {
  pgliteTemplate ??= (async () => {
    const file = path.join(templateDir, `pglite-${migrationsHash()}.tar.gz`);
    if (existsSync(file)) return new Blob([readFileSync(file)]);
    const database = await openDatabase({ kind: 'pglite', dataDir: '' }, { command: 'test template', inMemory: true });
    await database.migrate();
    await installJobSchema(database);
    const image = await (database.pglite as PGlite).dumpDataDir('gzip');
    await database.close();
    mkdirSync(templateDir, { recursive: true });
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, Buffer.from(await image.arrayBuffer()));
    renameSync(temporary, file);
    return image;
  })();
  return pgliteTemplate;
}

let postgresTemplate: Promise<string> | null = null;

function adminUrl(database: string): string {
  const url = new URL(process.env.TEST_DATABASE_URL as string);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Creates (once, guarded by an advisory lock across test processes) a migrated template. */
function postgresTemplateName(): Promise<string> {
  postgresTemplate ??= (async () => {
    const name = `safehold_template_${migrationsHash()}`;
    const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await client.connect();
    try {
      await client.query('select pg_advisory_lock(7405002)');
      const exists = await client.query('select 1 from pg_database where datname = $1', [name]);
      if (exists.rowCount === 0) {
        await client.query(`create database ${name}`);
        const database = await openDatabase({ kind: 'postgres', url: adminUrl(name) }, { command: 'test template' });
        await database.migrate();
        await installJobSchema(database);
        await database.close();
      }
    } finally {
      await client.query('select pg_advisory_unlock(7405002)').catch(() => undefined);
      await client.end();
    }
    return name;
  })();
  return postgresTemplate;
}

export interface TestDatabase extends Database {
  /** For PostgreSQL tests: the connection string of this test's own database. */
  readonly testUrl: string | null;
}

/**
 * A fresh, migrated database of the given kind. Close it when done (PostgreSQL test
 * databases are dropped on close).
 */
export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const database = await openDatabase(
      { kind: 'pglite', dataDir: '' },
      { command: 'test', inMemory: true, loadDataDir: await pgliteTemplateImage() },
    );
    return { ...database, testUrl: null };
  }
  const template = await postgresTemplateName();
  const name = `safehold_test_${randomUUID().replaceAll('-', '')}`;
  const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name} template ${template}`);
  } finally {
    await admin.end();
  }
  const url = adminUrl(name);
  const database = await openDatabase({ kind: 'postgres', url }, { command: 'test' });
  return {
    ...database,
    testUrl: url,
    close: async () => {
      await database.close();
      const dropper = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await dropper.connect();
      try {
        // pg's Pool.end() resolves before its clients' sockets are closed; forcing the drop
        // while they close makes the server terminate them, which the clients report as an
        // uncaught error. Wait (briefly) for the database's sessions to go away first.
        for (let attempt = 0; attempt < 40; attempt++) {
          const open = await dropper.query('select count(*)::int as n from pg_stat_activity where datname = $1', [
            name,
          ]);
          if ((open.rows[0] as { n: number }).n === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await dropper.query(`drop database if exists ${name} with (force)`);
      } finally {
        await dropper.end();
      }
    },
  };
}
