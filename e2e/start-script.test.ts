// `npm start` (scripts/start.ts): the web app is built when needed and served by the
// server it starts, and a SIGTERM to the wrapper — or to the npm process of a real
// `npm start` — reaches the server, which shuts down gracefully and whose exit code is returned.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSafehold } from './support/safehold-server.ts';

test('npm start serves the built web app and passes SIGTERM on to the server, exiting with its code', async (t) => {
  const server = await startSafehold({ via: 'npm-start', logLevel: 'info' });
  let stopped = false;
  t.after(async () => {
    if (!stopped) await server.stop();
  });

  const page = await fetch(`${server.url}/sign-in`);
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /<div id="root">/);
  assert.match(html, /<script type="module"[^>]+src="\/assets\/index-[^"]+\.js"/, 'the built bundle, not the sources');

  const exit = await server.stop();
  stopped = true;
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.match(server.output(), /"signal":"SIGTERM"/, 'the server itself logged the SIGTERM it was sent');
});

/** Whether a process with this pid exists (signal 0 only checks). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('SIGTERM to the npm process of `npm start` stops the server gracefully, and npm exits with its code', async (t) => {
  const server = await startSafehold({ via: 'npm', logLevel: 'info' });
  const serverPid = server.serverPid();
  let stopped = false;
  t.after(async () => {
    if (!stopped) await server.stop();
    // Never leave a server behind, whatever the outcome.
    if (running(serverPid)) process.kill(serverPid, 'SIGKILL');
  });
  assert.equal((await fetch(`${server.url}/healthz`)).status, 200);

  // stop() sends SIGTERM to the process it started: here npm, with its script shell and the wrapper below.
  const exit = await server.stop();
  stopped = true;
  assert.equal(running(serverPid), false, `the server (pid ${serverPid}) is still running`);
  assert.match(server.output(), /"signal":"SIGTERM"/, 'the server itself logged the SIGTERM it was sent');
  assert.deepEqual(exit, { code: 0, signal: null });
});
