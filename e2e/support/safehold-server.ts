// Starts a real Safehold server for a browser test: `safehold start` as a child process on
// embedded defaults (PGlite) in a fresh temporary data dir, on a free loopback port. It
// waits for the "Safehold is running at <url>" line and keeps the first-operator setup link
// that a fresh installation prints. stop() shuts it down (SIGTERM, then SIGKILL) and deletes
// the data dir.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { TestContext } from 'node:test';
import { ensureWebBuilt } from '../../scripts/web-build.ts';

const root = path.resolve(import.meta.dirname, '..', '..');
const cli = path.join(root, 'apps', 'server', 'src', 'cli', 'main.ts');
const startScript = path.join(root, 'scripts', 'start.ts');

export interface SafeholdServer {
  url: string;
  /** The one-time first-operator link (`<url>/setup#token=...`) printed on first start. */
  setupLink: string | null;
  /** Everything the server wrote to stdout and stderr, for failure messages. */
  output(): string;
  /** The pid of the `safehold start` process itself (from its data-dir lock), wherever it runs under. */
  serverPid(): number;
  /** Stops the server (SIGTERM, SIGKILL after 35 s) and tells how it exited. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function waitForExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Start-up (migrations, the job queue, the demo emulator) can take over a minute on a busy machine. */
const startupTimeoutMs = 180_000;

export interface StartOptions {
  startupTimeoutMs?: number;
  /**
   * `cli` runs `safehold start` directly; `npm-start` runs scripts/start.ts (what `npm start`
   * runs); `npm` runs `npm start` itself (npm, its script shell, the wrapper, the server).
   */
  via?: 'cli' | 'npm-start' | 'npm';
  /** The server's LOG_LEVEL (default E2E_SERVER_LOG_LEVEL, else warn). */
  logLevel?: string;
  /** More environment for the server (e.g. GOOGLE_* pointing at an emulator the test runs). */
  env?: Record<string, string>;
  /** Runs before the server starts, with its data dir and environment (e.g. `safehold tenant connect`). */
  beforeStart?: (dataDir: string, env: NodeJS.ProcessEnv) => Promise<void>;
}

export async function startSafehold(options: StartOptions = {}): Promise<SafeholdServer> {
  await ensureWebBuilt();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'safehold-e2e-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(port),
    SAFEHOLD_DATA_DIR: dataDir,
    NODE_ENV: 'test',
    LOG_LEVEL: options.logLevel ?? process.env.E2E_SERVER_LOG_LEVEL ?? 'warn',
  };
  // Always the embedded defaults, whatever the surrounding test run points at.
  for (const name of ['DATABASE_URL', 'SAFEHOLD_PUBLIC_URL', 'SAFEHOLD_STORAGE_URL', 'SMTP_URL']) delete env[name];
  Object.assign(env, options.env);
  try {
    await options.beforeStart?.(dataDir, env);
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }

  const [command, args] =
    options.via === 'npm'
      ? ['npm', ['start']]
      : [process.execPath, options.via === 'npm-start' ? [startScript] : [cli, 'start']];
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });

  let url: string | null = null;
  let setupLink: string | null = null;
  const lines = createInterface({ input: child.stdout });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(`Safehold did not start within ${options.startupTimeoutMs ?? startupTimeoutMs} ms:\n${output}`),
        ),
      options.startupTimeoutMs ?? startupTimeoutMs,
    );
    const fail = (reason: string) => {
      clearTimeout(timer);
      reject(new Error(`${reason}:\n${output}`));
    };
    child.once('error', (error) => fail(`could not run safehold start (${error.message})`));
    child.once('exit', (code, signal) => fail(`safehold start exited early (${code ?? signal})`));
    lines.on('line', (line) => {
      output += `${line}\n`;
      url ??= /Safehold is running at (\S+)/.exec(line)?.[1] ?? null;
      setupLink ??= /(https?:\/\/\S+\/setup#token=\S+)/.exec(line)?.[1] ?? null;
      // The setup link (fresh installation) or the sign-in hint is the last start-up line.
      if (url && (setupLink || line.includes('Sign in at'))) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve();
      }
    });
  }).catch(async (error: unknown) => {
    child.kill('SIGKILL');
    await waitForExit(child);
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });

  return {
    url: url as unknown as string,
    setupLink,
    output: () => output,
    serverPid: () => JSON.parse(readFileSync(path.join(dataDir, 'pglite.lock'), 'utf8')).pid,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 35_000);
        await waitForExit(child);
        clearTimeout(killer);
      }
      rmSync(dataDir, { recursive: true, force: true });
      return { code: child.exitCode, signal: child.signalCode };
    },
  };
}

/**
 * Whether this server has the identity API (GET /api/auth/session), which browser tests of
 * sign-in flows need. Without it the test is skipped with the reason, or fails under CI=true.
 */
export async function requireIdentityApi(t: TestContext, server: SafeholdServer): Promise<boolean> {
  const response = await fetch(`${server.url}/api/auth/session`);
  await response.body?.cancel();
  if (response.status !== 404) return true;
  const reason = 'this server has no identity API yet (GET /api/auth/session answers 404)';
  if (process.env.CI === 'true') assert.fail(`CI=true and ${reason}`);
  process.stdout.write(`[e2e] skipped: ${reason}\n`);
  t.skip(reason);
  return false;
}
