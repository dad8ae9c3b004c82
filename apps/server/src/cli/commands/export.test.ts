import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningEmulator, startEmulator } from '@safehold/emulator';
import { asc, inArray } from 'drizzle-orm';
import { openDatabase } from '../../db/database.ts';
import { auditLog } from '../../modules/audit/tables.ts';
import { dataExports } from '../../modules/export/tables.ts';
import { runCliInProcess } from '../../testing/cli-process.ts';

const cli = runCliInProcess;

describe('safehold export', () => {
  const domain = 'cli.export.test';
  let emulator: RunningEmulator;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let user: string;
  let runId: string;

  before(async () => {
    emulator = await startEmulator({
      seed: 'cli-export',
      domain,
      users: 2,
      generate: { messagesPerUser: 5, filesPerUser: 3, eventsPerUser: 4, contactsPerUser: 3, sharedDrives: 0 },
    });
    dir = mkdtempSync(path.join(tmpdir(), 'safehold-cli-export-'));
    const keyPath = path.join(dir, 'sa.json');
    writeFileSync(keyPath, JSON.stringify(emulator.serviceAccountKey));
    env = { SAFEHOLD_DATA_DIR: path.join(dir, 'data'), GOOGLE_SERVICE_ACCOUNT_KEY: keyPath, LOG_LEVEL: 'silent' };
    user = emulator.control.listAccounts(domain)[0]?.email as string;
    assert.equal((await cli(['tenant', 'connect', '--domain', domain, '--admin', `admin@${domain}`], env)).code, 0);
    assert.equal((await cli(['licenses', 'assign', '--domain', domain, user], env)).code, 0);
    const backup = await cli(['backup', 'run', '--domain', domain, '--wait', '--json'], env);
    assert.equal(backup.code, 0, backup.stderr);
    const runs = await cli(['backup', 'status', '--domain', domain, '--json'], env);
    runId = JSON.parse(runs.stdout).sources.find((source: { service: string }) => source.service === 'contacts').lastRun
      .id;
  });
  after(async () => {
    await emulator?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The exports and the audit entries of exports, oldest first, as the CLI left them. */
  async function exportState() {
    const database = await openDatabase(
      { kind: 'pglite', dataDir: path.join(dir, 'data', 'pglite') },
      { command: 'test' },
    );
    try {
      const rows = await database.db.select({ id: dataExports.id }).from(dataExports);
      const audits = await database.db
        .select()
        .from(auditLog)
        .where(inArray(auditLog.action, ['export.create', 'export.download']))
        .orderBy(asc(auditLog.id));
      return { exports: rows.length, audits };
    } finally {
      await database.close();
    }
  }

  it('records the export in the audit log as the operator at the command line (as the API does), then its download', async () => {
    const out = path.join(dir, 'audited.zip');
    const result = await cli(
      ['export', '--domain', domain, '--user', user, '--service', 'contacts', '--out', out, '--json'],
      env,
    );
    assert.equal(result.code, 0, result.stderr);
    const { exportId } = JSON.parse(result.stdout) as { exportId: string };
    const entries = (await exportState()).audits.filter((entry) => entry.details?.exportId === exportId);
    assert.deepEqual(
      entries.map((entry) => [entry.action, entry.actorKind, entry.actorLabel]),
      [
        ['export.create', 'system', 'command line'],
        ['export.download', 'system', 'command line'],
      ],
    );
    assert.deepEqual(entries[0]?.details, {
      exportId,
      user,
      services: ['contacts'],
      asOf: null,
      items: entries[0]?.details?.items,
      zipBytes: null,
    });
  });

  it('writes a zip of every service that unzip verifies, with a manifest, and prints a JSON summary', async () => {
    const out = path.join(dir, 'all.zip');
    const result = await cli(['export', '--domain', domain, '--user', user, '--out', out, '--json'], env);
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout);
    assert.equal(summary.status, 'success');
    assert.equal(summary.out, out);
    assert.deepEqual(summary.services.sort(), ['calendar', 'contacts', 'drive', 'gmail']);
    execFileSync('/usr/bin/unzip', ['-tq', out]);
    const listing = execFileSync('/usr/bin/unzip', ['-Z1', out], { encoding: 'utf8' }).split('\n');
    assert.ok(listing.includes('manifest.json') && listing.includes('manifest.csv'));
    assert.ok(listing.includes('contacts/contacts.vcf'));
    assert.ok(listing.some((name) => name.startsWith('mail/mbox/') && name.endsWith('.mbox')));
    assert.ok(listing.some((name) => name.startsWith('calendar/') && name.endsWith('.ics')));
    const manifest = JSON.parse(execFileSync('/usr/bin/unzip', ['-p', out, 'manifest.json'], { encoding: 'utf8' }));
    const mail = emulator.control.digest({ email: user, service: 'gmail' }).items;
    assert.equal(manifest.items.filter((item: { path: string }) => item.path.endsWith('.eml')).length, mail);
    assert.equal(
      manifest.items.filter((item: { itemKey: string | null }) => item.itemKey !== null).length,
      summary.items,
    );
  });

  it('exports one service as of a backup point id', async () => {
    const out = path.join(dir, 'contacts.zip');
    const result = await cli(
      ['export', '--domain', domain, '--user', user, '--service', 'contacts', '--as-of', runId, '--out', out],
      env,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Exported \d+ items/);
    const listing = execFileSync('/usr/bin/unzip', ['-Z1', out], { encoding: 'utf8' }).trim().split('\n').sort();
    assert.deepEqual(listing, ['contacts/contacts.vcf', 'manifest.csv', 'manifest.json']);
    assert.match(readFileSync(out).subarray(0, 2).toString('latin1'), /^PK$/);
  });

  it('narrows one service as restore does: --label exports only the messages with that label', async () => {
    const out = path.join(dir, 'sent.zip');
    const result = await cli(
      ['export', '--domain', domain, '--user', user, '--service', 'gmail', '--label', 'SENT', '--out', out, '--json'],
      env,
    );
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout);
    assert.deepEqual(summary.selection, { label: 'SENT' });
    const manifest = JSON.parse(execFileSync('/usr/bin/unzip', ['-p', out, 'manifest.json'], { encoding: 'utf8' }));
    const emls = manifest.items.filter((item: { path: string }) => item.path.endsWith('.eml'));
    const all = emulator.control.digest({ email: user, service: 'gmail' }).items;
    assert.equal(emls.length, summary.items);
    assert.ok(summary.items > 0 && summary.items < all, `${summary.items} of ${all} messages are sent ones`);
    const mboxes = execFileSync('/usr/bin/unzip', ['-Z1', out], { encoding: 'utf8' })
      .split('\n')
      .filter((name) => name.endsWith('.mbox'));
    assert.ok(mboxes.includes('mail/mbox/SENT.mbox'), mboxes.join(', '));
  });

  it('names the bad input and exits 2, changing nothing', async () => {
    const before = await exportState();
    const out = path.join(dir, 'bad.zip');
    const cases: Array<[string[], RegExp]> = [
      [['--user', user, '--out', out], /--domain is required/],
      [['--domain', domain, '--out', out], /--user is required/],
      [['--domain', domain, '--user', user], /--out is required/],
      [['--domain', domain, '--user', user, '--service', 'fax', '--out', out], /--service must be one of .*"fax"/],
      [['--domain', domain, '--user', user, '--as-of', 'last tuesday', '--out', out], /--as-of must be an ISO 8601/],
      [
        ['--domain', domain, '--user', user, '--as-of', '00000000-0000-4000-8000-000000000000', '--out', out],
        /is not a backup point/,
      ],
      [
        ['--domain', domain, '--user', user, '--as-of', '2001-01-01T00:00:00Z', '--out', out],
        /No backup of .* as of 2001/,
      ],
      [['--domain', 'nope.test', '--user', user, '--out', out], /no customer with the domain "nope.test"/],
      [['--domain', domain, '--user', 'ghost@cli.export.test', '--out', out], /No backup of ghost@cli.export.test/],
      [['--domain', domain, '--user', user, '--out', path.join(dir, 'all.zip')], /already exists/],
      [['--domain', domain, '--user', user, '--label', 'SENT', '--out', out], /--service: .*exactly one/],
      [['--domain', domain, '--user', user, '--service', 'drive', '--label', 'SENT', '--out', out], /--label: /],
      [
        [
          '--domain',
          domain,
          '--user',
          user,
          '--service',
          'gmail',
          '--query',
          'subject:"nothing like this"',
          '--out',
          out,
        ],
        /--query: Nothing backed up/,
      ],
      [['--domain', domain, '--user', user, '--out', path.join(dir, 'missing', 'x.zip')], /does not exist/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(['export', ...args], env);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
    }
    assert.ok(!existsSync(out));
    assert.deepEqual(await exportState(), before, 'a refused export changes nothing');
  });
});
