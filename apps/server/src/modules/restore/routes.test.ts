import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import PostalMime from 'postal-mime';
import type { App } from '../../http/app.ts';
import { buildApp } from '../../http/app.ts';
import { type BackupFixture, backupFixture, startTestBackup } from '../../testing/backup.ts';
import {
  createBrowser,
  openPartnerSessionAs,
  seedPartner,
  seedStaffUser,
  signInWithTotp,
} from '../../testing/browser.ts';
import { bindToSpentGmailProject } from '../../testing/cloud-projects.ts';
import { forEachDatabase } from '../../testing/context.ts';
import { auditLog } from '../audit/tables.ts';
import { createIdentityModule } from '../identity/index.ts';
import { customers } from '../tenancy/tables.ts';
import { defineRestoreJobs, RESTORE_JOB } from './restore-jobs.ts';
import { runRestore } from './restore-run.ts';
import { restoreModule } from './routes.ts';
import { restores } from './tables.ts';

forEachDatabase('restore API', (kind) => {
  let f: BackupFixture;
  let app: App;
  let owner: Awaited<ReturnType<typeof seedStaffUser>>;
  let readOnly: Awaited<ReturnType<typeof seedStaffUser>>;
  let stranger: Awaited<ReturnType<typeof seedStaffUser>>;
  let otherCustomerId: string;

  before(async () => {
    f = await backupFixture(kind, { users: 2, generate: { messagesPerUser: 4 } });
    const partnerId = await seedPartner(f.ctx.db);
    const otherPartnerId = await seedPartner(f.ctx.db, { name: 'Other IT' });
    await f.ctx.db.update(customers).set({ partnerId }).where(eq(customers.id, f.customerId));
    otherCustomerId = randomUUID();
    await f.ctx.db
      .insert(customers)
      .values({ id: otherCustomerId, domain: 'other.test', name: 'Other', partnerId: otherPartnerId });
    owner = await seedStaffUser(f.ctx, { email: 'owner@acme.test', partnerId, role: 'owner' });
    readOnly = await seedStaffUser(f.ctx, { email: 'viewer@acme.test', partnerId, role: 'read_only' });
    stranger = await seedStaffUser(f.ctx, { email: 'owner@other.test', partnerId: otherPartnerId, role: 'owner' });
    await startTestBackup(f.ctx, f.customerId, {
      subjects: f.users,
      services: ['gmail'],
      trigger: 'scheduled',
      wait: true,
      runOptions: { google: f.google },
    });
    defineRestoreJobs(f.ctx.jobs, () => f.ctx);
    await f.ctx.jobs.start({ work: false });
    app = await buildApp(f.ctx, { modules: [createIdentityModule(), restoreModule] });
  });
  after(async () => {
    await app?.close();
    await f?.close();
  });

  async function as(user: typeof owner) {
    const browser = createBrowser(app);
    await signInWithTotp(browser, f.ctx.clock, user);
    // Partner staff reach customer data inside a partner session (issue 18 §2): the owner on
    // this tenant, the stranger (the other partner's owner) on its own customer.
    if (user.id === owner.id) await openPartnerSessionAs(browser, f.ctx, user, f.customerId);
    if (user.id === stranger.id) await openPartnerSessionAs(browser, f.ctx, user, otherCustomerId);
    return browser;
  }

  const user = () => f.users[1]?.email as string;

  it('queues a restore (202 with its id), audits it, and shows its progress and per-item report', async () => {
    const browser = await as(owner);
    const response = await browser.post(`/api/customers/${f.customerId}/restores`, {
      user: user(),
      service: 'gmail',
      inPlace: true,
    });
    assert.equal(response.statusCode, 202, response.body);
    const { id } = response.json();
    const jobs = (await f.ctx.db.execute(
      sql`select state from pgboss.job where name = ${RESTORE_JOB} and data->>'restoreId' = ${id}`,
    )) as { rows: Array<{ state: string }> };
    assert.deepEqual(
      jobs.rows.map((row) => row.state),
      ['created'],
      'one job waits for a worker',
    );
    const queued = await browser.get(`/api/customers/${f.customerId}/restores/${id}`);
    assert.equal(queued.statusCode, 200, queued.body);
    assert.equal(queued.json().status, 'queued');
    assert.equal(queued.json().user, user());

    // The worker's part, run here: every message is still in the mailbox, so each is skipped.
    const result = await runRestore(f.ctx, id, { google: f.google });
    assert.equal(result.status, 'success');
    const done = await browser.get(`/api/customers/${f.customerId}/restores/${id}?limit=2`);
    const body = done.json();
    assert.equal(body.status, 'success');
    const mail = f.emulator.control.digest({ email: user(), service: 'gmail' }).items;
    assert.equal(body.total, mail);
    assert.equal(body.skipped, mail);
    assert.equal(body.items.length, 2);
    assert.equal(body.itemsTotal, mail);
    assert.equal(body.items[0].status, 'skipped');
    assert.equal(body.items[0].reason, 'already present');
    assert.ok(body.items[0].targetId);
    const entries = await f.ctx.db.select().from(auditLog).where(eq(auditLog.target, id));
    assert.deepEqual(entries.map((entry) => entry.action).sort(), ['restore.finished', 'restore.request']);
  });

  it('answers 400 with the field for a user without a backup, a target outside the domain, or an unknown body field', async () => {
    const browser = await as(owner);
    const url = `/api/customers/${f.customerId}/restores`;
    const noBackup = await browser.post(url, { user: `nobody@${f.domain}`, service: 'gmail' });
    assert.equal(noBackup.statusCode, 400, noBackup.body);
    assert.equal(noBackup.json().error.field, 'user');
    const outside = await browser.post(url, { user: user(), service: 'gmail', to: 'x@elsewhere.test' });
    assert.equal(outside.statusCode, 400);
    assert.equal(outside.json().error.field, 'to');
    const unknown = await browser.post(url, { user: user(), service: 'gmail', overwrite: true });
    assert.equal(unknown.statusCode, 400);
    const badService = await browser.post(url, { user: user(), service: 'photos' });
    assert.equal(badService.statusCode, 400);
  });

  it("answers 503 with Retry-After and the reason while the customer's Cloud project has spent the service's API today, and creates nothing", async () => {
    const browser = await as(owner);
    const project = `spent-${kind}`;
    const undo = await bindToSpentGmailProject(f.ctx.db, f.ctx.clock, f, project);
    try {
      const count = async () => ({
        restores: (await f.ctx.db.select({ id: restores.id }).from(restores)).length,
        audits: (await f.ctx.db.select({ id: auditLog.id }).from(auditLog)).length,
      });
      const before = await count();
      const refused = await browser.post(`/api/customers/${f.customerId}/restores`, { user: user(), service: 'gmail' });
      assert.equal(refused.statusCode, 503, refused.body);
      assert.ok(Number(refused.headers['retry-after']) > 0, String(refused.headers['retry-after']));
      assert.deepEqual(refused.json().error, {
        code: 'unavailable',
        message: `Google Cloud project ${project} has used its daily Gmail quota; the restore was not started: start it after 00:00 Pacific`,
      });
      assert.deepEqual(await count(), before);
    } finally {
      await undo();
    }
  });

  it('lets a read-only partner user neither restore (403) nor another partner see or restore the tenant (404)', async () => {
    const viewer = await as(readOnly);
    const denied = await viewer.post(`/api/customers/${f.customerId}/restores`, { user: user(), service: 'gmail' });
    assert.equal(denied.statusCode, 403, denied.body);
    const outsider = await as(stranger);
    const hidden = await outsider.post(`/api/customers/${f.customerId}/restores`, { user: user(), service: 'gmail' });
    assert.equal(hidden.statusCode, 404, hidden.body);
    // A restore of tenant A looked up through tenant B (which the outsider manages) does not exist there.
    const mine = await (await as(owner)).post(`/api/customers/${f.customerId}/restores`, {
      user: user(),
      service: 'gmail',
    });
    const id = mine.json().id;
    const peek = await outsider.get(`/api/customers/${otherCustomerId}/restores/${id}`);
    assert.equal(peek.statusCode, 404, peek.body);
    const direct = await outsider.get(`/api/customers/${f.customerId}/restores/${id}`);
    assert.equal(direct.statusCode, 404);
    const fromB = await outsider.post(`/api/customers/${otherCustomerId}/restores`, { user: user(), service: 'gmail' });
    assert.equal(fromB.statusCode, 400, 'tenant B has no backup of tenant A’s user');
    assert.equal(fromB.json().error.field, 'user');
  });

  it('lists the tenant’s restores newest first, paged with a total, by user and status, without their items', async () => {
    const browser = await as(owner);
    const url = `/api/customers/${f.customerId}/restores`;
    const first = f.users[0]?.email as string;
    const ids: string[] = [];
    for (const body of [
      { user: first, service: 'gmail' },
      { user: first, service: 'gmail', to: user(), label: 'INBOX' },
      { user: user(), service: 'gmail' },
    ]) {
      f.ctx.clock.advance(1000);
      const started = await browser.post(url, body);
      assert.equal(started.statusCode, 202, started.body);
      ids.push(started.json().id);
    }
    const all = (await browser.get(`${url}?limit=200`)).json();
    assert.equal(all.total, all.restores.length);
    assert.deepEqual(
      all.restores.slice(0, 3).map((row: { id: string }) => row.id),
      [...ids].reverse(),
      'newest first',
    );
    const newest = all.restores[1];
    assert.equal(newest.user, first);
    assert.equal(newest.to, user());
    assert.deepEqual(newest.selection, { label: 'INBOX' });
    assert.equal(newest.status, 'queued');
    assert.equal(newest.inPlace, false);
    assert.equal(typeof newest.total, 'number');
    assert.equal('items' in newest, false);
    assert.equal('errors' in newest, false);

    const page = (await browser.get(`${url}?limit=1&offset=1`)).json();
    assert.deepEqual(
      page.restores.map((row: { id: string }) => row.id),
      [ids[1]],
    );
    assert.equal(page.total, all.total);

    // A user's restores: those of their data and those into their account.
    const mine = (await browser.get(`${url}?user=${encodeURIComponent(first.toUpperCase())}`)).json();
    assert.deepEqual(
      mine.restores.map((row: { id: string }) => row.id),
      [ids[1], ids[0]],
    );
    assert.equal(mine.total, 2);
    const succeeded = (await browser.get(`${url}?status=success`)).json();
    assert.ok(succeeded.restores.every((row: { status: string }) => row.status === 'success'));
    assert.equal(
      succeeded.restores.some((row: { id: string }) => ids.includes(row.id)),
      false,
    );

    for (const bad of ['status=done', 'user=not%20an%20email', 'limit=0', 'offset=-1', 'sort=asc']) {
      const response = await browser.get(`${url}?${bad}`);
      assert.equal(response.statusCode, 400, `${bad}: ${response.body}`);
    }
    const outsider = await as(stranger);
    assert.equal((await outsider.get(url)).statusCode, 404);
    const theirs = (await outsider.get(`/api/customers/${otherCustomerId}/restores`)).json();
    assert.deepEqual(theirs, { restores: [], total: 0, limit: 50, offset: 0 });
  });

  it('names each item of a restore by its backed-up title (a message’s subject), not by its id alone', async () => {
    const browser = await as(owner);
    const started = await browser.post(`/api/customers/${f.customerId}/restores`, {
      user: user(),
      service: 'gmail',
      inPlace: true,
    });
    assert.equal(started.statusCode, 202, started.body);
    const { id } = started.json();
    // Every message is still in the mailbox: each one is skipped, with its reason.
    assert.equal((await runRestore(f.ctx, id, { google: f.google })).status, 'success');
    const report = await browser.get(`/api/customers/${f.customerId}/restores/${id}?status=skipped&limit=1000`);
    assert.equal(report.statusCode, 200, report.body);
    const items = report.json().items as Array<{ itemKey: string; title: string | null }>;
    assert.ok(items.length >= 4, 'the user’s messages are in the report');
    for (const item of items) {
      // The subject as Google has it, read by an independent MIME parser.
      const { raw } = await f.google.gmail.getMessage(user(), item.itemKey, { format: 'raw' });
      const subject = (await PostalMime.parse(raw)).subject;
      assert.ok(subject, `message ${item.itemKey} has a subject`);
      assert.equal(item.title, subject, `the title of ${item.itemKey}`);
    }
  });
});
