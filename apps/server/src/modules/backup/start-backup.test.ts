import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, beforeEach, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { AppError } from '../../http/errors.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { auditLog } from '../audit/tables.ts';
import { customerConnections, directoryUsers } from '../customers/tables.ts';
import type { Actor } from '../policy/index.ts';
import { customers } from '../tenancy/tables.ts';
import { defineBackupJobs } from './backup-jobs.ts';
import { type StartBackupInput, startBackup } from './index.ts';
import { ensureSources } from './queue-runs.ts';
import { backupRuns, backupSources } from './tables.ts';

forEachDatabase('start a backup (the one use case)', (kind) => {
  let ctx: TestContext;
  let customerId: string;
  const domain = 'start.test';
  const member = (role: 'super_admin' | 'end_user'): Actor => ({
    kind: 'customer',
    memberId: `m-${role}`,
    customerId,
    role,
    email: `${role}@${domain}`,
  });
  /** A signed-in member, as the route passes it: the policy actor and the audit actor with the ip. */
  const by = (actor: Actor): StartBackupInput['by'] => ({
    actor,
    audit: {
      actor: { kind: 'customer', id: actor.kind === 'customer' ? actor.memberId : null, label: 'a@start.test' },
      ip: '127.0.0.1',
    },
  });

  before(async () => {
    ctx = await createTestContext(kind);
    defineBackupJobs(ctx.jobs, () => ctx);
    await ctx.jobs.start({ work: false });
  });
  after(() => ctx?.close());
  beforeEach(async () => {
    await ctx.db.delete(customers);
    customerId = randomUUID();
    await ctx.db.insert(customers).values({ id: customerId, domain, name: domain, status: 'trial' });
    await ctx.db.insert(customerConnections).values({
      customerId,
      adminEmail: `admin@${domain}`,
      clientId: '123',
      authorizationStatus: 'authorized',
    });
    const user = (email: string, license: 'standard' | null) => ({
      id: randomUUID(),
      customerId,
      googleId: `g-${email}`,
      primaryEmail: email,
      license,
      suspended: false,
      firstSeenAt: ctx.clock.now(),
      lastSyncedAt: ctx.clock.now(),
    });
    await ctx.db
      .insert(directoryUsers)
      .values([user(`one@${domain}`, 'standard'), user(`two@${domain}`, 'standard'), user(`none@${domain}`, null)]);
    // One shared drive already registered (as the CLI's whole-domain backups register them).
    await ctx.db.insert(backupSources).values({
      id: randomUUID(),
      customerId,
      subjectKind: 'shared_drive',
      subjectId: 'drive-1',
      subjectEmail: `one@${domain}`,
      service: 'drive',
    });
  });

  async function state() {
    return {
      runs: await ctx.db.select().from(backupRuns).where(eq(backupRuns.customerId, customerId)),
      sources: await ctx.db.select().from(backupSources).where(eq(backupSources.customerId, customerId)),
      audits: await ctx.db.select().from(auditLog).where(eq(auditLog.target, customerId)),
    };
  }

  it('a whole-domain backup queues every licensed user × service and the registered shared drive, audited', async () => {
    const runs = await startBackup(ctx, {
      customerId,
      scope: { kind: 'domain' },
      by: by(member('super_admin')),
      trigger: 'on_demand',
    });
    assert.equal(runs.length, 2 * 4 + 1);
    assert.ok(runs.some((run) => run.subject.kind === 'shared_drive' && run.service === 'drive'));
    const { runs: rows, audits } = await state();
    assert.equal(rows.length, runs.length);
    assert.ok(rows.every((row) => row.status === 'queued' && row.jobId !== null && row.trigger === 'on_demand'));
    assert.equal(audits.length, 1);
    assert.equal(audits[0]?.actorKind, 'customer');
    assert.equal(audits[0]?.actorLabel, 'a@start.test');
    assert.equal(audits[0]?.ip, '127.0.0.1');
    assert.deepEqual(audits[0]?.details, {
      trigger: 'on_demand',
      scope: { kind: 'domain' },
      services: ['gmail', 'drive', 'calendar', 'contacts'],
      runs: 9,
    });
  });

  it('backs up one registered shared drive by its id (Drive only)', async () => {
    const runs = await startBackup(ctx, {
      customerId,
      scope: { kind: 'shared_drives', ids: ['drive-1'] },
      services: ['drive'],
      by: by(member('super_admin')),
      trigger: 'on_demand',
      reason: 'before a migration',
    });
    assert.deepEqual(
      runs.map((run) => [run.subject.kind, run.subject.id, run.service]),
      [['shared_drive', 'drive-1', 'drive']],
    );
    const { audits } = await state();
    assert.equal(audits[0]?.details?.reason, 'before a migration');
  });

  // Each input is built when its test runs (the tenant is made afresh before each test).
  const refused: Array<[string, () => Partial<StartBackupInput>, string, RegExp]> = [
    ['an unknown service', () => ({ services: ['gmail', 'fax'] }), 'validation_failed', /Unknown service "fax"/],
    ['no service', () => ({ services: [] }), 'validation_failed', /No service given/],
    [
      'a user without a Standard license',
      () => ({ scope: { kind: 'users', emails: [`one@${domain}`, `none@${domain}`] } }),
      'validation_failed',
      /Not a licensed user of this domain .*: none@start\.test\./,
    ],
    [
      'an unknown shared drive',
      () => ({ scope: { kind: 'shared_drives', ids: ['drive-1', 'drive-9'] }, services: ['drive'] }),
      'validation_failed',
      /Not a known shared drive of this domain, or not protected: drive-9\./,
    ],
    [
      'a shared drive without the drive service',
      () => ({ scope: { kind: 'shared_drives', ids: ['drive-1'] }, services: ['gmail'] }),
      'validation_failed',
      /drive service only/,
    ],
    [
      'a source that is not one of this tenant',
      () => ({
        scope: {
          kind: 'sources',
          sources: [{ id: randomUUID(), subject: { kind: 'user', id: 'x', email: 'x@else.test' }, service: 'gmail' }],
        },
      }),
      'validation_failed',
      /Not a backup source of this domain/,
    ],
    ['an actor the policy refuses (an end user)', () => ({ by: by(member('end_user')) }), 'forbidden', /./],
  ];
  for (const [what, change, code, message] of refused) {
    it(`refuses ${what} with a clear error and changes nothing`, async () => {
      const before = await state();
      const input: StartBackupInput = {
        customerId,
        scope: { kind: 'domain' },
        by: by(member('super_admin')),
        trigger: 'on_demand',
        ...change(),
      };
      await assert.rejects(startBackup(ctx, input), (error: unknown) => {
        assert.ok(error instanceof AppError);
        assert.equal(error.code, code);
        assert.match(error.message, message);
        return true;
      });
      assert.deepEqual(await state(), before);
    });
  }

  it('refuses a domain with no users to back up (authorisation lost) with a conflict, changing nothing', async () => {
    await ctx.db
      .update(customerConnections)
      .set({ authorizationStatus: 'lost' })
      .where(eq(customerConnections.customerId, customerId));
    const before = await state();
    await assert.rejects(
      startBackup(ctx, { customerId, scope: { kind: 'domain' }, by: by(member('super_admin')), trigger: 'on_demand' }),
      /no users to back up/,
    );
    assert.deepEqual(await state(), before);
  });
  it('registers every subject × service in order, a subject listed twice as one source with its last email', async () => {
    const alice = { kind: 'user' as const, id: 'u-alice', email: 'alice@start.test' };
    const drive = { kind: 'shared_drive' as const, id: 'd-team', email: '' };
    const renamed = { ...alice, email: 'alice.new@start.test' };
    const first = await ensureSources(ctx, customerId, [alice, drive], ['gmail', 'drive']);
    assert.deepEqual(
      first.map((source) => [source.subject.id, source.service]),
      [
        ['u-alice', 'gmail'],
        ['u-alice', 'drive'],
        ['d-team', 'drive'],
      ],
      'a shared drive has only its Drive source',
    );
    const again = await ensureSources(ctx, customerId, [alice, renamed], ['gmail']);
    assert.deepEqual(
      again.map((source) => source.id),
      [first[0]!.id, first[0]!.id],
    );
    const rows = (await ctx.db.select().from(backupSources).where(eq(backupSources.customerId, customerId))).filter(
      (row) => row.subjectId === 'u-alice' || row.subjectId === 'd-team',
    );
    assert.equal(rows.length, 3);
    assert.equal(rows.find((row) => row.id === first[0]!.id)?.subjectEmail, 'alice.new@start.test');
  });
  it('registers more sources than one statement holds, in order, and two callers in opposite orders get the same ids', async () => {
    const users = Array.from({ length: 1001 }, (_, i) => ({
      kind: 'user' as const,
      id: `u-many-${String(i).padStart(4, '0')}`,
      email: `many${i}@start.test`,
    }));
    const [forward, backward] = await Promise.all([
      ensureSources(ctx, customerId, users, ['gmail', 'drive']),
      ensureSources(ctx, customerId, [...users].reverse(), ['drive', 'gmail']),
    ]);
    assert.equal(forward.length, 2002);
    assert.deepEqual(
      forward.slice(0, 3).map((source) => [source.subject.id, source.service]),
      [
        ['u-many-0000', 'gmail'],
        ['u-many-0000', 'drive'],
        ['u-many-0001', 'gmail'],
      ],
    );
    assert.equal(new Set(forward.map((source) => source.id)).size, 2002);
    const idOf = (sources: typeof forward) =>
      new Map(sources.map((source) => [`${source.subject.id}/${source.service}`, source.id]));
    assert.deepEqual(idOf(backward), idOf(forward));
    const stored = await ctx.db.select().from(backupSources).where(eq(backupSources.customerId, customerId));
    assert.equal(stored.filter((row) => row.subjectId.startsWith('u-many-')).length, 2002);
  });
});
