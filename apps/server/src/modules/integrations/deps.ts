// What the integrations module needs of the running service: the parts of the AppContext it
// uses, so tests build it with a clock and configuration of their own.
import type { AuditEntryInput } from '../../audit-entry.ts';
import type { Clock } from '../../clock.ts';
import type { Config } from '../../config/config.ts';
import type { Db } from '../../db/database.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import type { Logger } from '../../logger.ts';

export interface IntegrationsDeps {
  db: Db;
  clock: Clock;
  masterKey: Buffer;
  config: Pick<Config, 'webhooks'>;
  jobs: Pick<JobQueue, 'enqueue'>;
  audit: { record(entry: AuditEntryInput): Promise<unknown> };
  logger: Logger;
}
