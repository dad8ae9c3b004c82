// End-user self-service through the HTTP API (issue 17 #4): an end user reaches their own
// backups — browse, search, restore, export, downloads — and nobody else's (404, as if it did
// not exist), restores only into their own account, and the customer's access controls
// (Settings › Access controls) take effect on the very next request, refused with their own
// codes. A super admin of the same tenant reaches every user's data throughout.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { backupCustomerHooks, backupModule } from '../modules/backup/index.ts';
import { browseModule } from '../modules/browse/index.ts';
import { createCustomersModule } from '../modules/customers/index.ts';
import { defineExportJobs, exportModule } from '../modules/export/index.ts';
import { createIdentityModule, createSession, sessionCookieName } from '../modules/identity/index.ts';
import { customerMembers } from '../modules/identity/tables.ts';
import { defineRestoreJobs, restoreModule } from '../modules/restore/index.ts';
import { searchModule } from '../modules/search/index.ts';
import { type BackupFixture, backupFixture, startTestBackup } from '../testing/backup.ts';
import { type Browser, createBrowser } from '../testing/browser.ts';
import { forEachDatabase } from '../testing/context.ts';
import { type App, buildApp } from './app.ts';

forEachDatabase('end-user access to their own backups', (kind) => {
  let f: BackupFixture;
  let app: App;
  let admin: Browser;
  let endUser: Browser;
  let own: string;
  let other: string;
  const sourceOf: Record<string, string> = {};

  const member = async (email: string, role: 'super_admin' | 'end_user'): Promise<Browser> => {
    const id = randomUUID();
    await f.ctx.db.insert(customerMembers).values({ id, customerId: f.customerId, email, role });
    const sessionId = await createSession(
      f.ctx.db,
      f.ctx.clock,
      { kind: 'customer', customerMemberId: id },
      'signed_in',
      { ip: '127.0.0.1', userAgent: 'test' },
    );
    const browser = createBrowser(app);
    browser.cookies.set(sessionCookieName, sessionId);
    return browser;
  };
  const url = (path: string) => `/api/customers/${f.customerId}${path}`;
  const setControls = async (body: Record<string, boolean>) => {
    const response = await admin.request('PUT', url('/access-controls'), { body });
    assert.equal(response.statusCode, 200, response.body);
  };

  before(async () => {
    f = await backupFixture(kind, { users: 2, generate: { messagesPerUser: 3 } });
    await startTestBackup(f.ctx, f.customerId, {
      subjects: f.users,
      services: ['gmail'],
      trigger: 'scheduled',
      wait: true,
      runOptions: { google: f.google },
    });
    defineRestoreJobs(f.ctx.jobs, () => f.ctx);
    defineExportJobs(f.ctx.jobs, () => f.ctx);
    await f.ctx.jobs.start({ work: false });
    app = await buildApp(f.ctx, {
      modules: [
        createIdentityModule(),
        createCustomersModule({ hooks: backupCustomerHooks }),
        backupModule,
        browseModule,
        searchModule,
        restoreModule,
        exportModule,
      ],
    });
    own = f.users[0]?.email as string;
    other = f.users[1]?.email as string;
    admin = await member(`boss@${f.domain}`, 'super_admin');
    endUser = await member(own, 'end_user');
    const sources = (await admin.get(url('/browse/sources'))).json().sources as {
      id: string;
      subjectEmail: string;
    }[];
    for (const source of sources) sourceOf[source.subjectEmail] = source.id;
    assert.ok(sourceOf[own] && sourceOf[other], 'both users were backed up');
  });
  after(async () => {
    await app?.close();
    await f?.close();
  });

  describe('own data only', () => {
    it("browse: the sources list shows only the end user's own; another user's source answers 404 everywhere", async () => {
      const list = await endUser.get(url('/browse/sources'));
      assert.equal(list.statusCode, 200, list.body);
      assert.deepEqual(
        list.json().sources.map((source: { subjectEmail: string }) => source.subjectEmail),
        [own],
      );
      assert.equal((await endUser.get(url(`/browse/sources?user=${encodeURIComponent(other)}`))).statusCode, 404);
      const firstKey = async (source: string) =>
        (await admin.get(url(`/browse/sources/${source}/gmail/messages`))).json().messages[0].itemKey as string;
      for (const [user, key] of [
        [own, await firstKey(sourceOf[own] as string)],
        [other, await firstKey(sourceOf[other] as string)],
      ] as const) {
        for (const path of ['/points', '/gmail/labels', '/gmail/messages', `/item?key=${encodeURIComponent(key)}`]) {
          const target = url(`/browse/sources/${sourceOf[user]}${path}`);
          const response = await endUser.get(target);
          assert.equal(response.statusCode, user === own ? 200 : 404, `${user} ${path}: ${response.body}`);
          assert.equal((await admin.get(target)).statusCode, 200, `admin: ${user} ${path}`);
        }
      }
    });

    it("search: results come from the end user's own backups only; user: naming another finds nothing", async () => {
      const mine = await endUser.get(url('/search?q='));
      assert.equal(mine.statusCode, 200, mine.body);
      const subjects = new Set(mine.json().items.map((hit: { user: string }) => hit.user));
      assert.deepEqual([...subjects], [own]);
      const adminSubjects = new Set(
        (await admin.get(url('/search?q='))).json().items.map((hit: { user: string }) => hit.user),
      );
      assert.deepEqual([...adminSubjects].sort(), [own, other].sort(), 'an admin finds both users');
      const theirs = await endUser.get(url(`/search?q=${encodeURIComponent(`user:${other}`)}`));
      assert.deepEqual(theirs.json().items, []);
    });

    it('restores: own backup into own account only; another user’s restore answers 404', async () => {
      const mine = await endUser.post(url('/restores'), { user: own, service: 'gmail' });
      assert.equal(mine.statusCode, 202, mine.body);
      assert.equal((await endUser.get(url(`/restores/${mine.json().id}`))).statusCode, 200);
      const theirs = await endUser.post(url('/restores'), { user: other, service: 'gmail' });
      assert.equal(theirs.statusCode, 404, theirs.body);
      const intoOther = await endUser.post(url('/restores'), { user: own, service: 'gmail', to: other });
      assert.equal(intoOther.statusCode, 403, intoOther.body);
      assert.match(intoOther.json().error.message, /only into your own account/);
      const byAdmin = await admin.post(url('/restores'), { user: other, service: 'gmail' });
      assert.equal(byAdmin.statusCode, 202, byAdmin.body);
      assert.equal((await endUser.get(url(`/restores/${byAdmin.json().id}`))).statusCode, 404);
      assert.equal((await admin.get(url(`/restores/${mine.json().id}`))).statusCode, 200);
    });

    it('the restores list shows an end user only restores of their own data, whatever it is asked for', async () => {
      const mine = await endUser.post(url('/restores'), { user: own, service: 'gmail' });
      assert.equal(mine.statusCode, 202, mine.body);
      // Another user's data restored by an admin, once into that user and once into the end user's account.
      for (const body of [
        { user: other, service: 'gmail' },
        { user: other, service: 'gmail', to: own },
      ]) {
        assert.equal((await admin.post(url('/restores'), body)).statusCode, 202);
      }
      for (const query of ['', `?user=${encodeURIComponent(other)}`]) {
        const list = await endUser.get(url(`/restores${query}`));
        assert.equal(list.statusCode, 200, list.body);
        const rows = list.json().restores as { id: string; user: string }[];
        assert.ok(
          rows.some((row) => row.id === mine.json().id),
          `the own restore is listed (${query || 'no filter'})`,
        );
        assert.deepEqual([...new Set(rows.map((row) => row.user))], [own], `only own data (${query || 'no filter'})`);
        assert.equal(list.json().total, rows.length);
      }
      const adminRows = (await admin.get(url('/restores?limit=200'))).json().restores as { user: string }[];
      assert.ok(
        adminRows.some((row) => row.user === other),
        'an admin lists every user’s restores',
      );
    });

    it('exports and downloads: own only; the list shows only own exports', async () => {
      const mine = await endUser.post(url('/exports'), { user: own, services: ['gmail'] });
      assert.equal(mine.statusCode, 202, mine.body);
      assert.equal((await endUser.post(url('/exports'), { user: other, services: ['gmail'] })).statusCode, 404);
      const byAdmin = await admin.post(url('/exports'), { user: other, services: ['gmail'] });
      assert.equal(byAdmin.statusCode, 202, byAdmin.body);
      const list = (await endUser.get(url('/exports'))).json().exports as { user: string }[];
      assert.ok(list.length > 0);
      assert.deepEqual([...new Set(list.map((row) => row.user))], [own]);
      assert.equal((await endUser.get(url(`/exports/${byAdmin.json().id}`))).statusCode, 404);
      assert.equal((await endUser.get(url(`/exports/${byAdmin.json().id}/download`))).statusCode, 404);
      assert.equal((await endUser.get(url(`/exports/${mine.json().id}`))).statusCode, 200);
      // Not built yet (no worker here): the end user's own is 409, not 404.
      assert.equal((await endUser.get(url(`/exports/${mine.json().id}/download`))).statusCode, 409);
      const item = (source: string) => url(`/items/download?source=${source}&item=no-such-item`);
      const theirs = await endUser.get(item(sourceOf[other] as string));
      assert.match(theirs.json().error.message, /Backup source was not found/);
      assert.match((await endUser.get(item(sourceOf[own] as string))).json().error.message, /Item was not found/);
    });

    it('backup history: the end user reads their own runs only, whatever user the query names', async () => {
      const subjectsOf = async (browser: Browser, query: string) => {
        const response = await browser.get(url(`/backup/runs${query}`));
        assert.equal(response.statusCode, 200, response.body);
        return [...new Set(response.json().runs.map((run: { subjectEmail: string }) => run.subjectEmail))].sort();
      };
      assert.deepEqual(await subjectsOf(endUser, ''), [own]);
      assert.deepEqual(await subjectsOf(endUser, `?user=${encodeURIComponent(other)}`), [own]);
      assert.deepEqual(await subjectsOf(admin, ''), [own, other].sort());
      assert.deepEqual(await subjectsOf(admin, `?user=${encodeURIComponent(other)}`), [other]);
    });
  });

  describe('access controls take effect on the next request', () => {
    after(() => setControls({ allowUserAccess: true, allowUserExport: true }));

    it('exports off: the end user still browses and restores; exports and downloads answer 403 user_export_off', async () => {
      await setControls({ allowUserExport: false });
      assert.equal((await endUser.get(url('/browse/sources'))).statusCode, 200);
      assert.equal((await endUser.post(url('/restores'), { user: own, service: 'gmail' })).statusCode, 202);
      const refused = await endUser.post(url('/exports'), { user: own, services: ['gmail'] });
      assert.equal(refused.statusCode, 403, refused.body);
      assert.equal(refused.json().error.code, 'user_export_off');
      assert.equal(refused.json().error.message, 'Your administrator has turned off exports of your data.');
      const item = await endUser.get(url(`/items/download?source=${sourceOf[own]}&item=x`));
      assert.equal(item.json().error.code, 'user_export_off');
      assert.equal((await admin.post(url('/exports'), { user: own, services: ['gmail'] })).statusCode, 202);
    });

    it('access off: every customer-data route answers 403 user_access_off; on again, 200 again', async () => {
      await setControls({ allowUserAccess: false });
      for (const response of [
        await endUser.get(url('/browse/sources')),
        await endUser.get(url(`/browse/sources/${sourceOf[own]}/points`)),
        await endUser.get(url('/search?q=')),
        await endUser.get(url('/exports')),
        await endUser.post(url('/restores'), { user: own, service: 'gmail' }),
        await endUser.post(url('/exports'), { user: own, services: ['gmail'] }),
      ]) {
        assert.equal(response.statusCode, 403, response.body);
        assert.equal(response.json().error.code, 'user_access_off');
        assert.equal(response.json().error.message, 'Your administrator has turned off access to backups.');
      }
      assert.equal((await admin.get(url('/browse/sources'))).statusCode, 200, 'admins are not affected');
      assert.deepEqual((await endUser.get(url('/access-controls'))).json(), {
        allowUserAccess: false,
        allowUserExport: false,
      });
      await setControls({ allowUserAccess: true });
      assert.equal((await endUser.get(url('/browse/sources'))).statusCode, 200);
    });
  });
});
