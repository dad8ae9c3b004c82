// `npm run scaleout -- --workers 2 --run-once`: the whole scale-out topology (throwaway
// PostgreSQL, s3rver, the emulator, `safehold start --no-workers`, two `safehold worker`s) backs
// the demo domain up through the workers and restores one user's mail (issue 20, Tests).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { findPostgresBin } from './scaleout-topology.ts';

const script = path.join(import.meta.dirname, 'scaleout.ts');

let havePostgres = true;
try {
  findPostgresBin();
} catch {
  havePostgres = false;
}

test('scaleout --workers 2 --run-once: the workers back the domain up into S3 and a restore succeeds', {
  skip: havePostgres ? false : 'no PostgreSQL server binaries on this machine',
  timeout: 180_000,
}, async () => {
  const child = spawn(process.execPath, [script, '--workers', '2', '--run-once'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (data: Buffer) => {
    stdout += data.toString();
  });
  child.stderr.on('data', (data: Buffer) => {
    stderr += data.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, `scaleout exited ${code}:\n${stdout}\n${stderr.slice(-4000)}`);
  const outcome = JSON.parse(stdout.trim().split('\n').at(-1) as string) as {
    ok: boolean;
    workerHolders: string[];
    backup: { runs: number; statuses: Record<string, number>; items: number; ranBy: string[] };
    restore: { status: string; total: number; restored: number; skipped: number; failed: number };
  };
  assert.equal(outcome.ok, true);
  assert.equal(outcome.workerHolders.length, 2);
  // Every run was done by one of the two worker processes (not the API process, not in-process).
  assert.ok(outcome.backup.runs > 0);
  assert.deepEqual(outcome.backup.statuses, { success: outcome.backup.runs });
  assert.ok(outcome.backup.items > 0);
  for (const holder of outcome.backup.ranBy) assert.ok(outcome.workerHolders.includes(holder), holder);
  // The restore wrote the user's mail into another user's mailbox, from the S3 repository.
  assert.equal(outcome.restore.status, 'success');
  assert.ok(outcome.restore.restored > 0);
  assert.equal(outcome.restore.restored + outcome.restore.skipped, outcome.restore.total);
  assert.equal(outcome.restore.failed, 0);
  // Stopped and cleaned up.
  assert.match(stderr, /run-once finished: stopping every process and deleting the throwaway data/);
});
