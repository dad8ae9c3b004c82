// The vendor's Installation health page over HTTP: queue depths, failed jobs of the last 24
// hours with their error, retrying one (admins only, audited), storage per tenant and the
// database size; support reads but may not retry; partner staff never see it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { type App, buildApp } from '../../http/app.ts';
import { createJobQueue, fastTuning } from '../../jobs/queue.ts';
import { workerHeartbeats } from '../../jobs/tables.ts';
import {
  type Browser,
  createBrowser,
  type SeededStaffUser,
  seedPartner,
  seedStaffUser,
  signInWithTotp,
} from '../../testing/browser.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { seedCustomer } from '../../testing/tenants.ts';
import { repositoryPacks } from '../backup/tables.ts';
import { createIdentityModule } from '../identity/index.ts';
import { operationsModule } from './routes.ts';

forEachDatabase('installation health API', (kind) => {
  let ctx: TestContext;
  let app: App;
  let admin: Browser;
  let support: Browser;
  let staff: { admin: SeededStaffUser; support: SeededStaffUser };
  let failedJobId: string;
  let attempts = 0;

  const signedIn = async (user: SeededStaffUser) => {
    const browser = createBrowser(app);
    await signInWithTotp(browser, ctx.clock, user);
    return browser;
  };

  /** Waits (by polling the queue, no fixed delay) until the job reaches `state`. */
  const until = async (id: string, states: string[]) => {
    for (;;) {
      const job = await ctx.jobs.get('health-test-flaky', id);
      if (job && states.includes(job.state)) return job;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  before(async () => {
    ctx = await createTestContext(kind);
    ctx.jobs.define(
      'health-test-flaky',
      async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('Google answered 503: backend unavailable');
      },
      { payload: z.object({ n: z.number() }), retryLimit: 0 },
    );
    ctx.jobs.define('health-test-later', async () => undefined, { payload: z.object({}) });
    await ctx.jobs.start();
    app = await buildApp(ctx, { modules: [createIdentityModule(), operationsModule] });
    staff = {
      admin: await seedStaffUser(ctx, { email: 'ops@vendor.test', role: 'admin' }),
      support: await seedStaffUser(ctx, { email: 'support@vendor.test', role: 'support' }),
    };
    admin = await signedIn(staff.admin);
    support = await signedIn(staff.support);

    const partnerId = await seedPartner(ctx.db, { name: 'Northwind MSP' });
    const customer = await seedCustomer(ctx.db, ctx.clock, { domain: 'big.test', name: 'Big Co', partnerId });
    const direct = await seedCustomer(ctx.db, ctx.clock, { domain: 'small.test', name: 'Small Co' });
    await ctx.db.insert(repositoryPacks).values([
      { customerId: customer.id, name: 'p1', size: 3_000_000 },
      { customerId: customer.id, name: 'p2', size: 2_000_000 },
      { customerId: direct.id, name: 'p1', size: 1_000 },
    ]);

    const id = await ctx.jobs.enqueue('health-test-flaky', { n: 1 });
    assert.ok(id);
    failedJobId = id;
    await until(id, ['failed']);
    await ctx.jobs.enqueue('health-test-later', {}, { startAfter: new Date(Date.now() + 3600_000) });
  });
  after(async () => {
    await app.close();
    await ctx.close();
  });

  describe('the page', () => {
    it('shows queue depths, the failed job with its error, storage per tenant and the database size', async () => {
      const response = await support.get('/api/vendor/health');
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json();
      const later = body.queues.find((queue: { name: string }) => queue.name === 'health-test-later');
      assert.equal(later.created, 1);
      assert.equal(later.active, 0);
      assert.ok(later.oldestWaitingSince, 'the oldest waiting job has an age');

      const failed = body.failedJobs.find((job: { id: string }) => job.id === failedJobId);
      assert.ok(failed, JSON.stringify(body.failedJobs));
      assert.equal(failed.name, 'health-test-flaky');
      assert.match(failed.error, /Google answered 503/);

      assert.deepEqual(
        body.storage.map((row: { customer: string; partner: string | null; bytes: number }) => [
          row.customer,
          row.partner,
          row.bytes,
        ]),
        [
          ['Big Co', 'Northwind MSP', 5_000_000],
          ['Small Co', null, 1_000],
        ],
      );
      assert.equal(body.database.kind, kind === 'pglite' ? 'pglite' : 'postgresql');
      assert.ok(body.database.bytes > 0, JSON.stringify(body.database));
    });

    it('lists every process that runs jobs, alive or not, with its last heartbeat: gone after 2 minutes, dropped after 7 days', async () => {
      type Row = { label: string; state: string; alive: boolean; lastHeartbeatAt: string | null };
      const workers = async (): Promise<Row[]> => {
        const response = await support.get('/api/vendor/health');
        assert.equal(response.statusCode, 200, response.body);
        return response.json().workers;
      };
      // The test context's runner (command "test") and a second one, as `safehold worker` would run.
      const second = createJobQueue({
        database: ctx.database,
        logger: ctx.logger,
        clock: ctx.clock,
        tuning: { ...fastTuning, workerHeartbeatSeconds: 3600 },
        command: 'worker',
      });
      await second.start({ work: true });
      const started = ctx.clock.now().toISOString();
      let secondLabel: string | undefined;
      let testRunnerBeat: string | null | undefined;
      try {
        const listed = await workers();
        assert.equal(listed.length, 2, JSON.stringify(listed));
        assert.ok(listed.every((row) => row.alive && row.state === 'alive'));
        const secondRow = listed.find((row) => row.label.startsWith('safehold worker on '));
        secondLabel = secondRow?.label;
        assert.match(secondLabel ?? '', /^safehold worker on .+ \(pid \d+\)$/);
        assert.equal(secondRow?.lastHeartbeatAt, started);
        testRunnerBeat = listed.find((row) => row.label.startsWith('safehold test on '))?.lastHeartbeatAt;
        assert.ok(testRunnerBeat);

        // Three minutes without a beat: the test runner is gone; the second one beats and lives.
        ctx.clock.advance(3 * 60_000);
        await second.heartbeat();
        const later = await workers();
        const state = (label: string | undefined) => later.find((row) => row.label === label)?.state;
        assert.equal(state(secondLabel), 'alive');
        assert.deepEqual(
          later.filter((row) => row.label !== secondLabel).map((row) => [row.state, row.lastHeartbeatAt]),
          [['gone', testRunnerBeat]],
        );
      } finally {
        // Stopped cleanly: listed as stopped, no longer alive.
        await second.stop({ graceMs: 1000 });
      }
      assert.equal((await workers()).find((row) => row.label === secondLabel)?.state, 'stopped');

      // A week later, the next beat of a live runner drops both old rows.
      ctx.clock.advance(7 * 24 * 3600_000 + 60_000);
      const third = createJobQueue({
        database: ctx.database,
        logger: ctx.logger,
        clock: ctx.clock,
        tuning: { ...fastTuning, workerHeartbeatSeconds: 3600 },
        command: 'start',
      });
      await third.start({ work: true });
      try {
        // The week ended the sessions too: the operators sign in again.
        admin = await signedIn(staff.admin);
        support = await signedIn(staff.support);
        await third.heartbeat();
        const rows = await ctx.db.select().from(workerHeartbeats);
        assert.equal(rows.length, 1, 'only the new runner is left');
        assert.deepEqual(
          (await workers()).map((row) => [row.label.split(' on ')[0], row.state]),
          [['safehold start', 'alive']],
        );
      } finally {
        await third.stop({ graceMs: 1000 });
      }
    });

    it('answers 401 to nobody signed in (partner staff and customers: the authorisation matrix)', async () => {
      const anonymous = await createBrowser(app).get('/api/vendor/health');
      assert.equal(anonymous.statusCode, 401);
    });
  });

  describe('retry', () => {
    it('support may read but not retry: 403 and the job stays failed', async () => {
      const response = await support.post(`/api/vendor/health/failed-jobs/${failedJobId}/retry`);
      assert.equal(response.statusCode, 403, response.body);
      assert.equal((await ctx.jobs.get('health-test-flaky', failedJobId))?.state, 'failed');
    });

    it('a bad id is a 400 naming the field; an unknown one a 404', async () => {
      const bad = await admin.post('/api/vendor/health/failed-jobs/not-a-uuid/retry');
      assert.equal(bad.statusCode, 400, bad.body);
      assert.match(bad.body, /jobId/);
      const unknown = await admin.post('/api/vendor/health/failed-jobs/00000000-0000-4000-8000-000000000000/retry');
      assert.equal(unknown.statusCode, 404, unknown.body);
    });

    it('an admin retries the failed job: it runs again and succeeds, and the audit names the admin', async () => {
      const response = await admin.post(`/api/vendor/health/failed-jobs/${failedJobId}/retry`);
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json().name, 'health-test-flaky');
      await until(failedJobId, ['completed']);
      assert.equal(attempts, 2);

      const [entry] = await ctx.audit.query({ tenant: 'vendor', action: 'job.retry' });
      assert.ok(entry);
      assert.equal(entry.actorLabel, 'ops@vendor.test');
      assert.equal(entry.target, 'health-test-flaky');

      const page = (await admin.get('/api/vendor/health')).json();
      assert.equal(
        page.failedJobs.some((job: { id: string }) => job.id === failedJobId),
        false,
        'no longer listed as failed',
      );
      const again = await admin.post(`/api/vendor/health/failed-jobs/${failedJobId}/retry`);
      assert.equal(again.statusCode, 404, 'a job that is not failed is not retried');
    });
  });
});
