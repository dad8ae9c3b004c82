// `npm start`: builds the web app when apps/web/dist is missing or stale, then runs
// `safehold start` with the given arguments, forwarding SIGINT/SIGTERM to it (so it shuts
// down gracefully) and exiting with its exit code.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import path from 'node:path';
import { ensureWebBuilt } from './web-build.ts';

const root = path.resolve(import.meta.dirname, '..');
const cli = path.join(root, 'apps', 'server', 'src', 'cli', 'main.ts');

try {
  await ensureWebBuilt();
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.stderr.write('The web app could not be built, so Safehold was not started.\n');
  process.exit(1);
}

// Its own process group: a Ctrl-C in the terminal reaches only this wrapper, which passes
// it on once (two SIGINTs would cut the server's graceful shutdown short).
const child = spawn(process.execPath, [cli, 'start', ...process.argv.slice(2)], {
  stdio: ['ignore', 'inherit', 'inherit'],
  detached: true,
});

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  });
}
// If this wrapper dies for another reason, do not leave the server running on its own.
process.on('exit', () => {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
});

child.on('error', (error) => {
  process.stderr.write(`Could not run safehold start: ${error.message}\n`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  process.exit(code ?? 128 + (signal ? constants.signals[signal] : 1));
});
