import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningEmulator, startEmulator } from '@safehold/emulator';
import { asc, inArray } from 'drizzle-orm';
import { openDatabase } from '../../db/database.ts';
import { auditLog } from '../../modules/audit/tables.ts';
import { restores } from '../../modules/restore/tables.ts';
import { runCliInProcess } from '../../testing/cli-process.ts';

const cli = runCliInProcess;

describe('safehold restore', () => {
  const domain = 'cli.restore.test';
  let emulator: RunningEmulator;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let user: string;
  let colleague: string;

  before(async () => {
    emulator = await startEmulator({
      seed: 'cli-restore',
      domain,
      users: 3,
      generate: { messagesPerUser: 6, filesPerUser: 3, eventsPerUser: 2, contactsPerUser: 3, sharedDrives: 0 },
    });
    dir = mkdtempSync(path.join(tmpdir(), 'safehold-cli-restore-'));
    const keyPath = path.join(dir, 'sa.json');
    writeFileSync(keyPath, JSON.stringify(emulator.serviceAccountKey));
    env = { SAFEHOLD_DATA_DIR: path.join(dir, 'data'), GOOGLE_SERVICE_ACCOUNT_KEY: keyPath, LOG_LEVEL: 'silent' };
    const accounts = emulator.control.listAccounts(domain).map((account) => account.email);
    user = accounts[1] as string;
    colleague = accounts[2] as string;
    assert.equal((await cli(['tenant', 'connect', '--domain', domain, '--admin', `admin@${domain}`], env)).code, 0);
    assert.equal((await cli(['licenses', 'assign', '--domain', domain, user, colleague], env)).code, 0);
    const backup = await cli(['backup', 'run', '--domain', domain, '--user', user, '--wait', '--json'], env);
    assert.equal(backup.code, 0, backup.stderr);
  });
  after(async () => {
    await emulator?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The restores and the audit entries of restores, oldest first, as the CLI left them. */
  async function restoreState() {
    const database = await openDatabase(
      { kind: 'pglite', dataDir: path.join(dir, 'data', 'pglite') },
      { command: 'test' },
    );
    try {
      const rows = await database.db.select({ id: restores.id }).from(restores);
      const audits = await database.db
        .select()
        .from(auditLog)
        .where(inArray(auditLog.action, ['restore.request', 'restore.finished']))
        .orderBy(asc(auditLog.id));
      return { restores: rows.length, audits };
    } finally {
      await database.close();
    }
  }

  it('records the restore in the audit log as the operator at the command line, before it runs (as the API does)', async () => {
    const result = await cli(
      ['restore', '--domain', domain, '--user', user, '--service', 'contacts', '--to', colleague, '--wait', '--json'],
      env,
    );
    assert.equal(result.code, 0, result.stderr);
    const { id } = JSON.parse(result.stdout) as { id: string };
    const entries = (await restoreState()).audits.filter((entry) => entry.target === id);
    assert.deepEqual(
      entries.map((entry) => entry.action),
      ['restore.request', 'restore.finished'],
    );
    const [request] = entries;
    assert.equal(request?.actorKind, 'system');
    assert.equal(request?.actorLabel, 'command line');
    assert.deepEqual(request?.details, {
      user,
      service: 'contacts',
      to: colleague,
      asOf: 'latest',
      inPlace: false,
      permissions: false,
    });
  });

  it('restores wiped contacts and mail in place with --wait --json and prints the report (exit 0)', async () => {
    const before = {
      contacts: emulator.control.digest({ email: user, service: 'contacts' }),
      gmail: emulator.control.digest({ email: user, service: 'gmail' }),
    };
    emulator.control.wipeUser({ email: user });
    for (const service of ['contacts', 'gmail'] as const) {
      const result = await cli(
        ['restore', '--domain', domain, '--user', user, '--service', service, '--in-place', '--wait', '--json'],
        env,
      );
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout);
      assert.deepEqual(
        { status: report.status, restored: report.restored, skipped: report.skipped, failed: report.failed },
        { status: 'success', restored: before[service].items, skipped: 0, failed: 0 },
      );
      assert.deepEqual(report.errors, []);
      assert.deepEqual(emulator.control.digest({ email: user, service }), before[service]);
    }
    // Again: everything is there already.
    const again = await cli(['restore', '--domain', domain, '--user', user, '--service', 'gmail', '--wait'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /restored 0, skipped \d+ \(already present\), failed 0/);
  });

  it('restores into a colleague under "Restored <date>" with --to', async () => {
    const result = await cli(
      ['restore', '--domain', domain, '--user', user, '--service', 'drive', '--to', colleague, '--wait', '--json'],
      env,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).status, 'success');
  });

  it('restores what a search finds with --query: the same items `safehold search` lists for that user and service', async () => {
    const search = await cli(['search', '--domain', domain, `user:${user} type:gmail label:inbox`, '--json'], env);
    assert.equal(search.code, 0, search.stderr);
    const found = (JSON.parse(search.stdout) as { items: { itemKey: string }[] }).items.map((hit) => hit.itemKey);
    assert.ok(found.length > 0, 'the generated mailbox has mail in the inbox');
    const restored = await cli(
      [
        'restore',
        '--domain',
        domain,
        '--user',
        user,
        '--service',
        'gmail',
        '--query',
        'label:inbox',
        '--to',
        colleague,
      ].concat(['--wait', '--json']),
      env,
    );
    assert.equal(restored.code, 0, restored.stderr);
    const report = JSON.parse(restored.stdout) as { status: string; restored: number; skipped: number; failed: number };
    assert.equal(report.status, 'success');
    assert.equal(report.restored + report.skipped, found.length, 'exactly the items the search found');
    assert.equal(report.failed, 0);
  });

  it('refuses bad usage with exit 2, changing nothing: a query that finds nothing or cannot be read, a user without a backup, --to outside the domain, a bad --as-of', async () => {
    const before = await restoreState();
    const base = ['restore', '--domain', domain, '--service', 'gmail', '--wait'];
    const nothing = await cli([...base, '--user', user, '--query', 'from:nobody-sent-this@nowhere.test'], env);
    assert.equal(nothing.code, 2);
    assert.match(nothing.stderr, /--query: Nothing backed up as of .* matches/);
    const unreadable = await cli([...base, '--user', user, '--query', 'after:someday'], env);
    assert.equal(unreadable.code, 2);
    assert.match(unreadable.stderr, /--query: .*after/);
    const nobody = await cli([...base, '--user', `nobody@${domain}`], env);
    assert.equal(nobody.code, 2);
    assert.match(nobody.stderr, /No gmail backup of nobody@/);
    const outside = await cli([...base, '--user', user, '--to', 'x@elsewhere.test'], env);
    assert.equal(outside.code, 2);
    assert.match(outside.stderr, /--to: /);
    const badDate = await cli([...base, '--user', user, '--as-of', 'yesterday-ish'], env);
    assert.equal(badDate.code, 2);
    const tooEarly = await cli([...base, '--user', user, '--as-of', '2001-01-01'], env);
    assert.equal(tooEarly.code, 2);
    assert.match(tooEarly.stderr, /--as-of: No backup point/);
    assert.deepEqual(await restoreState(), before, 'a refused restore changes nothing');
  });
});
