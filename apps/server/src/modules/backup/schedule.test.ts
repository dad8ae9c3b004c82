import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, it } from 'node:test';
import { eq, inArray } from 'drizzle-orm';
import { backupRuns, backupSources, customerConnections, customers, directoryUsers } from '../../db/schema.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { defineBackupJobs } from './backup-jobs.ts';
import { minutesIntoWindow, scheduleDueBackups, setBackupWindow, slotOffsetMinutes } from './schedule.ts';

const HOUR = 3_600_000;

it('minutesIntoWindow follows a window across midnight and is null outside it', () => {
  const window = { startHour: 22, hours: 6 };
  assert.equal(minutesIntoWindow(new Date('2026-03-02T02:00:00Z'), window), 240);
  assert.equal(minutesIntoWindow(new Date('2026-03-02T22:30:00Z'), window), 30);
  assert.equal(minutesIntoWindow(new Date('2026-03-02T04:00:00Z'), window), null);
  assert.equal(minutesIntoWindow(new Date('2026-03-02T21:59:00Z'), window), null);
  assert.equal(minutesIntoWindow(new Date('2026-03-02T01:00:00Z'), { startHour: 1, hours: 6 }), 0);
  assert.equal(minutesIntoWindow(new Date('2026-03-02T07:00:00Z'), { startHour: 1, hours: 6 }), null);
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

  it('spreads sources across the window by their slot and does not queue a source again within a day', async () => {
    const t = await tenant('spread.test', 4);
    const window = { startHour: 1, hours: 6 };
    // 02:30 is 90 minutes in: exactly the sources whose slot opened by then.
    await at('2026-03-02T02:30:00Z');
    const first = await scheduleDueBackups(ctx);
    const sources = await ctx.db.select().from(backupSources).where(eq(backupSources.customerId, t.id));
    assert.equal(sources.length, 16);
    const early = sources.filter((source) => slotOffsetMinutes(source.id, window) <= 90).map((source) => source.id);
    assert.deepEqual(first.runs.map((run) => run.sourceId).sort(), early.sort());
    assert.ok(early.length < sources.length, 'some slots open later in the window');
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
});
