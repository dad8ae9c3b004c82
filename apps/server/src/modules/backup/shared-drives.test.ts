import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { type App, buildApp } from '../../http/app.ts';
import { type BackupFixture, backupFixture, startTestBackup } from '../../testing/backup.ts';
import { type Browser, createBrowser, seedPartner, seedStaffUser, signInWithTotp } from '../../testing/browser.ts';
import { forEachDatabase } from '../../testing/context.ts';
import { auditLog } from '../audit/tables.ts';
import { createIdentityModule } from '../identity/index.ts';
import { customers } from '../tenancy/tables.ts';
import { listSharedDriveSubjects } from './directory-subjects.ts';
import { backupModule } from './routes.ts';
import { rememberSharedDrives } from './shared-drives.ts';
import { startBackup } from './start-backup.ts';

forEachDatabase('shared drives: protected one by one, or every new one', (kind) => {
  let f: BackupFixture;
  let app: App;
  let owner: Awaited<ReturnType<typeof seedStaffUser>>;
  let readOnly: Awaited<ReturnType<typeof seedStaffUser>>;
  let stranger: Awaited<ReturnType<typeof seedStaffUser>>;
  const admin = () => `admin@${f.domain}`;
  const url = (path = '') => `/api/customers/${f.customerId}/shared-drives${path}`;

  before(async () => {
    f = await backupFixture(kind, { users: 2, generate: { messagesPerUser: 1, filesPerUser: 2, sharedDrives: 2 } });
    const partnerId = await seedPartner(f.ctx.db);
    const otherPartnerId = await seedPartner(f.ctx.db, { name: 'Other IT' });
    await f.ctx.db.update(customers).set({ partnerId }).where(eq(customers.id, f.customerId));
    owner = await seedStaffUser(f.ctx, { email: 'owner@acme.test', partnerId, role: 'owner' });
    readOnly = await seedStaffUser(f.ctx, { email: 'viewer@acme.test', partnerId, role: 'read_only' });
    stranger = await seedStaffUser(f.ctx, { email: 'owner@other.test', partnerId: otherPartnerId, role: 'owner' });
    app = await buildApp(f.ctx, { modules: [createIdentityModule(), backupModule] });
  });
  after(async () => {
    await app?.close();
    await f?.close();
  });

  const put = (browser: Browser, path: string, body: unknown) => browser.request('PUT', path, { body });

  async function as(user: typeof owner) {
    const browser = createBrowser(app);
    await signInWithTotp(browser, f.ctx.clock, user);
    return browser;
  }

  it('with "protect new drives" off, drives first seen are remembered unprotected and not backed up', async () => {
    const browser = await as(owner);
    const initially = await browser.get(url());
    assert.equal(initially.statusCode, 200, initially.body);
    assert.deepEqual(initially.json(), { drives: [], total: 0, protectNew: true, limit: 25, offset: 0 });
    const off = await put(browser, url('/settings'), { protectNew: false });
    assert.equal(off.statusCode, 200, off.body);
    assert.deepEqual(off.json(), { protectNew: false });

    const subjects = await listSharedDriveSubjects(f.ctx, f.customerId, f.google, admin());
    assert.deepEqual(subjects, [], 'no drive is protected');
    const listed = (await browser.get(url())).json();
    assert.equal(listed.total, 2);
    assert.equal(listed.protectNew, false);
    for (const drive of listed.drives) {
      assert.equal(drive.protected, false);
      assert.ok(drive.name.length > 0 && drive.name !== drive.driveId, 'the name Google gave');
      assert.deepEqual(drive.lastBackup, { lastSuccessAt: null, lastRun: null });
      assert.deepEqual([drive.items, drive.bytes], [0, 0]);
    }
  });

  it('backs up a drive once protected, shows its last backup and figures, and skips it again once unprotected', async () => {
    const browser = await as(owner);
    const [first, second] = (await browser.get(url())).json().drives as Array<{ driveId: string; name: string }>;
    assert.ok(first && second);
    const protect = await put(browser, url(`/${first.driveId}/protection`), { protected: true });
    assert.equal(protect.statusCode, 200, protect.body);
    assert.deepEqual(protect.json(), { driveId: first.driveId, name: first.name, protected: true });

    const subjects = await listSharedDriveSubjects(f.ctx, f.customerId, f.google, admin());
    assert.deepEqual(
      subjects.map((subject) => subject.id),
      [first.driveId],
      'only the protected drive; the other, already known, stays unprotected',
    );
    const { results } = await startTestBackup(f.ctx, f.customerId, {
      subjects,
      services: ['drive'],
      trigger: 'on_demand',
      wait: true,
      runOptions: { google: f.google },
    });
    assert.equal(results?.[0]?.status, 'success');
    const shown = (await browser.get(url(`?q=${encodeURIComponent(first.name)}`))).json();
    const entry = shown.drives.find((drive: { driveId: string }) => drive.driveId === first.driveId);
    assert.equal(entry.protected, true);
    assert.equal(entry.lastBackup.lastRun.status, 'success');
    assert.ok(entry.lastBackup.lastSuccessAt);
    assert.ok(entry.items > 0 && entry.bytes > 0);

    // Unprotected: its backups are kept, but no backup takes it any more.
    await put(browser, url(`/${first.driveId}/protection`), { protected: false });
    const chosen = startBackup(f.ctx, {
      customerId: f.customerId,
      scope: { kind: 'shared_drives', ids: [first.driveId] },
      services: ['drive'],
      by: { actor: { kind: 'system' }, audit: { actor: { kind: 'system', label: 'test' } } },
      trigger: 'on_demand',
      enqueue: false,
    });
    await assert.rejects(chosen, /not protected/);
    assert.deepEqual(await listSharedDriveSubjects(f.ctx, f.customerId, f.google, admin()), []);
    const kept = (await browser.get(url(`?q=${first.driveId}`))).json().drives[0];
    assert.equal(kept.lastBackup.lastRun.status, 'success', 'the drive’s backups stay listed');

    const entries = await f.ctx.db.select().from(auditLog).where(eq(auditLog.target, f.customerId));
    const actions = entries.map((row) => row.action);
    assert.ok(actions.includes('shared_drives.settings.update'));
    assert.equal(actions.filter((action) => action === 'shared_drive.protection.update').length, 2);
  });

  it('a drive first seen follows the setting of that moment; a known drive keeps its own', async () => {
    const browser = await as(owner);
    await put(browser, url('/settings'), { protectNew: true });
    const protectedNow = await rememberSharedDrives(f.ctx, f.customerId, [
      { id: '0AnewDriveOne', name: 'New one' },
      { id: (await browser.get(url())).json().drives[1].driveId, name: 'Renamed' },
    ]);
    assert.deepEqual([...protectedNow], ['0AnewDriveOne'], 'the new drive is protected, the known unprotected one not');
    await put(browser, url('/settings'), { protectNew: false });
    const later = await rememberSharedDrives(f.ctx, f.customerId, [
      { id: '0AnewDriveTwo', name: 'New two' },
      { id: '0AnewDriveOne', name: 'New one' },
    ]);
    assert.deepEqual([...later], ['0AnewDriveOne']);
    const all = (await browser.get(url('?limit=200'))).json();
    assert.equal(all.total, 4);
    assert.ok(
      all.drives.some((drive: { name: string }) => drive.name === 'Renamed'),
      'the name follows Google',
    );
  });

  it('answers 400 for bad input, 404 for an unknown drive, 403 to a read-only user, 404 to another partner', async () => {
    const browser = await as(owner);
    for (const [path, body] of [
      ['/settings', {}],
      ['/settings', { protectNew: 'yes' }],
      ['/settings', { protectNew: true, extra: 1 }],
      ['/0AnewDriveOne/protection', { protected: 1 }],
      ['/0AnewDriveOne/protection', {}],
      ['/bad%20id/protection', { protected: true }],
    ] as const) {
      const response = await put(browser, url(path), body);
      assert.equal(response.statusCode, 400, `${path} ${JSON.stringify(body)}: ${response.body}`);
    }
    for (const query of ['?limit=0', '?offset=-1', '?sort=name']) {
      assert.equal((await browser.get(url(query))).statusCode, 400, query);
    }
    const unknown = await put(browser, url('/0AnoSuchDrive/protection'), { protected: true });
    assert.equal(unknown.statusCode, 404);

    const viewer = await as(readOnly);
    assert.equal((await viewer.get(url())).statusCode, 200);
    assert.equal((await put(viewer, url('/settings'), { protectNew: true })).statusCode, 403);
    assert.equal((await put(viewer, url('/0AnewDriveOne/protection'), { protected: false })).statusCode, 403);
    const other = await as(stranger);
    assert.equal((await other.get(url())).statusCode, 404);
    assert.equal((await put(other, url('/0AnewDriveOne/protection'), { protected: false })).statusCode, 404);
  });
});
