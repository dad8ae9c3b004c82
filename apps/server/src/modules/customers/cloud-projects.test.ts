// Several Cloud projects end to end (issue 20 item 3): two service-account keys, one per project;
// customers bound at install to the project with the fewest customers; backups of each customer
// go through its project's key (the emulator's request log says which project called); a
// project whose daily threshold is spent stops its customers' runs and not the others'; the
// vendor moves a customer, backups wait for re-authorisation, "Check authorisation" resumes them.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import type { RunningEmulator } from '@safehold/emulator';
import { and, eq, inArray } from 'drizzle-orm';
import { openRuntime } from '../../runtime.ts';
import { runRow, startTestBackup } from '../../testing/backup.ts';
import { spendProjectGmailDay, startTwoProjectEmulator, type TwoProjects } from '../../testing/cloud-projects.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import {
  backupCustomerHooks,
  customersWithPartialRuns,
  defineBackupJobs,
  notifyBackupFailures,
  scheduleDueBackups,
  setBackupWindow,
  startBackup,
} from '../backup/index.ts';
import { backupRuns, backupSources } from '../backup/tables.ts';
import type { Actor } from '../policy/index.ts';
import {
  checkAuthorization,
  moveCustomerToProject,
  projectForDomain,
  projectQuotaWaits,
  projectsHealth,
  searchProjectCustomers,
} from './cloud-projects.ts';
import { connectCustomer } from './connect.ts';
import { type CustomersDeps, createCustomersDeps, systemAuditActor } from './deps.ts';
import { flushGoogleUsage, installationGoogleClient } from './google-client.ts';
import { customerOverview } from './overview.ts';
import { ProjectQuotaSpentError, quotaDay, quotaDayResetsAt } from './project-usage.ts';
import { authorizedCustomerIds, getConnection } from './store.ts';
import { customerConnections, directoryUsers, googleProjectUsage } from './tables.ts';

const vendorAdmin: Actor = { kind: 'vendor', userId: 'vendor-admin', role: 'admin' };
const audit = systemAuditActor('cloud projects test');
const quiet = { messagesPerUser: 3, filesPerUser: 0, eventsPerUser: 0, contactsPerUser: 0, sharedDrives: 0 };

forEachDatabase('several Cloud projects', (kind) => {
  const first = `first.${kind}.test`;
  const second = `second.${kind}.test`;
  let projects: TwoProjects;
  let emulator: RunningEmulator;
  let keys: TwoProjects['keys'];
  let dir: string;
  let ctx: TestContext;
  let deps: CustomersDeps;
  const customerIds: Record<string, string> = {};

  before(async () => {
    projects = await startTwoProjectEmulator({ seed: `projects-${kind}`, domain: first, users: 2, generate: quiet });
    ({ emulator, keys } = projects);
    emulator.control.createDomain({ domain: second, users: 2, generate: quiet, grantDelegation: false });
    emulator.control.grantDelegation({ domain: second, clientId: keys[1].client_id });
    dir = mkdtempSync(path.join(tmpdir(), 'safehold-projects-'));
    ctx = await createTestContext(kind, {
      env: {
        GOOGLE_SERVICE_ACCOUNT_KEYS: projects.keyFiles.join(','),
        SAFEHOLD_STORAGE_URL: path.join(dir, 'repositories'),
      },
    });
    deps = createCustomersDeps(ctx, { hooks: backupCustomerHooks(ctx) });
    // The scheduler's runs are queued as jobs (never worked here: the tests run theirs in process).
    defineBackupJobs(ctx.jobs, () => ctx);
  });
  after(async () => {
    await ctx?.close();
    await projects?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Backs up every user of `domain` (Gmail) as the scheduler would, with no client injected. */
  async function backUpDomain(domain: string) {
    const customerId = customerIds[domain] as string;
    const users = await ctx.db
      .select({ id: directoryUsers.googleId, email: directoryUsers.primaryEmail })
      .from(directoryUsers)
      .where(eq(directoryUsers.customerId, customerId));
    ctx.clock.advance(60_000);
    const { results } = await startTestBackup(ctx, customerId, {
      subjects: users.map((user) => ({ kind: 'user' as const, ...user })),
      services: ['gmail'],
      trigger: 'on_demand',
      wait: true,
    });
    return Promise.all((results ?? []).map((result) => runRow({ ctx } as never, result.runId)));
  }

  /** The projects that called Google for users of `domain` since the counters were reset. */
  function projectsCalledFor(domain: string): string[] {
    const calls = emulator.control.requestLog().filter((call) => call.user.endsWith(`@${domain}`));
    return [...new Set(calls.map((call) => call.project))];
  }

  /** A fresh configuration object: fresh clients and daily counters, as after a restart. */
  function restartClients() {
    ctx.config = { ...ctx.config };
  }

  it('binds each new customer to the project with the fewest customers, showing its client id first', async () => {
    const shownFirst = await projectForDomain(deps, first);
    assert.deepEqual(shownFirst, { id: keys[0].project_id, clientId: keys[0].client_id });
    const a = await connectCustomer(deps, { domain: first, adminEmail: `admin@${first}` }, audit);
    assert.ok(a.ok, JSON.stringify(a));
    customerIds[first] = a.customer.id;
    const shownSecond = await projectForDomain(deps, second);
    assert.deepEqual(shownSecond, { id: keys[1].project_id, clientId: keys[1].client_id });
    const b = await connectCustomer(deps, { domain: second, adminEmail: `admin@${second}` }, audit);
    assert.ok(b.ok, JSON.stringify(b));
    customerIds[second] = b.customer.id;
    assert.equal(b.sync.status, 'completed', JSON.stringify(b.sync));
    assert.equal((await getConnection(ctx.db, a.customer.id))?.googleProject, keys[0].project_id);
    const bound = await getConnection(ctx.db, b.customer.id);
    assert.equal(bound?.googleProject, keys[1].project_id);
    assert.equal(bound?.clientId, keys[1].client_id);
  });

  it("backs up each customer with its own project's key", async () => {
    emulator.control.counters({ reset: true });
    const runsA = await backUpDomain(first);
    const runsB = await backUpDomain(second);
    assert.ok(runsA.length > 0 && runsB.length > 0, `${runsA.length} ${runsB.length}`);
    assert.deepEqual(
      [...runsA, ...runsB].map((run) => run.status).filter((status) => status !== 'success'),
      [],
    );
    assert.deepEqual(projectsCalledFor(first), [keys[0].project_id]);
    assert.deepEqual(projectsCalledFor(second), [keys[1].project_id]);

    // Installation health counts each project's units of today, as every process added them.
    await flushGoogleUsage(ctx);
    const health = await projectsHealth(deps, vendorAdmin, null);
    for (const [index, key] of keys.entries()) {
      const project = health.projects[index];
      assert.equal(project?.id, key.project_id);
      assert.equal(project?.customers, 1);
      const gmail = project?.apis.find((row) => row.api === 'gmail');
      assert.ok((gmail?.unitsToday ?? 0) > 0, `${key.project_id}: ${JSON.stringify(gmail)}`);
      assert.equal(gmail?.dailyLimit, 80_000_000);
    }
  });

  it("a project whose daily quota is spent: running backups end partial with the reason, no failure is emailed or alerted, the status and health show it, on-demand runs are refused; the other project's go on", async () => {
    // Other processes spent the first project's Gmail day (Google's 80,000,000 units), counted
    // on Google's quota day (Pacific time).
    const day = quotaDay(ctx.clock.now().getTime());
    await spendProjectGmailDay(ctx.db, ctx.clock, keys[0].project_id);
    restartClients();
    emulator.control.counters({ reset: true });
    const reason = `Google Cloud project ${keys[0].project_id} has used its daily Gmail quota; backups resume after 00:00 Pacific`;
    // Runs already queued (as the scheduler had queued them) stop at their first call: partial, with the reason.
    const runsA = await backUpDomain(first);
    assert.ok(runsA.length > 0);
    assert.deepEqual(
      runsA.map((run) => [run.status, run.error]),
      runsA.map(() => ['partial', reason]),
    );
    assert.deepEqual(projectsCalledFor(first), [], 'no call reached Google for the spent project');
    const runsB = await backUpDomain(second);
    assert.ok(runsB.length > 0 && runsB.every((run) => run.status === 'success'));
    assert.deepEqual(projectsCalledFor(second), [keys[1].project_id]);

    // No "backup failed" email, no partial-runs alert: the customer waits, it did not fail.
    const notices = await notifyBackupFailures(ctx);
    assert.deepEqual(
      notices.emails.filter((email) => email.customerId === customerIds[first]),
      [],
    );
    assert.deepEqual(await customersWithPartialRuns(ctx.db, new Date(0), [customerIds[first] as string]), []);

    // The customer's status and Installation health show the condition and when it ends.
    const resetsAt = quotaDayResetsAt(ctx.clock.now().getTime()).toISOString();
    const overview = await customerOverview(deps, customerIds[first] as string);
    assert.deepEqual(overview.projectQuota, [{ api: 'gmail', resetsAt, reason }]);
    assert.deepEqual((await customerOverview(deps, customerIds[second] as string)).projectQuota, []);
    const health = await projectsHealth(deps, vendorAdmin, null);
    assert.deepEqual(health.quotaDay, { day, resetsAt });
    assert.deepEqual(health.projects[0]?.spent, [{ api: 'gmail', resetsAt, reason }]);
    assert.deepEqual(health.projects[1]?.spent, []);

    // Licensed users, so there is something to back up on demand and on schedule.
    const ids = [customerIds[first] as string, customerIds[second] as string];
    const licenses = await ctx.db
      .select({ id: directoryUsers.id, license: directoryUsers.license })
      .from(directoryUsers)
      .where(inArray(directoryUsers.customerId, ids));
    await ctx.db.update(directoryUsers).set({ license: 'standard' }).where(inArray(directoryUsers.customerId, ids));

    // On demand: refused with the reason (503, Retry-After), nothing queued; other services go on.
    const by = { actor: { kind: 'system' } as Actor, audit: { actor: { kind: 'system' as const, label: 'test' } } };
    await assert.rejects(
      startBackup(ctx, {
        customerId: customerIds[first] as string,
        scope: { kind: 'domain' },
        services: ['gmail', 'calendar'],
        trigger: 'on_demand',
        by,
        enqueue: false,
      }),
      (error: Error & { status?: number; headers?: Record<string, string> }) =>
        error.message === reason && error.status === 503 && Number(error.headers?.['retry-after']) > 0,
    );
    const calendarOnly = await startBackup(ctx, {
      customerId: customerIds[first] as string,
      scope: { kind: 'domain' },
      services: ['calendar'],
      trigger: 'on_demand',
      by,
      enqueue: false,
    });
    assert.ok(calendarOnly.length > 0);

    await ctx.db.delete(backupRuns).where(
      inArray(
        backupRuns.id,
        calendarOnly.map((run) => run.runId),
      ),
    );
    for (const row of licenses) {
      await ctx.db.update(directoryUsers).set({ license: row.license }).where(eq(directoryUsers.id, row.id));
    }

    await ctx.db.delete(googleProjectUsage).where(eq(googleProjectUsage.project, keys[0].project_id));
    restartClients();
  });

  it('a refused call marks its project spent for the quota day in the shared counters', async () => {
    ctx.config = { ...ctx.config, google: { ...ctx.config.google, quotaLimits: { gmail: { perProjectPerDay: 3 } } } };
    const quotas = installationGoogleClient(ctx, keys[1].project_id).quotas;
    await assert.rejects(quotas.acquire('gmail', `a@${second}`, 5), ProjectQuotaSpentError);
    const [row] = await ctx.db
      .select({ units: googleProjectUsage.units })
      .from(googleProjectUsage)
      .where(
        and(
          eq(googleProjectUsage.project, keys[1].project_id),
          eq(googleProjectUsage.api, 'gmail'),
          eq(googleProjectUsage.day, quotaDay(ctx.clock.now().getTime())),
        ),
      );
    assert.ok((row?.units ?? 0) >= 3, JSON.stringify(row));
    const waits = await projectQuotaWaits(ctx);
    assert.deepEqual([...waits.keys()], [customerIds[second]]);
    await ctx.db.delete(googleProjectUsage).where(eq(googleProjectUsage.project, keys[1].project_id));
    ctx.config = { ...ctx.config, google: { ...ctx.config.google, quotaLimits: null } };
  });

  // Google's two answers for a spent day: Gmail's guide's 403 dailyLimitExceeded, and a Cloud
  // quota's 403 rateLimitExceeded naming "Queries per day" (what the emulator answers).
  const googleSaysSpent: Array<[string, (project: string) => void, (project: string) => void]> = [
    [
      '403 dailyLimitExceeded',
      () =>
        emulator.control.setFaults([
          {
            endpoint: 'gmail.*',
            errorRate: 1,
            status: 403,
            reason: 'dailyLimitExceeded',
            message: 'Daily Limit Exceeded',
          },
        ]),
      () => emulator.control.setFaults([]),
    ],
    [
      "the emulator's spent per-day project limit (403 rateLimitExceeded, Queries per day)",
      (project) => emulator.control.setProjectQuotas({ project, unitsPerDay: { gmail: 0 } }),
      (project) => emulator.control.setProjectQuotas({ project, unitsPerDay: { gmail: null } }),
    ],
  ];
  for (const [answer, refuse, allow] of googleSaysSpent) {
    it(`Google's ${answer} marks the project's day spent like our own threshold: the runs stop with the reason, the scheduler waits`, async () => {
      const project = keys[1].project_id;
      restartClients();
      const reason = `Google Cloud project ${project} has used its daily Gmail quota; backups resume after 00:00 Pacific`;
      emulator.control.counters({ reset: true });
      refuse(project);
      let runs: Awaited<ReturnType<typeof backUpDomain>>;
      try {
        runs = await backUpDomain(second);
      } finally {
        allow(project);
      }
      try {
        assert.ok(runs.length > 0);
        assert.deepEqual(
          runs.map((run) => [run.status, run.error]),
          runs.map(() => ['partial', reason]),
        );
        // One refused call per run at most: a spent day is not retried, and later calls stop before Google.
        const calls = emulator.control.requestLog().filter((call) => call.user.endsWith(`@${second}`));
        assert.ok(calls.length <= runs.length, `${calls.length} calls for ${runs.length} runs`);
        // Marked in the shared counters: every process, the scheduler and health see it.
        assert.deepEqual([...(await projectQuotaWaits(ctx)).keys()], [customerIds[second]]);
        const health = await projectsHealth(deps, vendorAdmin, null);
        assert.deepEqual(
          health.projects[1]?.spent.map((spent) => [spent.api, spent.reason]),
          [['gmail', reason]],
        );
      } finally {
        await ctx.db.delete(googleProjectUsage).where(eq(googleProjectUsage.project, project));
        restartClients();
      }
    });
  }

  it('units spent and not yet written reach the daily counters when the runtime closes (SIGTERM of start and worker)', async () => {
    const database = { ...ctx.database, close: async () => {} };
    const runtime = await openRuntime(ctx.config, { command: 'test', database, migrate: false, clock: ctx.clock });
    const unitsNow = async () => {
      const [row] = await ctx.db
        .select({ units: googleProjectUsage.units })
        .from(googleProjectUsage)
        .where(
          and(
            eq(googleProjectUsage.project, keys[1].project_id),
            eq(googleProjectUsage.api, 'gmail'),
            eq(googleProjectUsage.day, quotaDay(ctx.clock.now().getTime())),
          ),
        );
      return row?.units ?? 0;
    };
    const before = await unitsNow();
    const release = await installationGoogleClient(runtime, keys[1].project_id).quotas.acquire(
      'gmail',
      `b@${second}`,
      7,
    );
    release();
    await runtime.close();
    assert.equal(await unitsNow(), before + 7);
  });

  it('a moved customer waits for re-authorisation; Check authorisation passes once the domain authorised the new client id, and backups resume with the new key', async () => {
    const customerId = customerIds[second] as string;
    const moved = await moveCustomerToProject(deps, vendorAdmin, audit, customerId, { project: keys[0].project_id });
    assert.equal(moved.status, 'reauthorization_required');
    assert.equal(moved.clientId, keys[0].client_id);
    assert.match(moved.fix ?? '', new RegExp(keys[0].client_id));
    const scheduled = await ctx.db
      .select({ id: customerConnections.customerId })
      .from(customerConnections)
      .where(
        and(
          eq(customerConnections.customerId, customerId),
          inArray(customerConnections.customerId, authorizedCustomerIds()),
        ),
      );
    assert.deepEqual(scheduled, [], 'the scheduler skips the customer until the check passes');

    const refused = await checkAuthorization(deps, vendorAdmin, audit, customerId);
    assert.equal(refused.status, 'reauthorization_required');
    assert.ok(refused.missingScopes.length > 0);

    emulator.control.grantDelegation({ domain: second, clientId: keys[0].client_id });
    const passed = await checkAuthorization(deps, vendorAdmin, audit, customerId);
    assert.equal(passed.status, 'authorized');
    assert.deepEqual(passed.missingScopes, []);

    emulator.control.counters({ reset: true });
    const runs = await backUpDomain(second);
    assert.ok(runs.length > 0 && runs.every((run) => run.status === 'success'));
    assert.deepEqual(projectsCalledFor(second), [keys[0].project_id]);
  });

  it("binds a domain to another of Safehold's projects when it authorised that one fully and none of the shown one's scopes", async () => {
    const third = `third.${kind}.test`;
    // Authorises the first project's client id only (the emulator's default service account).
    emulator.control.createDomain({ domain: third, users: 2, generate: quiet });
    const shown = await projectForDomain(deps, third);
    assert.equal(shown?.id, keys[1].project_id, 'the second project has the fewest customers now');
    const connected = await connectCustomer(deps, { domain: third, adminEmail: `admin@${third}` }, audit);
    assert.ok(connected.ok, JSON.stringify(connected));
    const connection = await getConnection(ctx.db, connected.customer.id);
    assert.equal(connection?.googleProject, keys[0].project_id);
    assert.equal(connection?.clientId, keys[0].client_id);
  });

  it('the Move picker searches customers by domain or name, limited, instead of listing them all', async () => {
    const found = await searchProjectCustomers(deps, vendorAdmin, { q: `SECOND.${kind}`, limit: 20 });
    assert.deepEqual(
      found.customers.map((row) => [row.domain, row.project]),
      [[second, (await getConnection(ctx.db, customerIds[second] as string))?.googleProject]],
    );
    const limited = await searchProjectCustomers(deps, vendorAdmin, { q: `.${kind}.test`, limit: 2 });
    assert.equal(limited.customers.length, 2);
    assert.deepEqual(
      limited.customers.map((row) => row.domain),
      [first, second],
    );
    assert.deepEqual((await searchProjectCustomers(deps, vendorAdmin, { q: '%', limit: 20 })).customers, []);
    const support: Actor = { kind: 'vendor', userId: 'support', role: 'support' };
    assert.equal((await searchProjectCustomers(deps, support, { q: first, limit: 20 })).customers.length, 1);
    const partner: Actor = { kind: 'partner', userId: 'p', partnerId: 'x', role: 'owner' } as Actor;
    await assert.rejects(searchProjectCustomers(deps, partner, { q: first, limit: 20 }));
  });

  it('refuses a move to a project that is not configured, naming the field', async () => {
    await assert.rejects(
      moveCustomerToProject(deps, vendorAdmin, audit, customerIds[first] as string, { project: 'nowhere' }),
      (error: Error & { code?: string; details?: { field?: string } }) =>
        error.code === 'validation_failed' && /project: no Cloud project nowhere/.test(error.message),
    );
    assert.equal((await getConnection(ctx.db, customerIds[first] as string))?.googleProject, keys[0].project_id);
  });

  // Last: it starts the job queue (the tests above run their backups in process).
  it("the scheduler defers a spent project's customers (their Gmail sources) until the quota day resets; their other services and other projects' customers are queued", async () => {
    const connections = await ctx.db
      .select({ id: customerConnections.customerId, project: customerConnections.googleProject })
      .from(customerConnections);
    const ids = connections.map((row) => row.id);
    const bound = new Map(connections.map((row) => [row.id, row.project]));
    // The scheduler defers the spent project's customers (their Gmail sources), not the others'.
    // A 24-hour window ending a minute from now: every subject's slot has come.
    const hourMs = 3_600_000;
    const windowEnd = Math.ceil((ctx.clock.now().getTime() + 2 * 60_000) / hourMs) * hourMs;
    ctx.clock.advance(windowEnd - 60_000 - ctx.clock.now().getTime());
    await spendProjectGmailDay(ctx.db, ctx.clock, keys[0].project_id);
    await ctx.db.update(directoryUsers).set({ license: 'standard' }).where(inArray(directoryUsers.customerId, ids));
    await ctx.jobs.start({ work: false });
    for (const id of ids) {
      await setBackupWindow(ctx, id, {
        startHour: new Date(windowEnd).getUTCHours(),
        hours: 24,
        timeZone: 'UTC',
      });
    }
    const report = await scheduleDueBackups(ctx, { dueAfterHours: 0 });
    report.deferred.sort((a, b) => a.customerId.localeCompare(b.customerId));
    assert.deepEqual(
      report.deferred.map((entry) => [entry.customerId, entry.waits.map((wait) => wait.api)]),
      ids
        .filter((id) => bound.get(id) === keys[0].project_id)
        .sort()
        .map((id) => [id, ['gmail']]),
    );
    const queued = await ctx.db
      .select({ customerId: backupSources.customerId, service: backupSources.service })
      .from(backupRuns)
      .innerJoin(backupSources, eq(backupSources.id, backupRuns.sourceId))
      .where(
        inArray(
          backupRuns.id,
          report.runs.map((run) => run.runId),
        ),
      );
    const servicesOf = (customerId: string | undefined) =>
      [...new Set(queued.filter((row) => row.customerId === customerId).map((row) => row.service))].sort();
    assert.deepEqual(servicesOf(customerIds[first]), ['calendar', 'contacts', 'drive']);
    const other = ids.find((id) => bound.get(id) !== keys[0].project_id);
    if (other) assert.ok(servicesOf(other).includes('gmail'));
  });
});
