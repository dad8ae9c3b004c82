import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { type App, buildApp } from '../../http/app.ts';
import { createBrowser, seedPartner, seedStaffUser, signInWithTotp } from '../../testing/browser.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { partners } from '../tenancy/tables.ts';
import { createIdentityModule, deleteExpiredSessions, requireActor } from './index.ts';
import { sessions, staffUsers } from './tables.ts';

forEachDatabase('sessions', (kind) => {
  let ctx: TestContext;
  let app: App;
  before(async () => {
    ctx = await createTestContext(kind, { start: new Date('2026-03-03T08:00:00Z') });
    app = await buildApp(ctx, {
      modules: [
        createIdentityModule(),
        // A stand-in for another module's route, protected with requireActor.
        (scope) => {
          scope.get('/api/test/whoami', async (request) => requireActor(request));
        },
      ],
    });
  });
  after(async () => {
    await app.close();
    await ctx.close();
  });

  const signedIn = async (browser: ReturnType<typeof createBrowser>) =>
    (await browser.get('/api/auth/session')).json().session?.stage === 'signed_in';

  it("other modules' routes see the actor of a signed-in partner user, with assigned customers", async () => {
    const partnerId = await seedPartner(ctx.db);
    const user = await seedStaffUser(ctx, { email: 'tech@who.test', partnerId, role: 'technician' });
    const browser = createBrowser(app);
    assert.equal((await browser.get('/api/test/whoami')).statusCode, 401);
    await signInWithTotp(browser, ctx.clock, user);
    const actor = (await browser.get('/api/test/whoami')).json();
    assert.deepEqual(actor, {
      kind: 'partner',
      userId: user.id,
      partnerId,
      role: 'technician',
      assignedCustomerIds: [],
      // Outside "Open customer console" (partner-session.test.ts) there is no partner session.
      partnerSession: null,
    });
  });

  it('a session that has passed only the password has no actor: protected routes answer 401', async () => {
    const user = await seedStaffUser(ctx, { email: 'half@vendor.test', role: 'admin' });
    const enrolling = await seedStaffUser(ctx, { email: 'enrolling@vendor.test', role: 'admin', enrolled: false });
    for (const who of [user, enrolling]) {
      const browser = createBrowser(app);
      const signIn = await browser.post('/api/auth/sign-in', { email: who.email, password: who.password });
      assert.equal(signIn.statusCode, 200);
      assert.equal((await browser.get('/api/test/whoami')).statusCode, 401);
    }
  });

  it('a session ends after 30 minutes without a request, and activity keeps it alive', async () => {
    const user = await seedStaffUser(ctx, { email: 'idle@vendor.test', role: 'admin' });
    const browser = createBrowser(app);
    await signInWithTotp(browser, ctx.clock, user);
    ctx.clock.advance(29 * 60_000);
    assert.ok(await signedIn(browser));
    ctx.clock.advance(29 * 60_000);
    assert.ok(await signedIn(browser), 'the previous request reset the idle timer');
    ctx.clock.advance(30 * 60_000);
    const expired = await browser.get('/api/auth/session');
    assert.equal(expired.json().session, null);
    assert.equal(browser.cookies.has('__Host-safehold-session'), false, 'the dead cookie is cleared');
  });

  it('a session ends 12 hours after sign-in however active it is', async () => {
    const user = await seedStaffUser(ctx, { email: 'absolute@vendor.test', role: 'admin' });
    const browser = createBrowser(app);
    await signInWithTotp(browser, ctx.clock, user);
    for (let elapsed = 0; elapsed < 11 * 60 + 40; elapsed += 20) {
      ctx.clock.advance(20 * 60_000);
      assert.ok(await signedIn(browser), `alive after ${elapsed + 20} minutes`);
    }
    ctx.clock.advance(20 * 60_000);
    assert.equal(await signedIn(browser), false);
  });

  it('deleteExpiredSessions removes timed-out sessions nobody presented again and keeps live ones', async () => {
    const user = await seedStaffUser(ctx, { email: 'prune@vendor.test', role: 'admin' });
    const stale = createBrowser(app);
    await signInWithTotp(stale, ctx.clock, user);
    ctx.clock.advance(31 * 60_000);
    const live = createBrowser(app);
    await signInWithTotp(live, ctx.clock, user);
    assert.ok((await deleteExpiredSessions(ctx.db, ctx.clock.now())) >= 1);
    const rows = await ctx.db.select().from(sessions).where(eq(sessions.staffUserId, user.id));
    assert.equal(rows.length, 1);
    assert.ok(await signedIn(live));
  });

  it('sign-out ends the session on the server: the old cookie no longer works', async () => {
    const user = await seedStaffUser(ctx, { email: 'out@vendor.test', role: 'admin' });
    const browser = createBrowser(app);
    await signInWithTotp(browser, ctx.clock, user);
    const cookie = browser.cookies.get('__Host-safehold-session') as string;
    assert.equal((await browser.post('/api/auth/sign-out')).statusCode, 204);
    const replay = createBrowser(app);
    replay.cookies.set('__Host-safehold-session', cookie);
    assert.equal((await replay.get('/api/test/whoami')).statusCode, 401);
    const audit = await ctx.audit.query({ tenant: 'vendor', action: 'auth.sign_out' });
    assert.ok(audit.some((entry) => entry.target === user.email));
  });

  it('disabling a user ends all their sessions at once and audits it', async () => {
    const partnerId = await seedPartner(ctx.db, { name: 'Disable Co' });
    const admin = await seedStaffUser(ctx, { email: 'admin@disable.test', partnerId, role: 'admin' });
    const member = await seedStaffUser(ctx, { email: 'member@disable.test', partnerId, role: 'read_only' });
    const adminBrowser = createBrowser(app);
    await signInWithTotp(adminBrowser, ctx.clock, admin);
    const laptop = createBrowser(app);
    const phone = createBrowser(app);
    await signInWithTotp(laptop, ctx.clock, member);
    await signInWithTotp(phone, ctx.clock, member);
    assert.ok((await signedIn(laptop)) && (await signedIn(phone)));

    const response = await adminBrowser.post(`/api/staff-users/${member.id}/disable`);
    assert.equal(response.statusCode, 204);
    assert.equal((await laptop.get('/api/test/whoami')).statusCode, 401);
    assert.equal((await phone.get('/api/test/whoami')).statusCode, 401);
    const rows = await ctx.db.select().from(sessions).where(eq(sessions.staffUserId, member.id));
    assert.equal(rows.length, 0);
    const signIn = await createBrowser(app).post('/api/auth/sign-in', {
      email: member.email,
      password: member.password,
    });
    assert.equal(signIn.statusCode, 401);
    const audit = await ctx.audit.query({ tenant: `partner:${partnerId}`, action: 'auth.user.disable' });
    assert.equal(audit[0]?.target, member.email);
    assert.equal(audit[0]?.actorLabel, admin.email);
  });

  it('a disabled user set directly in the database loses the session on the next request', async () => {
    const user = await seedStaffUser(ctx, { email: 'direct@vendor.test', role: 'support' });
    const browser = createBrowser(app);
    await signInWithTotp(browser, ctx.clock, user);
    await ctx.db.update(staffUsers).set({ disabledAt: ctx.clock.now() }).where(eq(staffUsers.id, user.id));
    assert.equal((await browser.get('/api/test/whoami')).statusCode, 401);
  });

  it("suspending a partner ends every session of the partner's users at once", async () => {
    const partnerId = await seedPartner(ctx.db, { name: 'Suspend Co' });
    const owner = await seedStaffUser(ctx, { email: 'owner@suspend.test', partnerId, role: 'owner' });
    const browser = createBrowser(app);
    await signInWithTotp(browser, ctx.clock, owner);
    assert.equal((await browser.get('/api/test/whoami')).statusCode, 200);
    await ctx.db.update(partners).set({ status: 'suspended' }).where(eq(partners.id, partnerId));
    assert.equal((await browser.get('/api/test/whoami')).statusCode, 401);
  });

  it('an admin resets a member’s second factor: sessions end and the member enrols again at next sign-in', async () => {
    const partnerId = await seedPartner(ctx.db, { name: 'Reset Co' });
    const owner = await seedStaffUser(ctx, { email: 'owner@reset.test', partnerId, role: 'owner' });
    const tech = await seedStaffUser(ctx, { email: 'tech@reset.test', partnerId, role: 'technician' });
    const ownerBrowser = createBrowser(app);
    await signInWithTotp(ownerBrowser, ctx.clock, owner);
    const techBrowser = createBrowser(app);
    await signInWithTotp(techBrowser, ctx.clock, tech);

    // The technician may not reset anybody's second factor.
    assert.equal((await techBrowser.post(`/api/staff-users/${owner.id}/second-factor/reset`)).statusCode, 403);
    // Nobody resets their own (they use a recovery code), and nobody resets the owner's.
    assert.equal((await ownerBrowser.post(`/api/staff-users/${owner.id}/second-factor/reset`)).statusCode, 403);

    const reset = await ownerBrowser.post(`/api/staff-users/${tech.id}/second-factor/reset`);
    assert.equal(reset.statusCode, 204);
    assert.equal((await techBrowser.get('/api/test/whoami')).statusCode, 401);
    const again = await createBrowser(app).post('/api/auth/sign-in', { email: tech.email, password: tech.password });
    assert.deepEqual(again.json(), { stage: 'enrol_second_factor' });
    const audit = await ctx.audit.query({ tenant: `partner:${partnerId}`, action: 'auth.second_factor.reset' });
    assert.equal(audit[0]?.target, tech.email);

    // Another partner's admin cannot even see this member.
    const otherPartner = await seedPartner(ctx.db, { name: 'Other Co' });
    const outsider = await seedStaffUser(ctx, { email: 'admin@other.test', partnerId: otherPartner, role: 'admin' });
    const outsiderBrowser = createBrowser(app);
    await signInWithTotp(outsiderBrowser, ctx.clock, outsider);
    assert.equal((await outsiderBrowser.post(`/api/staff-users/${tech.id}/disable`)).statusCode, 404);
  });

  it('a vendor admin resets an operator’s second factor; a vendor support operator may not', async () => {
    const admin = await seedStaffUser(ctx, { email: 'admin2@vendor.test', role: 'admin' });
    const support = await seedStaffUser(ctx, { email: 'support2@vendor.test', role: 'support' });
    const adminBrowser = createBrowser(app);
    await signInWithTotp(adminBrowser, ctx.clock, admin);
    const supportBrowser = createBrowser(app);
    await signInWithTotp(supportBrowser, ctx.clock, support);
    assert.equal((await supportBrowser.post(`/api/staff-users/${admin.id}/second-factor/reset`)).statusCode, 403);
    assert.equal((await adminBrowser.post(`/api/staff-users/${support.id}/second-factor/reset`)).statusCode, 204);
    assert.equal(await signedIn(supportBrowser), false);
  });
});
