// Crash safety and concurrency with real processes: writers killed with SIGKILL at random
// points leave a repository that verifies and keeps every acknowledged blob; two processes
// writing at once do not clobber each other.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createFilesystemBackend } from './backend-filesystem.ts';
import { generateKeys, type RepositoryKeys } from './keys.ts';
import { createRepository, openRepository } from './repository.ts';
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
});
