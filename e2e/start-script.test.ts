// `npm start` (scripts/start.ts): the web app is built when needed and served by the
// server it starts, and a SIGTERM to the wrapper reaches the server, which shuts down
// gracefully and whose exit code the wrapper returns.
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
