// Settings › Administrators over HTTP (issue 19 #4): super admins listed from Google and gone
// at the next sync once Google demotes them; help-desk admins granted and revoked by super
// admins only, refused with a reason (and nothing changed) for deleted users, super admins and
// repeats; every change audited with the person who made it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { type App, buildApp } from '../../http/app.ts';
import { type Browser, createBrowser } from '../../testing/browser.ts';
import { forEachDatabase } from '../../testing/context.ts';
import { type GoogleTestbed, startGoogleTestbed } from '../../testing/google-testbed.ts';
import { backupCustomerHooks } from '../backup/index.ts';
import { createIdentityModule, createSession, sessionCookieName } from '../identity/index.ts';
import { customerMembers } from '../identity/tables.ts';
import type { Administrators } from './administrators.ts';
import { connectCustomer } from './connect.ts';
import { systemAuditActor } from './deps.ts';
import { createCustomersModule } from './routes.ts';

const domain = 'gamma.test';
const admin = `admin@${domain}`;
const alice = `alice.martin@${domain}`;
const bruno = `bruno.durand@${domain}`;
const second = `second.admin@${domain}`;
const gone = `gone.user@${domain}`;

forEachDatabase('Settings › Administrators', (kind) => {
  let bed: GoogleTestbed;
  let app: App;
  let customerId: string;
  let otherCustomerId: string;
  let superAdmin: Browser;

  const signIn = async (tenant: string, email: string) => {
    const [existing] = await bed.ctx.db
      .select()
      .from(customerMembers)
      .where(and(eq(customerMembers.customerId, tenant), eq(customerMembers.email, email)));
    const memberId = existing?.id ?? randomUUID();
    if (!existing)
      await bed.ctx.db.insert(customerMembers).values({ id: memberId, customerId: tenant, email, role: 'end_user' });
    const sessionId = await createSession(
      bed.ctx.db,
      bed.ctx.clock,
      { kind: 'customer', customerMemberId: memberId },
      'signed_in',
      { ip: '127.0.0.1', userAgent: 'test' },
    );
    const browser = createBrowser(app);
    browser.cookies.set(sessionCookieName, sessionId);
    return browser;
  };
  const list = async (browser = superAdmin) => {
    const response = await browser.get(`/api/customers/${customerId}/administrators`);
    assert.equal(response.statusCode, 200, response.body);
    return response.json() as Administrators;
  };
  const grant = (email: string, browser = superAdmin) =>
    browser.post(`/api/customers/${customerId}/helpdesk-admins`, { email });
  const revoke = (email: string, browser = superAdmin) =>
    browser.request('DELETE', `/api/customers/${customerId}/helpdesk-admins/${encodeURIComponent(email)}`);
  const roleSets = () => bed.ctx.audit.query({ tenant: `customer:${customerId}`, action: 'customer.member.role.set' });
  const roleOf = async (browser: Browser) => (await browser.get('/api/customer')).json().role as string;

  before(async () => {
    bed = await startGoogleTestbed(kind, { domain, users: 5 });
    bed.emulator.control.createUser({ email: second, givenName: 'Second', familyName: 'Admin', isAdmin: true });
    bed.emulator.control.createUser({ email: gone, givenName: 'Gone', familyName: 'User' });
    bed.emulator.control.createDomain({
      domain: 'delta.test',
      users: 2,
      generate: { messagesPerUser: 0, filesPerUser: 0, eventsPerUser: 0, contactsPerUser: 0, sharedDrives: 0 },
    });
    const connected = await connectCustomer(bed.deps, { domain, adminEmail: admin }, systemAuditActor('t'));
    const other = await connectCustomer(
      bed.deps,
      { domain: 'delta.test', adminEmail: 'admin@delta.test' },
      systemAuditActor('t'),
    );
    assert.ok(connected.ok && other.ok);
    customerId = connected.customer.id;
    otherCustomerId = other.customer.id;
    app = await buildApp(bed.ctx, {
      modules: [createIdentityModule(), createCustomersModule({ hooks: backupCustomerHooks })],
    });
    superAdmin = await signIn(customerId, admin);
    // Google deletes a user after the first sync: the directory keeps them, marked deleted.
    bed.emulator.control.deleteUser({ email: gone });
    assert.equal((await superAdmin.post(`/api/customers/${customerId}/directory/sync`)).statusCode, 200);
  });
  after(async () => {
    await app.close();
    await bed.close();
  });

  it("lists Google's super admins with the last directory sync, and no help-desk admins yet", async () => {
    const listed = await list();
    assert.deepEqual(
      listed.superAdmins.map((person) => person.email),
      [admin, second],
    );
    assert.equal(listed.superAdmins[1]?.name, 'Second Admin');
    assert.deepEqual(listed.helpdeskAdmins, []);
    assert.equal(listed.lastSyncCompletedAt, bed.ctx.clock.now().toISOString());
  });

  it('a super admin makes a user a help-desk admin: listed with who and when, audited, in effect at once', async () => {
    const aliceBrowser = await signIn(customerId, alice);
    assert.equal(await roleOf(aliceBrowser), 'end_user');

    const response = await grant(` ${alice.toUpperCase()} `);
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json().after, { role: 'helpdesk_admin', grantedRole: 'helpdesk_admin' });

    const listed = await list();
    assert.deepEqual(listed.helpdeskAdmins, [
      {
        email: alice,
        name: listed.helpdeskAdmins[0]?.name,
        deletedInGoogle: false,
        grantedBy: admin,
        grantedAt: bed.ctx.clock.now().toISOString(),
      },
    ]);
    assert.ok(listed.helpdeskAdmins[0]?.name, 'the name comes from the directory');
    assert.equal(await roleOf(aliceBrowser), 'helpdesk_admin');

    const [entry] = await roleSets();
    assert.equal(entry?.actorKind, 'customer');
    assert.equal(entry?.actorLabel, admin, 'the real person, not the system');
    assert.equal(entry?.target, alice);
    assert.deepEqual(entry?.details, {
      before: { role: 'end_user', grantedRole: 'end_user' },
      after: { role: 'helpdesk_admin', grantedRole: 'helpdesk_admin' },
    });
  });

  it('refuses, naming why and changing nothing: a deleted user, an unknown one, a super admin, a repeat', async () => {
    const entriesBefore = (await roleSets()).length;
    const refusals = [
      { email: gone, status: 400, says: 'was deleted in Google' },
      { email: `nobody@${domain}`, status: 400, says: `is not a user of ${domain}` },
      { email: second, status: 409, says: 'is a super admin' },
      { email: alice, status: 409, says: 'already a help-desk admin' },
      { email: '', status: 400, says: 'email' },
    ];
    for (const refusal of refusals) {
      const response = await grant(refusal.email);
      assert.equal(response.statusCode, refusal.status, `${refusal.email}: ${response.body}`);
      assert.match(response.json().error.message, new RegExp(refusal.says));
    }
    const revokeSuper = await revoke(second);
    assert.equal(revokeSuper.statusCode, 409);
    assert.match(revokeSuper.json().error.message, /demote them in the Google Admin console/);
    assert.equal((await revoke(bruno)).statusCode, 409, 'bruno is not a help-desk admin');

    assert.equal((await roleSets()).length, entriesBefore);
    const listed = await list();
    assert.deepEqual(
      listed.helpdeskAdmins.map((person) => person.email),
      [alice],
    );
  });

  it('only super admins see and change administrators; another tenant answers 404', async () => {
    const helpdesk = await signIn(customerId, alice);
    const endUser = await signIn(customerId, bruno);
    for (const browser of [helpdesk, endUser]) {
      assert.equal((await browser.get(`/api/customers/${customerId}/administrators`)).statusCode, 403);
      assert.equal((await grant(bruno, browser)).statusCode, 403);
      assert.equal((await revoke(alice, browser)).statusCode, 403);
    }
    const otherAdmin = await signIn(otherCustomerId, 'admin@delta.test');
    assert.equal((await otherAdmin.get(`/api/customers/${customerId}/administrators`)).statusCode, 404);
    assert.equal((await grant(bruno, otherAdmin)).statusCode, 404);
    assert.equal((await revoke(alice, otherAdmin)).statusCode, 404);
    assert.equal(await roleOf(endUser), 'end_user');
    assert.equal(await roleOf(helpdesk), 'helpdesk_admin');
  });

  it('revoking makes the help-desk admin an end user again, audited with the person', async () => {
    const aliceBrowser = await signIn(customerId, alice);
    const response = await revoke(alice);
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json().after, { role: 'end_user', grantedRole: 'end_user' });
    assert.deepEqual((await list()).helpdeskAdmins, []);
    assert.equal(await roleOf(aliceBrowser), 'end_user');
    const [latest] = await roleSets();
    assert.deepEqual(
      [latest?.actorLabel, latest?.target, latest?.details?.after],
      [admin, alice, { role: 'end_user', grantedRole: 'end_user' }],
    );
    assert.equal((await revoke(alice)).statusCode, 409, 'a second revoke changes nothing');
  });

  it('demotion in Google removes super admin at the next sync', async () => {
    const secondBrowser = await signIn(customerId, second);
    assert.equal(await roleOf(secondBrowser), 'super_admin');
    bed.emulator.control.setAdmin({ email: second, isAdmin: false });
    assert.deepEqual(
      (await list()).superAdmins.map((person) => person.email),
      [admin, second],
      'nothing changes before the sync',
    );

    assert.equal((await superAdmin.post(`/api/customers/${customerId}/directory/sync`)).statusCode, 200);

    const listed = await list();
    assert.deepEqual(
      listed.superAdmins.map((person) => person.email),
      [admin],
    );
    assert.deepEqual(listed.helpdeskAdmins, []);
    assert.equal(await roleOf(secondBrowser), 'end_user');
    assert.equal((await secondBrowser.get(`/api/customers/${customerId}/administrators`)).statusCode, 403);
  });
});
