import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type RunningEmulator, startEmulator } from '@safehold/emulator';
import { eq } from 'drizzle-orm';
import { openDatabase } from '../../db/database.ts';
import { auditLog } from '../../modules/audit/tables.ts';
import { backupRuns } from '../../modules/backup/tables.ts';
import { customerConnections, directoryUsers } from '../../modules/customers/tables.ts';
import { customers } from '../../modules/tenancy/tables.ts';
import { runCliInProcess } from '../../testing/cli-process.ts';

const cli = runCliInProcess;

describe('safehold backup run / status', () => {
  const domain = 'cli.backup.test';
  let emulator: RunningEmulator;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  /** The users with a Standard license (the backed-up ones); `unlicensed` has none. */
  let users: string[];
  let unlicensed: string;

  before(async () => {
    emulator = await startEmulator({
      seed: 'cli',
      domain,
      users: 3,
      generate: { messagesPerUser: 5, filesPerUser: 3, eventsPerUser: 2, contactsPerUser: 2, sharedDrives: 0 },
    });
    dir = mkdtempSync(path.join(tmpdir(), 'safehold-cli-backup-'));
    const keyPath = path.join(dir, 'sa.json');
    writeFileSync(keyPath, JSON.stringify(emulator.serviceAccountKey));
    env = { SAFEHOLD_DATA_DIR: path.join(dir, 'data'), GOOGLE_SERVICE_ACCOUNT_KEY: keyPath, LOG_LEVEL: 'silent' };
    // A domain that exists as a customer but was never connected to Google.
    const database = await openDatabase(
      { kind: 'pglite', dataDir: path.join(dir, 'data', 'pglite') },
      { command: 'test' },
    );
    await database.migrate();
    await database.db.insert(customers).values({ id: randomUUID(), domain: 'unconnected.test', name: 'Not connected' });
    await database.close();
    const accounts = emulator.control.listAccounts(domain).map((account) => account.email);
    users = accounts.slice(0, 2);
    unlicensed = accounts[2] as string;
    const connect = await cli(['tenant', 'connect', '--domain', domain, '--admin', `admin@${domain}`], env);
    assert.equal(connect.code, 0, connect.stderr);
    const assign = await cli(['licenses', 'assign', '--domain', domain, ...users], env);
    assert.equal(assign.code, 0, assign.stderr);
  });
  after(async () => {
    await emulator?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('backs up every licensed user and service and prints the report of issue 5 (exit 0)', async () => {
    const result = await cli(['backup', 'run', '--domain', domain, '--wait', '--json'], env);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.equal(report.status, 'success');
    assert.ok(Date.parse(report.startedAt) <= Date.parse(report.finishedAt));
    assert.deepEqual(Object.keys(report.services).sort(), ['calendar', 'contacts', 'drive', 'gmail']);
    const mail = users.reduce((sum, email) => sum + emulator.control.digest({ email, service: 'gmail' }).items, 0);
    assert.equal(report.services.gmail.items, mail);
    assert.equal(report.services.gmail.added, mail);
    assert.ok(report.services.gmail.bytes > 0);
    assert.deepEqual(report.errors, []);
  });

  it('reports items that failed with their reason and exits 3 (partial)', async () => {
    const email = users[1] as string;
    emulator.control.addMessage({ email, subject: 'Cannot be read', body: 'x' });
    emulator.control.setFaults([
      {
        endpoint: 'gmail.users.messages.get',
        user: email,
        errorRate: 1,
        status: 403,
        reason: 'forbidden',
        message: 'Forbidden',
      },
    ]);
    try {
      const result = await cli(
        ['backup', 'run', '--domain', domain, '--user', email, '--service', 'gmail', '--wait', '--json'],
        env,
      );
      assert.equal(result.code, 3, result.stderr);
      const report = JSON.parse(result.stdout);
      assert.equal(report.status, 'partial');
      assert.deepEqual(Object.keys(report.services), ['gmail']);
      assert.equal(report.errors.length, 1);
      assert.equal(report.errors[0].user, email);
      assert.equal(report.errors[0].service, 'gmail');
      assert.match(report.errors[0].reason, /Forbidden/);
    } finally {
      emulator.control.setFaults([]);
    }
    // The failed item is fetched again by the next run (the cursor did not move).
    const retry = await cli(
      ['backup', 'run', '--domain', domain, '--user', email, '--service', 'gmail', '--wait', '--json'],
      env,
    );
    assert.equal(retry.code, 0, retry.stderr);
    assert.equal(JSON.parse(retry.stdout).services.gmail.added, 1);
  });

  it('shows the status per service and user', async () => {
    const result = await cli(['backup', 'status', '--domain', domain, '--json'], env);
    assert.equal(result.code, 0, result.stderr);
    const status = JSON.parse(result.stdout);
    const mail = users.reduce((sum, email) => sum + emulator.control.digest({ email, service: 'gmail' }).items, 0);
    assert.equal(status.services.gmail.items, mail);
    assert.equal(status.sources.length, users.length * 4, 'licensed users only');
    assert.ok(!status.sources.some((source: { subjectEmail: string }) => source.subjectEmail === unlicensed));
    const text = await cli(['backup', 'status', '--domain', domain], env);
    assert.match(text.stdout, /gmail/);
  });

  /** What a refused command must leave as it was: the runs and the audit entries of backup runs. */
  async function backupState(): Promise<{ runs: number; audits: (typeof auditLog.$inferSelect)[] }> {
    const database = await openDatabase(
      { kind: 'pglite', dataDir: path.join(dir, 'data', 'pglite') },
      { command: 'test' },
    );
    try {
      const runs = await database.db.select({ id: backupRuns.id }).from(backupRuns);
      const audits = await database.db.select().from(auditLog).where(eq(auditLog.action, 'backup.run'));
      return { runs: runs.length, audits };
    } finally {
      await database.close();
    }
  }

  it('records each backup run in the audit log as the operator at the command line', async () => {
    const before = await backupState();
    const email = users[0] as string;
    const result = await cli(
      ['backup', 'run', '--domain', domain, '--user', email, '--service', 'contacts', '--wait', '--json'],
      env,
    );
    assert.equal(result.code, 0, result.stderr);
    const after = await backupState();
    assert.equal(after.runs, before.runs + 1);
    const added = after.audits.filter((entry) => !before.audits.some((earlier) => earlier.id === entry.id));
    assert.equal(added.length, 1);
    const [entry] = added;
    assert.equal(entry?.actorKind, 'system');
    assert.equal(entry?.actorLabel, 'command line');
    assert.equal(entry?.result, 'success');
    assert.deepEqual(entry?.details, {
      trigger: 'on_demand',
      scope: { kind: 'users', users: [email] },
      services: ['contacts'],
      runs: 1,
    });
  });

  it('refuses a --user without a Standard license with exit 2, naming them, and changes nothing', async () => {
    const before = await backupState();
    const result = await cli(['backup', 'run', '--domain', domain, '--user', unlicensed, '--wait'], env);
    assert.equal(result.code, 2);
    assert.ok(result.stderr.includes(unlicensed), result.stderr);
    assert.match(result.stderr, /not a licensed user/i);
    assert.deepEqual(await backupState(), before);
  });

  it('refuses an unknown --service with exit 2, naming it, and changes nothing', async () => {
    const before = await backupState();
    const result = await cli(['backup', 'run', '--domain', domain, '--service', 'fax'], env);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Unknown service "fax": give one or more of gmail, drive, calendar, contacts/);
    assert.deepEqual(await backupState(), before);
  });

  it("shows and sets the domain's backup window (in its time zone) and retention, refusing bad values with exit 2", async () => {
    const shown = await cli(['backup', 'window', '--domain', domain, '--json'], env);
    assert.equal(shown.code, 0, shown.stderr);
    assert.deepEqual(JSON.parse(shown.stdout), { domain, startHour: 1, hours: 6, timeZone: 'UTC' });
    const set = await cli(['backup', 'window', '--domain', domain, '--start-hour', '22', '--hours', '4'], env);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /22:00–02:00 UTC \(4 h\)/);
    const bad = await cli(['backup', 'window', '--domain', domain, '--start-hour', '24', '--hours', '4'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--start-hour must be 0-23/);
    const half = await cli(['backup', 'window', '--domain', domain, '--hours', '4'], env);
    assert.equal(half.code, 2);
    assert.deepEqual(JSON.parse((await cli(['backup', 'window', '--domain', domain, '--json'], env)).stdout), {
      domain,
      startHour: 22,
      hours: 4,
      timeZone: 'UTC',
    });
    const zone = await cli(['backup', 'window', '--domain', domain, '--time-zone', 'Europe/Paris'], env);
    assert.equal(zone.code, 0, zone.stderr);
    assert.match(zone.stdout, /22:00–02:00 Europe\/Paris \(4 h\)/, 'the hours kept, the zone set');
    const badZone = await cli(['backup', 'window', '--domain', domain, '--time-zone', 'Mars/Olympus'], env);
    assert.equal(badZone.code, 2);
    assert.match(badZone.stderr, /--time-zone "Mars\/Olympus" is not an IANA time zone/);

    const retention = await cli(['backup', 'retention', '--domain', domain, '--json'], env);
    const keep = { mail: null, drive: null, sharedDrives: null };
    assert.deepEqual(JSON.parse(retention.stdout), { domain, retention: keep });
    const days = await cli(['backup', 'retention', '--domain', domain, '--days', '90', '--json'], env);
    assert.equal(days.code, 0, days.stderr);
    const ninety = { value: 90, unit: 'days' };
    assert.deepEqual(JSON.parse(days.stdout), {
      domain,
      retention: { mail: ninety, drive: ninety, sharedDrives: ninety },
    });
    const forever = await cli(['backup', 'retention', '--domain', domain, '--forever'], env);
    assert.match(forever.stdout, /mail, calendar, contacts: kept while licensed/);
    assert.equal((await cli(['backup', 'retention', '--domain', domain, '--days', '0'], env)).code, 2);
  });

  it('refuses a domain not connected to Google with exit 1', async () => {
    const result = await cli(['backup', 'run', '--domain', 'unconnected.test', '--wait'], env);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /not connected to Google yet/);
  });

  it('refuses an unknown domain with exit 2', async () => {
    const result = await cli(['backup', 'run', '--domain', 'nope.test', '--wait'], env);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /no customer with the domain "nope.test"/);
  });

  it('syncs the directory first when the tenant has no directory rows yet', async () => {
    // As if the tenant's directory had never been synced, with auto-assign on: the sync that
    // backup run starts gives every user a Standard license (trial), so all three are backed up.
    const database = await openDatabase(
      { kind: 'pglite', dataDir: path.join(dir, 'data', 'pglite') },
      { command: 'test' },
    );
    const [customer] = await database.db.select().from(customers).where(eq(customers.domain, domain));
    assert.ok(customer);
    await database.db.delete(directoryUsers).where(eq(directoryUsers.customerId, customer.id));
    await database.db
      .update(customerConnections)
      .set({ autoAssignLicenses: true })
      .where(eq(customerConnections.customerId, customer.id));
    await database.close();
    const result = await cli(['backup', 'run', '--domain', domain, '--service', 'contacts', '--wait', '--json'], env);
    assert.equal(result.code, 0, result.stderr);
    const everyone = [...users, unlicensed];
    const contacts = everyone.reduce(
      (sum, email) => sum + emulator.control.digest({ email, service: 'contacts' }).items,
      0,
    );
    assert.equal(JSON.parse(result.stdout).services.contacts.items, contacts);
    const status = JSON.parse((await cli(['backup', 'status', '--domain', domain, '--json'], env)).stdout);
    assert.ok(status.sources.some((source: { subjectEmail: string }) => source.subjectEmail === unlicensed));
  });
});
