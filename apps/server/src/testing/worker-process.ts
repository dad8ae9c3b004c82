// The context of a worker run as a child process by the kill tests (backup and restore): a
// PostgreSQL database, a storage URL, the master key and a service-account key file come from
// the command line; the test SIGKILLs the process mid-run and checks what survived.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createGoogleClient, type GoogleClient } from '@safehold/google';
import { systemClock } from '../clock.ts';
import { loadConfig } from '../config/config.ts';
import type { AppContext } from '../context.ts';
import { openDatabase } from '../db/database.ts';
import { createJobQueue } from '../jobs/queue.ts';
import { createLogger } from '../logger.ts';
import { createMetrics } from '../metrics/metrics.ts';
import { createAuditService } from '../modules/audit/index.ts';
import { createMailService } from '../modules/notifications/index.ts';
import type { TestContext } from './context.ts';

export interface WorkerProcess {
  ctx: AppContext;
  google: GoogleClient;
  /** The last command-line argument: the id of the run or restore to work on. */
  targetId: string;
  close(): Promise<void>;
}

/** Arguments: <database url> <storage dir> <master key b64> <service-account key json file> <id>. */
export async function openWorkerProcess(argv: readonly string[]): Promise<WorkerProcess> {
  const [url, storage, masterKey, keyFile, targetId] = argv;
  if (!url || !storage || !masterKey || !keyFile || !targetId) {
    throw new Error('usage: <database url> <storage dir> <master key b64> <service-account key file> <id>');
  }
  const database = await openDatabase({ kind: 'postgres', url }, { command: 'fixture' });
  const logger = createLogger({ level: 'silent' });
  const ctx: AppContext = {
    config: loadConfig({
      SAFEHOLD_DATA_DIR: '/nonexistent-fixture',
      SAFEHOLD_STORAGE_URL: storage,
      LOG_LEVEL: 'silent',
    }),
    database,
    db: database.db,
    logger,
    clock: systemClock,
    masterKey: Buffer.from(masterKey, 'base64'),
    audit: createAuditService({ db: database.db, clock: systemClock }),
    mail: createMailService({ db: database.db, clock: systemClock, logger, smtp: null }),
    demo: null,
    jobs: createJobQueue({ database, logger, clock: systemClock }),
    metrics: createMetrics(),
  };
  const google = createGoogleClient({ serviceAccountKey: JSON.parse(readFileSync(keyFile, 'utf8')) });
  return { ctx, google, targetId, close: () => database.close() };
}

/**
 * Test side: runs `fixtureScript` (a child that calls openWorkerProcess) on the test's database,
 * storage and emulator key, SIGKILLs it as soon as its stdout matches `killWhen`, and resolves
 * once it has exited. Fails if the worker finishes ("done") before it could be killed.
 */
export async function runAndKillWorker(options: {
  fixtureScript: string;
  ctx: TestContext;
  serviceAccountKey: unknown;
  targetId: string;
  killWhen: (output: string) => boolean;
}): Promise<void> {
  const { ctx } = options;
  const keyFile = path.join(ctx.config.storageUrl, 'sa.json');
  writeFileSync(keyFile, JSON.stringify(options.serviceAccountKey));
  const databaseUrl = ctx.database.testUrl;
  if (!databaseUrl) throw new Error('a worker process needs a PostgreSQL test database');
  const child = spawn(
    process.execPath,
    [
      options.fixtureScript,
      databaseUrl,
      ctx.config.storageUrl,
      ctx.masterKey.toString('base64'),
      keyFile,
      options.targetId,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise((resolve) => child.on('exit', resolve));
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (options.killWhen(output)) {
        child.kill('SIGKILL');
        resolve();
      }
      if (output.includes('done')) reject(new Error('the worker finished before it could be killed'));
    });
    child.on('error', reject);
  });
  await exited;
}
