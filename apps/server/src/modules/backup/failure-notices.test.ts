import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { customerConnections } from '../customers/tables.ts';
import { customerMembers } from '../identity/tables.ts';
import { notificationSettings, outbox } from '../notifications/tables.ts';
import { customers } from '../tenancy/tables.ts';
import { notifyBackupFailures } from './failure-notices.ts';
import { ALREADY_RUNNING_REASON, AUTHORISATION_LOST_REASON } from './run-source.ts';
import { backupRunErrors, backupRuns, backupSources } from './tables.ts';

forEachDatabase('backup failure digests', (kind) => {
  let ctx: TestContext;

  before(async () => {
    ctx = await createTestContext(kind, { start: new Date('2026-03-02T08:00:00Z') });
  });
  after(() => ctx?.close());
  beforeEach(async () => {
    await ctx.db.delete(customers);
    await ctx.db.delete(outbox);
  });

  async function tenant(domain: string, superAdmins: string[] = []): Promise<string> {
    const id = randomUUID();
    await ctx.db.insert(customers).values({ id, domain, name: domain });
    await ctx.db.insert(customerConnections).values({ customerId: id, adminEmail: `admin@${domain}`, clientId: '123' });
    for (const email of superAdmins) {
      await ctx.db.insert(customerMembers).values({ id: randomUUID(), customerId: id, email, role: 'super_admin' });
    }
    return id;
  }

  async function run(
    customerId: string,
    email: string,
    service: 'gmail' | 'drive' | 'calendar' | 'contacts',
    status: 'queued' | 'running' | 'success' | 'partial' | 'failed',
    options: { error?: string; itemErrors?: string[]; finishedAt?: Date } = {},
  ): Promise<string> {
    const sourceId = randomUUID();
    await ctx.db.insert(backupSources).values({
      id: sourceId,
      customerId,
      subjectKind: 'user',
      subjectId: `g-${email}-${service}`,
      subjectEmail: email,
      service,
    });
    const id = randomUUID();
    const done = status !== 'queued' && status !== 'running';
    await ctx.db.insert(backupRuns).values({
      id,
      customerId,
      sourceId,
      trigger: 'scheduled',
      status,
      error: options.error ?? null,
      failed: options.itemErrors?.length ?? 0,
      queuedAt: ctx.clock.now(),
      finishedAt: done ? (options.finishedAt ?? ctx.clock.now()) : null,
    });
    for (const reason of options.itemErrors ?? []) {
      await ctx.db.insert(backupRunErrors).values({ runId: id, customerId, itemKey: `item-${reason}`, reason });
    }
    return id;
  }

  const mails = () => ctx.db.select().from(outbox).orderBy(outbox.to);

  it("sends one digest per tenant listing every failed and partial run of the batch, to the tenant's super admins", async () => {
    const a = await tenant('a.example', ['boss@a.example', 'it@a.example']);
    const b = await tenant('b.example');
    await run(a, 'ann@a.example', 'gmail', 'failed', { error: 'storage unavailable' });
    await run(a, 'ann@a.example', 'drive', 'partial', { itemErrors: ['file too large', 'cannotDownload'] });
    await run(a, 'bob@a.example', 'calendar', 'failed', { error: 'Google answered 500' });
    await run(a, 'bob@a.example', 'gmail', 'success');
    await run(b, 'cy@b.example', 'contacts', 'failed', { error: 'Google answered 503' });

    const report = await notifyBackupFailures(ctx);
    assert.deepEqual(
      report.emails.map((entry) => [entry.customerId, entry.runs]).sort(),
      [
        [a, 3],
        [b, 1],
      ].sort(),
    );
    const sent = await mails();
    assert.deepEqual(
      sent.map((mail) => mail.to),
      ['admin@b.example', 'boss@a.example', 'it@a.example'],
      'super admins, or the connecting admin when the tenant has none; one email each',
    );
    const digest = sent.find((mail) => mail.to === 'boss@a.example');
    assert.ok(digest);
    assert.match(digest.subject, /a\.example.*2 failed, 1 partial/);
    assert.match(digest.text, /ann@a\.example · gmail: failed — storage unavailable/);
    assert.match(digest.text, /ann@a\.example · drive: partial — 2 item\(s\) not backed up/);
    assert.match(
      digest.text,
      /item-cannotDownload: cannotDownload\n +What to do: Google refuses downloads of this file/,
    );
    assert.match(digest.text, /bob@a\.example · calendar: failed/);
    assert.doesNotMatch(digest.text, /bob@a\.example · gmail/, 'successful runs are not listed');

    // Told once: the next tick finds nothing new.
    assert.deepEqual((await notifyBackupFailures(ctx)).emails, []);
    assert.equal((await mails()).length, 3);
  });

  it('waits until the batch is over (no run queued or running), or at most a day', async () => {
    const a = await tenant('wait.example');
    await run(a, 'ann@wait.example', 'gmail', 'failed', { error: 'boom' });
    await run(a, 'ann@wait.example', 'drive', 'running');
    const queued = await run(a, 'bob@wait.example', 'gmail', 'queued');
    assert.deepEqual((await notifyBackupFailures(ctx)).emails, [], 'the batch is still running');
    await ctx.db
      .update(backupRuns)
      .set({ status: 'failed', error: 'also boom', finishedAt: ctx.clock.now() })
      .where(eq(backupRuns.id, queued));
    assert.deepEqual((await notifyBackupFailures(ctx)).emails, [], 'one run is still running');
    ctx.clock.advance(25 * 3_600_000);
    const report = await notifyBackupFailures(ctx);
    assert.equal(report.emails.length, 1, 'after a day the tenant hears even if it is never idle');
    assert.equal(report.emails[0]?.runs, 2, 'both failures in one email');
  });

  it('does not email runs skipped as already running, nor each run that failed on lost authorisation', async () => {
    const a = await tenant('quiet.example');
    await run(a, 'ann@quiet.example', 'gmail', 'failed', { error: ALREADY_RUNNING_REASON });
    await run(a, 'ann@quiet.example', 'drive', 'failed', { error: AUTHORISATION_LOST_REASON });
    await run(a, 'bob@quiet.example', 'drive', 'failed', { error: AUTHORISATION_LOST_REASON });
    assert.deepEqual((await notifyBackupFailures(ctx)).emails, []);
    assert.equal((await mails()).length, 0);
    const left = await ctx.db.select().from(backupRuns).where(eq(backupRuns.customerId, a));
    assert.ok(
      left.every((row) => row.notifiedAt !== null),
      'marked as told, so they are not looked at again',
    );
  });

  it('follows Settings › Notifications: extra recipients hear too, each with an unsubscribe link; alerts off, nobody', async () => {
    const a = await tenant('set.example', ['boss@set.example']);
    await ctx.db.insert(notificationSettings).values({ customerId: a, extraRecipients: ['ops@partner.test'] });
    await run(a, 'ann@set.example', 'gmail', 'failed', { error: 'boom' });
    assert.deepEqual((await notifyBackupFailures(ctx)).emails[0]?.to, ['boss@set.example', 'ops@partner.test']);
    for (const mail of await mails())
      assert.match(mail.text, /Unsubscribe: http\S+\/api\/notifications\/unsubscribe\?token=/);
    await ctx.db.update(notificationSettings).set({ failureAlerts: false });
    await run(a, 'bob@set.example', 'gmail', 'failed', { error: 'boom again' });
    assert.deepEqual((await notifyBackupFailures(ctx)).emails, []);
    assert.equal((await mails()).length, 2);
  });
});
