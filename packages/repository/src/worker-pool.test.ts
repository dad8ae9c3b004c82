// The sealing workers' priority: on Linux each worker thread lowers its own, so under CPU
// contention the event loop runs first (blob-worker.ts).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { blobId } from './blob-crypto.ts';
import { SEALING_WORKER_NICE } from './blob-worker.ts';
import { createWorkerPool, workerThreads } from './worker-pool.ts';

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

test('thread count: one per core; an inline pool (the command line) one fewer, as its own thread works too', () => {
  assert.equal(workerThreads(2, false), 2);
  assert.equal(workerThreads(2, true), 1);
  assert.equal(workerThreads(8, false), 8);
  assert.equal(workerThreads(8, true), 7);
  // One core: a server keeps one worker (its event loop stays free); a command line needs none.
  assert.equal(workerThreads(1, false), 1);
  assert.equal(workerThreads(1, true), 0);
  assert.equal(workerThreads(0, false), 1);
});

test('an inline pool runs tasks on the calling thread as a worker would, errors included, and starts no thread', {
  skip: process.platform !== 'linux',
}, async () => {
  const before = new Set(threadNices().map((thread) => thread.tid));
  const pool = createWorkerPool(0, { inline: true });
  try {
    assert.equal(pool.size, 1);
    const dataKey = randomBytes(32);
    const idKey = randomBytes(32);
    const data = randomBytes(4096);
    const id = blobId(idKey, data);
    const { sealed } = await pool.run({ op: 'seal', dataKey, level: 1, items: [{ id, data }] });
    const { results } = await pool.run({
      op: 'open',
      dataKey,
      idKey,
      items: [
        { id, sealed: sealed[0]! },
        { id: blobId(idKey, Buffer.from('other')), sealed: sealed[0]! },
      ],
    });
    assert.deepEqual(Buffer.from((results[0] as { data: Uint8Array }).data), data);
    assert.equal(results[1]!.ok, false);
    // A task that throws rejects with the message, as a worker's reply would.
    await assert.rejects(
      pool.run({ op: 'seal-kept', dataKey, level: 1, kept: [{ handle: 12345, pick: [], extra: [] }] }),
      { message: 'no kept message 12345' },
    );
    const started = threadNices().filter((thread) => thread.comm === 'WorkerThread' && !before.has(thread.tid));
    assert.deepEqual(started, []);
  } finally {
    await pool.close();
  }
  await assert.rejects(pool.run({ op: 'seal', dataKey: randomBytes(32), level: 1, items: [] }), /closed/);
});

test('an inline pool with threads: the calling thread is the last slot and a tie goes to a thread', async () => {
  const pool = createWorkerPool(1, { inline: true, background: false });
  try {
    assert.equal(pool.size, 2);
    assert.equal(pool.pick(), 0);
    const item = { id: new Uint8Array(32), data: randomBytes(1024) };
    // While the thread has a task, the calling thread is the least busy.
    const running = pool.run({ op: 'seal', dataKey: randomBytes(32), level: 1, items: [item] }, 0);
    assert.equal(pool.pick(), 1);
    const inline = pool.run({ op: 'seal', dataKey: randomBytes(32), level: 1, items: [item] }, 1);
    assert.equal((await running).sealed.length, 1);
    assert.equal((await inline).sealed.length, 1);
    assert.equal(pool.pick(), 0);
  } finally {
    await pool.close();
  }
});

test('closing an inline pool refuses a task not started yet and forgets the kept messages of the thread', async () => {
  const idKey = randomBytes(32);
  const pool = createWorkerPool(0, { inline: true });
  const { kept } = await pool.run({
    op: 'keep-split-hash',
    datas: [Buffer.from('Subject: kept\r\n\r\nbody\r\n')],
    idKey,
    contentHash: false,
  });
  const handle = kept.handles[0]!;
  // Queued before close (an inline task starts after a turn of the event loop): refused.
  const queued = pool.run({ op: 'seal', dataKey: randomBytes(32), level: 1, items: [] });
  await pool.close();
  await assert.rejects(queued, /closed/);
  const next = createWorkerPool(0, { inline: true });
  try {
    await assert.rejects(
      next.run({ op: 'seal-kept', dataKey: randomBytes(32), level: 1, kept: [{ handle, pick: [], extra: [] }] }),
      { message: `no kept message ${handle}` },
    );
  } finally {
    await next.close();
  }
});
