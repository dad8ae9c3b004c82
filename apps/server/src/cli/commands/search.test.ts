import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningEmulator, startEmulator } from '@safehold/emulator';
import { runCliInProcess as cli } from '../../testing/cli-process.ts';

describe('safehold search', () => {
  const domain = 'cli.search.test';
  let emulator: RunningEmulator;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let user: string;
  let messageId: string;

  before(async () => {
    emulator = await startEmulator({
      seed: 'cli-search',
      domain,
      users: 2,
      generate: { messagesPerUser: 5, filesPerUser: 3, eventsPerUser: 2, contactsPerUser: 2, sharedDrives: 0 },
    });
    dir = mkdtempSync(path.join(tmpdir(), 'safehold-cli-search-'));
    const keyPath = path.join(dir, 'sa.json');
    writeFileSync(keyPath, JSON.stringify(emulator.serviceAccountKey));
    env = { SAFEHOLD_DATA_DIR: path.join(dir, 'data'), GOOGLE_SERVICE_ACCOUNT_KEY: keyPath, LOG_LEVEL: 'silent' };
    user = emulator.control.listAccounts(domain)[0]?.email as string;
    messageId = emulator.control.addMessage({
      email: user,
      subject: 'Marmalade invoice 42',
      from: 'Paddington <bear@peru.example>',
      body: 'x',
    }).id;
    for (const args of [
      ['tenant', 'connect', '--domain', domain, '--admin', `admin@${domain}`],
      ['licenses', 'assign', '--domain', domain, user],
      ['backup', 'run', '--domain', domain, '--wait', '--json'],
    ]) {
      const result = await cli(args, env);
      assert.equal(result.code, 0, result.stderr);
    }
  });
  after(async () => {
    await emulator?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('prints the matches as JSON with --json and as lines without it (exit 0)', async () => {
    const json = await cli(['search', '--domain', domain, 'from:peru', 'marmalade', '--json'], env);
    assert.equal(json.code, 0, json.stderr);
    const body = JSON.parse(json.stdout);
    assert.deepEqual(
      body.items.map((item: { itemKey: string; service: string; user: string; title: string }) => [
        item.itemKey,
        item.service,
        item.user,
        item.title,
      ]),
      [[messageId, 'gmail', user, 'Marmalade invoice 42']],
    );
    assert.equal(body.nextCursor, null);
    const text = await cli(['search', '--domain', domain, 'subject:"marmalade invoice"'], env);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /gmail .* Marmalade invoice 42 {2}— Paddington <bear@peru.example>/);
    const none = await cli(['search', '--domain', domain, 'marmalade', '--as-of', '2000-01-01'], env);
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout, 'No matching items.\n');
  });

  it('pages with --limit and --cursor', async () => {
    const first = await cli(['search', '--domain', domain, 'type:gmail', '--limit', '2', '--json'], env);
    assert.equal(first.code, 0, first.stderr);
    const page = JSON.parse(first.stdout);
    assert.equal(page.items.length, 2);
    assert.ok(page.nextCursor);
    const next = await cli(
      ['search', '--domain', domain, 'type:gmail', '--limit', '2', '--cursor', page.nextCursor, '--json'],
      env,
    );
    const second = JSON.parse(next.stdout);
    assert.equal(second.items.length, 2);
    assert.ok(
      second.items.every(
        (item: { itemKey: string }) => !page.items.some((p: { itemKey: string }) => p.itemKey === item.itemKey),
      ),
    );
  });

  it('exits 2 naming the bad term of a query, an unknown domain or a bad option', async () => {
    const bad = await cli(['search', '--domain', domain, 'marmalade', 'size:big'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /size:big/);
    const unknown = await cli(['search', '--domain', 'nowhere.test', 'marmalade'], env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /nowhere\.test/);
    const asOf = await cli(['search', '--domain', domain, 'x', '--as-of', 'yesterday'], env);
    assert.equal(asOf.code, 2);
    assert.match(asOf.stderr, /--as-of/);
  });
});
