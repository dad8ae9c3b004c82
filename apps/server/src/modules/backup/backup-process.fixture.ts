// A backup worker run as a child process by the kill test: executes one queued run against a
// PostgreSQL database and prints `committed <n>` after every commit, so the test can SIGKILL it
// mid-run. Usage: node backup-process.fixture.ts <database url> <storage dir> <master key b64>
// <service-account key json file> <run id>
import { readFileSync } from 'node:fs';
import { createGoogleClient } from '@safehold/google';
import { systemClock } from '../../clock.ts';
import { loadConfig } from '../../config/config.ts';
import type { AppContext } from '../../context.ts';
import { openDatabase } from '../../db/database.ts';
import { createJobQueue } from '../../jobs/queue.ts';
import { createLogger } from '../../logger.ts';
import { createAuditService } from '../audit/service.ts';
import { createMailService } from '../notifications/mail.ts';
import { runSourceBackup } from './run-source.ts';

if (import.meta.main) {
  const [url, storage, masterKey, keyFile, runId] = process.argv.slice(2) as [string, string, string, string, string];
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
  await runSourceBackup(ctx, runId, {
    google,
    groupSize: 4,
    hooks: {
      afterCommit(committed) {
        process.stdout.write(`committed ${committed}\n`);
      },
    },
  });
  process.stdout.write('done\n');
  await database.close();
}
