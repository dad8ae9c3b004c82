// The partner Team routes (issue 18 item 1): the list, invitations (resend, revoke), role
// changes, removal (sessions end at once), ownership transfer, technicians' assigned customers —
// with the refusal rules (one owner; owner and last admin stay; no role above one's own; not
// oneself) — and that a technician sees only assigned customers in the list, detail and CSV.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { type App, buildApp } from '../../http/app.ts';
import {
  type Browser,
  createBrowser,
  type SeededStaffUser,
  seedPartner,
  seedStaffUser,
  signInWithTotp,
} from '../../testing/browser.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { seedCustomer } from '../../testing/tenants.ts';
import { resellerModule } from '../reseller/index.ts';
import { identityModule } from './index.ts';
import { oneTimeTokens, sessions, staffUsers } from './tables.ts';

interface Team {
  members: {
    id: string;
    email: string;
    role: string;
    lastSignInAt: string | null;
    secondFactor: string;
    assignedCustomers: { id: string; domain: string }[];
  }[];
  invitations: { id: string; email: string; role: string; expiresAt: string }[];
}

forEachDatabase('partner Team routes', (kind) => {
  let ctx: TestContext;
  let app: App;
  let partnerId: string;
  let otherPartnerId: string;
  let owner: SeededStaffUser;
  let admin: SeededStaffUser;
  let tech: SeededStaffUser;
  let ownerBrowser: Browser;
  let adminBrowser: Browser;
  const customers: Record<string, string> = {};

  const put = (browser: Browser, url: string, body: unknown) => browser.request('PUT', url, { body });
  const del = (browser: Browser, url: string) => browser.request('DELETE', url);
  const team = async (browser: Browser): Promise<Team> => {
    const response = await browser.get(`/api/partners/${partnerId}/team`);
    assert.equal(response.statusCode, 200, response.body);
    return response.json();
  };
  const signedIn = async (user: SeededStaffUser) => {
    const browser = createBrowser(app);
    await signInWithTotp(browser, ctx.clock, user);
    return browser;
  };
  const auditOf = (action: string) => ctx.audit.query({ tenant: `partner:${partnerId}`, action });

  before(async () => {
    ctx = await createTestContext(kind, { start: new Date('2026-12-01T09:00:00Z') });
    app = await buildApp(ctx, { modules: [identityModule, resellerModule] });
    partnerId = await seedPartner(ctx.db, { name: 'Acme IT' });
    otherPartnerId = await seedPartner(ctx.db, { name: 'Other IT' });
    owner = await seedStaffUser(ctx, { email: 'owner@acme.test', partnerId, role: 'owner' });
    admin = await seedStaffUser(ctx, { email: 'admin@acme.test', partnerId, role: 'admin' });
    tech = await seedStaffUser(ctx, { email: 'tech@acme.test', partnerId, role: 'technician' });
    for (const domain of ['alpha.test', 'bravo.test']) {
      customers[domain] = (await seedCustomer(ctx.db, ctx.clock, { domain, partnerId })).id;
    }
    customers['other.test'] = (
      await seedCustomer(ctx.db, ctx.clock, { domain: 'other.test', partnerId: otherPartnerId })
    ).id;
    ownerBrowser = await signedIn(owner);
    adminBrowser = await signedIn(admin);
  });
  after(async () => {
    await app.close();
    await ctx.close();
  });

  it('lists members with role, last sign-in and second factor, the owner first', async () => {
    const { members } = await team(ownerBrowser);
    assert.deepEqual(
      members.map((m) => [m.email, m.role, m.secondFactor, m.lastSignInAt !== null]),
      [
        ['owner@acme.test', 'owner', 'enrolled', true],
        ['admin@acme.test', 'admin', 'enrolled', true],
        ['tech@acme.test', 'technician', 'enrolled', false],
      ],
    );
    const techBrowser = await signedIn(tech);
    assert.equal((await techBrowser.get(`/api/partners/${partnerId}/team`)).statusCode, 403);
    assert.equal((await ownerBrowser.get(`/api/partners/${otherPartnerId}/team`)).statusCode, 404);
  });

  it('invites (single use, expiring), resends with a new link, and revokes', async () => {
    const invite = await ownerBrowser.post(`/api/partners/${partnerId}/invitations`, {
      email: 'new@acme.test',
      role: 'technician',
    });
    assert.equal(invite.statusCode, 201, invite.body);
    let { invitations } = await team(ownerBrowser);
    assert.deepEqual(
      invitations.map((i) => [i.email, i.role]),
      [['new@acme.test', 'technician']],
    );
    const first = invitations[0]?.id as string;
    const resend = await ownerBrowser.post(`/api/partners/${partnerId}/invitations/${first}/resend`);
    assert.equal(resend.statusCode, 201, resend.body);
    ({ invitations } = await team(ownerBrowser));
    assert.equal(invitations.length, 1);
    assert.notEqual(invitations[0]?.id, first, 'a new link replaces the old one');
    const [old] = await ctx.db.select().from(oneTimeTokens).where(eq(oneTimeTokens.id, first));
    assert.ok(old?.usedAt, 'the old link no longer works');
    assert.equal((await ctx.mail.outbox({ to: 'new@acme.test' })).length, 2);

    const revoke = await del(adminBrowser, `/api/partners/${partnerId}/invitations/${invitations[0]?.id}`);
    assert.equal(revoke.statusCode, 204, revoke.body);
    assert.deepEqual((await team(ownerBrowser)).invitations, []);
    assert.equal((await auditOf('auth.invitation.revoke'))[0]?.actorLabel, admin.email);
    // An invitation of another partner is not found.
    assert.equal((await del(ownerBrowser, `/api/partners/${otherPartnerId}/invitations/${first}`)).statusCode, 404);
  });

  it('assigns customers to a technician, who then sees only those in the list, detail and CSV', async () => {
    const url = `/api/staff-users/${tech.id}/assignments`;
    const refused = await put(ownerBrowser, url, { customerIds: [customers['other.test']] });
    assert.equal(refused.statusCode, 400, 'another partner’s customer');
    assert.match(refused.json().error.message, /customerIds/);
    const assigned = await put(ownerBrowser, url, { customerIds: [customers['bravo.test']] });
    assert.equal(assigned.statusCode, 200, assigned.body);
    const row = (await team(ownerBrowser)).members.find((m) => m.email === tech.email);
    assert.deepEqual(row?.assignedCustomers, [{ id: customers['bravo.test'], domain: 'bravo.test' }]);
    assert.deepEqual((await auditOf('partner.team.assignments.change'))[0]?.details, {
      added: [customers['bravo.test']],
      removed: [],
    });

    const techBrowser = await signedIn(tech);
    const list = await techBrowser.get(`/api/partners/${partnerId}/customers`);
    assert.deepEqual(
      list.json().customers.map((c: { domain: string }) => c.domain),
      ['bravo.test'],
    );
    const csv = await techBrowser.get(`/api/partners/${partnerId}/customers.csv`);
    assert.deepEqual(
      csv.body
        .trimEnd()
        .split('\r\n')
        .slice(1)
        .map((line) => line.split(',')[0]),
      ['bravo.test'],
    );
    assert.equal(
      (await techBrowser.get(`/api/partners/${partnerId}/customers/${customers['alpha.test']}`)).statusCode,
      404,
    );
    assert.equal(
      (await techBrowser.get(`/api/partners/${partnerId}/customers/${customers['bravo.test']}`)).statusCode,
      200,
    );

    // The customer's detail page lists its technicians.
    const technicians = await ownerBrowser.get(`/api/customers/${customers['bravo.test']}/technicians`);
    assert.deepEqual(
      technicians.json().technicians.map((t: { email: string }) => t.email),
      ['tech@acme.test'],
    );
    const none = await ownerBrowser.get(`/api/customers/${customers['alpha.test']}/technicians`);
    assert.deepEqual(none.json().technicians, []);
    // Only technicians have assignments.
    assert.equal(
      (await put(ownerBrowser, `/api/staff-users/${admin.id}/assignments`, { customerIds: [] })).statusCode,
      409,
    );
  });

  it('changes roles, but never above one’s own, never the owner’s, never one’s own', async () => {
    const reader = await seedStaffUser(ctx, { email: 'reader@acme.test', partnerId, role: 'read_only' });
    const ok = await put(adminBrowser, `/api/staff-users/${reader.id}/role`, { role: 'billing' });
    assert.equal(ok.statusCode, 204, ok.body);
    const [row] = await ctx.db.select().from(staffUsers).where(eq(staffUsers.id, reader.id));
    assert.equal(row?.role, 'billing');
    assert.deepEqual((await auditOf('partner.team.role.change'))[0]?.details, { from: 'read_only', to: 'billing' });

    const owner400 = await put(adminBrowser, `/api/staff-users/${reader.id}/role`, { role: 'owner' });
    assert.equal(owner400.statusCode, 400, 'owner is never granted: ownership is transferred');
    assert.equal((await put(adminBrowser, `/api/staff-users/${owner.id}/role`, { role: 'admin' })).statusCode, 403);
    assert.equal((await put(adminBrowser, `/api/staff-users/${admin.id}/role`, { role: 'read_only' })).statusCode, 403);
    // A technician turned manager cannot grant above: only owners/admins manage at all.
    const techBrowser = await signedIn(tech);
    assert.equal((await put(techBrowser, `/api/staff-users/${reader.id}/role`, { role: 'read_only' })).statusCode, 403);
    // The last admin keeps the role.
    const last = await put(ownerBrowser, `/api/staff-users/${admin.id}/role`, { role: 'technician' });
    assert.equal(last.statusCode, 409, last.body);
    assert.match(last.json().error.message, /last admin/);
    await ctx.db.delete(staffUsers).where(eq(staffUsers.id, reader.id));
  });

  it('removes a member: the account goes and its sessions end at once; owner and last admin stay', async () => {
    const leaver = await seedStaffUser(ctx, { email: 'leaver@acme.test', partnerId, role: 'technician' });
    const leaverBrowser = await signedIn(leaver);
    assert.equal((await leaverBrowser.get(`/api/partners/${partnerId}/customers`)).statusCode, 200);
    const removed = await del(adminBrowser, `/api/staff-users/${leaver.id}`);
    assert.equal(removed.statusCode, 204, removed.body);
    assert.equal((await leaverBrowser.get(`/api/partners/${partnerId}/customers`)).statusCode, 401);
    assert.deepEqual(await ctx.db.select().from(sessions).where(eq(sessions.staffUserId, leaver.id)), []);
    const entry = (await auditOf('partner.team.member.remove'))[0];
    assert.equal(entry?.target, leaver.email);
    assert.equal(entry?.actorLabel, admin.email);
    assert.deepEqual(entry?.details, { role: 'technician', sessionsEnded: 1 });

    assert.equal((await del(adminBrowser, `/api/staff-users/${owner.id}`)).statusCode, 403, 'the owner');
    const lastAdmin = await del(ownerBrowser, `/api/staff-users/${admin.id}`);
    assert.equal(lastAdmin.statusCode, 409, 'the last admin');
    assert.equal((await del(adminBrowser, `/api/staff-users/${admin.id}`)).statusCode, 403, 'oneself');
  });

  it('transfers ownership: exactly one owner, the previous one becomes admin; only the owner may', async () => {
    const refused = await adminBrowser.post(`/api/partners/${partnerId}/ownership-transfer`, { userId: admin.id });
    assert.equal(refused.statusCode, 403);
    const transfer = await ownerBrowser.post(`/api/partners/${partnerId}/ownership-transfer`, { userId: admin.id });
    assert.equal(transfer.statusCode, 204, transfer.body);
    const roles = (await team(adminBrowser)).members.map((m) => [m.email, m.role]);
    assert.deepEqual(roles, [
      ['admin@acme.test', 'owner'],
      ['owner@acme.test', 'admin'],
      ['tech@acme.test', 'technician'],
    ]);
    const entry = (await auditOf('partner.team.ownership.transfer'))[0];
    assert.equal(entry?.actorLabel, owner.email);
    assert.equal(entry?.target, admin.email);
    // The former owner (now admin) cannot remove the new owner.
    assert.equal((await del(ownerBrowser, `/api/staff-users/${admin.id}`)).statusCode, 403);
  });
});
