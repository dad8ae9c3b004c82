// A restore worker run as a child process by the kill test: runs one restore against a
// PostgreSQL database and prints `restored <n>` after every item it created, so the test can
// SIGKILL it mid-run. Usage: node restore-process.fixture.ts <database url> <storage dir>
// <master key b64> <service-account key json file> <restore id>
import { openWorkerProcess } from '../../testing/worker-process.ts';
import { runRestore } from './restore-run.ts';

if (import.meta.main) {
  const worker = await openWorkerProcess(process.argv.slice(2));
  let restored = 0;
  await runRestore(worker.ctx, worker.targetId, {
    google: worker.google,
    pageSize: 4,
    hooks: {
      afterCreate() {
        restored += 1;
        process.stdout.write(`restored ${restored}\n`);
      },
    },
  });
  process.stdout.write('done\n');
  await worker.close();
}
