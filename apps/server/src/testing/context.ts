// Builds a complete AppContext for tests on a fresh test database, with a manual clock and
// a silent logger. `forEachDatabase` runs a suite on PGlite and, where available, PostgreSQL.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe } from 'node:test';
import { manualClock } from '../clock.ts';
import { loadConfig } from '../config/config.ts';
import type { AppContext } from '../context.ts';
import { createJobQueue, fastTuning } from '../jobs/queue.ts';
import { createLogger } from '../logger.ts';
import { createMetrics } from '../metrics/metrics.ts';
import { createAuditService } from '../modules/audit/index.ts';
import { createMailService } from '../modules/notifications/index.ts';
import { createTestDatabase, type DatabaseKind, databaseKinds, type TestDatabase } from './databases.ts';

export interface TestContext extends AppContext {
  database: TestDatabase;
  clock: ReturnType<typeof manualClock>;
  close(): Promise<void>;
}

export async function createTestContext(
  kind: DatabaseKind,
  overrides: {
    env?: NodeJS.ProcessEnv;
    start?: Date;
    /** Where log lines go (tests that read them); default: none, unless TEST_LOG_LEVEL is set. */
    logs?: NodeJS.WritableStream;
  } = {},
): Promise<TestContext> {
  const database = await createTestDatabase(kind);
  // A data dir of its own (repositories of tenants created in the test land there), removed on close.
  const dataDir = mkdtempSync(path.join(tmpdir(), 'safehold-test-'));
  const config = loadConfig({ SAFEHOLD_DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...overrides.env });
  const clock = manualClock(overrides.start ?? new Date());
  const logger = overrides.logs
    ? createLogger({ level: 'debug', destination: overrides.logs })
    : createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const db = database.db;
  const metrics = createMetrics();
  // Created but not started: tests that run jobs define them and call ctx.jobs.start().
  const jobs = createJobQueue({ database, logger, clock, metrics, tuning: fastTuning, command: 'test' });
  metrics.watchJobs(() => jobs.depths());
  return {
    config,
    database,
    db,
    logger,
    clock,
    masterKey: randomBytes(32),
    audit: createAuditService({ db, clock }),
    mail: createMailService({ db, clock, logger, smtp: null }),
    demo: null,
    jobs,
    metrics,
    close: async () => {
      try {
        await jobs.stop({ graceMs: 1000 });
      } finally {
        await database.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/** Declares the same suite once per database kind: `forEachDatabase('sessions', (kind) => ...)`. */
export function forEachDatabase(title: string, body: (kind: DatabaseKind) => void): void {
  for (const kind of databaseKinds()) describe(`${title} [${kind}]`, () => body(kind));
}
