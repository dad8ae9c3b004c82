import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import { AppError } from '../../http/errors.ts';
import { type BackupFixture, backupFixture, startTestBackup } from '../../testing/backup.ts';
import { forEachDatabase } from '../../testing/context.ts';
import { auditLog } from '../audit/tables.ts';
import type { Actor } from '../policy/index.ts';
import { defineExportJobs, EXPORT_JOB } from './exports.ts';
import { type StartExportInput, startExport } from './start-export.ts';
import { dataExports } from './tables.ts';

forEachDatabase('start an export (the one use case)', (kind) => {
  let f: BackupFixture;
  let user: string;
  const member = (role: 'super_admin' | 'end_user'): Actor => ({
    kind: 'customer',
    memberId: `m-${role}`,
    customerId: f.customerId,
    role,
    email: `${role}@${f.domain}`,
  });
  /** A signed-in member, as the route passes it: the policy actor and the audit actor with the ip. */
  const by = (actor: Actor): StartExportInput['by'] => ({
    actor,
    audit: { actor: { kind: 'customer', id: 'm-1', label: `admin@${f.domain}` }, ip: '127.0.0.1' },
  });

  before(async () => {
    f = await backupFixture(kind, { users: 1, generate: { messagesPerUser: 3, filesPerUser: 1 } });
    user = f.users[0]?.email as string;
    const { results } = await startTestBackup(f.ctx, f.customerId, {
      subjects: f.users,
      services: ['gmail', 'contacts'],
      trigger: 'on_demand',
      wait: true,
      runOptions: { google: f.google },
    });
    for (const result of results ?? []) assert.equal(result.status, 'success', result.error ?? '');
    defineExportJobs(f.ctx.jobs, () => f.ctx);
    await f.ctx.jobs.start({ work: false });
  });
  after(() => f?.close());

  /** What a refused start must leave as it was: the exports, their jobs and the audit entries. */
  async function state() {
    const jobs = (await f.ctx.db.execute(sql`select id from pgboss.job where name = ${EXPORT_JOB}`)) as unknown as {
      rows: unknown[];
    };
    return {
      exports: (await f.ctx.db.select({ id: dataExports.id }).from(dataExports)).length,
      jobs: jobs.rows.length,
      audits: (await f.ctx.db.select({ id: auditLog.id }).from(auditLog)).length,
    };
  }

  it('queues the export with its job and records who asked, with what, in the audit log', async () => {
    const row = await startExport(f.ctx, {
      customerId: f.customerId,
      user: user.toUpperCase(),
      services: ['gmail'],
      by: by(member('super_admin')),
    });
    assert.equal(row.status, 'queued');
    assert.equal(row.subjectEmail, user);
    assert.equal(row.requestedBy, `admin@${f.domain}`);
    const jobs = (await f.ctx.db.execute(
      sql`select state from pgboss.job where name = ${EXPORT_JOB} and data->>'exportId' = ${row.id}`,
    )) as unknown as { rows: Array<{ state: string }> };
    assert.deepEqual(
      jobs.rows.map((job) => job.state),
      ['created'],
    );
    const entries = await f.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'export.create'));
    assert.equal(entries.length, 1);
    const [entry] = entries;
    assert.equal(entry?.actorLabel, `admin@${f.domain}`);
    assert.equal(entry?.ip, '127.0.0.1');
    assert.equal(entry?.target, f.customerId);
    assert.deepEqual(entry?.tenants, [`customer:${f.customerId}`]);
    assert.deepEqual(entry?.details, {
      exportId: row.id,
      user,
      services: ['gmail'],
      asOf: null,
      items: row.itemsTotal,
      zipBytes: null,
    });
  });

  it('without enqueue, queues no job (the caller builds it) but still records it', async () => {
    const before = await state();
    await startExport(f.ctx, { customerId: f.customerId, user, by: by(member('super_admin')), enqueue: false });
    assert.deepEqual(await state(), { ...before, exports: before.exports + 1, audits: before.audits + 1 });
  });

  it('refuses bad input with a validation error naming the field, and changes nothing', async () => {
    const future = new Date(f.ctx.clock.now().getTime() + 24 * 3600_000);
    const cases: Array<[Omit<StartExportInput, 'customerId' | 'by'>, string, RegExp]> = [
      [{ user: `nobody@${f.domain}` }, 'user', /No backup of nobody@/],
      [{ user, services: ['drive'] }, 'user', /No backup of .* \(drive\)/],
      [{ user, services: ['gmail', 'fax'] }, 'services', /Unknown service "fax"/],
      [{ user, asOf: new Date('2001-01-01T00:00:00Z') }, 'user', /as of 2001/],
      [{ user, asOf: future }, 'asOf', /in the future/],
    ];
    const before = await state();
    for (const [request, field, message] of cases) {
      await assert.rejects(
        startExport(f.ctx, { customerId: f.customerId, ...request, by: by(member('super_admin')) }),
        (error: unknown) => {
          assert.ok(error instanceof AppError, String(error));
          assert.equal(error.code, 'validation_failed');
          assert.equal(error.field, field, error.message);
          assert.match(error.message, message);
          return true;
        },
      );
    }
    assert.deepEqual(await state(), before);
  });

  it('asks the policy module: an end user may not export another user’s backup (not found, as if it did not exist), an unknown tenant is not found; nothing changes', async () => {
    const before = await state();
    await assert.rejects(
      startExport(f.ctx, { customerId: f.customerId, user, by: by(member('end_user')) }),
      (error: unknown) => error instanceof AppError && error.code === 'not_found',
    );
    await assert.rejects(
      startExport(f.ctx, { customerId: randomUUID(), user, by: by(member('super_admin')) }),
      (error: unknown) => error instanceof AppError && error.code === 'not_found',
    );
    assert.deepEqual(await state(), before);
  });
});
