import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { type App, buildApp } from '../../http/app.ts';
import {
  type Browser,
  createBrowser,
  type SeededStaffUser,
  seedPartner,
  seedStaffUser,
  signInWithTotp,
} from '../../testing/browser.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { type HttpsReceiver, startHttpsReceiver } from '../../testing/https-receiver.ts';
import { seedCustomerWithBackups } from '../../testing/reseller-seed.ts';
import { auditLog } from '../audit/tables.ts';
import { identityModule } from '../identity/index.ts';
import {
  attemptDelivery,
  defineIntegrationJobs,
  integrationsModule,
  publishAlertChanged,
  publishBackupRunEnded,
  publishPartnerEvent,
  verifySignature,
} from './index.ts';
import { webhookDeliveries, webhooks } from './tables.ts';

const minute = 60_000;

forEachDatabase('webhooks against a local HTTPS receiver', (kind) => {
  let ctx: TestContext;
  let app: App;
  let receiver: HttpsReceiver;
  let owner: Browser;
  let partnerId: string;
  let user: SeededStaffUser;

  before(async () => {
    receiver = await startHttpsReceiver();
    // The receiver is on loopback: allowed here by configuration, as an installation would.
    ctx = await createTestContext(kind, {
      start: new Date('2030-03-01T09:00:00Z'),
      env: { SAFEHOLD_WEBHOOKS_ALLOW_PRIVATE: '1', SAFEHOLD_WEBHOOKS_CA_FILE: receiver.caFile },
    });
    app = await buildApp(ctx, { modules: [identityModule, integrationsModule] });
    defineIntegrationJobs(ctx.jobs, () => ctx);
    await ctx.jobs.start({ work: true });
    partnerId = await seedPartner(ctx.db, { name: 'Acme IT' });
    user = await seedStaffUser(ctx, { email: 'owner@acme.test', partnerId, role: 'owner' });
    owner = createBrowser(app);
    await signInWithTotp(owner, ctx.clock, user);
  });
  after(async () => {
    await app?.close();
    await ctx?.close();
    await receiver?.close();
  });

  async function addWebhook(events: string[]): Promise<{ id: string; secret: string }> {
    const response = await owner.post(`/api/partners/${partnerId}/webhooks`, {
      url: `${receiver.origin}/hooks/safehold`,
      events,
    });
    assert.equal(response.statusCode, 201, response.body);
    const body = response.json() as { webhook: { id: string }; secret: string };
    return { id: body.webhook.id, secret: body.secret };
  }

  it('"Send test event" is delivered by the queued job, signed over timestamp and body with the secret shown once', async () => {
    const hook = await addWebhook(['alert.opened']);
    const listed = await owner.get(`/api/partners/${partnerId}/webhooks`);
    assert.doesNotMatch(listed.body, /whsec_/, 'the secret is never shown again');
    const [stored] = await ctx.db.select().from(webhooks).where(eq(webhooks.id, hook.id));
    assert.ok(stored && !stored.secretSealed.includes(hook.secret), 'the secret is stored sealed');

    const sent = await owner.post(`/api/partners/${partnerId}/webhooks/${hook.id}/test`);
    assert.equal(sent.statusCode, 202, sent.body);
    await receiver.waitFor(1);
    const request = receiver.received[0];
    assert.ok(request);
    assert.equal(request.path, '/hooks/safehold');
    assert.equal(request.headers['safehold-event'], 'webhook.test');
    const signature = String(request.headers['safehold-signature']);
    assert.match(signature, /^t=\d+,v1=[0-9a-f]{64}$/);
    assert.equal(verifySignature(hook.secret, request.body, signature, ctx.clock.now()), true);
    assert.equal(verifySignature('whsec_wrong', request.body, signature, ctx.clock.now()), false);
    assert.equal(verifySignature(hook.secret, `${request.body} `, signature, ctx.clock.now()), false);
    const event = JSON.parse(request.body) as { type: string; partnerId: string };
    assert.equal(event.type, 'webhook.test');
    assert.equal(event.partnerId, partnerId);
  });

  it('a 500 answer is retried with exponential backoff and the delivery log records each response code', async () => {
    receiver.received.length = 0;
    const hook = await addWebhook(['backup.failed']);
    // Answers for the queued first attempt and the two retries the test makes by hand.
    receiver.answers.push({ status: 500 }, { status: 503 });
    const queued = await publishPartnerEvent(ctx, partnerId, 'backup.failed', {
      customerId: 'c1',
      domain: 'alpha.test',
    });
    assert.equal(queued, 1, 'only the webhook that chose backup.failed');
    await receiver.waitFor(1);
    const [delivery] = await waitForAttempts(hook.id, 1);
    assert.equal(delivery.status, 'pending');
    assert.equal(delivery.lastResponseCode, 500);
    const firstAt = delivery.lastAttemptAt as Date;
    assert.equal(delivery.nextAttemptAt?.getTime(), firstAt.getTime() + 1 * minute, 'first retry after a minute');

    ctx.clock.advance(minute);
    assert.equal(await attemptDelivery(ctx, delivery.id), 'retry');
    const [second] = await deliveriesOf(hook.id);
    assert.equal(second?.lastResponseCode, 503);
    assert.equal(second?.nextAttemptAt?.getTime(), ctx.clock.now().getTime() + 2 * minute, 'then two minutes');

    ctx.clock.advance(2 * minute);
    assert.equal(await attemptDelivery(ctx, delivery.id), 'delivered');
    const [third] = await deliveriesOf(hook.id);
    assert.equal(third?.status, 'delivered');
    assert.deepEqual(
      third?.log.map((entry) => entry.responseCode),
      [500, 503, 200],
    );
    const log = await owner.get(`/api/partners/${partnerId}/webhooks/${hook.id}/deliveries`);
    assert.equal(log.statusCode, 200);
    const [shown] = (log.json() as { deliveries: { status: string; attempts: number; lastResponseCode: number }[] })
      .deliveries;
    assert.deepEqual(
      { status: shown?.status, attempts: shown?.attempts, code: shown?.lastResponseCode },
      { status: 'delivered', attempts: 3, code: 200 },
    );
    // Every attempt carried the same body and a valid signature.
    assert.equal(new Set(receiver.received.map((r) => r.body)).size, 1);
  });

  it('a redirect is not followed: it counts as a failure with its status', async () => {
    receiver.received.length = 0;
    const hook = await addWebhook(['customer.added']);
    receiver.answers.push({ status: 302, headers: { location: 'https://169.254.169.254/latest/meta-data' } });
    await publishPartnerEvent(ctx, partnerId, 'customer.added', { customerId: 'c2' });
    await receiver.waitFor(1);
    const [delivery] = await waitForAttempts(hook.id, 1);
    assert.equal(delivery.lastResponseCode, 302);
    assert.equal(delivery.status, 'pending');
    assert.equal(receiver.received.length, 1);
  });

  it('after 3 days of failures the webhook is disabled, says why, and the partner log records it', async () => {
    const hook = await addWebhook(['backup.partial']);
    await ctx.db.update(webhooks).set({ failingSince: ctx.clock.now() }).where(eq(webhooks.id, hook.id));
    ctx.clock.advance(3 * 24 * 60 * minute);
    receiver.answers.push({ status: 500 });
    const [row] = await ctx.db
      .insert(webhookDeliveries)
      .values({
        id: crypto.randomUUID(),
        webhookId: hook.id,
        eventId: crypto.randomUUID(),
        eventType: 'backup.partial',
        body: '{}',
        status: 'pending',
        createdAt: ctx.clock.now(),
      })
      .returning();
    assert.ok(row);
    assert.equal(await attemptDelivery(ctx, row.id), 'failed');
    await signInWithTotp(owner, ctx.clock, user); // the session ended during those 3 days
    const listed = await owner.get(`/api/partners/${partnerId}/webhooks`);
    assert.equal(listed.statusCode, 200, listed.body);
    const shown = (
      listed.json() as { webhooks: { id: string; disabledAt: string | null; disabledReason: string }[] }
    ).webhooks.find((w) => w.id === hook.id);
    assert.ok(shown?.disabledAt);
    assert.match(shown.disabledReason, /3 days/);
    const entries = await ctx.db.select().from(auditLog).where(eq(auditLog.action, 'webhook.disable'));
    assert.equal(entries.length, 1);
    assert.equal(await publishPartnerEvent(ctx, partnerId, 'backup.partial', {}), 0, 'a disabled webhook gets nothing');

    const enabled = await owner.post(`/api/partners/${partnerId}/webhooks/${hook.id}/enable`);
    assert.equal(enabled.statusCode, 200, enabled.body);
    assert.equal((enabled.json() as { disabledAt: string | null }).disabledAt, null);
  });

  it("a backup run that ended failed reaches the customer's partner as backup.failed", async () => {
    receiver.received.length = 0;
    receiver.answers.length = 0;
    await addWebhook(['customer.trial_ending']);
    const customerId = await seedCustomerWithBackups(ctx.db, ctx.clock.now(), {
      partnerId,
      domain: 'failing.test',
      users: 1,
      licensed: 1,
      protectedUsers: 1,
    });
    const hook = await addWebhook(['backup.failed']);
    await ctx.db
      .update(webhooks)
      .set({ events: ['backup.failed'] })
      .where(eq(webhooks.id, hook.id));
    const queued = await publishBackupRunEnded(ctx, {
      runId: crypto.randomUUID(),
      customerId,
      subjectEmail: 'ann@failing.test',
      service: 'gmail',
      status: 'failed',
      error: 'Google answered 500',
    });
    assert.ok(queued >= 1);
    await receiver.waitFor(queued);
    const event = receiver.received
      .map((request) => JSON.parse(request.body) as { type: string; data: Record<string, unknown> })
      .find((body) => body.data.domain === 'failing.test');
    assert.equal(event?.type, 'backup.failed');
    assert.equal(event?.data.subject, 'ann@failing.test');
  });

  it('an alert opened on a customer reaches its partner as alert.opened, a trial ending also as customer.trial_ending', async () => {
    receiver.received.length = 0;
    receiver.answers.length = 0;
    // Only the webhook added here listens (the earlier tests' are turned off).
    await ctx.db.update(webhooks).set({ disabledAt: ctx.clock.now() }).where(eq(webhooks.partnerId, partnerId));
    const trialEndsAt = new Date(ctx.clock.now().getTime() + 2 * 24 * 60 * minute);
    const customerId = await seedCustomerWithBackups(ctx.db, ctx.clock.now(), {
      partnerId,
      domain: 'ending.test',
      status: 'trial',
      trialEndsAt,
      users: 1,
      licensed: 1,
      protectedUsers: 1,
    });
    const hook = await addWebhook(['alert.opened', 'customer.trial_ending']);
    const alert = {
      id: crypto.randomUUID(),
      customerId,
      kind: 'trial_ending',
      since: ctx.clock.now().toISOString(),
      cause: 'The trial ends in 2 days.',
    };
    const queued = await publishAlertChanged(ctx, { type: 'alert.opened', alert });
    assert.equal(queued, 2, 'one alert.opened and one customer.trial_ending to the one webhook');
    await receiver.waitFor(2);
    const bodies = receiver.received
      .map((request) => JSON.parse(request.body) as { type: string; data: Record<string, unknown> })
      .filter((body) => body.data.domain === 'ending.test');
    const opened = bodies.find((body) => body.type === 'alert.opened');
    assert.equal(opened?.data.alertId, alert.id);
    assert.equal(opened?.data.kind, 'trial_ending');
    assert.equal(
      bodies.find((body) => body.type === 'customer.trial_ending')?.data.trialEndsAt,
      trialEndsAt.toISOString(),
    );
    // A resolved alert is alert.resolved only, and only to webhooks that chose it.
    assert.equal(await publishAlertChanged(ctx, { type: 'alert.resolved', alert }), 0, 'nobody chose alert.resolved');
    await ctx.db.update(webhooks).set({ disabledAt: ctx.clock.now() }).where(eq(webhooks.id, hook.id));
  });

  async function deliveriesOf(webhookId: string) {
    return ctx.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.webhookId, webhookId));
  }

  /** The receiver answered; the job records the attempt right after: wait for the row to say so. */
  async function waitForAttempts(webhookId: string, attempts: number) {
    for (;;) {
      const rows = await deliveriesOf(webhookId);
      const first = rows[0];
      if (first && first.attempts >= attempts) return [first] as const;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
});
