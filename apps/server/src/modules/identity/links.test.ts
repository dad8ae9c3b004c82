import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { type App, buildApp } from '../../http/app.ts';
import { createBrowser, seedPartner, seedStaffUser, signInWithTotp } from '../../testing/browser.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { createIdentityModule } from './index.ts';
import { createOperatorSetupLink } from './operator-setup.ts';
import { oneTimeTokens, sessions, staffUsers } from './tables.ts';

const tokenOf = (link: string) => link.split('#token=')[1] as string;
const invalidLink = { error: { code: 'invalid_link', message: 'This link is not valid any more. Ask for a new one.' } };

forEachDatabase('one-time links', (kind) => {
  let ctx: TestContext;
  let app: App;
  before(async () => {
    ctx = await createTestContext(kind, {
      start: new Date('2026-03-04T12:00:00Z'),
      env: { SAFEHOLD_PUBLIC_URL: 'https://backup.example.com' },
    });
    app = await buildApp(ctx, { modules: [createIdentityModule()] });
  });
  after(async () => {
    await app.close();
    await ctx.close();
  });

  const setupLink = (email: string) =>
    createOperatorSetupLink({ ...ctx, publicUrl: ctx.config.publicUrl }, email, 'safehold start');
  const latestMailTo = async (to: string) => (await ctx.mail.outbox({ to }))[0];

  it('the first-operator link asks for an email, creates a vendor admin who must enrol, and works once', async () => {
    const { link } = await setupLink('');
    assert.match(link, /^https:\/\/backup\.example\.com\/setup#token=/);
    const browser = createBrowser(app);
    const inspect = await browser.post('/api/auth/links/inspect', { token: tokenOf(link) });
    assert.equal(inspect.statusCode, 200);
    assert.deepEqual(inspect.json(), { purpose: 'operator_setup', email: '', organisation: null, needsEmail: true });

    const missingEmail = await browser.post('/api/auth/links/accept', {
      token: tokenOf(link),
      password: 'a long enough password',
    });
    assert.equal(missingEmail.statusCode, 400);
    assert.equal(missingEmail.json().error.field, 'body.email');

    const accept = await browser.post('/api/auth/links/accept', {
      token: tokenOf(link),
      password: 'a long enough password',
      email: 'First@Vendor.test',
      name: 'First Operator',
    });
    assert.equal(accept.statusCode, 200);
    assert.deepEqual(accept.json(), { stage: 'enrol_second_factor' });
    const session = (await browser.get('/api/auth/session')).json().session;
    assert.equal(session.stage, 'enrol_second_factor');
    assert.deepEqual(
      { email: session.user.email, console: session.user.console, role: session.user.role, name: session.user.name },
      { email: 'first@vendor.test', console: 'vendor', role: 'admin', name: 'First Operator' },
    );

    const reuse = await createBrowser(app).post('/api/auth/links/accept', {
      token: tokenOf(link),
      password: 'another long password',
      email: 'second@vendor.test',
    });
    assert.equal(reuse.statusCode, 400);
    assert.deepEqual(reuse.json(), invalidLink);
    assert.deepEqual(
      (await createBrowser(app).post('/api/auth/links/inspect', { token: tokenOf(link) })).json(),
      invalidLink,
    );
    const audit = await ctx.audit.query({ tenant: 'vendor', action: 'operator.setup_link.accept' });
    assert.equal(audit[0]?.target, 'first@vendor.test');
  });

  it('a create-operator link carries its email and enforces the password policy', async () => {
    const { link } = await setupLink('ops@vendor.test');
    const browser = createBrowser(app);
    const inspect = (await browser.post('/api/auth/links/inspect', { token: tokenOf(link) })).json();
    assert.deepEqual(inspect, {
      purpose: 'operator_setup',
      email: 'ops@vendor.test',
      organisation: null,
      needsEmail: false,
    });
    for (const password of ['too short', 'x'.repeat(257), 'ops@vendor.test']) {
      const response = await browser.post('/api/auth/links/accept', { token: tokenOf(link), password });
      assert.equal(response.statusCode, 400, password);
      assert.equal(response.json().error.code, 'validation_failed');
      assert.equal(response.json().error.field, 'body.password');
    }
    // The rejected attempts changed nothing: the link still works.
    const ok = await browser.post('/api/auth/links/accept', { token: tokenOf(link), password: 'twelve chars ok' });
    assert.equal(ok.statusCode, 200);
  });

  it('a partner admin invites a member by email; the link works once and expires after 72 hours', async () => {
    const partnerId = await seedPartner(ctx.db, { name: 'Invite Co' });
    const admin = await seedStaffUser(ctx, { email: 'admin@invite.test', partnerId, role: 'admin' });
    const browser = createBrowser(app);
    await signInWithTotp(browser, ctx.clock, admin);

    // No role above one's own, and never owner.
    const tooHigh = await browser.post(`/api/partners/${partnerId}/invitations`, {
      email: 'x@invite.test',
      role: 'owner',
    });
    assert.equal(tooHigh.statusCode, 400);

    const invite = await browser.post(`/api/partners/${partnerId}/invitations`, {
      email: 'New@Invite.test',
      role: 'technician',
    });
    assert.equal(invite.statusCode, 201);
    assert.equal(invite.json().email, 'new@invite.test');
    const mail = await latestMailTo('new@invite.test');
    assert.ok(mail, 'the invitation is mailed');
    assert.match(mail.subject, /Invite Co/);
    const link = mail.text.match(/https:\/\/backup\.example\.com\/invite#token=\S+/)?.[0] as string;
    assert.ok(link);
    const [row] = await ctx.db.select().from(oneTimeTokens).where(eq(oneTimeTokens.email, 'new@invite.test'));
    assert.ok(row && !link.includes(row.tokenHash), 'only the hash is stored');

    const inspect = (await createBrowser(app).post('/api/auth/links/inspect', { token: tokenOf(link) })).json();
    assert.deepEqual(inspect, {
      purpose: 'invitation',
      email: 'new@invite.test',
      organisation: 'Invite Co',
      needsEmail: false,
    });

    const invitee = createBrowser(app);
    const accept = await invitee.post('/api/auth/links/accept', { token: tokenOf(link), password: 'my new password!' });
    assert.equal(accept.statusCode, 200);
    const user = (await invitee.get('/api/auth/session')).json().session.user;
    assert.deepEqual([user.console, user.role, user.partnerId], ['partner', 'technician', partnerId]);
    const again = await createBrowser(app).post('/api/auth/links/accept', {
      token: tokenOf(link),
      password: 'my new password!',
    });
    assert.deepEqual(again.json(), invalidLink);

    // A second invitation expires after 72 hours.
    await browser.post(`/api/partners/${partnerId}/invitations`, { email: 'late@invite.test', role: 'read_only' });
    const lateLink = (await latestMailTo('late@invite.test'))?.text.match(/invite#token=(\S+)/)?.[1] as string;
    ctx.clock.advance(72 * 3600_000 - 60_000);
    assert.equal((await createBrowser(app).post('/api/auth/links/inspect', { token: lateLink })).statusCode, 200);
    ctx.clock.advance(60_000);
    const expired = await createBrowser(app).post('/api/auth/links/accept', {
      token: lateLink,
      password: 'my new password!',
    });
    assert.deepEqual(expired.json(), invalidLink);

    const sent = await ctx.audit.query({ tenant: `partner:${partnerId}`, action: 'auth.invitation.send' });
    assert.equal(sent.length, 2);
    const accepted = await ctx.audit.query({ tenant: `partner:${partnerId}`, action: 'auth.invitation.accept' });
    assert.equal(accepted[0]?.target, 'new@invite.test');
  });

  it('a technician cannot invite, and nobody invites into another partner', async () => {
    const partnerId = await seedPartner(ctx.db, { name: 'Tech Co' });
    const other = await seedPartner(ctx.db, { name: 'Other Co' });
    const tech = await seedStaffUser(ctx, { email: 'tech@techco.test', partnerId, role: 'technician' });
    const owner = await seedStaffUser(ctx, { email: 'owner@techco.test', partnerId, role: 'owner' });
    const techBrowser = createBrowser(app);
    await signInWithTotp(techBrowser, ctx.clock, tech);
    const ownerBrowser = createBrowser(app);
    await signInWithTotp(ownerBrowser, ctx.clock, owner);
    const body = { email: 'someone@techco.test', role: 'read_only' };
    assert.equal((await techBrowser.post(`/api/partners/${partnerId}/invitations`, body)).statusCode, 403);
    assert.equal((await ownerBrowser.post(`/api/partners/${other}/invitations`, body)).statusCode, 404);
    assert.equal(
      (await ownerBrowser.post(`/api/partners/${partnerId}/invitations`, { ...body, role: 'admin' })).statusCode,
      201,
    );
    assert.equal((await ctx.mail.outbox({ to: 'someone@techco.test' })).length, 1);
  });

  it("inviting an address another partner has invited leaves that partner's link valid", async () => {
    const first = await seedPartner(ctx.db, { name: 'First Co' });
    const second = await seedPartner(ctx.db, { name: 'Second Co' });
    const firstOwner = await seedStaffUser(ctx, { email: 'owner@first.test', partnerId: first, role: 'owner' });
    const secondOwner = await seedStaffUser(ctx, { email: 'owner@second.test', partnerId: second, role: 'owner' });
    const firstBrowser = createBrowser(app);
    await signInWithTotp(firstBrowser, ctx.clock, firstOwner);
    const secondBrowser = createBrowser(app);
    await signInWithTotp(secondBrowser, ctx.clock, secondOwner);
    const body = { email: 'shared@people.test', role: 'read_only' };
    assert.equal((await firstBrowser.post(`/api/partners/${first}/invitations`, body)).statusCode, 201);
    const firstToken = (await latestMailTo('shared@people.test'))?.text.match(/invite#token=(\S+)/)?.[1] as string;
    assert.equal((await secondBrowser.post(`/api/partners/${second}/invitations`, body)).statusCode, 201);
    const inspect = await createBrowser(app).post('/api/auth/links/inspect', { token: firstToken });
    assert.equal(inspect.json().organisation, 'First Co');
    // Re-inviting from the same partner replaces its earlier link.
    assert.equal((await firstBrowser.post(`/api/partners/${first}/invitations`, body)).statusCode, 201);
    assert.deepEqual(
      (await createBrowser(app).post('/api/auth/links/inspect', { token: firstToken })).json(),
      invalidLink,
    );
  });

  it('inviting an address that has an account answers exactly as any other address; its person gets no link', async () => {
    const partnerId = await seedPartner(ctx.db, { name: 'Probe Co' });
    const owner = await seedStaffUser(ctx, { email: 'owner@probe.test', partnerId, role: 'owner' });
    const taken = await seedStaffUser(ctx, { email: 'taken@elsewhere.test', role: 'support' });
    const admin = await seedStaffUser(ctx, { email: 'admin@probe-vendor.test', role: 'admin' });
    const partnerBrowser = createBrowser(app);
    await signInWithTotp(partnerBrowser, ctx.clock, owner);
    const vendorBrowser = createBrowser(app);
    await signInWithTotp(vendorBrowser, ctx.clock, admin);
    const answer = async (browser: typeof partnerBrowser, url: string, email: string, role: string) => {
      const response = await browser.post(url, { email, role });
      return { status: response.statusCode, body: { ...response.json(), email: '(address)' } };
    };
    for (const [browser, url, role] of [
      [partnerBrowser, `/api/partners/${partnerId}/invitations`, 'read_only'],
      [vendorBrowser, '/api/vendor/operators/invitations', 'support'],
    ] as const) {
      const known = await answer(browser, url, taken.email, role);
      const unknown = await answer(browser, url, `fresh-${role}@elsewhere.test`, role);
      assert.deepEqual(known, unknown, url);
      assert.equal(known.status, 201);
    }
    const [told] = await ctx.mail.outbox({ to: taken.email });
    assert.match(told?.text ?? '', /has a Safehold account already/);
    assert.doesNotMatch(told?.text ?? '', /#token=/);
    // The account is as it was: its own password still signs it in, in its own organisation.
    const signedIn = createBrowser(app);
    await signInWithTotp(signedIn, ctx.clock, taken);
    assert.equal((await signedIn.get('/api/auth/session')).json().session.user.console, 'vendor');
  });

  it('a vendor admin invites an operator; a partner user cannot', async () => {
    const admin = await seedStaffUser(ctx, { email: 'boss@vendor.test', role: 'admin' });
    const browser = createBrowser(app);
    await signInWithTotp(browser, ctx.clock, admin);
    const invite = await browser.post('/api/vendor/operators/invitations', {
      email: 'helper@vendor.test',
      role: 'support',
    });
    assert.equal(invite.statusCode, 201);
    const token = (await latestMailTo('helper@vendor.test'))?.text.match(/invite#token=(\S+)/)?.[1] as string;
    const invitee = createBrowser(app);
    assert.equal(
      (await invitee.post('/api/auth/links/accept', { token, password: 'operator password' })).statusCode,
      200,
    );
    const user = (await invitee.get('/api/auth/session')).json().session.user;
    assert.deepEqual([user.console, user.role], ['vendor', 'support']);

    const partnerId = await seedPartner(ctx.db);
    const partnerOwner = await seedStaffUser(ctx, { email: 'owner@notvendor.test', partnerId, role: 'owner' });
    const partnerBrowser = createBrowser(app);
    await signInWithTotp(partnerBrowser, ctx.clock, partnerOwner);
    const denied = await partnerBrowser.post('/api/vendor/operators/invitations', { email: 'x@y.test', role: 'admin' });
    assert.equal(denied.statusCode, 404);
  });

  it('password reset: 202 for any email, a one-hour single-use link, and every session of the user ends', async () => {
    const user = await seedStaffUser(ctx, { email: 'forgetful@vendor.test', role: 'admin' });
    const signedIn = createBrowser(app);
    await signInWithTotp(signedIn, ctx.clock, user);

    const anonymous = createBrowser(app);
    const unknown = await anonymous.post('/api/auth/password-reset/request', { email: 'nobody@nowhere.test' });
    assert.equal(unknown.statusCode, 202);
    assert.deepEqual(unknown.json(), {});
    assert.equal((await ctx.mail.outbox({ to: 'nobody@nowhere.test' })).length, 0);

    const known = await anonymous.post('/api/auth/password-reset/request', { email: 'Forgetful@Vendor.test' });
    assert.equal(known.statusCode, 202);
    const mail = await latestMailTo(user.email);
    const token = mail?.text.match(/reset-password#token=(\S+)/)?.[1] as string;
    assert.ok(token);
    assert.equal((await anonymous.post('/api/auth/links/inspect', { token })).json().purpose, 'password_reset');
    // A reset link cannot create an account.
    assert.deepEqual(
      (await anonymous.post('/api/auth/links/accept', { token, password: 'new password 123' })).json(),
      invalidLink,
    );

    const complete = await anonymous.post('/api/auth/password-reset/complete', { token, password: 'new password 123' });
    assert.equal(complete.statusCode, 204);
    assert.equal((await signedIn.get('/api/auth/session')).json().session, null, 'existing sessions ended');
    assert.equal((await ctx.db.select().from(sessions).where(eq(sessions.staffUserId, user.id))).length, 0);
    const reuse = await anonymous.post('/api/auth/password-reset/complete', { token, password: 'another password 1' });
    assert.deepEqual(reuse.json(), invalidLink);

    const old = await createBrowser(app).post('/api/auth/sign-in', { email: user.email, password: user.password });
    assert.equal(old.statusCode, 401);
    const fresh = await createBrowser(app).post('/api/auth/sign-in', {
      email: user.email,
      password: 'new password 123',
    });
    assert.equal(fresh.statusCode, 200);

    // A second link expires after one hour.
    await anonymous.post('/api/auth/password-reset/request', { email: user.email });
    const second = (await latestMailTo(user.email))?.text.match(/reset-password#token=(\S+)/)?.[1] as string;
    ctx.clock.advance(3600_000);
    const expired = await anonymous.post('/api/auth/password-reset/complete', {
      token: second,
      password: 'third password 1',
    });
    assert.deepEqual(expired.json(), invalidLink);
    const [row] = await ctx.db.select().from(staffUsers).where(eq(staffUsers.id, user.id));
    assert.ok(row?.passwordHash?.startsWith('$argon2id$'));

    const actions = (await ctx.audit.query({ tenant: 'vendor' })).map((e) => `${e.action}:${e.result}`);
    assert.ok(actions.includes('auth.password_reset.request:success'));
    assert.ok(actions.includes('auth.password_reset.request:failure'));
    assert.ok(actions.includes('auth.password_reset.complete:success'));
  });

  it('password-reset requests for one account from one IP are rate-limited with 429 and Retry-After', async () => {
    const user = await seedStaffUser(ctx, { email: 'spam@vendor.test', role: 'support' });
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let attempt = 0; attempt < 6; attempt++) {
      const response = await createBrowser(app, { ip: '203.0.113.9' }).post('/api/auth/password-reset/request', {
        email: user.email,
      });
      statuses.push(response.statusCode);
      retryAfter = response.headers['retry-after'] as string | undefined;
    }
    assert.deepEqual(statuses, [202, 202, 202, 202, 202, 429]);
    assert.ok(Number(retryAfter) > 0);
    assert.equal((await ctx.mail.outbox({ to: user.email })).length, 5);
  });
});
