// A restore worker run as a child process by the kill test: runs one restore against a
// PostgreSQL database and prints `restored <n>` after every item it created, so the test can
// SIGKILL it mid-run. Usage: node restore-process.fixture.ts <database url> <storage dir>
// <master key b64> <service-account key json file> <restore id>
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
import { runRestore } from './restore-run.ts';

if (import.meta.main) {
  const [url, storage, masterKey, keyFile, restoreId] = process.argv.slice(2) as [
    string,
    string,
    string,
    string,
    string,
  ];
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
  let restored = 0;
  await runRestore(ctx, restoreId, {
    google,
    pageSize: 4,
    hooks: {
      afterCreate() {
        restored += 1;
        process.stdout.write(`restored ${restored}\n`);
      },
    },
  });
  process.stdout.write('done\n');
  await database.close();
}
