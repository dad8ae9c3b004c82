// Test support for browse and search: an emulator domain backed up at several backup points,
// served by an app with the browse, search and export (item downloads) modules, a partner owning the tenant (and a
// read-only member), and a second tenant B with its own partner and one backed-up item.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { type App, buildApp } from '../http/app.ts';
import type { BackupService } from '../modules/backup/index.ts';
import { backupItemVersions, backupRuns, backupSources } from '../modules/backup/tables.ts';
import { browseModule } from '../modules/browse/index.ts';
import { exportModule } from '../modules/export/index.ts';
import { createIdentityModule } from '../modules/identity/index.ts';
import { searchModule } from '../modules/search/index.ts';
import { customers } from '../modules/tenancy/tables.ts';
import { type BackupFixture, backupFixture, runRow, startTestBackup } from './backup.ts';
import {
  type Browser,
  createBrowser,
  openPartnerSessionAs,
  seedPartner,
  seedStaffUser,
  signInWithTotp,
} from './browser.ts';
import type { DatabaseKind } from './databases.ts';

export interface BrowseFixture extends BackupFixture {
  app: App;
  /** Signed-in browsers: the tenant's partner owner, its read-only user, and tenant B's partner owner. */
  as(who: 'owner' | 'readOnly' | 'stranger'): Promise<Browser>;
  /** Tenant B: its customer id and its one Gmail source. */
  other: { customerId: string; sourceId: string };
  /** Backs up `services` of `email` now (the clock moves a minute first); returns the run rows. */
  backUp(email: string, services: BackupService[]): Promise<Array<typeof backupRuns.$inferSelect>>;
}

export async function browseFixture(
  kind: DatabaseKind,
  options: Parameters<typeof backupFixture>[1] = {},
): Promise<BrowseFixture> {
  const f = await backupFixture(kind, options);
  const partnerId = await seedPartner(f.ctx.db);
  const otherPartnerId = await seedPartner(f.ctx.db, { name: 'Other IT' });
  await f.ctx.db.update(customers).set({ partnerId }).where(eq(customers.id, f.customerId));
  const users = {
    owner: await seedStaffUser(f.ctx, { email: 'owner@acme.test', partnerId, role: 'owner' }),
    readOnly: await seedStaffUser(f.ctx, { email: 'viewer@acme.test', partnerId, role: 'read_only' }),
    stranger: await seedStaffUser(f.ctx, { email: 'owner@other.test', partnerId: otherPartnerId, role: 'owner' }),
  };
  // Tenant B: a committed backup point with one message whose subject also exists in tenant A.
  const otherCustomerId = randomUUID();
  await f.ctx.db
    .insert(customers)
    .values({ id: otherCustomerId, domain: `${kind}.other.test`, name: 'Other', partnerId: otherPartnerId });
  const otherSourceId = randomUUID();
  await f.ctx.db.insert(backupSources).values({
    id: otherSourceId,
    customerId: otherCustomerId,
    subjectKind: 'user',
    subjectId: 'other-user',
    subjectEmail: `bob@${kind}.other.test`,
    service: 'gmail',
  });
  const runId = randomUUID();
  const now = f.ctx.clock.now();
  await f.ctx.db.insert(backupRuns).values({
    id: runId,
    customerId: otherCustomerId,
    sourceId: otherSourceId,
    trigger: 'scheduled',
    status: 'success',
    finishedAt: now,
  });
  await f.ctx.db.insert(backupItemVersions).values({
    customerId: otherCustomerId,
    sourceId: otherSourceId,
    itemKey: 'other-message',
    version: 1,
    objectId: 'x',
    contentHash: 'x',
    size: 10,
    metadata: {
      subject: 'Tenant B secret zephyr numbers',
      from: 'bob@other.test',
      labelIds: ['INBOX'],
      labelNames: ['INBOX'],
    },
    validFrom: new Date(now.getTime() - 1000),
    runId,
  });
  const app = await buildApp(f.ctx, { modules: [createIdentityModule(), browseModule, searchModule, exportModule] });
  return {
    ...f,
    app,
    other: { customerId: otherCustomerId, sourceId: otherSourceId },
    async as(who) {
      const browser = createBrowser(app);
      await signInWithTotp(browser, f.ctx.clock, users[who]);
      // Partner staff reach customer data inside a partner session: the owner on this tenant,
      // the stranger (the other partner's owner) on its own customer, tenant B.
      if (who === 'owner') await openPartnerSessionAs(browser, f.ctx, users[who], f.customerId);
      if (who === 'stranger') await openPartnerSessionAs(browser, f.ctx, users[who], otherCustomerId);
      return browser;
    },
    async backUp(email, services) {
      const subject = f.users.find((user) => user.email === email);
      assert.ok(subject, `no user ${email}`);
      f.ctx.clock.advance(60_000);
      const { results = [] } = await startTestBackup(f.ctx, f.customerId, {
        subjects: [subject],
        services,
        trigger: 'scheduled',
        wait: true,
        runOptions: { google: f.google },
      });
      const runs = await Promise.all(results.map((result) => runRow(f, result.runId)));
      for (const run of runs) assert.equal(run.status, 'success', run.error ?? '');
      return runs;
    },
    async close() {
      await app.close();
      await f.close();
    },
  };
}
