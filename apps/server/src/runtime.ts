// Opens everything a command needs — database (migrated), master key, services — and
// closes it again. Shared by `start`, `worker`, `migrate` and the maintenance commands.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Clock, systemClock } from './clock.ts';
import { type Config, readMasterKey } from './config/config.ts';
import type { AppContext } from './context.ts';
import { type Database, openDatabase } from './db/database.ts';
import { createLogger, type Logger } from './logger.ts';
import { createAuditService } from './modules/audit/service.ts';
import type { DemoInfo } from './modules/demo/demo-google.ts';
import { createMailService } from './modules/notifications/mail.ts';

export interface Runtime extends AppContext {
  close(): Promise<void>;
}

export interface RuntimeOptions {
  command: string;
  logger?: Logger;
  clock?: Clock;
  /** Tests pass an already-open database. */
  database?: Database;
  migrate?: boolean;
  demo?: DemoInfo | null;
}

export async function openRuntime(config: Config, options: RuntimeOptions): Promise<Runtime> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const clock = options.clock ?? systemClock;
  mkdirSync(config.dataDir, { recursive: true });
  const masterKey = loadOrCreateMasterKey(config, logger);
  const database = options.database ?? (await openDatabase(config.database, { command: options.command }));
  try {
    if (options.migrate !== false) await database.migrate();
  } catch (error) {
    await database.close();
    throw error;
  }
  const db = database.db;
  const audit = createAuditService({ db, clock });
  const mail = createMailService({ db, clock, logger, smtp: config.smtp });
  return {
    config,
    database,
    db,
    logger,
    clock,
    masterKey,
    audit,
    mail,
    demo: options.demo ?? null,
    close: () => database.close(),
  };
}

function loadOrCreateMasterKey(config: Config, logger: Logger): Buffer {
  const { key, created } = readMasterKey(config, () => randomBytes(32));
  if (created && config.masterKey.kind === 'file') {
    mkdirSync(path.dirname(config.masterKey.path), { recursive: true });
    writeFileSync(config.masterKey.path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(config.masterKey.path, 0o600);
    logger.warn(
      { path: config.masterKey.path },
      'generated a new master key: back it up now — without it, every backup in this installation is unreadable',
    );
  }
  return key;
}
