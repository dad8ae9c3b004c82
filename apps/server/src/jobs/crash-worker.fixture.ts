// Test fixture: a worker process that enqueues a job, starts running it, prints "running <id>"
// and then hangs until the test kills it (SIGKILL: no shutdown code runs).
import { z } from 'zod';
import { systemClock } from '../clock.ts';
import { openDatabase } from '../db/database.ts';
import { createLogger } from '../logger.ts';
import { createJobQueue, fastTuning } from './queue.ts';

const [kind, where] = process.argv.slice(2) as ['pglite' | 'postgres', string];
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
  { payload: z.object({}), expireInSeconds: 1, retryLimit: 5, retryDelaySeconds: 1, retryDelayMaxSeconds: 1 },
);
await jobs.start();
await jobs.enqueue('crashy', {});
