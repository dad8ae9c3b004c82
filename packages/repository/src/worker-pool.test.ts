// The sealing workers' priority: on Linux each worker thread lowers its own, so under CPU
// contention the event loop runs first (blob-worker.ts).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SEALING_WORKER_NICE } from './blob-worker.ts';
import { createWorkerPool } from './worker-pool.ts';

/** Name and nice value of each thread of this process, from /proc (field 19 of stat). */
function threadNices(): Array<{ tid: string; comm: string; nice: number }> {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      tid,
      comm: readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim(),
      nice: Number(fields[16]),
    };
  });
}

test('sealing workers run at a lower priority than the event loop', {
  skip: process.platform !== 'linux',
}, async () => {
  const before = new Set(threadNices().map((thread) => thread.tid));
  const pool = createWorkerPool(2);
  try {
    // A task on each worker: both threads are up and have set their priority.
    const item = { id: new Uint8Array(32), data: randomBytes(2048) };
    for (let slot = 0; slot < pool.size; slot++) {
      const { sealed } = await pool.run({ op: 'seal', dataKey: randomBytes(32), level: 1, items: [item] }, slot);
      assert.equal(sealed.length, 1);
    }
    const threads = threadNices();
    const workers = threads.filter((thread) => thread.comm === 'WorkerThread' && !before.has(thread.tid));
    assert.equal(workers.length, 2, `two new worker threads, found ${JSON.stringify(threads)}`);
    for (const worker of workers) assert.equal(worker.nice, SEALING_WORKER_NICE);
    const main = threads.find((thread) => thread.tid === String(process.pid));
    assert.equal(main?.nice, 0, 'the event loop keeps its priority');
  } finally {
    await pool.close();
  }
});

test('a foreground pool (the command line) keeps its workers at the process priority', {
  skip: process.platform !== 'linux',
}, async () => {
  const before = new Set(threadNices().map((thread) => thread.tid));
  const pool = createWorkerPool(2, { background: false });
  try {
    const item = { id: new Uint8Array(32), data: randomBytes(2048) };
    for (let slot = 0; slot < pool.size; slot++) {
      await pool.run({ op: 'seal', dataKey: randomBytes(32), level: 1, items: [item] }, slot);
    }
    const workers = threadNices().filter((thread) => thread.comm === 'WorkerThread' && !before.has(thread.tid));
    assert.equal(workers.length, 2);
    for (const worker of workers) assert.equal(worker.nice, 0);
  } finally {
    await pool.close();
  }
});
