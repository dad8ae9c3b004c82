// Issue 16 #13: demo mode (the built-in Google emulator, whose control API has no
// authentication) runs in production only when SAFEHOLD_DEMO=1 asks for it, and a server not in
// demo mode serves nothing of the emulator. Real `safehold start` processes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { type CliProcess, runCli, seededDataDir } from '../testing/cli-process.ts';

const production = { NODE_ENV: 'production', SAFEHOLD_MASTER_KEY: randomBytes(32).toString('base64'), PORT: '0' };

/** The URL once the server runs, or the exit code if it stopped first. */
async function started(server: CliProcess): Promise<{ url: string } | { exitCode: number | null }> {
  // waitForStdout rejects only when the process exits before printing the line.
  const running = await server.waitForStdout(/Safehold is running at (\S+)\n/).catch(() => null);
  if (running) return { url: running[1] as string };
  return { exitCode: await server.exited };
}

describe('demo mode in production', () => {
  it('NODE_ENV=production without Google credentials or SAFEHOLD_DEMO exits 2 naming SAFEHOLD_DEMO=1, before opening the data dir', async (t) => {
    const data = await seededDataDir();
    t.after(() => data.remove());
    const dataDir = path.join(data.dir, 'new');
    const server = runCli(['start'], { ...production, SAFEHOLD_DATA_DIR: dataDir });
    t.after(() => server.kill('SIGKILL'));
    const outcome = await started(server);
    assert.deepEqual(outcome, { exitCode: 2 }, server.stdout());
    assert.equal(
      server.stderr(),
      'safehold start: Invalid configuration: NODE_ENV=production but no Google credentials are set ' +
        '(GOOGLE_SERVICE_ACCOUNT_KEY, GOOGLE_OIDC_ISSUER), and demo mode — the built-in Google emulator instead of ' +
        'Google — does not run in production unless asked: set the Google credentials, or SAFEHOLD_DEMO=1 to run ' +
        'the demo anyway\n',
    );
    assert.equal(existsSync(dataDir), false);
  });

  it('NODE_ENV=production with SAFEHOLD_DEMO=1 starts demo mode', async (t) => {
    const data = await seededDataDir();
    t.after(() => data.remove());
    const server = runCli(['start'], { ...production, SAFEHOLD_DATA_DIR: data.dir, SAFEHOLD_DEMO: '1' });
    t.after(() => server.kill('SIGKILL'));
    const outcome = await started(server);
    assert.ok('url' in outcome, server.stderr());
    await server.waitForStdout(/Demo mode: no Google credentials are configured/);
    const demo = await fetch(`${outcome.url}/api/demo`);
    assert.equal(demo.status, 200);
    server.kill('SIGTERM');
    assert.equal(await server.exited, 0);
  });

  it('a server not in demo mode (production, SAFEHOLD_DEMO=0) answers 404 on the demo and emulator control paths', async (t) => {
    const data = await seededDataDir();
    t.after(() => data.remove());
    const server = runCli(['start'], { ...production, SAFEHOLD_DATA_DIR: data.dir, SAFEHOLD_DEMO: '0' });
    t.after(() => server.kill('SIGKILL'));
    const outcome = await started(server);
    assert.ok('url' in outcome, server.stderr());
    for (const [method, route] of [
      ['GET', '/api/demo'],
      ['GET', '/_emulator'],
      ['GET', '/_emulator/listAccounts?domain=demo.safehold.test'],
      ['POST', '/_emulator/listAccounts'],
      ['POST', '/_emulator/revokeDelegation'],
    ] as const) {
      const response = await fetch(`${outcome.url}${route}`, {
        method,
        ...(method === 'POST' ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {}),
      });
      assert.equal(response.status, 404, `${method} ${route}`);
    }
    server.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    assert.doesNotMatch(server.stdout(), /Demo mode/);
    assert.equal(existsSync(path.join(data.dir, 'demo-google')), false);
  });
});
