// Runs the real `safehold` CLI for tests, as a child process (output collected, waiting for
// a line, signals, exit code) or in this process. Also seeds a data dir from the migrated test template so a
// child's PGlite starts in about a second instead of initialising a new cluster.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../cli/program.ts';
import { openDatabase } from '../db/database.ts';
import { pgliteTemplateImage } from './databases.ts';

export const cliEntry = path.resolve(import.meta.dirname, '..', 'cli', 'main.ts');

export interface CliProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout (rejects if the process exits first). */
  waitForStdout(pattern: RegExp): Promise<RegExpMatchArray>;
  /** The same for stderr (logs). */
  waitForStderr(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (a signal's death gives null). */
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): void;
}

/** The environment a child gets: only what the test sets, plus PATH and HOME. */
export function cliEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', ...env };
}

export function runCli(args: string[], env: Record<string, string>, cwd = process.cwd()): CliProcess {
  const child = spawn(process.execPath, [cliEntry, ...args], {
    env: cliEnv(env),
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: {
    stream: 'stdout' | 'stderr';
    pattern: RegExp;
    resolve: (match: RegExpMatchArray) => void;
    reject: (error: Error) => void;
  }[] = [];
  const check = () => {
    for (const waiter of [...waiters]) {
      const match = (waiter.stream === 'stdout' ? out : err).match(waiter.pattern);
      if (match) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(match);
      }
    }
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    check();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
    check();
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      // Let the pipes drain before anyone reads the output.
      setImmediate(() => {
        for (const waiter of waiters.splice(0)) {
          waiter.reject(new Error(`exited (${code}) before printing ${waiter.pattern}:\n${out}\n${err}`));
        }
        resolve(code);
      });
    });
  });
  return {
    child,
    pid: child.pid as number,
    stdout: () => out,
    stderr: () => err,
    waitForStdout: (pattern) =>
      new Promise((resolve, reject) => {
        waiters.push({ stream: 'stdout', pattern, resolve, reject });
        check();
      }),
    waitForStderr: (pattern) =>
      new Promise((resolve, reject) => {
        waiters.push({ stream: 'stderr', pattern, resolve, reject });
        check();
      }),
    exited,
    kill: (signal = 'SIGTERM') => {
      child.kill(signal);
    },
  };
}

/** Runs a command to its end. */
export async function runCliToEnd(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = runCli(args, env);
  const code = await cli.exited;
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

/** A temp data dir whose PGlite database is already migrated (from the test template). */
export async function seededDataDir(): Promise<{ dir: string; remove(): void }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'safehold-data-'));
  const database = await openDatabase(
    { kind: 'pglite', dataDir: path.join(dir, 'pglite') },
    { command: 'test seed', loadDataDir: await pgliteTemplateImage() },
  );
  await database.close();
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A fresh, empty temp dir. */
export function emptyDataDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'safehold-data-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs the CLI in this process (no child): exit code and everything it printed. */
export async function runCliInProcess(
  argv: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk) => {
    out += chunk;
  });
  stderr.on('data', (chunk) => {
    err += chunk;
  });
  const code = await main(argv, { stdout, stderr, env, cwd: process.cwd() });
  return { code, stdout: out, stderr: err };
}
