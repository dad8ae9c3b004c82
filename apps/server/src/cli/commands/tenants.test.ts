import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { type RunningEmulator, startEmulator } from '@safehold/emulator';
import { loadConfig } from '../../config/config.ts';
import { listCustomers } from '../../modules/customers/index.ts';
import { openRuntime } from '../../runtime.ts';
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

  it('tenant role makes a help-desk admin of a user who never signed in, back to end user, audited', async () => {
    const email = `alice.martin@${domain}`;
    const made = await run(
      'tenant',
      'role',
      '--domain',
      domain,
      '--email',
      email.toUpperCase(),
      '--role',
      'helpdesk_admin',
      '--json',
    );
    assert.equal(made.code, 0, made.stderr);
    assert.deepEqual(JSON.parse(made.stdout), {
      ok: true,
      email,
      before: null,
      after: { role: 'helpdesk_admin', grantedRole: 'helpdesk_admin' },
    });
    const back = await run('tenant', 'role', '--domain', domain, '--email', email, '--role', 'end_user');
    assert.equal(back.code, 0, back.stderr);
    assert.equal(back.stdout, `${email}: end_user (was helpdesk_admin).\n`);
    const runtime = await openRuntime(loadConfig(env, dir), { command: 'test' });
    try {
      const [tenant] = await listCustomers(runtime);
      const entries = await runtime.audit.query({
        tenant: `customer:${tenant?.id}`,
        action: 'customer.member.role.set',
      });
      assert.deepEqual(
        entries.map((entry) => [
          entry.actorLabel,
          entry.target,
          (entry.details?.after as { role?: string } | undefined)?.role,
        ]),
        [
          ['safehold tenant role (command line)', email, 'end_user'],
          ['safehold tenant role (command line)', email, 'helpdesk_admin'],
        ],
      );
    } finally {
      await runtime.close();
    }
  });

  it('tenant role names an unknown domain, user or role and changes nothing', async () => {
    const domainUnknown = await run(
      'tenant',
      'role',
      '--domain',
      'nowhere.test',
      '--email',
      `a@nowhere.test`,
      '--role',
      'end_user',
    );
    assert.equal(domainUnknown.code, 1);
    assert.match(domainUnknown.stderr, /No tenant for nowhere\.test/);
    const userUnknown = await run(
      'tenant',
      'role',
      '--domain',
      domain,
      '--email',
      `ghost@${domain}`,
      '--role',
      'helpdesk_admin',
      '--json',
    );
    assert.equal(userUnknown.code, 1);
    assert.match(JSON.parse(userUnknown.stdout).error.message, /ghost@cli\.test is not a user of cli\.test in Google/);
    const roleUnknown = await run(
      'tenant',
      'role',
      '--domain',
      domain,
      '--email',
      `alice.martin@${domain}`,
      '--role',
      'super_admin',
    );
    assert.equal(roleUnknown.code, 2);
    assert.match(roleUnknown.stderr, /--role must be helpdesk_admin or end_user \(got "super_admin"\)/);
    const missing = await run('tenant', 'role', '--domain', domain, '--role', 'end_user');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--email is required/);
  });

  it('tenant convert ends the trial with the seats given, reports the over-assignment, audited; refuses a second time', async () => {
    for (const seats of ['0', 'ten', '2.5', '-1']) {
      const usage = await run('tenant', 'convert', '--domain', domain, `--seats=${seats}`);
      assert.equal(usage.code, 2, `--seats ${seats}`);
      assert.match(usage.stderr, /--seats must be a whole number/);
    }
    assert.equal((await run('tenant', 'convert', '--domain', domain)).code, 2);
    const converted = await run('tenant', 'convert', '--domain', domain, '--seats', '3', '--json');
    assert.equal(converted.code, 0, converted.stderr);
    const view = JSON.parse(converted.stdout);
    assert.equal(view.status, 'active');
    assert.deepEqual([view.seats.purchased, view.seats.assigned, view.seats.remaining], [3, 4, -1]);
    assert.equal(view.overAssigned, 1);
    const again = await run('tenant', 'convert', '--domain', domain, '--seats', '5');
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already paid/);
    const unknown = await run('tenant', 'convert', '--domain', 'nowhere.test', '--seats', '5');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /No tenant for nowhere\.test/);
    const list = await run('tenant', 'list', '--json');
    assert.equal(JSON.parse(list.stdout).tenants[0].status, 'active');
    const runtime = await openRuntime(loadConfig(env, dir), { command: 'test' });
    try {
      const [tenant] = await listCustomers(runtime);
      const entries = await runtime.audit.query({ tenant: `customer:${tenant?.id}`, action: 'customer.convert' });
      assert.deepEqual(
        entries.map((entry) => [entry.actorLabel, entry.target]),
        [['safehold tenant convert (command line)', domain]],
      );
    } finally {
      await runtime.close();
    }
  });

  it("tenant seats changes a paid tenant's seats; tenant status suspends, refuses twice, reactivates; each audited", async () => {
    assert.equal((await run('tenant', 'seats', '--domain', domain, '--seats', 'x')).code, 2);
    const seats = await run('tenant', 'seats', '--domain', domain, '--seats', '6', '--json');
    assert.equal(seats.code, 0, seats.stderr);
    const view = JSON.parse(seats.stdout);
    assert.deepEqual([view.seats.purchased, view.seats.remaining, view.overAssigned], [6, 2, 0]);

    const bad = await run('tenant', 'status', '--domain', domain, '--set', 'paused');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--set must be suspended, cancelled or active \(got "paused"\)/);
    const suspended = await run('tenant', 'status', '--domain', domain, '--set', 'suspended');
    assert.equal(suspended.code, 0, suspended.stderr);
    assert.match(suspended.stdout, /Tenant suspended\.\n.*: suspended, 6 seats purchased/);
    const twice = await run('tenant', 'status', '--domain', domain, '--set', 'suspended', '--json');
    assert.equal(twice.code, 1);
    assert.equal(JSON.parse(twice.stdout).error.code, 'conflict');
    const back = await run('tenant', 'status', '--domain', domain, '--set', 'active', '--json');
    assert.equal(back.code, 0, back.stderr);
    assert.equal(JSON.parse(back.stdout).status, 'active', 'back to paid: seats were purchased');
    const runtime = await openRuntime(loadConfig(env, dir), { command: 'test' });
    try {
      const [tenant] = await listCustomers(runtime);
      const actions = (await runtime.audit.query({ tenant: `customer:${tenant?.id}` }))
        .filter((entry) => entry.actorLabel.startsWith('safehold tenant '))
        .map((entry) => `${entry.action} by ${entry.actorLabel}`);
      for (const expected of [
        'customer.seats.change by safehold tenant seats (command line)',
        'customer.suspend by safehold tenant status (command line)',
        'customer.reactivate by safehold tenant status (command line)',
      ]) {
        assert.ok(actions.includes(expected), `${expected} in ${actions.join('; ')}`);
      }
    } finally {
      await runtime.close();
    }
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
