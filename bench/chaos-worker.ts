// A worker process of the kill campaign (bench/chaos.ts): what `safehold worker` runs — the
// runtime from the environment, every job handler — with pg-boss's short test intervals and the
// shortest heartbeat pg-boss allows (10 s), so a job a killed worker left is picked up again in
// seconds rather than a minute. Prints "ready" once it takes jobs; the campaign SIGKILLs it at
// random moments.
import { loadConfig } from '../apps/server/src/config/config.ts';
import { fastTuning } from '../apps/server/src/jobs/queue.ts';
import { openRuntime, startWorkers } from '../apps/server/src/runtime.ts';

const chaosTuning = { ...fastTuning, heartbeatSeconds: 10 };

const runtime = await openRuntime(loadConfig(process.env, process.cwd()), {
  command: 'chaos worker',
  jobTuning: chaosTuning,
});
await startWorkers(runtime);
process.stdout.write('ready\n');
const stop = async () => {
  await runtime.jobs.stop({ graceMs: 1000 });
  await runtime.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The campaign holds our stdin open while it lives.
process.stdin.on('end', stop);
process.stdin.resume();
