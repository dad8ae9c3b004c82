import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli, runCliToEnd, seededDataDir } from '../testing/cli-process.ts';
import { acquireDataDirLock, DataDirLockedError, type LockOwner, processStartTime } from './data-dir-lock.ts';

function tempLockPath(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'safehold-lock-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'pglite.lock');
}

function writeLock(lockPath: string, owner: Partial<LockOwner>): void {
  const full: LockOwner = {
    pid: 1,
    startTime: null,
    url: null,
    command: 'old',
    acquiredAt: '2026-01-01T00:00:00Z',
    ...owner,
  };
  writeFileSync(lockPath, JSON.stringify(full));
}

function readLock(lockPath: string): LockOwner {
  return JSON.parse(readFileSync(lockPath, 'utf8')) as LockOwner;
}

/** A pid that certainly belongs to no running process: a child that has already exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid as number;
}

/** A live process that is not us, stopped when the test ends. */
function liveProcess(t: { after(fn: () => void): void }): number {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  return child.pid as number;
}

describe('data-dir lock', () => {
  it('refuses a second holder in the same process, naming the holder, and frees the lock on release', (t) => {
    const lockPath = tempLockPath(t);
    const lock = acquireDataDirLock(lockPath, 'safehold start');
    lock.setUrl('http://127.0.0.1:1234');
    assert.throws(
      () => acquireDataDirLock(lockPath, 'safehold migrate'),
      (error: unknown) =>
        error instanceof DataDirLockedError &&
        error.owner.pid === process.pid &&
        error.message.includes(`pid ${process.pid}`) &&
        error.message.includes('http://127.0.0.1:1234') &&
        error.message.includes('DATABASE_URL'),
    );
    lock.release();
    assert.equal(existsSync(lockPath), false);
    acquireDataDirLock(lockPath, 'again').release();
  });

  it('takes over a lock left by a process that is gone', async (t) => {
    const lockPath = tempLockPath(t);
    writeLock(lockPath, { pid: await deadPid() });
    const lock = acquireDataDirLock(lockPath, 'new owner');
    assert.equal(readLock(lockPath).pid, process.pid);
    lock.release();
  });

  it('takes over a lock whose pid now belongs to a different process (start time differs)', (t) => {
    const lockPath = tempLockPath(t);
    const pid = liveProcess(t);
    writeLock(lockPath, { pid, startTime: '1' });
    const lock = acquireDataDirLock(lockPath, 'new owner');
    assert.equal(readLock(lockPath).command, 'new owner');
    lock.release();
  });

  it('takes over a lock left by an earlier process with our own pid (as pid 1 in a container)', (t) => {
    const lockPath = tempLockPath(t);
    writeLock(lockPath, { pid: process.pid, startTime: '1' });
    acquireDataDirLock(lockPath, 'new owner').release();
  });

  it('takes over an unreadable lock file', (t) => {
    const lockPath = tempLockPath(t);
    writeFileSync(lockPath, '{"pid": 12');
    acquireDataDirLock(lockPath, 'new owner').release();
  });

  it('keeps a lock whose live owner has the recorded start time', (t) => {
    const lockPath = tempLockPath(t);
    const pid = liveProcess(t);
    const startTime = processStartTime(pid);
    writeLock(lockPath, { pid, startTime, command: 'safehold worker' });
    assert.throws(
      () => acquireDataDirLock(lockPath, 'intruder'),
      (error: unknown) => {
        return error instanceof DataDirLockedError && error.message.includes(`pid ${pid}, "safehold worker"`);
      },
    );
    assert.equal(readLock(lockPath).pid, pid);
  });

  it('lets exactly one of several processes racing for a stale lock win', async (t) => {
    const lockPath = tempLockPath(t);
    writeLock(lockPath, { pid: await deadPid() });
    const fixture = path.join(import.meta.dirname, 'lock-contender.fixture.ts');
    const contenders = Array.from({ length: 6 }, () =>
      spawn(process.execPath, [fixture, lockPath], { stdio: ['pipe', 'pipe', 'inherit'] }),
    );
    t.after(() => {
      for (const child of contenders) child.kill('SIGKILL');
    });
    const exits = contenders.map((child) => new Promise((resolve) => child.on('exit', resolve)));
    const answers = await Promise.all(
      contenders.map(
        (child) =>
          new Promise<{ pid: number; line: string }>((resolve) => {
            let out = '';
            child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
              out += chunk;
              if (out.includes('\n')) resolve({ pid: child.pid as number, line: out.trim() });
            });
            child.on('exit', (code) => resolve({ pid: child.pid as number, line: `${out.trim()} (exited ${code})` }));
          }),
      ),
    );
    const winners = answers.filter((answer) => answer.line === 'won');
    assert.equal(winners.length, 1, JSON.stringify(answers));
    const winner = winners[0]?.pid;
    for (const answer of answers.filter((entry) => entry.line !== 'won')) {
      assert.equal(answer.line, `locked ${winner}`);
    }
    assert.equal(readLock(lockPath).pid, winner);
    for (const child of contenders) child.stdin.end();
    await Promise.all(exits);
    assert.equal(existsSync(lockPath), false);
  });

  it('with real processes: a second command exits 3 naming the running server, which keeps serving; after it stops the command succeeds', async (t) => {
    const data = await seededDataDir();
    t.after(() => data.remove());
    const env = { SAFEHOLD_DATA_DIR: data.dir, PORT: '0', HOST: '127.0.0.1' };
    const server = runCli(['start'], env);
    t.after(() => server.kill('SIGKILL'));
    const [, url] = (await server.waitForStdout(/running at (http:\/\/\S+)/)) as [string, string];

    for (const args of [['migrate'], ['worker'], ['vendor', 'create-operator', '--email', 'op@example.test']]) {
      const second = await runCliToEnd(args, env);
      assert.equal(second.code, 3, second.stderr);
      assert.match(
        second.stderr,
        new RegExp(`pid ${server.pid}, "safehold start" serving ${url.replaceAll('.', '\\.')}`),
      );
      assert.match(second.stderr, /stop that process first, or run Safehold on PostgreSQL/);
    }

    const ready = await fetch(`${url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready', checks: { database: true, migrations: true } });

    server.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    assert.equal(existsSync(path.join(data.dir, 'pglite.lock')), false);
    const after = await runCliToEnd(['vendor', 'create-operator', '--email', 'op@example.test', '--json'], env);
    assert.equal(after.code, 0, after.stderr);
    assert.equal((JSON.parse(after.stdout) as { email: string }).email, 'op@example.test');
  });

  it('with real processes: the lock of a killed server is stale and the next command takes it over', async (t) => {
    const data = await seededDataDir();
    t.after(() => data.remove());
    const env = { SAFEHOLD_DATA_DIR: data.dir, PORT: '0' };
    const server = runCli(['start'], env);
    t.after(() => server.kill('SIGKILL'));
    await server.waitForStdout(/running at/);
    server.kill('SIGKILL');
    assert.equal(await server.exited, null);
    assert.equal(readLock(path.join(data.dir, 'pglite.lock')).pid, server.pid);

    const migrate = await runCliToEnd(['migrate', '--json'], env);
    assert.equal(migrate.code, 0, migrate.stderr);
    assert.equal((JSON.parse(migrate.stdout) as { current: boolean }).current, true);
    assert.equal(existsSync(path.join(data.dir, 'pglite.lock')), false);
  });
});
