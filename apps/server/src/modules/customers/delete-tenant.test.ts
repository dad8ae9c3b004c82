import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/database.ts';
import type { AppError } from '../../http/errors.ts';
import { type BackupFixture, backupFixture, runRow, startTestBackup } from '../../testing/backup.ts';
import { forEachDatabase } from '../../testing/context.ts';
import { seedCustomer, signedInSession } from '../../testing/tenants.ts';
import { tenantRepositoryLocationOf, tenantRepositoryStorage } from '../backup/index.ts';
import { backupSources } from '../backup/tables.ts';
import { deleteTenantExportFiles } from '../export/index.ts';
import { customerMembers } from '../identity/tables.ts';
import { outbox } from '../notifications/tables.ts';
import type { Actor } from '../policy/index.ts';
import { deleteTenant, type TenantFiles } from './delete-tenant.ts';
import { directoryUsers } from './tables.ts';

const subject = 'Quokka harbour invoice 7731';
const fileName = 'quokka-harbour-plan.xlsx';
const vendorAdmin: Actor = { kind: 'vendor', userId: randomUUID(), role: 'admin' };
const auditActor = { actor: { kind: 'staff' as const, id: vendorAdmin.userId, label: 'admin@vendor.test' } };

function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}

/** Rows anywhere in the database (every schema but the catalogs) whose text contains `needle`. */
async function rowsContaining(db: Db, needle: string): Promise<string[]> {
  const tables = rowsOf<{ schema: string; name: string }>(
    await db.execute(sql`select table_schema as schema, table_name as name from information_schema.tables
      where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`),
  );
  const found: string[] = [];
  for (const table of tables) {
    const result = await db.execute(
      sql`select count(*)::int as n from ${sql.identifier(table.schema)}.${sql.identifier(table.name)} t
        where t::text ilike ${`%${needle}%`}`,
    );
    const n = rowsOf<{ n: number }>(result)[0]?.n ?? 0;
    if (n > 0) found.push(`${table.schema}.${table.name}: ${n}`);
  }
  return found;
}

/** Rows per table with a customer_id column that belong to the customer. */
async function tenantRowCounts(db: Db, customerId: string): Promise<Record<string, number>> {
  const tables = rowsOf<{ name: string }>(
    await db.execute(sql`select table_name as name from information_schema.columns
      where table_schema = 'public' and column_name = 'customer_id'`),
  );
  const counts: Record<string, number> = {};
  for (const { name } of tables) {
    const result = await db.execute(
      sql`select count(*)::int as n from ${sql.identifier(name)} where customer_id = ${customerId}`,
    );
    const n = rowsOf<{ n: number }>(result)[0]?.n ?? 0;
    if (n > 0) counts[name] = n;
  }
  return counts;
}

function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => path.join(entry.parentPath, entry.name));
  } catch {
    return [];
  }
}

forEachDatabase('deleting a tenant', (kind) => {
  let f: BackupFixture;
  let otherId: string;
  let files: TenantFiles;
  before(async () => {
    f = await backupFixture(kind, {
      users: 1,
      generate: { messagesPerUser: 3, filesPerUser: 2, eventsPerUser: 0, contactsPerUser: 0 },
    });
    // Wired as the composition root (the CLI) wires them.
    const ctx = f.ctx;
    files = {
      repository: tenantRepositoryStorage,
      deleteExportFiles: (customerId) => deleteTenantExportFiles(ctx, customerId),
    };
    const user = f.users[0];
    assert.ok(user);
    f.emulator.control.addMessage({ email: user.email, subject, body: 'numbers', labelIds: ['INBOX'] });
    f.emulator.control.createFile({ email: user.email, name: fileName, content: 'plan' });
    const { results = [] } = await startTestBackup(f.ctx, f.customerId, {
      subjects: [user],
      services: ['gmail', 'drive'],
      trigger: 'scheduled',
      wait: true,
      runOptions: { google: f.google },
    });
    for (const result of results) assert.equal((await runRow(f, result.runId)).status, 'success');
    // The tenant's people: a directory user, a signed-in super admin, its audit log and mail.
    await f.ctx.db.insert(directoryUsers).values({
      id: randomUUID(),
      customerId: f.customerId,
      googleId: user.id,
      primaryEmail: user.email,
      firstSeenAt: f.ctx.clock.now(),
      lastSyncedAt: f.ctx.clock.now(),
      license: 'standard',
    });
    const memberId = randomUUID();
    await f.ctx.db
      .insert(customerMembers)
      .values({ id: memberId, customerId: f.customerId, email: user.email, role: 'super_admin' });
    await signedInSession(f.ctx.db, f.ctx.clock, { kind: 'customer', customerMemberId: memberId });
    await f.ctx.audit.record({
      actor: { kind: 'customer', id: memberId, label: user.email },
      tenants: [`customer:${f.customerId}`],
      action: 'item.download',
      target: fileName,
      result: 'success',
    });
    await f.ctx.mail.send({ to: user.email, subject: `Restore of ${fileName} finished`, text: subject });
    // Another tenant, which must keep everything.
    const other = await seedCustomer(f.ctx.db, f.ctx.clock, {
      domain: `${kind}.other.test`,
      users: [{ email: `bob@${kind}.other.test`, license: 'standard' }],
      members: [{ email: `bob@${kind}.other.test`, role: 'super_admin' }],
    });
    otherId = other.id;
    await f.ctx.db.insert(backupSources).values({
      id: randomUUID(),
      customerId: otherId,
      subjectKind: 'user',
      subjectId: 'bob',
      subjectEmail: `bob@${kind}.other.test`,
      service: 'gmail',
    });
  });
  after(async () => {
    await f?.close();
  });

  it('refuses without the domain repeated, or for anyone but a vendor admin, and changes nothing', async () => {
    const before = await tenantRowCounts(f.ctx.db, f.customerId);
    await assert.rejects(
      deleteTenant(f.ctx, files, vendorAdmin, auditActor, {
        domain: f.domain,
        confirm: 'other.test',
      }),
      (error: AppError) => error.code === 'validation_failed' && error.field === 'confirm',
    );
    const support: Actor = { kind: 'vendor', userId: randomUUID(), role: 'support' };
    await assert.rejects(
      deleteTenant(f.ctx, files, support, auditActor, { domain: f.domain, confirm: f.domain }),
      (error: AppError) => error.code === 'forbidden',
    );
    await assert.rejects(
      deleteTenant(f.ctx, files, vendorAdmin, auditActor, {
        domain: 'nowhere.test',
        confirm: 'nowhere.test',
      }),
      (error: AppError) => error.code === 'not_found',
    );
    assert.deepEqual(await tenantRowCounts(f.ctx.db, f.customerId), before);
  });

  it("deletes every row, the audit log, the mail, the keys and the repository, verified, and audits it in the vendor's log", async () => {
    const location = await tenantRepositoryLocationOf(f.ctx.db, f.customerId);
    assert.ok(location);
    assert.ok(filesUnder(location).length > 0, 'the repository has packs');
    assert.ok((await rowsContaining(f.ctx.db, 'quokka')).length > 0, 'the metadata is in SQL before');
    const otherBefore = await tenantRowCounts(f.ctx.db, otherId);

    const report = await deleteTenant(f.ctx, files, vendorAdmin, auditActor, {
      domain: f.domain,
      confirm: f.domain,
    });

    assert.deepEqual(report.remaining, {});
    assert.ok((report.rows.backup_item_versions ?? 0) > 0);
    assert.equal(report.rows.tenant_repository_keys, 1);
    assert.equal(report.rows.customers, 1);
    assert.ok(report.repositoryObjects > 0);
    assert.deepEqual(await tenantRowCounts(f.ctx.db, f.customerId), {});
    assert.deepEqual(await rowsContaining(f.ctx.db, 'quokka'), [], 'no subject or file name anywhere');
    assert.deepEqual(
      await rowsContaining(f.ctx.db, f.customerId).then((found) =>
        found.filter((t) => !t.startsWith('public.audit_log')),
      ),
      [],
    );
    assert.deepEqual(filesUnder(location), [], 'no repository object left');
    assert.deepEqual(await tenantRowCounts(f.ctx.db, otherId), otherBefore, 'the other tenant keeps everything');
    assert.equal((await f.ctx.db.select().from(outbox)).length, 0);

    const [entry] = await f.ctx.audit.query({ tenant: 'vendor', action: 'customer.delete' });
    assert.equal(entry?.actorLabel, 'admin@vendor.test');
    assert.equal(entry?.target, f.domain);
    assert.equal(
      (entry?.details?.rows as Record<string, number> | undefined)?.backup_item_versions,
      report.rows.backup_item_versions,
    );
    const [verified] = await f.ctx.audit.query({ tenant: 'vendor', action: 'customer.delete.verified' });
    assert.equal(verified?.result, 'success');
    assert.deepEqual(verified?.details?.remaining, {});
  });
});
