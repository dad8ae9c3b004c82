// The vendor's partner program over HTTP: list, onboard (owner invitation in the outbox, the
// link creates the owner account), suspend (sign-in refused, sessions end at once),
// reactivate, and who may do it (vendor operators only; support reads, admins manage).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
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
import { repositoryPacks } from '../backup/tables.ts';
import { createIdentityModule } from '../identity/index.ts';
import { partnersModule } from './routes.ts';

forEachDatabase('vendor partners API', (kind) => {
  let ctx: TestContext;
  let app: App;
  let admin: Browser;
  let support: Browser;
  let adminUser: SeededStaffUser;

  const signedIn = async (user: SeededStaffUser) => {
    const browser = createBrowser(app);
    await signInWithTotp(browser, ctx.clock, user);
    return browser;
  };

  before(async () => {
    ctx = await createTestContext(kind, { env: { SAFEHOLD_PUBLIC_URL: 'http://127.0.0.1:18082' } });
    app = await buildApp(ctx, { modules: [createIdentityModule(), partnersModule] });
    adminUser = await seedStaffUser(ctx, { email: 'ops@vendor.test', role: 'admin' });
    admin = await signedIn(adminUser);
    support = await signedIn(await seedStaffUser(ctx, { email: 'support@vendor.test', role: 'support' }));
  });
  after(async () => {
    await app.close();
    await ctx.close();
  });

  const onboard = async (name: string, ownerEmail: string) => {
    const response = await admin.post('/api/vendor/partners', { name, ownerEmail });
    assert.equal(response.statusCode, 201, response.body);
    return response.json();
  };

  /** The invitation link mailed to `email` (the outbox, as without SMTP). */
  const invitationToken = async (email: string) => {
    const [mail] = await ctx.mail.outbox({ to: email });
    assert.ok(mail, `a mail to ${email}`);
    const token = /\/invite#token=([A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
    assert.ok(token, mail.text);
    return { mail, token };
  };

  it('onboarding creates the partner and mails its owner a single-use invitation link', async () => {
    const body = await onboard('  Northwind MSP ', 'Owner@Northwind.test');
    assert.equal(body.partner.name, 'Northwind MSP');
    assert.equal(body.partner.status, 'active');
    assert.equal(body.partner.ownerEmail, 'owner@northwind.test');
    assert.equal(body.partner.ownerInvitationPending, true);
    assert.equal(body.partner.customers, 0);
    assert.equal(body.invitation.email, 'owner@northwind.test');
    assert.equal(new Date(body.invitation.expiresAt).getTime(), ctx.clock.now().getTime() + 72 * 3600_000);

    const { mail, token } = await invitationToken('owner@northwind.test');
    assert.match(mail.subject, /Northwind MSP/);
    assert.ok(mail.text.includes('http://127.0.0.1:18082/invite#token='));

    // The link names the organisation and creates the owner, who must enrol TOTP next.
    const invitee = createBrowser(app);
    const inspected = await invitee.post('/api/auth/links/inspect', { token });
    assert.equal(inspected.statusCode, 200, inspected.body);
    assert.deepEqual(inspected.json(), {
      purpose: 'invitation',
      email: 'owner@northwind.test',
      organisation: 'Northwind MSP',
      needsEmail: false,
    });
    const accepted = await invitee.post('/api/auth/links/accept', { token, password: 'a long enough password 1' });
    assert.equal(accepted.statusCode, 200, accepted.body);
    const session = (await invitee.get('/api/auth/session')).json().session;
    assert.equal(session.stage, 'enrol_second_factor');
    assert.equal(session.user.console, 'partner');
    assert.equal(session.user.role, 'owner');
    assert.equal(session.user.partnerId, body.partner.id);
    // Used once.
    assert.equal((await createBrowser(app).post('/api/auth/links/inspect', { token })).statusCode, 400);

    const listed = (await admin.get('/api/vendor/partners?search=northwind')).json();
    assert.equal(listed.total, 1);
    assert.equal(listed.partners[0].ownerEmail, 'owner@northwind.test');
    assert.equal(listed.partners[0].ownerInvitationPending, false);

    const audit = await ctx.audit.query({ tenant: `partner:${body.partner.id}` });
    assert.deepEqual(audit.map((entry) => entry.action).sort(), [
      'auth.invitation.accept',
      'auth.invitation.send',
      'partner.create',
    ]);
    const vendorAudit = await ctx.audit.query({ tenant: 'vendor', action: 'partner.create' });
    assert.ok(vendorAudit.some((entry) => entry.target === 'Northwind MSP' && entry.actorLabel === 'ops@vendor.test'));
  });

  it('the owner invitation can be sent again, to another address; the earlier link stops working', async () => {
    const body = await onboard('Fabrikam Services', 'first@fabrikam.test');
    const { token: firstToken } = await invitationToken('first@fabrikam.test');
    assert.equal(
      new Date(body.partner.ownerInvitationExpiresAt).getTime(),
      new Date(body.invitation.expiresAt).getTime(),
    );
    ctx.clock.advance(1000); // the outbox lists newest first
    const resent = await admin.post(`/api/vendor/partners/${body.partner.id}/owner-invitation`, {
      ownerEmail: 'boss@fabrikam.test',
    });
    assert.equal(resent.statusCode, 201, resent.body);
    assert.equal(resent.json().email, 'boss@fabrikam.test');
    const { token } = await invitationToken('boss@fabrikam.test');
    const listed = (await admin.get('/api/vendor/partners?search=fabrikam')).json().partners[0];
    assert.equal(listed.ownerEmail, 'boss@fabrikam.test');
    assert.equal(listed.ownerInvitationPending, true);
    assert.equal(listed.ownerInvitationExpiresAt, resent.json().expiresAt);
    assert.equal((await createBrowser(app).post('/api/auth/links/inspect', { token: firstToken })).statusCode, 400);

    // Re-sending once more (same address) revokes the second link too.
    ctx.clock.advance(1000);
    const again = await admin.post(`/api/vendor/partners/${body.partner.id}/owner-invitation`);
    assert.equal(again.statusCode, 201, again.body);
    assert.equal(again.json().email, 'boss@fabrikam.test');
    assert.equal((await createBrowser(app).post('/api/auth/links/inspect', { token })).statusCode, 400);
    const [latest] = await ctx.mail.outbox({ to: 'boss@fabrikam.test' });
    const latestToken = /\/invite#token=([A-Za-z0-9_-]+)/.exec(latest?.text ?? '')?.[1] ?? '';
    const accepted = await createBrowser(app).post('/api/auth/links/accept', {
      token: latestToken,
      password: 'a long enough password 2',
    });
    assert.equal(accepted.statusCode, 200, accepted.body);

    // With an owner, there is nothing to re-send.
    const refused = await admin.post(`/api/vendor/partners/${body.partner.id}/owner-invitation`);
    assert.equal(refused.statusCode, 409, refused.body);
    assert.equal((await support.post(`/api/vendor/partners/${body.partner.id}/owner-invitation`)).statusCode, 403);
  });

  it('invalid input names the field', async () => {
    const response = await admin.post('/api/vendor/partners', { name: ' ', ownerEmail: 'not-an-email' });
    assert.equal(response.statusCode, 400);
    assert.match(response.json().error.field, /^body\.(name|ownerEmail)$/);
  });

  it('lists partners with search, status filter, paging and customer counts', async () => {
    await onboard('Alpha Resellers', 'owner@alpha-resellers.test');
    await onboard('Beta Systems', 'owner@beta-systems.test');
    const all = (await support.get('/api/vendor/partners?pageSize=2')).json();
    assert.equal(all.total, 4);
    assert.deepEqual(
      all.partners.map((partner: { name: string }) => partner.name),
      ['Alpha Resellers', 'Beta Systems'],
    );
    const second = (await support.get('/api/vendor/partners?pageSize=2&page=2')).json();
    assert.deepEqual(
      second.partners.map((partner: { name: string }) => partner.name),
      ['Fabrikam Services', 'Northwind MSP'],
    );
    const byOwner = (await support.get('/api/vendor/partners?search=beta-systems')).json();
    assert.deepEqual(
      byOwner.partners.map((partner: { name: string }) => partner.name),
      ['Beta Systems'],
    );
    assert.equal((await support.get('/api/vendor/partners?status=suspended')).json().total, 0);
    // A LIKE wildcard in the search is taken literally.
    assert.equal((await support.get('/api/vendor/partners?search=%25')).json().total, 0);
  });

  it("shows each partner's seats (standard + archived licenses) and its customers' stored bytes", async () => {
    const partnerId = await seedPartner(ctx.db, { name: 'Seatful IT' });
    const customer = await seedCustomer(ctx.db, ctx.clock, {
      domain: 'seatful.test',
      partnerId,
      users: [
        { email: 'a@seatful.test', license: 'standard' },
        { email: 'b@seatful.test', license: 'standard' },
        { email: 'c@seatful.test', license: 'archived' },
        { email: 'd@seatful.test' },
      ],
    });
    await seedCustomer(ctx.db, ctx.clock, {
      domain: 'second.seatful.test',
      partnerId,
      users: [{ email: 'e@x.test', license: 'standard' }],
    });
    await ctx.db.insert(repositoryPacks).values({ customerId: customer.id, name: 'p1', size: 4096 });
    const listed = (await support.get('/api/vendor/partners?search=Seatful')).json();
    assert.equal(listed.partners.length, 1);
    assert.equal(listed.partners[0].customers, 2);
    assert.equal(listed.partners[0].seats, 4);
    assert.equal(listed.partners[0].storageBytes, 4096);
    assert.equal(listed.partners[0].subtree, null, 'no partners under it');
  });

  it("shows a distributor's own customers' figures and, separately, its whole subtree's", async () => {
    const distributorId = await seedPartner(ctx.db, { name: 'Treetop Distribution' });
    const childId = await seedPartner(ctx.db, { name: 'Treetop Child', parentPartnerId: distributorId });
    const grandchildId = await seedPartner(ctx.db, { name: 'Treetop Grandchild', parentPartnerId: childId });
    const customer = async (domain: string, partnerId: string, licensed: number, bytes: number) => {
      const seeded = await seedCustomer(ctx.db, ctx.clock, {
        domain,
        partnerId,
        users: Array.from({ length: licensed }, (_, n) => ({ email: `u${n}@${domain}`, license: 'standard' as const })),
      });
      await ctx.db.insert(repositoryPacks).values({ customerId: seeded.id, name: 'p1', size: bytes });
    };
    await customer('own.treetop.test', distributorId, 2, 100);
    await customer('child.treetop.test', childId, 3, 1_000);
    await customer('grand.treetop.test', grandchildId, 5, 10_000);
    const listed = (await support.get('/api/vendor/partners?search=Treetop')).json().partners as Array<{
      name: string;
      customers: number;
      seats: number;
      storageBytes: number;
      subtree: { partners: number; customers: number; seats: number; storageBytes: number } | null;
    }>;
    const row = (name: string) => listed.find((partner) => partner.name === name);
    const distributor = row('Treetop Distribution');
    assert.deepEqual(
      [distributor?.customers, distributor?.seats, distributor?.storageBytes],
      [1, 2, 100],
      'its own customers',
    );
    assert.deepEqual(distributor?.subtree, { partners: 2, customers: 3, seats: 10, storageBytes: 11_100 });
    assert.deepEqual(row('Treetop Child')?.subtree, { partners: 1, customers: 2, seats: 8, storageBytes: 11_000 });
    assert.equal(row('Treetop Grandchild')?.subtree, null);
  });

  describe('suspend and reactivate', () => {
    let partnerId: string;
    let owner: SeededStaffUser;
    let ownerBrowser: Browser;

    before(async () => {
      partnerId = await seedPartner(ctx.db, { name: 'Contoso Partners' });
      owner = await seedStaffUser(ctx, { email: 'owner@contoso.test', role: 'owner', partnerId });
      ownerBrowser = await signedIn(owner);
      assert.equal((await ownerBrowser.get('/api/auth/session')).json().session.stage, 'signed_in');
    });

    it("suspending ends the partner users' sessions at once and refuses their sign-in", async () => {
      const response = await admin.post(`/api/vendor/partners/${partnerId}/suspend`);
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json().status, 'suspended');
      assert.equal((await ownerBrowser.get('/api/auth/session')).json().session, null);

      const again = createBrowser(app);
      ctx.clock.advance(30_000);
      const signIn = await again.post('/api/auth/sign-in', { email: owner.email, password: owner.password });
      assert.equal(signIn.statusCode, 401);
      assert.equal(signIn.json().error.code, 'invalid_credentials');

      const [entry] = await ctx.audit.query({ tenant: `partner:${partnerId}`, action: 'partner.suspend' });
      assert.equal(entry?.actorLabel, 'ops@vendor.test');
      assert.equal(entry?.details?.sessionsEnded, 1);
      const [refused] = await ctx.audit.query({
        tenant: `partner:${partnerId}`,
        action: 'auth.sign_in',
        result: 'failure',
      });
      assert.equal(refused?.details?.reason, 'partner_suspended');
      assert.equal((await admin.get('/api/vendor/partners?status=suspended')).json().total, 1);
    });

    it('suspending twice changes nothing and records nothing more', async () => {
      const response = await admin.post(`/api/vendor/partners/${partnerId}/suspend`);
      assert.equal(response.statusCode, 200);
      assert.equal((await ctx.audit.query({ tenant: 'vendor', action: 'partner.suspend' })).length, 1);
    });

    it('reactivating lets the partner users sign in again', async () => {
      const response = await admin.post(`/api/vendor/partners/${partnerId}/reactivate`);
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json().status, 'active');
      await signedIn(owner);
      assert.equal((await ctx.audit.query({ tenant: `partner:${partnerId}`, action: 'partner.reactivate' })).length, 1);
    });

    it('only vendor admins manage partners; support reads; partner users get 404', async () => {
      assert.equal((await support.post(`/api/vendor/partners/${partnerId}/suspend`)).statusCode, 403);
      assert.equal((await support.post('/api/vendor/partners', { name: 'X', ownerEmail: 'x@x.test' })).statusCode, 403);
      const partnerUser = await signedIn(owner);
      assert.equal((await partnerUser.get('/api/vendor/partners')).statusCode, 404);
      assert.equal((await partnerUser.post(`/api/vendor/partners/${partnerId}/suspend`)).statusCode, 404);
      assert.equal((await createBrowser(app).get('/api/vendor/partners')).statusCode, 401);
      const unknown = await admin.post('/api/vendor/partners/00000000-0000-4000-8000-000000000000/suspend');
      assert.equal(unknown.statusCode, 404);
    });
  });

  // Last: it adds two partners, which the listing test above does not expect.
  it('an owner address that already has an account answers like any other; its person is told, without a link', async () => {
    const known = await admin.post('/api/vendor/partners', { name: 'Dup IT', ownerEmail: 'support@vendor.test' });
    const unknown = await admin.post('/api/vendor/partners', { name: 'Fresh IT', ownerEmail: 'boss@fresh-it.test' });
    assert.equal(known.statusCode, 201, known.body);
    assert.equal(unknown.statusCode, 201, unknown.body);
    const shape = (body: { partner: Record<string, unknown>; invitation: Record<string, unknown> }) => ({
      partner: Object.keys(body.partner).sort(),
      ownerInvitationPending: body.partner.ownerInvitationPending,
      invitation: Object.keys(body.invitation).sort(),
    });
    assert.deepEqual(shape(known.json()), shape(unknown.json()));
    const [told] = await ctx.mail.outbox({ to: 'support@vendor.test' });
    assert.match(told?.text ?? '', /has a Safehold account already/);
    assert.doesNotMatch(told?.text ?? '', /#token=/);
  });
});
