// The service's dependencies, built once at start and handed to every module: plain
// factory functions with explicit dependencies, no container (STYLE.md).

import type { DemoAccount } from '@safehold/emulator';
import type { Clock } from './clock.ts';
import type { Config } from './config/config.ts';
import type { Database, Db } from './db/database.ts';
import type { JobQueue } from './jobs/queue.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics/metrics.ts';
import type { AuditService } from './modules/audit/index.ts';
import type { MailService } from './modules/notifications/index.ts';

/**
 * What demo mode tells the web app (modules/demo fills it in). Declared here, not imported from
 * the demo module, whose routes import this context: that would be a module cycle.
 */
export interface DemoInfo {
  domain: string;
  accounts: DemoAccount[];
  emulatorUrl: string;
}

export interface AppContext {
  config: Config;
  database: Database;
  db: Db;
  logger: Logger;
  clock: Clock;
  /** The installation's 32-byte master key: wraps tenant keys and derives server secrets. */
  masterKey: Buffer;
  audit: AuditService;
  mail: MailService;
  /** Set when the built-in emulator stands in for Google (no Google credentials configured). */
  demo: DemoInfo | null;
  /** Background jobs: `define` at start-up, `enqueue` from services (see jobs/queue.ts). */
  jobs: JobQueue;
  /** This process's Prometheus metrics (metrics/metrics.ts): what modules count goes through it. */
  metrics: Metrics;
}
