import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { forEachDatabase } from '../../testing/context.ts';
import { type GoogleTestbed, startGoogleTestbed } from '../../testing/google-testbed.ts';
import { connectCustomer, getConnection, syncDirectory, systemAuditActor } from '../customers/index.ts';
import { setProtectNewSharedDrives, setSharedDriveProtection } from './shared-drives.ts';
import { backupSources } from './tables.ts';

const domain = 'drives.test';
const actor = systemAuditActor('test');

// The daily directory sync is what finds a shared drive created since the last one: its
// backup-engine hook lists the domain's drives as the sync's admin and registers the protected
// ones' Drive sources, which the schedule then backs up (schedule.ts reads registered sources).
forEachDatabase('shared drives found by the directory sync', (kind) => {
  let bed: GoogleTestbed;
  let customerId = '';
  before(async () => {
    bed = await startGoogleTestbed(kind, { domain, users: 3, sharedDrives: 2 });
  });
  after(async () => {
    await bed?.close();
  });

  const driveIds = async () => {
    const ids: string[] = [];
    for await (const drive of bed.deps.google().drive.listDrives(`admin@${domain}`, { useDomainAdminAccess: true })) {
      ids.push(drive.id);
    }
    return ids.sort();
  };
  const driveSources = async () =>
    (
      await bed.ctx.db
        .select()
        .from(backupSources)
        .where(and(eq(backupSources.customerId, customerId), eq(backupSources.subjectKind, 'shared_drive')))
    )
      .map((row) => `${row.subjectId}:${row.service}`)
      .sort();

  it('connecting the domain registers every shared drive (protected by default) for Drive backups', async () => {
    const connected = await connectCustomer(bed.deps, { domain, adminEmail: `admin@${domain}` }, actor);
    assert.ok(connected.ok, JSON.stringify(connected));
    customerId = connected.customer.id;
    const drives = await driveIds();
    assert.equal(drives.length, 2);
    assert.deepEqual(
      await driveSources(),
      drives.map((id) => `${id}:drive`),
    );
  });

  it('a drive the tenant stopped protecting is not registered again, and a sync that cannot list drives stands', async () => {
    assert.ok(customerId, 'the domain was connected by the test before');
    const [first] = await driveIds();
    assert.ok(first);
    await bed.ctx.db
      .delete(backupSources)
      .where(and(eq(backupSources.customerId, customerId), eq(backupSources.subjectId, first)));
    await setSharedDriveProtection(bed.ctx.db, customerId, first, false);
    await setProtectNewSharedDrives(bed.ctx, customerId, false);
    const report = await syncDirectory(bed.deps, customerId, actor);
    assert.equal(report.status, 'completed');
    assert.ok(!(await driveSources()).some((entry) => entry.startsWith(`${first}:`)), 'the unprotected drive');

    // Google refuses the drive listing: the directory sync still completes.
    bed.emulator.control.setFaults([{ endpoint: 'drive.drives.list', errorRate: 1, status: 403, reason: 'forbidden' }]);
    try {
      const failing = await syncDirectory(bed.deps, customerId, actor);
      assert.equal(failing.status, 'completed');
      const connection = await getConnection(bed.ctx.db, customerId);
      assert.equal(connection?.lastSyncError, null, 'the sync is not marked failed');
    } finally {
      bed.emulator.control.setFaults([]);
    }
  });
});
