import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, it } from 'node:test';
import { and, eq, inArray } from 'drizzle-orm';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { auditLog } from '../audit/tables.ts';
import { customerConnections, directoryUsers } from '../customers/tables.ts';
import { customers } from '../tenancy/tables.ts';
import { defineBackupJobs } from './backup-jobs.ts';
import { currentWindow, slotAt } from './backup-window.ts';
import { allocateFairShare, scheduleDueBackups, setBackupWindow, type TenantDemand } from './schedule.ts';
import { startBackup } from './start-backup.ts';
import { backupRuns, backupSources } from './tables.ts';

const HOUR = 3_600_000;

function demand(customerId: string, size: number, inFlight = 0): TenantDemand {
  const due = Array.from({ length: size }, (_, i) => ({
    id: `${customerId}-${i}`,
    subject: { kind: 'user' as const, id: `${i}`, email: `u${i}@${customerId}` },
    service: 'gmail' as const,
  }));
  return { customerId, size, inFlight, due, given: 0 };
}

it('fair share: the queue room goes to tenants in proportion to their size, after a minimum each', () => {
  const big = demand('big', 48);
  const small = demand('small', 16);
  allocateFairShare([big, small], 16, 1, Number.POSITIVE_INFINITY);
  assert.deepEqual([big.given, small.given], [12, 4]);

  const huge = demand('huge', 120);
  const tiny = demand('tiny', 4);
  allocateFairShare([huge, tiny], 20, 2, Number.POSITIVE_INFINITY);
  assert.deepEqual([huge.given, tiny.given], [18, 2], 'the small tenant gets its minimum, the rest goes by size');
});

it('fair share: a huge tenant holding the queue cannot starve a small one — freed slots go to the small one first', () => {
  // The huge tenant has 18 runs in flight; two slots are free.
  const huge = demand('huge', 120, 18);
  const tiny = demand('tiny', 4, 0);
  allocateFairShare([huge, tiny], 2, 2, Number.POSITIVE_INFINITY);
  assert.deepEqual([huge.given, tiny.given], [0, 2]);
  // A cap per tenant still bounds the huge one whatever the room.
  const capped = demand('capped', 120);
  allocateFairShare([capped], 50, 2, 10);
  assert.equal(capped.given, 10);
});

forEachDatabase('scheduled backups', (kind) => {
  let ctx: TestContext;

  before(async () => {
    // 2026-03-02 00:30 UTC: before the default 01:00–07:00 window.
    ctx = await createTestContext(kind, { start: new Date('2026-03-02T00:30:00Z') });
    defineBackupJobs(ctx.jobs, () => ctx);
    await ctx.jobs.start({ work: false });
  });
  after(() => ctx?.close());
  beforeEach(async () => {
    await ctx.db.delete(customers);
  });

  /** A connected tenant with `licensed` Standard users plus one unlicensed and one suspended user. */
  async function tenant(
    domain: string,
    licensed: number,
    options: { status?: 'trial' | 'suspended'; authorization?: 'authorized' | 'lost' } = {},
  ): Promise<{ id: string; licensed: string[] }> {
    const id = randomUUID();
    await ctx.db.insert(customers).values({ id, domain, name: domain, status: options.status ?? 'trial' });
    await ctx.db.insert(customerConnections).values({
      customerId: id,
      adminEmail: `admin@${domain}`,
      clientId: '123',
      authorizationStatus: options.authorization ?? 'authorized',
    });
    const emails: string[] = [];
    const user = (email: string, license: 'standard' | null, suspended = false) => ({
      id: randomUUID(),
      customerId: id,
      googleId: `g-${email}`,
      primaryEmail: email,
      license,
      suspended,
      firstSeenAt: ctx.clock.now(),
      lastSyncedAt: ctx.clock.now(),
    });
    const rows = [user(`nolicense@${domain}`, null), user(`suspended@${domain}`, 'standard', true)];
    for (let i = 0; i < licensed; i++) {
      emails.push(`user${i}@${domain}`);
      rows.push(user(`user${i}@${domain}`, 'standard'));
    }
    await ctx.db.insert(directoryUsers).values(rows);
    return { id, licensed: emails };
  }

  async function at(iso: string): Promise<void> {
    ctx.clock.advance(new Date(iso).getTime() - ctx.clock.now().getTime());
  }

  async function finish(runIds: string[], status: 'success' | 'failed' = 'success'): Promise<void> {
    if (runIds.length > 0) await ctx.db.update(backupRuns).set({ status }).where(inArray(backupRuns.id, runIds));
  }

  it('queues every licensed user × service inside the window, nothing outside it', async () => {
    const t = await tenant('window.test', 3);
    await at('2026-03-02T00:30:00Z');
    assert.equal((await scheduleDueBackups(ctx)).runs.length, 0, 'before the window');
    await at('2026-03-02T06:59:00Z');
    const { runs } = await scheduleDueBackups(ctx);
    assert.equal(runs.length, 3 * 4);
    assert.deepEqual([...new Set(runs.map((run) => run.subject.email))].sort(), t.licensed);
    const rows = await ctx.db.select().from(backupRuns).where(eq(backupRuns.customerId, t.id));
    assert.ok(rows.every((row) => row.trigger === 'scheduled' && row.status === 'queued'));
    await finish(rows.map((row) => row.id));
    await at('2026-03-02T07:30:00Z');
    assert.equal((await scheduleDueBackups(ctx)).runs.length, 0, 'after the window');
  });

  it('records one audit entry per tenant and tick, by the system actor "scheduler", with the runs it queued', async () => {
    const t = await tenant('audited.test', 2);
    await at('2026-03-02T06:59:00Z');
    const { runs } = await scheduleDueBackups(ctx);
    const entries = await ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.target, t.id), eq(auditLog.action, 'backup.run')));
    assert.equal(entries.length, 1);
    const [entry] = entries;
    assert.equal(entry?.actorKind, 'system');
    assert.equal(entry?.actorLabel, 'scheduler');
    assert.deepEqual(entry?.tenants, [`customer:${t.id}`]);
    assert.equal(entry?.details?.trigger, 'scheduled');
    assert.equal(entry?.details?.runs, runs.length);
    assert.equal(runs.length, 2 * 4);
  });

  it('spreads sources across the window by their slot and does not queue a source again within a day', async () => {
    const t = await tenant('spread.test', 4);
    const window = { startHour: 1, hours: 6, timeZone: 'UTC' };
    const day = { year: 2026, month: 3, day: 2 };
    // 02:30 is 90 minutes in: exactly the sources whose user's slot opened by then.
    await at('2026-03-02T02:30:00Z');
    const first = await scheduleDueBackups(ctx);
    const sources = await ctx.db.select().from(backupSources).where(eq(backupSources.customerId, t.id));
    assert.equal(sources.length, 16);
    const early = sources
      .filter((source) => slotAt(source.subjectId, window, day) <= ctx.clock.now())
      .map((source) => source.id);
    assert.deepEqual(first.runs.map((run) => run.sourceId).sort(), early.sort());
    assert.ok(early.length > 0 && early.length < sources.length, 'some slots open later in the window');
    assert.equal(early.length % 4, 0, "a user's four services share the user's slot");
    await finish(first.runs.map((run) => run.runId));
    // Later the same window: only the rest, not the ones already run.
    await at('2026-03-02T06:59:00Z');
    const second = await scheduleDueBackups(ctx);
    assert.equal(second.runs.length, sources.length - early.length);
    assert.ok(second.runs.every((run) => !early.includes(run.sourceId)));
    await finish(
      second.runs.map((run) => run.runId),
      'failed',
    );
    // A failed attempt counts as a run for the day too; the next day everything is due again.
    assert.equal((await scheduleDueBackups(ctx)).runs.length, 0);
    await at('2026-03-03T06:59:00Z');
    assert.equal((await scheduleDueBackups(ctx)).runs.length, 16);
  });

  it('caps the scheduled runs one tenant has queued, without holding up another tenant', async () => {
    const big = await tenant('big.test', 5);
    const small = await tenant('small.test', 1);
    await at('2026-03-02T06:59:00Z');
    const first = await scheduleDueBackups(ctx, { perTenantCap: 6 });
    const of = (id: string, runs: typeof first.runs) =>
      runs.filter((run) => run.subject.email.endsWith(id === big.id ? '@big.test' : '@small.test'));
    assert.equal(of(big.id, first.runs).length, 6);
    assert.equal(of(small.id, first.runs).length, 4);
    assert.equal((await scheduleDueBackups(ctx, { perTenantCap: 6 })).runs.length, 0, 'the cap is full');
    // Two of the big tenant's runs end: two more may be queued.
    await finish(
      of(big.id, first.runs)
        .slice(0, 2)
        .map((run) => run.runId),
    );
    const next = await scheduleDueBackups(ctx, { perTenantCap: 6 });
    assert.equal(next.runs.length, 2);
    assert.ok(next.runs.every((run) => run.subject.email.endsWith('@big.test')));
    assert.ok(next.runs.every((run) => !first.runs.some((earlier) => earlier.sourceId === run.sourceId)));
  });

  it('shares the queue between a large and a small tenant by size, and the small one gets freed slots first', async () => {
    const big = await tenant('large.test', 10);
    const small = await tenant('tiny.test', 1);
    // The small tenant's window opens later than the large one's.
    await setBackupWindow(ctx, small.id, { startHour: 6, hours: 1 });
    await at('2026-03-02T05:59:00Z');
    const options = { queueBudget: 12, minPerTenant: 4 };
    const first = await scheduleDueBackups(ctx, options);
    assert.equal(first.runs.length, 12, 'the large tenant alone fills the queue');
    await at('2026-03-02T06:59:00Z');
    assert.equal((await scheduleDueBackups(ctx, options)).runs.length, 0, 'no room');
    const isSmall = (run: { subject: { email: string } }) => run.subject.email.endsWith('@tiny.test');
    // Three of the large tenant's runs end: the small tenant, under its minimum, gets all three.
    await finish(first.runs.slice(0, 3).map((run) => run.runId));
    const second = await scheduleDueBackups(ctx, options);
    assert.equal(second.runs.length, 3);
    assert.ok(second.runs.every(isSmall));
    // Two more end: one takes the small tenant to its minimum (4 = all it has), the other goes to
    // the large tenant, whose share by size is larger.
    await finish(first.runs.slice(3, 5).map((run) => run.runId));
    const third = await scheduleDueBackups(ctx, options);
    assert.equal(third.runs.filter(isSmall).length, 1);
    assert.equal(third.runs.filter((run) => !isSmall(run)).length, 1);
    assert.ok(big.licensed.length > 0);
  });

  it('skips tenants that are suspended, have lost authorisation or are outside their own window', async () => {
    await tenant('suspended.test', 1, { status: 'suspended' });
    await tenant('lost.test', 1, { authorization: 'lost' });
    const late = await tenant('late.test', 1);
    await setBackupWindow(ctx, late.id, { startHour: 12, hours: 2 });
    await at('2026-03-02T06:59:00Z');
    assert.equal((await scheduleDueBackups(ctx)).runs.length, 0);
    await at('2026-03-02T13:59:00Z');
    const { runs } = await scheduleDueBackups(ctx);
    assert.equal(runs.length, 4);
    assert.ok(runs.every((run) => run.subject.email === late.licensed[0]));
  });

  it('leaves a source with a queued on-demand run alone', async () => {
    const t = await tenant('ondemand.test', 1);
    await at('2026-03-02T06:59:00Z');
    const { runs } = await scheduleDueBackups(ctx);
    assert.equal(runs.length, 4);
    await finish(runs.map((run) => run.runId));
    // A day later an on-demand run of Gmail (queued long ago) is still waiting: Gmail is not scheduled again.
    await at('2026-03-03T06:59:00Z');
    const gmail = runs.find((run) => run.service === 'gmail');
    assert.ok(gmail);
    await ctx.db.insert(backupRuns).values({
      id: randomUUID(),
      customerId: t.id,
      sourceId: gmail.sourceId,
      trigger: 'on_demand',
      status: 'queued',
      queuedAt: new Date(ctx.clock.now().getTime() - 30 * HOUR),
    });
    const next = await scheduleDueBackups(ctx);
    assert.deepEqual(next.runs.map((run) => run.service).sort(), ['calendar', 'contacts', 'drive']);
  });

  it("in the tenant's time zone, across the night summer time ends: a user is queued only once their slot has come, once a night", async () => {
    const t = await tenant('paris.test', 3);
    const window = { startHour: 22, hours: 6, timeZone: 'Europe/Paris' };
    await setBackupWindow(ctx, t.id, window);
    const googleIds = t.licensed.map((email) => `g-${email}`);
    // Nights starting 24 Oct (22:00 CEST = 20:00Z, to 04:00 CET = 03:00Z) and 25 Oct (21:00Z to 03:00Z).
    const nights = [
      { year: 2026, month: 10, day: 24 },
      { year: 2026, month: 10, day: 25 },
    ];
    const queued = new Map<string, Date[]>();
    // A tick every 15 minutes from 19:00Z on the 24th to 04:00Z on the 26th (the injected clock).
    for (let at = Date.parse('2026-10-24T19:00:00Z'); at <= Date.parse('2026-10-26T04:00:00Z'); at += 15 * 60_000) {
      ctx.clock.advance(at - ctx.clock.now().getTime());
      const { runs } = await scheduleDueBackups(ctx);
      for (const run of runs) queued.set(run.sourceId, [...(queued.get(run.sourceId) ?? []), ctx.clock.now()]);
      await finish(runs.map((run) => run.runId));
    }
    const sources = await ctx.db.select().from(backupSources).where(eq(backupSources.customerId, t.id));
    assert.equal(sources.length, 3 * 4);
    for (const source of sources) {
      assert.ok(googleIds.includes(source.subjectId));
      const times = queued.get(source.id) ?? [];
      assert.equal(times.length, 2, `${source.subjectEmail} ${source.service}: once each night, never twice a day`);
      for (const [i, time] of times.entries()) {
        const slot = slotAt(source.subjectId, window, nights[i] ?? { year: 0, month: 0, day: 0 });
        assert.ok(time >= slot, 'not before the slot');
        assert.ok(time.getTime() - slot.getTime() < 15 * 60_000, 'at the first tick after the slot');
        assert.deepEqual(currentWindow(time, window)?.day, nights[i], 'inside that night’s window');
      }
    }
  });

  it('on-demand backups ignore the window', async () => {
    const t = await tenant('now.test', 2);
    await setBackupWindow(ctx, t.id, { startHour: 22, hours: 6, timeZone: 'Europe/Paris' });
    await at('2026-03-02T12:00:00Z');
    assert.equal(currentWindow(ctx.clock.now(), { startHour: 22, hours: 6, timeZone: 'Europe/Paris' }), null);
    assert.equal((await scheduleDueBackups(ctx)).runs.length, 0, 'nothing scheduled at noon');
    const runs = await startBackup(ctx, {
      customerId: t.id,
      scope: { kind: 'users', emails: [t.licensed[0] ?? ''] },
      by: { actor: { kind: 'system' }, audit: { actor: { kind: 'system', label: 'test' } } },
      trigger: 'on_demand',
    });
    assert.equal(runs.length, 4);
    const rows = await ctx.db.select().from(backupRuns).where(eq(backupRuns.customerId, t.id));
    assert.ok(rows.every((row) => row.trigger === 'on_demand' && row.status === 'queued'));
  });
});
