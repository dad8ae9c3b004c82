// The customer's notification emails end to end, against a local SMTP server: the backup
// engine's facts (notification-facts.ts) through the notifications module's sending.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { buildApp } from '../../http/app.ts';
import { createBrowser } from '../../testing/browser.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { type Received, startSmtp } from '../../testing/smtp.ts';
import { customerConnections, directoryUsers } from '../customers/tables.ts';
import { identityModule } from '../identity/index.ts';
import { customerMembers } from '../identity/tables.ts';
import {
  checkFailureAlerts,
  createMailService,
  type NoticeDeps,
  notificationSettingsModule,
  sendStatusEmail,
  sendTenantNotices,
} from '../notifications/index.ts';
import { notificationSettings } from '../notifications/tables.ts';
import { customers } from '../tenancy/tables.ts';
import { backupNotificationFacts } from './notification-facts.ts';
import { backupRunErrors, backupRuns, backupSources } from './tables.ts';

/** A mail as text: folded headers unfolded, the quoted-printable UTF-8 body decoded. */
const decoded = (data: string) => {
  const [head = '', ...body] = data.split('\r\n\r\n');
  const bytes = body
    .join('\r\n\r\n')
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return `${head.replace(/\r\n[ \t]+/g, ' ')}\r\n\r\n${Buffer.from(bytes, 'latin1').toString('utf8')}`;
};

forEachDatabase('customer notification emails over SMTP', (kind) => {
  let ctx: TestContext;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let deps: NoticeDeps;
  let tenant: string;

  before(async () => {
    smtp = await startSmtp();
    ctx = await createTestContext(kind, { env: { SMTP_URL: smtp.url }, start: new Date('2026-03-02T08:00:00Z') });
    const mail = createMailService({ db: ctx.db, clock: ctx.clock, logger: ctx.logger, smtp: ctx.config.smtp });
    deps = { ...ctx, mail, facts: backupNotificationFacts(ctx) };
  });
  after(async () => {
    await ctx?.close();
    await smtp.close();
  });
  beforeEach(async () => {
    await ctx.db.delete(customers);
    smtp.received.length = 0;
    tenant = randomUUID();
    await ctx.db.insert(customers).values({ id: tenant, domain: 'a.example', name: 'A' });
    await ctx.db
      .insert(customerConnections)
      .values({ customerId: tenant, adminEmail: 'admin@a.example', clientId: '1' });
    for (const [email, role] of [
      ['boss@a.example', 'super_admin'],
      ['it@a.example', 'super_admin'],
      ['desk@a.example', 'helpdesk_admin'],
    ] as const) {
      await ctx.db.insert(customerMembers).values({ id: randomUUID(), customerId: tenant, email, role });
    }
    await ctx.db.insert(notificationSettings).values({ customerId: tenant, extraRecipients: ['ops@partner.test'] });
  });

  async function run(
    email: string,
    service: 'gmail' | 'drive',
    status: 'success' | 'partial' | 'failed',
    options: { error?: string; itemErrors?: string[] } = {},
  ): Promise<void> {
    const [existing] = await ctx.db
      .select({ id: backupSources.id })
      .from(backupSources)
      .where(eq(backupSources.subjectId, `g-${email}-${service}`));
    const sourceId = existing?.id ?? randomUUID();
    if (!existing) {
      await ctx.db.insert(backupSources).values({
        id: sourceId,
        customerId: tenant,
        subjectKind: 'user',
        subjectId: `g-${email}-${service}`,
        subjectEmail: email,
        service,
        createdAt: ctx.clock.now(),
      });
    }
    const id = randomUUID();
    await ctx.db.insert(backupRuns).values({
      id,
      customerId: tenant,
      sourceId,
      trigger: 'scheduled',
      status,
      error: options.error ?? null,
      failed: options.itemErrors?.length ?? 0,
      queuedAt: ctx.clock.now(),
      finishedAt: ctx.clock.now(),
    });
    for (const reason of options.itemErrors ?? []) {
      await ctx.db.insert(backupRunErrors).values({ runId: id, customerId: tenant, itemKey: `item-${reason}`, reason });
    }
  }

  const recipients = (messages: Received[]) => messages.flatMap((message) => message.to).sort();
  const unsubscribeLink = (message: Received) =>
    /^Unsubscribe: (\S+\/api\/notifications\/unsubscribe\?token=[\w.-]+)/m.exec(decoded(message.data))?.[1];

  it('a failed backup is told once, to each super admin and extra address separately, with the user and reason', async () => {
    await run('ann@a.example', 'gmail', 'failed', { error: 'Google answered 500: backend error' });
    await run('bob@a.example', 'gmail', 'success');
    const told = await checkFailureAlerts(deps, tenant);
    assert.deepEqual(
      told.map((cause) => cause.key),
      ['backup_failed:ann@a.example/gmail'],
    );
    assert.deepEqual(recipients(smtp.received), ['boss@a.example', 'it@a.example', 'ops@partner.test']);
    for (const message of smtp.received) {
      assert.equal(message.to.length, 1, 'one recipient per message');
      const text = decoded(message.data);
      assert.match(text, /Subject: Safehold: backup of ann@a\.example \(gmail\) failed/);
      assert.match(text, /Reason: Google answered 500: backend error/);
      assert.match(text, /List-Unsubscribe: <http[^>]+\/api\/notifications\/unsubscribe\?token=/);
      assert.match(text, /List-Unsubscribe-Post: List-Unsubscribe=One-Click/);
    }
    // The same cause again (another failed run, a periodic check): no second email.
    await run('ann@a.example', 'gmail', 'failed', { error: 'Google answered 500: backend error' });
    assert.deepEqual(await checkFailureAlerts(deps, tenant), []);
    assert.equal(smtp.received.length, 3);
    // The cause ends (a success), then comes back: told again.
    ctx.clock.advance(60_000);
    await run('ann@a.example', 'gmail', 'success');
    assert.deepEqual(await checkFailureAlerts(deps, tenant), []);
    ctx.clock.advance(60_000);
    await run('ann@a.example', 'gmail', 'failed', { error: 'storage unavailable' });
    assert.equal((await checkFailureAlerts(deps, tenant)).length, 1);
    assert.equal(smtp.received.length, 6);
  });

  it("a recipient's unsubscribe link stops their next alert, and only theirs", async () => {
    await run('ann@a.example', 'gmail', 'failed', { error: 'first' });
    await checkFailureAlerts(deps, tenant);
    const toOps = smtp.received.find((message) => message.to[0] === 'ops@partner.test');
    assert.ok(toOps);
    const link = unsubscribeLink(toOps);
    assert.ok(link, 'the message has an unsubscribe link');
    const url = new URL(link);
    const app = await buildApp(ctx, { modules: [identityModule, notificationSettingsModule] });
    try {
      const page = await createBrowser(app).get(`${url.pathname}${url.search}`);
      assert.equal(page.statusCode, 200, page.body);
      assert.match(page.body, /ops@partner\.test gets no more Safehold failure alerts/);
    } finally {
      await app.close();
    }
    smtp.received.length = 0;
    await run('bob@a.example', 'drive', 'failed', { error: 'second' });
    assert.equal((await checkFailureAlerts(deps, tenant)).length, 1);
    assert.deepEqual(recipients(smtp.received), ['boss@a.example', 'it@a.example']);
  });

  it('Google authorisation lost is one email, and the runs it fails are not told one by one', async () => {
    await ctx.db
      .update(customerConnections)
      .set({ authorizationStatus: 'lost', missingScopes: [] })
      .where(eq(customerConnections.customerId, tenant));
    await run('ann@a.example', 'gmail', 'failed', { error: 'authorisation lost' });
    const told = await checkFailureAlerts(deps, tenant);
    assert.deepEqual(
      told.map((cause) => cause.key),
      ['authorization_lost'],
    );
    assert.match(decoded(smtp.received[0]?.data ?? ''), /domain-wide delegation was revoked/);
  });

  it('a licensed user with no successful backup for more than 26 hours is told once', async () => {
    await ctx.db.insert(directoryUsers).values({
      id: randomUUID(),
      customerId: tenant,
      googleId: 'g-ann@a.example-gmail',
      primaryEmail: 'ann@a.example',
      license: 'standard',
      firstSeenAt: ctx.clock.now(),
      lastSyncedAt: ctx.clock.now(),
    });
    await run('ann@a.example', 'gmail', 'success');
    await ctx.db.update(backupSources).set({ lastSuccessAt: ctx.clock.now() });
    ctx.clock.advance(25 * 3600_000);
    assert.deepEqual(await checkFailureAlerts(deps, tenant), [], 'not late yet');
    ctx.clock.advance(2 * 3600_000);
    const told = await checkFailureAlerts(deps, tenant);
    assert.deepEqual(
      told.map((cause) => cause.key),
      ['backup_overdue:ann@a.example'],
    );
    assert.match(decoded(smtp.received[0]?.data ?? ''), /ann@a\.example has not been backed up for more than 26 hours/);
    assert.deepEqual(await checkFailureAlerts(deps, tenant), [], 'not repeated while it lasts');
    assert.equal(smtp.received.length, 3);
  });

  it('with failure alerts off nothing is sent', async () => {
    await ctx.db.update(notificationSettings).set({ failureAlerts: false });
    await run('ann@a.example', 'gmail', 'failed', { error: 'x' });
    assert.deepEqual(await checkFailureAlerts(deps, tenant), []);
    assert.equal(smtp.received.length, 0);
  });

  it('the daily status email lists successes, partial and failed runs with their reasons, once a day', async () => {
    await run('ann@a.example', 'gmail', 'failed', { error: 'Google answered 503' });
    await run('bob@a.example', 'drive', 'partial', { itemErrors: ['cannotDownloadFile'] });
    await run('cy@a.example', 'gmail', 'success');
    ctx.clock.advance(3600_000);
    assert.equal(await sendStatusEmail(deps, tenant), true);
    assert.deepEqual(recipients(smtp.received), ['boss@a.example', 'it@a.example', 'ops@partner.test']);
    const text = decoded(smtp.received[0]?.data ?? '');
    assert.match(text, /Subject: Safehold daily status for a\.example: 2 runs need attention/);
    assert.match(text, /Runs: 1 succeeded, 1 partial, 1 failed\./);
    assert.match(text, /Coverage: 0 of 0 licensed users protected\./);
    assert.match(text, /ann@a\.example · gmail: failed — Google answered 503/);
    assert.match(text, /bob@a\.example · drive: partial — 1 item not backed up/);
    assert.match(text, /item-cannotDownloadFile: cannotDownloadFile\s+What to do: /);
    assert.equal(await sendStatusEmail(deps, tenant), false, 'not twice the same day');
    assert.equal(smtp.received.length, 3);
  });

  it('the periodic job sends each tenant in service its due status email and new alerts, once', async () => {
    await run('ann@a.example', 'gmail', 'failed', { error: 'boom' });
    assert.deepEqual(await sendTenantNotices(deps), { statusEmails: 1, alertEmails: 1 });
    assert.equal(smtp.received.length, 6, 'three recipients, two emails each');
    assert.deepEqual(await sendTenantNotices(deps), { statusEmails: 0, alertEmails: 0 });
  });
});
