// A backup worker run as a child process by the kill test: executes one queued run against a
// PostgreSQL database and prints `committed <n>` after every commit, so the test can SIGKILL it
// mid-run. Usage: node backup-process.fixture.ts <database url> <storage dir> <master key b64>
// <service-account key json file> <run id>
import { openWorkerProcess } from '../../testing/worker-process.ts';
import { runSourceBackup } from './run-source.ts';

if (import.meta.main) {
  const worker = await openWorkerProcess(process.argv.slice(2));
  await runSourceBackup(worker.ctx, worker.targetId, {
    google: worker.google,
    groupSize: 4,
    hooks: {
      afterCommit(committed) {
        process.stdout.write(`committed ${committed}\n`);
      },
    },
  });
  process.stdout.write('done\n');
  await worker.close();
}
