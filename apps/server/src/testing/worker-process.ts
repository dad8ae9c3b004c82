// The context of a worker run as a child process by the kill tests (backup and restore): a
// PostgreSQL database, a storage URL, the master key and a service-account key file come from
// the command line; the test SIGKILLs the process mid-run and checks what survived.
import { readFileSync } from 'node:fs';
import { createGoogleClient, type GoogleClient } from '@safehold/google';
import { systemClock } from '../clock.ts';
import { loadConfig } from '../config/config.ts';
import type { AppContext } from '../context.ts';
import { openDatabase } from '../db/database.ts';
import { createJobQueue } from '../jobs/queue.ts';
import { createLogger } from '../logger.ts';
import { createAuditService } from '../modules/audit/service.ts';
import { createMailService } from '../modules/notifications/mail.ts';

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
  };
  const google = createGoogleClient({ serviceAccountKey: JSON.parse(readFileSync(keyFile, 'utf8')) });
  return { ctx, google, targetId, close: () => database.close() };
}
