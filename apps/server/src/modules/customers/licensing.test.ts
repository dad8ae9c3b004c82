import assert from 'node:assert/strict';
import { after, before, beforeEach, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { AppError } from '../../http/errors.ts';
import { forEachDatabase } from '../../testing/context.ts';
import { type GoogleTestbed, startGoogleTestbed } from '../../testing/google-testbed.ts';
import { customers } from '../tenancy/tables.ts';
import { connectCustomer } from './connect.ts';
import { systemAuditActor } from './deps.ts';
import { defineCustomerJobs, directorySyncJob, scheduleCustomerJobs } from './jobs.ts';
import { applyLicenseChanges, getLicensing } from './licensing.ts';
import { purgeExpiredLicenses } from './purge.ts';
import { directoryUsers } from './tables.ts';

const domain = 'licensing.test';
const actor = systemAuditActor('test');
const system = { kind: 'system' } as const;
const dayMs = 24 * 3600_000;
const email = (local: string) => `${local}@${domain}`;

forEachDatabase('licensing', (kind) => {
  let bed: GoogleTestbed;
  let customerId: string;
  const purgedByEngine: string[] = [];
  before(async () => {
    bed = await startGoogleTestbed(kind, {
      domain,
      users: 6,
      hooks: {
        userPurgeDue: async (user) => {
          purgedByEngine.push(user.email);
        },
      },
    });
    const result = await connectCustomer(bed.deps, { domain, adminEmail: email('admin') }, actor);
    assert.ok(result.ok);
    customerId = result.customer.id;
  });
  after(async () => {
    await bed.close();
  });
  beforeEach(async () => {
    await bed.ctx.db
      .update(directoryUsers)
      .set({ license: null, licensedAt: null, purgeAfter: null, purgedAt: null })
      .where(eq(directoryUsers.customerId, customerId));
    await bed.ctx.db.update(customers).set({ status: 'trial', seatsPurchased: 0 }).where(eq(customers.id, customerId));
  });

  const licenses = async () =>
    new Map(
      (await bed.ctx.db.select().from(directoryUsers).where(eq(directoryUsers.customerId, customerId))).map((user) => [
        user.primaryEmail,
        user,
      ]),
    );
  const apply = (changes: { email?: string; userId?: string; license: string }[]) =>
    applyLicenseChanges(bed.deps, system, actor, customerId, changes);

  it('applies a batch of Standard and Archived licenses and reports each change and the seats', async () => {
    const report = await apply([
      { email: email('admin'), license: 'standard' },
      { email: email('alice.martin'), license: 'archived' },
    ]);
    assert.deepEqual(
      report.changed.map((change) => [change.email, change.from, change.to]),
      [
        [email('admin'), 'none', 'standard'],
        [email('alice.martin'), 'none', 'archived'],
      ],
    );
    assert.equal(report.seats.assigned, 2);
    assert.equal(report.seats.unlimited, true);
    assert.equal(report.seats.trialDaysLeft, 14);
    const audit = await bed.ctx.audit.query({ tenant: `customer:${customerId}`, action: 'licenses.changed' });
    assert.ok(audit.some((entry) => entry.target === email('alice.martin') && entry.details?.to === 'archived'));
    const again = await apply([{ email: email('admin'), license: 'standard' }]);
    assert.equal(again.changed.length, 0);
    assert.equal(again.unchanged, 1);
  });

  it('a batch with one bad change changes nothing', async () => {
    const before = await licenses();
    await assert.rejects(
      apply([
        { email: email('admin'), license: 'standard' },
        { email: 'stranger@other.test', license: 'standard' },
      ]),
      (error: AppError) => error.code === 'bad_request' && /stranger@other\.test/.test(error.message),
    );
    assert.deepEqual(await licenses(), before);
    await assert.rejects(
      apply([
        { email: email('admin'), license: 'standard' },
        { email: email('admin'), license: 'archived' },
      ]),
      (error: AppError) => error.code === 'validation_failed',
    );
    assert.deepEqual(await licenses(), before);
  });

  it('after the trial, a batch beyond the purchased seats is refused whole, naming the seats missing', async () => {
    await bed.ctx.db.update(customers).set({ status: 'active', seatsPurchased: 2 }).where(eq(customers.id, customerId));
    const before = await licenses();
    await assert.rejects(
      apply([
        { email: email('admin'), license: 'standard' },
        { email: email('alice.martin'), license: 'standard' },
        { email: email('bruno.durand'), license: 'standard' },
        { email: email('chloe.garcia'), license: 'archived' },
      ]),
      (error: AppError) =>
        error.code === 'conflict' &&
        /2 seats are missing/.test(error.message) &&
        /No change was made/.test(error.message),
    );
    assert.deepEqual(await licenses(), before);
    const fits = await apply([
      { email: email('admin'), license: 'standard' },
      { email: email('alice.martin'), license: 'standard' },
    ]);
    assert.equal(fits.seats.remaining, 0);
    // Swapping a license within the seats is fine: one removed, one added in the same batch.
    const swap = await apply([
      { email: email('alice.martin'), license: 'none' },
      { email: email('bruno.durand'), license: 'standard' },
    ]);
    assert.equal(swap.changed.length, 2);
    assert.equal(swap.seats.assigned, 2);
  });

  it('two batches racing for the last seat: exactly one wins', async () => {
    await bed.ctx.db.update(customers).set({ status: 'active', seatsPurchased: 1 }).where(eq(customers.id, customerId));
    const results = await Promise.allSettled([
      apply([{ email: email('alice.martin'), license: 'standard' }]),
      apply([{ email: email('bruno.durand'), license: 'standard' }]),
    ]);
    assert.deepEqual(results.map((result) => result.status).sort(), ['fulfilled', 'rejected']);
    const licensed = [...(await licenses()).values()].filter((user) => user.license !== null);
    assert.equal(licensed.length, 1);
  });

  it('an expired trial counts the purchased seats (none), while a running one has no limit', async () => {
    await bed.ctx.db
      .update(customers)
      .set({ trialEndsAt: new Date(bed.ctx.clock.now().getTime() - 1000) })
      .where(eq(customers.id, customerId));
    try {
      const licensing = await getLicensing(bed.deps, system, customerId);
      assert.equal(licensing.unlimited, false);
      assert.equal(licensing.trialDaysLeft, 0);
      await assert.rejects(apply([{ email: email('admin'), license: 'standard' }]), /1 seat is missing/);
    } finally {
      await bed.ctx.db
        .update(customers)
        .set({ trialEndsAt: new Date(bed.ctx.clock.now().getTime() + 14 * dayMs) })
        .where(eq(customers.id, customerId));
    }
  });

  it('removing a license sets a purge date 60 days later; re-licensing within it clears the date', async () => {
    await apply([{ email: email('david.girard'), license: 'standard' }]);
    const removed = await apply([{ email: email('david.girard'), license: 'none' }]);
    const expected = new Date(bed.ctx.clock.now().getTime() + 60 * dayMs).toISOString();
    assert.equal(removed.changed[0]?.purgeAfter, expected);
    assert.equal((await licenses()).get(email('david.girard'))?.purgeAfter?.toISOString(), expected);
    await apply([{ email: email('david.girard'), license: 'archived' }]);
    assert.equal((await licenses()).get(email('david.girard'))?.purgeAfter, null);
  });

  it('the purge job hands users past their grace period to the backup engine and marks them purged', async () => {
    // Two months pass: the tenant is a paying one by then.
    await bed.ctx.db
      .update(customers)
      .set({ status: 'active', seatsPurchased: 10 })
      .where(eq(customers.id, customerId));
    await apply([
      { email: email('emma.petit'), license: 'standard' },
      { email: email('alice.martin'), license: 'standard' },
    ]);
    await apply([
      { email: email('emma.petit'), license: 'none' },
      { email: email('alice.martin'), license: 'none' },
    ]);
    bed.ctx.clock.advance(30 * dayMs);
    assert.deepEqual((await purgeExpiredLicenses(bed.deps, actor)).purged, [], 'nothing is due within 60 days');
    await apply([{ email: email('alice.martin'), license: 'standard' }]);
    bed.ctx.clock.advance(31 * dayMs);
    const report = await purgeExpiredLicenses(bed.deps, actor);
    assert.deepEqual(
      report.purged.map((user) => user.email),
      [email('emma.petit')],
    );
    assert.deepEqual(purgedByEngine, [email('emma.petit')]);
    const after = await licenses();
    assert.ok(after.get(email('emma.petit'))?.purgedAt);
    assert.equal(after.get(email('alice.martin'))?.purgedAt, null);
    assert.deepEqual((await purgeExpiredLicenses(bed.deps, actor)).purged, [], 'a purged user is not purged twice');
  });

  it('the daily directory sync is scheduled (the purge runs in the backup prune) and a queued sync job syncs every connected tenant', async () => {
    defineCustomerJobs(bed.ctx.jobs, bed.deps);
    bed.ctx.jobs.define('license-purge', async () => {}, { payload: z.object({}) });
    await bed.ctx.jobs.start({ work: true });
    // An installation that still has the retired license-purge schedule loses it.
    await bed.ctx.jobs.schedule('license-purge', '41 3 * * *');
    await scheduleCustomerJobs(bed.ctx.jobs);
    const schedules = (await bed.ctx.jobs.schedules()).map((entry) => entry.name).sort();
    assert.deepEqual(schedules, [directorySyncJob]);
    bed.emulator.control.createUser({ email: email('queued.user'), givenName: 'Queued', familyName: 'User' });
    await bed.ctx.jobs.enqueue(directorySyncJob, {});
    for (;;) {
      if ((await licenses()).has(email('queued.user'))) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
});
