import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import { AppError } from '../../http/errors.ts';
import { type BackupFixture, backupFixture, startTestBackup } from '../../testing/backup.ts';
import { bindToSpentGmailProject } from '../../testing/cloud-projects.ts';
import { forEachDatabase } from '../../testing/context.ts';
import { auditLog } from '../audit/tables.ts';
import { ProjectQuotaSpentError, quotaDayResetsAt } from '../customers/index.ts';
import type { Actor } from '../policy/index.ts';
import { defineRestoreJobs, RESTORE_JOB } from './restore-jobs.ts';
import { type StartRestoreInput, startRestore } from './start-restore.ts';
import { restores } from './tables.ts';

forEachDatabase('start a restore (the one use case)', (kind) => {
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
  const by = (actor: Actor): StartRestoreInput['by'] => ({
    actor,
    audit: { actor: { kind: 'customer', id: 'm-1', label: `admin@${f.domain}` }, ip: '127.0.0.1' },
  });

  before(async () => {
    f = await backupFixture(kind, { users: 2, generate: { messagesPerUser: 3, filesPerUser: 2 } });
    user = f.users[1]?.email as string;
    const { results } = await startTestBackup(f.ctx, f.customerId, {
      subjects: f.users,
      services: ['gmail', 'drive'],
      trigger: 'on_demand',
      wait: true,
      runOptions: { google: f.google },
    });
    for (const result of results ?? []) assert.equal(result.status, 'success', result.error ?? '');
    defineRestoreJobs(f.ctx.jobs, () => f.ctx);
    await f.ctx.jobs.start({ work: false });
  });
  after(() => f?.close());

  /** What a refused start must leave as it was: the restores, their jobs and the audit entries. */
  async function state() {
    const jobs = (await f.ctx.db.execute(sql`select id from pgboss.job where name = ${RESTORE_JOB}`)) as unknown as {
      rows: unknown[];
    };
    return {
      restores: (await f.ctx.db.select({ id: restores.id }).from(restores)).length,
      jobs: jobs.rows.length,
      audits: (await f.ctx.db.select({ id: auditLog.id }).from(auditLog)).length,
    };
  }

  it('queues the restore with its job and records who asked, with what, in the audit log', async () => {
    const restore = await startRestore(f.ctx, {
      customerId: f.customerId,
      request: { user: user.toUpperCase(), service: 'gmail', inPlace: true, selection: { label: 'INBOX' } },
      by: by(member('super_admin')),
    });
    assert.equal(restore.status, 'queued');
    assert.equal(restore.fromEmail, user);
    assert.equal(restore.requestedBy, `admin@${f.domain}`);
    const jobs = (await f.ctx.db.execute(
      sql`select state from pgboss.job where name = ${RESTORE_JOB} and data->>'restoreId' = ${restore.id}`,
    )) as unknown as { rows: Array<{ state: string }> };
    assert.deepEqual(
      jobs.rows.map((row) => row.state),
      ['created'],
    );
    const entries = await f.ctx.db.select().from(auditLog).where(eq(auditLog.target, restore.id));
    assert.equal(entries.length, 1);
    const [entry] = entries;
    assert.equal(entry?.action, 'restore.request');
    assert.equal(entry?.actorLabel, `admin@${f.domain}`);
    assert.equal(entry?.ip, '127.0.0.1');
    assert.deepEqual(entry?.tenants, [`customer:${f.customerId}`]);
    assert.deepEqual(entry?.details, {
      user,
      service: 'gmail',
      to: user,
      asOf: 'latest',
      inPlace: true,
      label: 'INBOX',
      permissions: false,
    });
  });

  it('without enqueue, queues no job (the caller runs it) but still records it', async () => {
    const before = await state();
    const restore = await startRestore(f.ctx, {
      customerId: f.customerId,
      request: { user, service: 'drive' },
      by: by(member('super_admin')),
      enqueue: false,
    });
    assert.deepEqual(await state(), { ...before, restores: before.restores + 1, audits: before.audits + 1 });
    assert.equal(restore.status, 'queued');
  });

  it('refuses bad input with a validation error naming the field, and changes nothing', async () => {
    const cases: Array<[StartRestoreInput['request'], string]> = [
      [{ user: `nobody@${f.domain}`, service: 'gmail' }, 'user'],
      [{ user, service: 'gmail', to: 'someone@elsewhere.test' }, 'to'],
      [{ user, service: 'gmail', asOf: new Date('2001-01-01T00:00:00Z') }, 'asOf'],
      [{ user, service: 'drive', selection: { label: 'INBOX' } }, 'label'],
      [{ user, service: 'gmail', selection: { folder: '/x' } }, 'folder'],
      [{ user, service: 'gmail', selection: { query: 'after:someday' } }, 'query'],
    ];
    const before = await state();
    for (const [request, field] of cases) {
      await assert.rejects(
        startRestore(f.ctx, { customerId: f.customerId, request, by: by(member('super_admin')) }),
        (error: unknown) => {
          assert.ok(error instanceof AppError, String(error));
          assert.equal(error.code, 'validation_failed');
          assert.equal(error.field, field, error.message);
          return true;
        },
      );
    }
    assert.deepEqual(await state(), before);
  });

  it('asks the policy module: an end user may not restore another user’s backup (not found, as if it did not exist), an unknown tenant is not found; nothing changes', async () => {
    const before = await state();
    await assert.rejects(
      startRestore(f.ctx, {
        customerId: f.customerId,
        request: { user, service: 'gmail' },
        by: by(member('end_user')),
      }),
      (error: unknown) => error instanceof AppError && error.code === 'not_found',
    );
    await assert.rejects(
      startRestore(f.ctx, {
        customerId: randomUUID(),
        request: { user, service: 'gmail' },
        by: by(member('super_admin')),
      }),
      (error: unknown) => error instanceof AppError && error.code === 'not_found',
    );
    assert.deepEqual(await state(), before);
  });
  it("refuses a restore of a service whose API the customer's Cloud project spent today, as the on-demand backup is (503, Retry-After to midnight Pacific, the API and when to start it); nothing is created; another API's restore starts", async () => {
    const project = `spent-${kind}`;
    const undo = await bindToSpentGmailProject(f.ctx.db, f.ctx.clock, f, project);
    try {
      const before = await state();
      const now = f.ctx.clock.now().getTime();
      const seconds = Math.ceil((quotaDayResetsAt(now).getTime() - now) / 1000);
      for (const enqueue of [true, false]) {
        await assert.rejects(
          startRestore(f.ctx, {
            customerId: f.customerId,
            request: { user, service: 'gmail', selection: { label: 'INBOX' } },
            by: by(member('super_admin')),
            enqueue,
          }),
          (error: unknown) => {
            assert.ok(error instanceof ProjectQuotaSpentError, String(error));
            assert.equal(error.status, 503);
            assert.equal(error.code, 'unavailable');
            assert.equal(
              error.message,
              `Google Cloud project ${project} has used its daily Gmail quota; the restore was not started: start it after 00:00 Pacific`,
            );
            assert.equal(error.headers['retry-after'], String(seconds));
            return true;
          },
        );
      }
      assert.deepEqual(await state(), before, 'no restore, job or audit entry');
      // Drive's day is not spent: its restore starts.
      const restore = await startRestore(f.ctx, {
        customerId: f.customerId,
        request: { user, service: 'drive' },
        by: by(member('super_admin')),
      });
      assert.equal(restore.status, 'queued');
      assert.deepEqual(await state(), {
        restores: before.restores + 1,
        jobs: before.jobs + 1,
        audits: before.audits + 1,
      });
    } finally {
      await undo();
    }
  });
});
