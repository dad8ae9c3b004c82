import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DEMO_DOMAIN, runEmulatorCommand, startDemoEmulator, startEmulator } from './index.ts';
import type { ServiceAccountKeyFile } from './service-account.ts';
import { accessToken, clientsFor } from './test-support/google-clients.ts';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'safehold-emulator-'));
  dirs.push(dir);
  return dir;
};
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test('safehold emulator --help prints usage and exits 0; bad options exit 2', async () => {
  let out = '';
  assert.equal(await runEmulatorCommand(['--help'], { out: (t) => (out += t) }), 0);
  assert.match(out, /--write-service-account FILE/);
  let err = '';
  assert.equal(await runEmulatorCommand(['--bogus'], { err: (t) => (err += t) }), 2);
  assert.match(err, /Unknown option/);
  assert.equal(await runEmulatorCommand(['--users', 'many'], { err: () => {} }), 2);
});

test('safehold emulator serves the domain and writes a key file the emulator trusts', async () => {
  const dir = tempDir();
  const keyFile = join(dir, 'sa.json');
  const controller = new AbortController();
  let out = '';
  const exit = runEmulatorCommand(
    [
      '--port',
      '0',
      '--seed',
      's1',
      '--domain',
      'cli.test',
      '--users',
      '3',
      '--messages',
      '4',
      '--write-service-account',
      keyFile,
    ],
    {
      out: (text) => {
        out += text;
      },
      signal: controller.signal,
    },
  );
  while (!out.includes('\n')) await new Promise((resolve) => setTimeout(resolve, 20));
  const started = JSON.parse(out) as { url: string; users: number };
  assert.equal(started.users, 3);
  const key = JSON.parse(readFileSync(keyFile, 'utf8')) as ServiceAccountKeyFile;
  assert.equal(key.token_uri, `${started.url}/token`);
  const c = clientsFor(started.url, key, 'admin@cli.test');
  const profile = await c.gmail.users.getProfile({ userId: 'me' });
  assert.equal(profile.data.messagesTotal, 4);
  const users = await c.admin.users.list({ customer: 'my_customer' });
  assert.equal(users.data.users?.[0]?.primaryEmail, 'admin@cli.test');
  controller.abort();
  assert.equal(await exit, 0);
});

test('the same seed generates the same domain content (digests match)', async () => {
  const options = {
    seed: 'det',
    domain: 'det.test',
    users: 3,
    oidc: false,
    generate: { messagesPerUser: 10, filesPerUser: 6 },
  };
  const a = await startEmulator(options);
  const b = await startEmulator(options);
  try {
    for (const email of a.control.listAccounts().map((x) => x.email)) {
      for (const service of ['gmail', 'drive', 'calendar', 'contacts'] as const) {
        assert.deepEqual(
          a.control.digest({ email, service }),
          b.control.digest({ email, service }),
          `${email} ${service}`,
        );
      }
    }
  } finally {
    await a.stop();
    await b.stop();
  }
});

test('state survives a restart with the same state directory', async () => {
  const stateDir = tempDir();
  const first = await startEmulator({
    stateDir,
    domain: 'persist.test',
    users: 2,
    oidc: false,
    generate: { messagesPerUser: 3, filesPerUser: 2 },
  });
  const c1 = clientsFor(first.url, first.serviceAccountKey, 'admin@persist.test');
  await c1.gmail.users.labels.create({ userId: 'me', requestBody: { name: 'Kept' } });
  const imported = first.control.addMessage({ email: 'admin@persist.test', subject: 'Persisted' });
  const file = first.control.createFile({ email: 'admin@persist.test', name: 'kept.txt', content: 'bytes' });
  first.control.advanceClock({ ms: 3600_000 });
  const digest = first.control.digest({ email: 'admin@persist.test', service: 'gmail' });
  await first.stop();
  const second = await startEmulator({ stateDir, domain: 'persist.test', users: 2, oidc: false });
  try {
    assert.deepEqual(second.control.digest({ email: 'admin@persist.test', service: 'gmail' }), digest);
    const c2 = clientsFor(second.url, second.serviceAccountKey, 'admin@persist.test');
    const labels = await c2.gmail.users.labels.list({ userId: 'me' });
    assert.ok(labels.data.labels?.some((l) => l.name === 'Kept'));
    const message = await c2.gmail.users.messages.get({
      userId: 'me',
      id: imported.id,
      format: 'metadata',
      metadataHeaders: ['Subject'],
    });
    assert.equal(message.data.payload?.headers?.[0]?.value, 'Persisted');
    const media = await c2.drive.files.get({ fileId: file.id, alt: 'media' }, { responseType: 'text' });
    assert.equal(media.data, 'bytes');
    assert.ok(Date.parse(second.control.now()) > Date.now() + 3500_000);
  } finally {
    await second.stop();
  }
});

test('the demo emulator serves demo.safehold.test with about 25 users and lists them for sign-in', async () => {
  const demo = await startDemoEmulator({ stateDir: tempDir(), users: 25 });
  try {
    const accounts = demo.control.listAccounts(DEMO_DOMAIN);
    assert.equal(accounts.length, 25);
    assert.deepEqual(accounts[0], { email: `admin@${DEMO_DOMAIN}`, name: 'Admin Demo', isAdmin: true });
    const c = clientsFor(demo.url, demo.serviceAccountKey, accounts[5]?.email ?? '');
    assert.ok(((await c.gmail.users.getProfile({ userId: 'me' })).data.messagesTotal ?? 0) > 0);
    assert.ok(((await c.drive.files.list({ pageSize: 5 })).data.files?.length ?? 0) > 0);
  } finally {
    await demo.stop();
  }
});

test('an extra service account is saved with the state when it is created: a restarted emulator accepts its key', async () => {
  const stateDir = tempDir();
  const first = await startEmulator({ stateDir, domain: 'accounts.test', users: 2, oidc: false });
  const key = first.control.createServiceAccount({ name: 'second' });
  const saved = readFileSync(join(stateDir, 'state.json'), 'utf8');
  assert.ok(saved.includes(key.client_email), 'written when created, not only at a clean stop');
  await first.stop();
  const second = await startEmulator({ stateDir, oidc: false });
  try {
    second.control.grantDelegation({ domain: 'accounts.test', clientId: key.client_id });
    assert.ok(await accessToken(second.url, key, 'admin@accounts.test'));
  } finally {
    await second.stop();
  }
});
