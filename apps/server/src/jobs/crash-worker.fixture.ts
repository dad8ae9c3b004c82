// Test fixture: a worker process that enqueues a job, starts running it, prints "running <id>"
// and then hangs until the test kills it (SIGKILL: no shutdown code runs). The job kind is found
// dead by its expiry (1 s) or, with `heartbeat`, only by its heartbeat (10 s), its retry delay
// an hour (queue.test.ts defines the same policies for the process that resumes it).
import { z } from 'zod';
import { systemClock } from '../clock.ts';
import { openDatabase } from '../db/database.ts';
import { createLogger } from '../logger.ts';
import { createJobQueue, fastTuning } from './queue.ts';

const crashPolicies = {
  expiry: { expireInSeconds: 1, retryLimit: 5, retryDelaySeconds: 1, retryDelayMaxSeconds: 1 },
  heartbeat: { heartbeatSeconds: 10, expireInSeconds: 3600, retryLimit: 5, retryDelaySeconds: 3600 },
};

const [kind, where, found = 'expiry'] = process.argv.slice(2) as [
  'pglite' | 'postgres',
  string,
  keyof typeof crashPolicies | undefined,
];
const database = await openDatabase(kind === 'pglite' ? { kind, dataDir: where } : { kind, url: where }, {
  command: 'crash worker fixture',
});
const jobs = createJobQueue({
  database,
  logger: createLogger({ level: 'silent' }),
  clock: systemClock,
  tuning: fastTuning,
});
jobs.define(
  'crashy',
  async (_payload, run) => {
    process.stdout.write(`running ${run.id}\n`);
    await new Promise(() => {});
  },
  { payload: z.object({}), ...crashPolicies[found] },
);
await jobs.start();
await jobs.enqueue('crashy', {});
