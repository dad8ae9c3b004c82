// Crash safety and concurrency with real processes: writers killed with SIGKILL at random
// points leave a repository that verifies and keeps every acknowledged blob; two processes
// writing at once do not clobber each other; the temporary files a killed writer left are
// removed by a later open, and never one a live writer is still writing.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createFilesystemBackend } from './backend-filesystem.ts';
import { generateKeys, type RepositoryKeys } from './keys.ts';
import { createRepository, openRepository } from './repository.ts';
import { removeAbandonedTemporaryFiles, TEMPORARY_FILE_MIN_AGE_MS } from './temporary-files.ts';
import { verifyRepository } from './verify.ts';
import { fixtureMessage } from './writer-process.fixture.ts';

const fixture = new URL('./writer-process.fixture.ts', import.meta.url).pathname;

interface WriterRun {
  child: ChildProcess;
  acks: Map<string, { seed: number; n: number }>;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; snapshot?: string }>;
}

function startWriter(
  dir: string,
  keys: RepositoryKeys,
  seed: number,
  count: number,
  onAck?: (acks: number) => void,
): WriterRun {
  const child = spawn(process.execPath, [
    fixture,
    dir,
    Buffer.from(keys.dataKey).toString('hex'),
    Buffer.from(keys.idKey).toString('hex'),
    String(seed),
    String(count),
  ]);
  const acks = new Map<string, { seed: number; n: number }>();
  let snapshot: string | undefined;
  let buffered = '';
  child.stdout!.on('data', (data: Buffer) => {
    buffered += data.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      const [word, a, b] = line.split(' ');
      if (word === 'ack') acks.set(b!, { seed, n: Number(a) });
      if (word === 'done') snapshot = a;
    }
    onAck?.(acks.size);
  });
  const stderr: string[] = [];
  child.stderr!.on('data', (data: Buffer) => stderr.push(data.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; snapshot?: string }>((resolve) =>
    child.on('close', (code, signal) => {
      if (code !== 0 && signal === null) process.stderr.write(stderr.join(''));
      resolve({ code, signal, snapshot });
    }),
  );
  return { child, acks, done };
}

describe('crash safety and concurrent writers (real processes)', () => {
  let dir: string;
  let keys: RepositoryKeys;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'safehold-crash-'));
    keys = generateKeys();
    const repo = await createRepository({ backend: createFilesystemBackend(dir), keys, workers: 1 });
    await repo.close();
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('writers killed with SIGKILL at random points leave a verifying repository that keeps every acknowledged blob', async () => {
    const acknowledged = new Map<string, { seed: number; n: number }>();
    for (let round = 0; round < 5; round++) {
      const killAfter = 1 + Math.floor(Math.random() * 20);
      const run = startWriter(dir, keys, 100 + round, 60, (acks) => {
        if (acks >= killAfter) setTimeout(() => run.child.kill('SIGKILL'), Math.floor(Math.random() * 15));
      });
      const result = await run.done;
      for (const [id, origin] of run.acks) acknowledged.set(id, origin);
      assert.ok(result.signal === 'SIGKILL' || result.code === 0, `writer ended with ${result.code}/${result.signal}`);
    }
    assert.ok(acknowledged.size > 0);
    const repo = await openRepository({ backend: createFilesystemBackend(dir), keys, workers: 1 });
    const report = await verifyRepository(repo);
    assert.deepEqual(report.damage, []);
    for (const [id, { seed, n }] of acknowledged) {
      assert.deepEqual(await repo.readAll(id), fixtureMessage(seed, n), `acknowledged message ${seed}/${n}`);
    }
    await repo.close();
  });

  test('two processes writing at once both commit, and everything each stored reads back', async () => {
    const first = startWriter(dir, keys, 1, 30);
    const second = startWriter(dir, keys, 2, 30);
    const [a, b] = await Promise.all([first.done, second.done]);
    assert.equal(a.code, 0);
    assert.equal(b.code, 0);
    const repo = await openRepository({ backend: createFilesystemBackend(dir), keys, workers: 1 });
    const snapshots = await repo.listSnapshotIds();
    assert.ok(snapshots.includes(a.snapshot!) && snapshots.includes(b.snapshot!));
    assert.deepEqual((await verifyRepository(repo)).damage, []);
    for (const run of [first, second]) {
      assert.equal(run.acks.size, 30);
      for (const [id, { seed, n }] of run.acks) assert.deepEqual(await repo.readAll(id), fixtureMessage(seed, n));
    }
    await repo.close();
  });

  test("a later open removes the temporary packs a killed writer left, and keeps a live writer's and recent ones", async () => {
    const tmp = join(dir, 'tmp');
    const present = async () => new Set(await readdir(tmp).catch(() => []));
    // A writer killed mid-pack: stopped (SIGSTOP) until it is caught with a pack open in tmp/.
    const before = await present();
    let caught = false;
    const run = startWriter(dir, keys, 200, 400, (acks) => {
      if (acks < 4 || caught) return;
      caught = true;
      void (async () => {
        while (run.child.exitCode === null && run.child.signalCode === null) {
          run.child.kill('SIGSTOP');
          if ([...(await present())].some((name) => !before.has(name))) break;
          run.child.kill('SIGCONT');
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
        run.child.kill('SIGKILL');
      })();
    });
    assert.equal((await run.done).signal, 'SIGKILL');
    const left = [...(await present())].filter((name) => !before.has(name));
    assert.ok(left.length > 0);
    const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000);
    assert.ok(TEMPORARY_FILE_MIN_AGE_MS < 8 * 3_600_000);
    for (const name of left) await utimes(join(tmp, name), hoursAgo(10), hoursAgo(10));
    // A crash an hour ago: too recent to remove, whatever the locks say.
    await writeFile(join(tmp, 'recent.tmp'), 'partial pack');
    await utimes(join(tmp, 'recent.tmp'), hoursAgo(1), hoursAgo(1));

    // A live writer that opened 9 hours ago and last wrote into its open pack 8 hours ago.
    const backend = createFilesystemBackend(dir);
    const live = await openRepository({ backend, keys, workers: 1 });
    const beforeLive = await present();
    const message = fixtureMessage(300, 1);
    const id = await live.putMail(message);
    // The pack's temporary file is opened as its first blob is added (the open is not awaited).
    let livePack: string | undefined;
    for (let tries = 0; !livePack; tries++) {
      assert.ok(tries < 200, 'the live writer streams its pack into a temporary file');
      await new Promise((resolve) => setTimeout(resolve, 10));
      [livePack] = [...(await present())].filter((name) => !beforeLive.has(name));
    }
    await utimes(join(tmp, livePack), hoursAgo(8), hoursAgo(8));
    const lockName = live.core.lock.name;
    const lock = JSON.parse((await readFile(join(dir, lockName))).toString()) as Record<string, string>;
    await backend.put(lockName, Buffer.from(JSON.stringify({ ...lock, created: hoursAgo(9).toISOString() })));

    const later = await openRepository({ backend: createFilesystemBackend(dir), keys, workers: 1 });
    const after = await present();
    for (const name of left) assert.ok(!after.has(name), `the killed writer's ${name} is removed`);
    assert.ok(after.has('recent.tmp'), 'a recent temporary file is kept');
    assert.ok(after.has(livePack), "the live writer's pack is kept");

    // The live writer finishes its pack; everything verifies and reads back.
    await live.writeSnapshot({ kind: 'test-writer', roots: [id], data: {} });
    await live.close();
    assert.ok(!(await present()).has(livePack));
    await later.close();
    const reader = await openRepository({ backend: createFilesystemBackend(dir), keys, workers: 1 });
    assert.deepEqual((await verifyRepository(reader)).damage, []);
    assert.deepEqual(await reader.readAll(id), message);
    await reader.close();
    await rm(join(tmp, 'recent.tmp'));
  });
});

test('a temporary file that cannot be removed is left for a later open and does not stop this one', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'safehold-tmpfiles-'));
  try {
    const backend = createFilesystemBackend(dir);
    const old = new Date(Date.now() - 10 * 3_600_000);
    const removed: string[] = [];
    const stubborn = {
      ...backend,
      temporaryFiles: async () => [
        { name: 'a.tmp', modified: old, remove: async () => Promise.reject(new Error('EACCES: permission denied')) },
        { name: 'b.tmp', modified: old, remove: async () => void removed.push('b.tmp') },
      ],
    };
    assert.equal(await removeAbandonedTemporaryFiles(stubborn, () => new Date()), 1);
    assert.deepEqual(removed, ['b.tmp'], 'the file after the stubborn one is still removed');
    const failing = { ...backend, temporaryFiles: async () => Promise.reject(new Error('EIO')) };
    assert.equal(await removeAbandonedTemporaryFiles(failing, () => new Date()), 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
