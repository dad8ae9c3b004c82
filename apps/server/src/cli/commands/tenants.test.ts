import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { type RunningEmulator, startEmulator } from '@safehold/emulator';
import { main } from '../program.ts';

const domain = 'cli.test';

function sink(): Writable & { text(): string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  return Object.assign(stream, { text: () => Buffer.concat(chunks).toString('utf8') });
}

describe('safehold tenant and licenses commands [pglite]', () => {
  let emulator: RunningEmulator;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  const run = async (...argv: string[]) => {
    const stdout = sink();
    const stderr = sink();
    const code = await main(argv, { stdout, stderr, env, cwd: dir });
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  };

  before(async () => {
    emulator = await startEmulator({
      domain,
      users: 4,
      generate: { messagesPerUser: 0, filesPerUser: 0, eventsPerUser: 0, contactsPerUser: 0, sharedDrives: 0 },
    });
    dir = mkdtempSync(path.join(tmpdir(), 'safehold-cli-'));
    const keyPath = path.join(dir, 'sa.json');
    writeFileSync(keyPath, JSON.stringify(emulator.serviceAccountKey));
    env = { SAFEHOLD_DATA_DIR: path.join(dir, 'data'), GOOGLE_SERVICE_ACCOUNT_KEY: keyPath, LOG_LEVEL: 'silent' };
  });
  after(async () => {
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('tenant connect --json names the missing scopes and exits 1 when delegation is withheld', async () => {
    emulator.control.revokeDelegation({ domain, scopes: ['https://www.googleapis.com/auth/drive'] });
    try {
      const result = await run('tenant', 'connect', '--domain', domain, '--admin', `admin@${domain}`, '--json');
      assert.equal(result.code, 1, result.stderr);
      const body = JSON.parse(result.stdout);
      assert.equal(body.reason, 'delegation_missing');
      assert.deepEqual(body.missingScopes, ['https://www.googleapis.com/auth/drive']);
    } finally {
      emulator.control.grantDelegation({ domain });
    }
  });

  it('tenant connect creates the trial tenant; tenant list shows it', async () => {
    const connect = await run('tenant', 'connect', '--domain', domain, '--admin', `admin@${domain}`, '--json');
    assert.equal(connect.code, 0, connect.stderr);
    const result = JSON.parse(connect.stdout);
    assert.equal(result.created, true);
    assert.equal(result.sync.users.total, 4);
    const list = await run('tenant', 'list', '--json');
    assert.equal(list.code, 0, list.stderr);
    const { tenants } = JSON.parse(list.stdout);
    assert.deepEqual(
      tenants.map((tenant: { domain: string; status: string; seats: { users: number } }) => [
        tenant.domain,
        tenant.status,
        tenant.seats.users,
      ]),
      [[domain, 'trial', 4]],
    );
    const text = await run('tenant', 'list');
    assert.match(text.stdout, new RegExp(`^${domain.replace('.', '\\.')} .* trial .*4 users`, 'm'));
  });

  it('licenses assign licenses named users, then --all, and refuses a bad email with nothing changed', async () => {
    const named = await run(
      'licenses',
      'assign',
      '--domain',
      domain,
      `admin@${domain}`,
      '--type',
      'archived',
      '--json',
    );
    assert.equal(named.code, 0, named.stderr);
    assert.deepEqual(
      JSON.parse(named.stdout).changed.map((change: { email: string; to: string }) => [change.email, change.to]),
      [[`admin@${domain}`, 'archived']],
    );
    const bad = await run('licenses', 'assign', '--domain', domain, `admin@${domain}`, `nobody@${domain}`);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /nobody@cli\.test/);
    const all = await run('licenses', 'assign', '--domain', domain, '--all', '--json');
    assert.equal(all.code, 0, all.stderr);
    const report = JSON.parse(all.stdout);
    assert.equal(report.changed.length, 4, 'the Archived admin moves to Standard too');
    assert.equal(report.seats.standard, 4);
    const usage = await run('licenses', 'assign', '--domain', domain);
    assert.equal(usage.code, 2);
  });

  it('tenant delete needs the domain twice, then deletes the tenant and says what it removed', async () => {
    const usage = await run('tenant', 'delete', '--domain', domain);
    assert.equal(usage.code, 2);
    const mismatch = await run('tenant', 'delete', '--domain', domain, '--confirm', 'other.test', '--json');
    assert.equal(mismatch.code, 2);
    assert.equal(JSON.parse(mismatch.stdout).error.code, 'validation_failed');
    const deleted = await run('tenant', 'delete', '--domain', domain, '--confirm', domain, '--json');
    assert.equal(deleted.code, 0, deleted.stderr);
    const report = JSON.parse(deleted.stdout);
    assert.equal(report.ok, true);
    assert.deepEqual(report.remaining, {});
    assert.equal(report.rows.directory_users, 4);
    const list = await run('tenant', 'list', '--json');
    assert.deepEqual(JSON.parse(list.stdout).tenants, []);
    const again = await run('tenant', 'delete', '--domain', domain, '--confirm', domain);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /cli\.test/);
  });
});
