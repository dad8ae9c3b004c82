import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { verifyRepository } from '@safehold/repository';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { type BackupFixture, backupFixture, startTestBackup } from '../../testing/backup.ts';
import { forEachDatabase } from '../../testing/context.ts';
import { auditLog } from '../audit/tables.ts';
import { createCustomersDeps, purgeExpiredLicenses, systemAuditActor } from '../customers/index.ts';
import { directoryUsers } from '../customers/tables.ts';
import { defineBackupJobs } from './backup-jobs.ts';
import { backupCustomerHooks } from './customer-hooks.ts';
import { collectGarbage, MAINTENANCE_JOB, runMaintenance, verifySample } from './maintenance.ts';
import { getRetention, keepEverything, previewPrune, pruneByAge, setRetention } from './retention.ts';
import { scheduleBackupJobs } from './schedule.ts';
import { getBackupStatus } from './status.ts';
import { backupItemVersions, backupRuns, backupSources, repositoryPacks, tenantRepositoryKeys } from './tables.ts';
import { openTenantRepository } from './tenant-repository.ts';
import { tenantState } from './tenant-state.ts';

const DAY = 86_400_000;

forEachDatabase('backup maintenance', (kind) => {
  let f: BackupFixture;
  before(async () => {
    f = await backupFixture(kind, { users: 3, generate: { messagesPerUser: 16, filesPerUser: 2 } });
  });
  after(async () => {
    await f?.close();
  });

  /** Backs up the Gmail of one user in a run of its own (its own packs). */
  async function backUp(email: string): Promise<void> {
    const subject = f.users.find((user) => user.email === email);
    assert.ok(subject);
    f.ctx.clock.advance(60_000);
    const { results } = await startTestBackup(f.ctx, f.customerId, {
      subjects: [subject],
      services: ['gmail'],
      trigger: 'on_demand',
      wait: true,
      runOptions: { google: f.google },
    });
    assert.equal(results?.[0]?.status, 'success');
  }

  async function versions(email: string, current: boolean) {
    const rows = await f.ctx.db
      .select({ version: backupItemVersions })
      .from(backupItemVersions)
      .innerJoin(backupSources, eq(backupSources.id, backupItemVersions.sourceId))
      .where(and(eq(backupSources.subjectEmail, email), current ? isNull(backupItemVersions.validTo) : undefined));
    return rows.map((row) => row.version);
  }

  async function readable(objectIds: string[]): Promise<boolean[]> {
    const repository = await openTenantRepository(f.ctx, f.customerId);
    try {
      const out: boolean[] = [];
      for (const id of objectIds) {
        out.push(
          await repository.readAll(id).then(
            () => true,
            () => false,
          ),
        );
      }
      return out;
    } finally {
      await repository.close();
    }
  }

  const userA = () => f.users[0]?.email as string;
  const userB = () => f.users[1]?.email as string;

  async function directoryUser(email: string, values: Partial<typeof directoryUsers.$inferInsert>): Promise<string> {
    const subject = f.users.find((user) => user.email === email);
    assert.ok(subject);
    const id = randomUUID();
    await f.ctx.db.insert(directoryUsers).values({
      id,
      customerId: f.customerId,
      googleId: subject.id,
      primaryEmail: email,
      license: 'standard',
      firstSeenAt: f.ctx.clock.now(),
      lastSyncedAt: f.ctx.clock.now(),
      ...values,
    });
    return id;
  }

  async function contents(objectIds: string[]): Promise<Buffer[]> {
    const repository = await openTenantRepository(f.ctx, f.customerId);
    try {
      const out: Buffer[] = [];
      for (const id of objectIds) out.push(Buffer.from(await repository.readAll(id)));
      return out;
    } finally {
      await repository.close();
    }
  }

  it('retention over a simulated year: exactly the versions past the limit are pruned, current ones kept, verify passes after gc, kept content byte-identical; legal hold keeps all', async () => {
    assert.deepEqual(await getRetention(f.ctx, f.customerId), keepEverything, 'keep everything by default');
    const held = userB();
    const holdId = await directoryUser(held, { legalHold: true });
    // A year of monthly backups; before each one a message of each user is deleted in Google,
    // so each month closes one version per user.
    await backUp(userA());
    await backUp(held);
    for (let month = 0; month < 12; month++) {
      f.ctx.clock.advance(30 * DAY);
      for (const email of [userA(), held]) {
        const [current] = await versions(email, true);
        assert.ok(current);
        f.emulator.control.deleteMessage({ email, id: current.itemKey });
        await backUp(email);
      }
    }
    const closedA = (await versions(userA(), false)).filter((version) => version.validTo !== null);
    const currentA = await versions(userA(), true);
    assert.equal(closedA.length, 12);
    assert.deepEqual(await pruneByAge(f.ctx, f.customerId), { items: 0, bytes: 0 }, 'keep everything: nothing pruned');

    const limit = { value: 100, unit: 'days' } as const;
    await setRetention(f.ctx, f.customerId, { ...keepEverything, mail: limit });
    const cutoff = f.ctx.clock.now().getTime() - 100 * DAY;
    const past = closedA.filter((version) => (version.validTo?.getTime() ?? Infinity) < cutoff);
    assert.ok(past.length > 0 && past.length < closedA.length, 'some versions are past the limit, some not');
    const keptClosed = closedA.filter((version) => !past.includes(version));
    const keptBytes = await contents([...keptClosed, ...currentA].map((version) => version.objectId));

    const preview = await previewPrune(f.ctx, f.customerId, await getRetention(f.ctx, f.customerId));
    const expected = { items: past.length, bytes: past.reduce((sum, version) => sum + version.size, 0) };
    assert.deepEqual(preview, expected, 'the preview counts what the prune removes');
    assert.deepEqual(await pruneByAge(f.ctx, f.customerId), expected);

    const left = new Set((await versions(userA(), false)).map((version) => version.id));
    assert.deepEqual(
      closedA.filter((version) => left.has(version.id)).map((version) => version.id),
      keptClosed.map((version) => version.id),
      'exactly the versions past the limit are gone',
    );
    assert.ok(
      currentA.every((version) => left.has(version.id)),
      'current versions are never pruned by age',
    );
    assert.equal(
      (await versions(held, false)).filter((version) => version.validTo !== null).length,
      12,
      'legal hold: every version of the user kept',
    );
    const [audit] = await f.ctx.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'backup.retention.pruned'))
      .orderBy(desc(auditLog.id))
      .limit(1);
    assert.deepEqual(audit?.details?.items, expected.items);
    assert.ok(audit?.tenants.includes(`customer:${f.customerId}`));

    await collectGarbage(f.ctx, f.customerId, { repackBelow: 1 });
    const repository = await openTenantRepository(f.ctx, f.customerId);
    try {
      const report = await verifyRepository(repository);
      assert.deepEqual(report.damage, [], 'the repository verifies after gc');
    } finally {
      await repository.close();
    }
    const after = await contents([...keptClosed, ...currentA].map((version) => version.objectId));
    assert.ok(
      after.every((bytes, i) => bytes.equals(keptBytes[i] as Buffer)),
      'kept versions read back byte-identical',
    );

    // Lifting the hold lets the next prune apply the limit to the user too.
    await f.ctx.db.update(directoryUsers).set({ legalHold: false }).where(eq(directoryUsers.id, holdId));
    const lifted = await pruneByAge(f.ctx, f.customerId);
    assert.ok(lifted.items > 0);
    await setRetention(f.ctx, f.customerId, keepEverything);
    await f.ctx.db.delete(directoryUsers).where(eq(directoryUsers.id, holdId));
  });

  it("the 60-day purge deletes the user's sources and versions, and gc then deletes the content no one else names", async () => {
    await backUp(userB());
    const bObjects = (await versions(userB(), true)).map((version) => version.objectId);
    const aObjects = (await versions(userA(), true)).map((version) => version.objectId);
    assert.ok(bObjects.length > 0);
    const [packsBefore] = await f.ctx.db
      .$count(repositoryPacks, eq(repositoryPacks.customerId, f.customerId))
      .then((count) => [count]);

    const userId = randomUUID();
    const bSubject = f.users[1];
    assert.ok(bSubject);
    await f.ctx.db.insert(directoryUsers).values({
      id: userId,
      customerId: f.customerId,
      googleId: bSubject.id,
      primaryEmail: userB(),
      license: null,
      purgeAfter: new Date(f.ctx.clock.now().getTime() - DAY),
      firstSeenAt: f.ctx.clock.now(),
      lastSyncedAt: f.ctx.clock.now(),
    });
    // A user past the grace period but on legal hold is not purged.
    await directoryUser(f.users[2]?.email as string, {
      license: null,
      purgeAfter: new Date(f.ctx.clock.now().getTime() - DAY),
      legalHold: true,
    });
    const report = await purgeExpiredLicenses(
      createCustomersDeps(f.ctx, { hooks: backupCustomerHooks(f.ctx) }),
      systemAuditActor('test'),
    );
    assert.deepEqual(
      report.purged.map((user) => user.email),
      [userB()],
    );
    assert.equal((await versions(userB(), false)).length, 0, 'sources, runs and versions of the user are gone');
    assert.equal(
      (await f.ctx.db.select().from(backupSources).where(eq(backupSources.subjectEmail, userB()))).length,
      0,
    );

    const gc = await collectGarbage(f.ctx, f.customerId);
    assert.ok(gc.deletedPacks + gc.repackedPacks > 0, `gc reclaimed packs: ${JSON.stringify(gc)}`);
    const packsAfter = await f.ctx.db.$count(repositoryPacks, eq(repositoryPacks.customerId, f.customerId));
    assert.ok(packsAfter <= (packsBefore ?? 0), 'no more packs than before');
    assert.ok((await readable(aObjects)).every(Boolean), "the other user's backups stay readable");
    const onlyB = bObjects.filter((id) => !aObjects.includes(id));
    assert.ok(
      (await readable(onlyB)).every((ok) => !ok),
      "the purged user's content is gone",
    );
    assert.ok((await tenantState(f.ctx, f.customerId))?.lastGcAt);
  });

  it('the rolling verify reads a few packs per day in turn and reports damage as a tenant condition until it is gone', async () => {
    await backUp(f.users[2]?.email as string);
    const names = (
      await f.ctx.db
        .select({ name: repositoryPacks.name })
        .from(repositoryPacks)
        .where(eq(repositoryPacks.customerId, f.customerId))
        .orderBy(repositoryPacks.name)
    ).map((row) => row.name);
    assert.ok(names.length >= 2, 'at least two packs');
    // One pack per call: every pack in turn, then around again.
    const seen: string[] = [];
    for (let i = 0; i < names.length + 1; i++) {
      const sample = await verifySample(f.ctx, f.customerId, { packs: 1 });
      assert.deepEqual(sample.damage, []);
      seen.push(...sample.verified);
    }
    assert.deepEqual(seen, [...names, names[0]]);

    // Damage one pack on disk.
    const [keys] = await f.ctx.db
      .select({ location: tenantRepositoryKeys.location })
      .from(tenantRepositoryKeys)
      .where(eq(tenantRepositoryKeys.customerId, f.customerId));
    assert.ok(keys);
    // The last pack of the next full sample (the rolling position is after names[0] now), so the
    // one-pack sample after it is another pack.
    const victim = names[0] as string;
    const file = path.join(keys.location, 'data', victim.slice(0, 2), victim);
    const original = readFileSync(file);
    const broken = Buffer.from(original);
    broken[Math.floor(broken.length / 3)] = (broken[Math.floor(broken.length / 3)] ?? 0) ^ 0xff;
    writeFileSync(file, broken);
    try {
      const sample = await verifySample(f.ctx, f.customerId, { packs: names.length });
      assert.ok(sample.damage.length > 0);
      assert.ok(sample.damage.every((entry) => entry.pack === victim));
      const status = await getBackupStatus(f.ctx, f.customerId);
      assert.equal(status.repositoryDamage?.packs.includes(victim), true, 'shown in the backup status');
      // A sample that does not include the damaged pack keeps the condition.
      const other = await verifySample(f.ctx, f.customerId, { packs: 1 });
      assert.notEqual(other.verified[0], victim);
      assert.ok(other.damage.some((entry) => entry.pack === victim));
    } finally {
      writeFileSync(file, original);
    }
    // Repaired (here: restored): the next verify of that pack clears the condition.
    const cleared = await verifySample(f.ctx, f.customerId, { packs: names.length });
    assert.deepEqual(cleared.damage, []);
    assert.equal((await getBackupStatus(f.ctx, f.customerId)).repositoryDamage, null);
  });

  it('the daily maintenance job is scheduled with the other backup jobs and runs every step for each tenant', async () => {
    defineBackupJobs(f.ctx.jobs, () => f.ctx);
    await f.ctx.jobs.start({ work: false });
    await scheduleBackupJobs(f.ctx.jobs);
    const names = (await f.ctx.jobs.schedules()).map((entry) => entry.name).sort();
    assert.deepEqual(names, ['backup.maintenance', 'backup.notify', 'backup.schedule']);
    assert.equal(MAINTENANCE_JOB, 'backup.maintenance');
    const before = await tenantState(f.ctx, f.customerId);
    // The same job purges the users unlicensed for more than 60 days (the 60-day grace).
    await directoryUser(userA(), { license: null, purgeAfter: new Date(f.ctx.clock.now().getTime() - DAY) });
    assert.ok((await versions(userA(), false)).length > 0);
    f.ctx.clock.advance(DAY);
    const report = await runMaintenance(f.ctx);
    assert.equal((await versions(userA(), false)).length, 0, 'the unlicensed user past the grace period is purged');
    assert.equal(report.tenants, 1);
    assert.deepEqual(report.failures, []);
    const state = await tenantState(f.ctx, f.customerId);
    assert.ok((state?.lastGcAt?.getTime() ?? 0) > (before?.lastGcAt?.getTime() ?? 0));
    assert.ok((state?.lastVerifyAt?.getTime() ?? 0) > (before?.lastVerifyAt?.getTime() ?? 0));
    const runs = await f.ctx.db.$count(backupRuns, eq(backupRuns.customerId, f.customerId));
    assert.ok(runs > 0);
  });
});
