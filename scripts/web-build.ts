// Builds the web app (apps/web → apps/web/dist) when dist is missing or older than its
// sources. Used by `npm start` (scripts/start.ts) and the browser tests, which may run in
// parallel: one build at a time, under a lock directory, and the others wait for it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const root = path.resolve(import.meta.dirname, '..');
export const webDir = path.join(root, 'apps', 'web');
export const webDistIndex = path.join(webDir, 'dist', 'index.html');
const lockDir = path.join(root, '.tmp', 'web-build.lock');

/** Every file the build reads from the web app (its dependencies are covered by package-lock.json). */
function sourceFiles(): string[] {
  const files = ['index.html', 'vite.config.ts', 'package.json', 'tsconfig.json']
    .map((name) => path.join(webDir, name))
    .concat(path.join(root, 'package-lock.json'));
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (!entry.name.endsWith('.test.ts')) files.push(full);
    }
  };
  for (const dir of ['src', 'public']) if (existsSync(path.join(webDir, dir))) walk(path.join(webDir, dir));
  return files.filter((file) => existsSync(file));
}

/** Why the web app needs a build, or null when dist is current. */
export function webBuildReason(): string | null {
  if (!existsSync(webDistIndex)) return 'apps/web/dist does not exist';
  const built = statSync(webDistIndex).mtimeMs;
  const newer = sourceFiles().find((file) => statSync(file).mtimeMs > built);
  return newer ? `${path.relative(root, newer)} changed since the last build` : null;
}

function runViteBuild(log: (line: string) => void): Promise<void> {
  const viteBin = path.join(
    path.dirname(createRequire(path.join(webDir, 'package.json')).resolve('vite/package.json')),
    'bin',
    'vite.js',
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [viteBin, 'build'], { cwd: webDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) {
        const summary = output.split('\n').find((line) => line.includes('built in'));
        log(`web app built${summary ? ` (${summary.replace(/^\W+/, '')})` : ''}`);
        resolve();
      } else {
        reject(new Error(`vite build failed (${code ?? signal}):\n${output}`));
      }
    });
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the build lock, waiting for (or taking over from a dead) holder. */
async function withBuildLock<T>(body: () => Promise<T>): Promise<T> {
  mkdirSync(path.dirname(lockDir), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pidFile = path.join(lockDir, 'pid');
      const holder = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : Number.NaN;
      // A holder that died mid-build leaves the lock behind; a missing pid file is a holder
      // between mkdir and writing it, so only a dead pid counts as stale.
      if (Number.isInteger(holder) && holder > 0 && !processAlive(holder))
        rmSync(lockDir, { recursive: true, force: true });
      else await sleep(200);
    }
  }
  try {
    return await body();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

/** Builds apps/web unless dist is current. Progress goes to `log` (stderr by default). */
export async function ensureWebBuilt(
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<void> {
  if (webBuildReason() === null) return;
  await withBuildLock(async () => {
    const reason = webBuildReason(); // another process may have built it while we waited
    if (reason === null) return;
    log(`building the web app: ${reason}`);
    await runViteBuild(log);
  });
}
