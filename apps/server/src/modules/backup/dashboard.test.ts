import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { type App, buildApp } from '../../http/app.ts';
import { type BackupFixture, backupFixture, startTestBackup } from '../../testing/backup.ts';
import { type Browser, createBrowser, seedPartner, seedStaffUser, signInWithTotp } from '../../testing/browser.ts';
import { forEachDatabase } from '../../testing/context.ts';
import { customerConnections, directoryUsers } from '../customers/tables.ts';
import { createIdentityModule } from '../identity/index.ts';
import { customers } from '../tenancy/tables.ts';
import { defineBackupJobs } from './backup-jobs.ts';
import { ensureSources } from './queue-runs.ts';
import { backupModule } from './routes.ts';
import { backupRunErrors, backupRuns } from './tables.ts';

forEachDatabase('backup dashboard API', (kind) => {
  let f: BackupFixture;
  let app: App;
  let browser: Browser;
  let emails: string[];

  before(async () => {
    f = await backupFixture(kind, {
      users: 3,
      generate: { messagesPerUser: 2, filesPerUser: 1, eventsPerUser: 1, contactsPerUser: 1 },
    });
    emails = f.users.map((user) => user.email).sort();
    const now = f.ctx.clock.now();
    // Two users licensed (Standard), the third without a license; the domain is connected.
    await f.ctx.db.insert(directoryUsers).values(
      f.users.map((user) => ({
        id: randomUUID(),
        customerId: f.customerId,
        googleId: user.id,
        primaryEmail: user.email,
        fullName: user.email.split('@')[0] ?? '',
        firstSeenAt: now,
        lastSyncedAt: now,
        license: user.email === emails[2] ? null : ('standard' as const),
        licensedAt: user.email === emails[2] ? null : now,
      })),
    );
    await f.ctx.db
      .insert(customerConnections)
      .values({ customerId: f.customerId, adminEmail: `admin@${f.domain}`, clientId: '1234' });
    const partnerId = await seedPartner(f.ctx.db);
    await f.ctx.db.update(customers).set({ partnerId }).where(eq(customers.id, f.customerId));
    const owner = await seedStaffUser(f.ctx, { email: 'owner@dash.test', partnerId, role: 'owner' });
    app = await buildApp(f.ctx, { modules: [createIdentityModule(), backupModule] });
    browser = createBrowser(app);
    await signInWithTotp(browser, f.ctx.clock, owner);
  });
  after(async () => {
    await app?.close();
    await f?.close();
  });

  const summary = async () => {
    const response = await browser.get(`/api/customers/${f.customerId}/backup/summary`);
    assert.equal(response.statusCode, 200, response.body);
    return response.json();
  };
  const userBackups = async (query = '') => {
    const response = await browser.get(`/api/customers/${f.customerId}/backup/users${query}`);
    assert.equal(response.statusCode, 200, response.body);
    return response.json();
  };

  it('before any backup: nobody is protected and every licensed user is "not backed up yet" (null)', async () => {
    const body = await summary();
    assert.deepEqual(body.coverage, { licensed: 2, protected: 0, ratio: 0 });
    assert.equal(body.last24h.successRate, null);
    assert.equal(body.lastSuccessAt, null);
    assert.equal(body.failures.total, 0);
    const page = await userBackups();
    assert.equal(page.total, 2);
    assert.deepEqual(
      page.users.map((user: { email: string }) => user.email),
      emails.slice(0, 2),
    );
    for (const user of page.users) {
      for (const service of ['gmail', 'drive', 'calendar', 'contacts']) {
        assert.deepEqual(user.services[service], { lastSuccessAt: null, lastRun: null, items: 0, bytes: 0 });
      }
      assert.deepEqual([user.items, user.bytes], [0, 0], 'nothing protected yet');
    }
  });

  it('after a backup of every service of one user: coverage 1 of 2, its last backup per service, the 24-hour rate', async () => {
    const first = f.users.find((user) => user.email === emails[0]);
    assert.ok(first);
    await startTestBackup(f.ctx, f.customerId, {
      subjects: [first],
      trigger: 'on_demand',
      wait: true,
      runOptions: { google: f.google },
    });
    const body = await summary();
    assert.deepEqual(body.coverage, { licensed: 2, protected: 1, ratio: 0.5 });
    assert.deepEqual(body.last24h, { success: 4, partial: 0, failed: 0, successRate: 1 });
    assert.ok(body.lastSuccessAt);
    const page = await userBackups();
    const [backedUp, notYet] = page.users;
    for (const service of ['gmail', 'drive', 'calendar', 'contacts']) {
      assert.ok(backedUp.services[service].lastSuccessAt, `${service} has a last backup`);
      assert.equal(backedUp.services[service].lastRun.status, 'success');
      assert.equal(notYet.services[service].lastSuccessAt, null);
    }
  });

  it('lists a failed run with its cause and item reasons among the failures that need attention', async () => {
    const second = f.users.find((user) => user.email === emails[1]);
    assert.ok(second);
    const [source] = await ensureSources(f.ctx, f.customerId, [second], ['gmail']);
    assert.ok(source);
    const runId = randomUUID();
    const now = f.ctx.clock.now();
    await f.ctx.db.insert(backupRuns).values({
      id: runId,
      customerId: f.customerId,
      sourceId: source.id,
      trigger: 'scheduled',
      status: 'failed',
      failed: 1,
      error: 'Google refused access: the domain withdrew the Gmail scope.',
      queuedAt: now,
      startedAt: now,
      finishedAt: now,
    });
    await f.ctx.db
      .insert(backupRunErrors)
      .values({ runId, customerId: f.customerId, itemKey: 'message 17', reason: 'HTTP 500 from Gmail' });
    const body = await summary();
    assert.equal(body.failures.total, 1);
    const [failure] = body.failures.items;
    assert.equal(failure.subjectEmail, second.email);
    assert.equal(failure.service, 'gmail');
    assert.equal(failure.status, 'failed');
    assert.match(failure.error, /withdrew the Gmail scope/);
    assert.deepEqual(failure.reasons, [
      {
        item: 'message 17',
        reason: 'HTTP 500 from Gmail',
        advice: 'Google did not answer after several retries. Nothing to do: the next backup tries again.',
      },
    ]);
    assert.deepEqual(body.last24h, { success: 4, partial: 0, failed: 1, successRate: 0.8 });
    const page = await userBackups(`?q=${encodeURIComponent(second.email)}`);
    assert.equal(page.total, 1);
    assert.equal(page.users[0].services.gmail.lastRun.status, 'failed');
    assert.equal(page.users[0].services.gmail.lastSuccessAt, null);
  });

  it('a later successful run of the same source takes the failure off the list', async () => {
    const second = f.users.find((user) => user.email === emails[1]);
    assert.ok(second);
    const [source] = await ensureSources(f.ctx, f.customerId, [second], ['gmail']);
    assert.ok(source);
    f.ctx.clock.advance(60_000);
    const now = f.ctx.clock.now();
    await f.ctx.db.insert(backupRuns).values({
      id: randomUUID(),
      customerId: f.customerId,
      sourceId: source.id,
      trigger: 'on_demand',
      status: 'success',
      queuedAt: now,
      startedAt: now,
      finishedAt: now,
    });
    const body = await summary();
    assert.deepEqual(body.failures, { total: 0, items: [] });
    assert.equal(body.last24h.failed, 1, 'the failed run still counts in the 24-hour outcomes');
  });

  it('pages and searches on the server, and includes unlicensed users only when asked', async () => {
    const second = await userBackups('?limit=1&offset=1');
    assert.equal(second.total, 2);
    assert.deepEqual(
      second.users.map((user: { email: string }) => user.email),
      [emails[1]],
    );
    const all = await userBackups('?users=all');
    assert.equal(all.total, 3);
    assert.equal(all.users[2].license, 'none');
    const none = await userBackups('?q=nobody-matches-this');
    assert.deepEqual([none.total, none.users.length], [0, 0]);
    const bad = await browser.get(`/api/customers/${f.customerId}/backup/users?limit=0`);
    assert.equal(bad.statusCode, 400);
  });

  it('"Back up now" on a domain whose licensed users have no sources yet queues every service of each, and only of licensed users', async () => {
    defineBackupJobs(f.ctx.jobs, () => f.ctx);
    await f.ctx.jobs.start({ work: false });
    const response = await browser.post(`/api/customers/${f.customerId}/backup/runs`, {});
    assert.equal(response.statusCode, 202, response.body);
    const runs: { userEmail: string; service: string }[] = response.json().runs;
    assert.deepEqual([...new Set(runs.map((run) => run.userEmail))].sort(), emails.slice(0, 2));
    assert.equal(runs.length, 8);
    assert.deepEqual((await summary()).inProgress, { queued: 8, running: 0 });
  });
});
