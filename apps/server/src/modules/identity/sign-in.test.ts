import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { type App, buildApp } from '../../http/app.ts';
import { createBrowser, seedPartner, seedStaffUser, signInWithTotp } from '../../testing/browser.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { defaultIdentityRateLimits, type IdentityRateLimits } from './deps.ts';
import { createIdentityModule } from './index.ts';
import { recoveryCodes, staffUsers } from './tables.ts';
import { base32Decode, totpCode } from './totp.ts';

forEachDatabase('sign-in with password and TOTP', (kind) => {
  let ctx: TestContext;
  let app: App;
  before(async () => {
    ctx = await createTestContext(kind, { start: new Date('2026-03-02T09:00:00Z') });
    app = await buildApp(ctx, { modules: [createIdentityModule()] });
  });
  after(async () => {
    await app.close();
    await ctx.close();
  });

  it('a new user enrols TOTP at first sign-in, gets ten recovery codes, then signs in with a code', async () => {
    const partnerId = await seedPartner(ctx.db, { name: 'Acme IT' });
    const user = await seedStaffUser(ctx, { email: 'owner@acme.test', partnerId, role: 'owner', enrolled: false });
    const browser = createBrowser(app);

    const signIn = await browser.post('/api/auth/sign-in', { email: 'Owner@Acme.test', password: user.password });
    assert.equal(signIn.statusCode, 200);
    assert.deepEqual(signIn.json(), { stage: 'enrol_second_factor' });
    const cookie = signIn.cookies.find((c) => c.name === '__Host-safehold-session') as Record<string, unknown>;
    assert.equal(cookie.secure, true);
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Lax');
    assert.equal(cookie.path, '/');

    const session = (await browser.get('/api/auth/session')).json();
    assert.equal(session.session.stage, 'enrol_second_factor');
    assert.equal(session.session.user.console, 'partner');
    assert.equal(session.session.user.partnerName, 'Acme IT');

    // A session that has not enrolled cannot skip to the second-factor step.
    assert.equal((await browser.post('/api/auth/second-factor', { code: '123456' })).statusCode, 401);

    const start = await browser.post('/api/auth/enrolment/start');
    assert.equal(start.statusCode, 200);
    const { secret, otpauthUri } = start.json();
    assert.match(otpauthUri, /^otpauth:\/\/totp\/Safehold:owner%40acme\.test\?secret=[A-Z2-7]+&issuer=Safehold/);
    // Calling again returns the same pending secret.
    assert.equal((await browser.post('/api/auth/enrolment/start')).json().secret, secret);
    const [stored] = await ctx.db.select().from(staffUsers).where(eq(staffUsers.id, user.id));
    assert.ok(stored?.totpSecretEncrypted && !stored.totpSecretEncrypted.includes(secret), 'secret stored encrypted');

    const wrong = await browser.post('/api/auth/enrolment/confirm', { code: '000000' });
    assert.equal(wrong.statusCode, 401);
    const confirm = await browser.post('/api/auth/enrolment/confirm', {
      code: totpCode(base32Decode(secret), ctx.clock.now()),
    });
    assert.equal(confirm.statusCode, 200);
    const { recoveryCodes: codes } = confirm.json();
    assert.equal(codes.length, 10);
    for (const code of codes) assert.match(code, /^[a-z0-9]{5}-[a-z0-9]{5}$/);
    const storedCodes = await ctx.db.select().from(recoveryCodes).where(eq(recoveryCodes.userId, user.id));
    assert.equal(storedCodes.length, 10);
    assert.ok(
      storedCodes.every((row) => !codes.includes(row.codeHash)),
      'recovery codes stored hashed',
    );
    assert.equal((await browser.get('/api/auth/session')).json().session.stage, 'signed_in');

    // Sign out, then sign in again with the second factor.
    assert.equal((await browser.post('/api/auth/sign-out')).statusCode, 204);
    assert.equal((await browser.get('/api/auth/session')).json().session, null);
    ctx.clock.advance(30_000);
    const again = await browser.post('/api/auth/sign-in', { email: user.email, password: user.password });
    assert.deepEqual(again.json(), { stage: 'second_factor' });
    const verify = await browser.post('/api/auth/second-factor', {
      code: totpCode(base32Decode(secret), ctx.clock.now()),
    });
    assert.equal(verify.statusCode, 200);
    assert.deepEqual(verify.json(), { stage: 'signed_in' });
    const final = (await browser.get('/api/auth/session')).json();
    assert.equal(final.session.stage, 'signed_in');
    assert.equal(final.session.user.role, 'owner');

    const actions = (await ctx.audit.query({ tenant: `partner:${partnerId}` })).map((e) => `${e.action}:${e.result}`);
    for (const expected of [
      'auth.sign_in.password:success',
      'auth.second_factor.enrol:failure',
      'auth.second_factor.enrol:success',
      'auth.sign_out:success',
      'auth.sign_in:success',
    ]) {
      assert.ok(actions.includes(expected), `audit has ${expected}`);
    }
  });

  it('the session id changes at sign-in and at every stage change', async () => {
    const user = await seedStaffUser(ctx, { email: 'rotate@vendor.test', role: 'admin' });
    const browser = createBrowser(app);
    await browser.csrfToken();
    ctx.clock.advance(30_000);
    await browser.post('/api/auth/sign-in', { email: user.email, password: user.password });
    const afterPassword = browser.cookies.get('__Host-safehold-session');
    await browser.post('/api/auth/second-factor', { code: totpCode(user.totpSecret as Buffer, ctx.clock.now()) });
    const afterCode = browser.cookies.get('__Host-safehold-session');
    assert.ok(afterPassword && afterCode && afterPassword !== afterCode);
    // The id from before the stage change no longer works.
    const stale = createBrowser(app);
    stale.cookies.set('__Host-safehold-session', afterPassword);
    assert.equal((await stale.get('/api/auth/session')).json().session, null);
  });

  it('a TOTP code cannot be used twice', async () => {
    const user = await seedStaffUser(ctx, { email: 'reuse@vendor.test', role: 'admin' });
    ctx.clock.advance(30_000);
    const code = totpCode(user.totpSecret as Buffer, ctx.clock.now());
    const first = createBrowser(app);
    await first.post('/api/auth/sign-in', { email: user.email, password: user.password });
    assert.equal((await first.post('/api/auth/second-factor', { code })).statusCode, 200);

    const second = createBrowser(app);
    await second.post('/api/auth/sign-in', { email: user.email, password: user.password });
    const replay = await second.post('/api/auth/second-factor', { code });
    assert.equal(replay.statusCode, 401);
    assert.deepEqual(replay.json(), { error: { code: 'invalid_credentials', message: 'That code is not valid.' } });
    // The next step's code works.
    ctx.clock.advance(30_000);
    const next = await second.post('/api/auth/second-factor', {
      code: totpCode(user.totpSecret as Buffer, ctx.clock.now()),
    });
    assert.equal(next.statusCode, 200);
  });

  it('each recovery code signs in once', async () => {
    const user = await seedStaffUser(ctx, { email: 'recover@vendor.test', role: 'admin', enrolled: false });
    const browser = createBrowser(app);
    await browser.post('/api/auth/sign-in', { email: user.email, password: user.password });
    const { secret } = (await browser.post('/api/auth/enrolment/start')).json();
    const { recoveryCodes: codes } = (
      await browser.post('/api/auth/enrolment/confirm', { code: totpCode(base32Decode(secret), ctx.clock.now()) })
    ).json();
    await browser.post('/api/auth/sign-out');

    const signInWith = async (code: string) => {
      const b = createBrowser(app);
      await b.post('/api/auth/sign-in', { email: user.email, password: user.password });
      return b.post('/api/auth/second-factor', { code });
    };
    assert.equal((await signInWith(codes[0].toUpperCase())).statusCode, 200);
    assert.equal((await signInWith(codes[0])).statusCode, 401);
    assert.equal((await signInWith(codes[1].replace('-', ''))).statusCode, 200);
    assert.equal((await signInWith('zzzzz-zzzzz')).statusCode, 401);
    const used = (await ctx.audit.query({ tenant: 'vendor', action: 'auth.recovery_code.use' })).filter(
      (e) => e.target === user.email,
    );
    assert.equal(used.length, 2);
  });

  it('wrong password, unknown email, disabled user and suspended partner all get the same 401', async () => {
    const partnerId = await seedPartner(ctx.db, { name: 'Sleepy', status: 'suspended' });
    const suspended = await seedStaffUser(ctx, { email: 'tech@sleepy.test', partnerId, role: 'technician' });
    const disabled = await seedStaffUser(ctx, { email: 'gone@vendor.test', role: 'support' });
    await ctx.db.update(staffUsers).set({ disabledAt: ctx.clock.now() }).where(eq(staffUsers.id, disabled.id));
    const valid = await seedStaffUser(ctx, { email: 'valid@vendor.test', role: 'support' });
    const attempts = [
      { email: valid.email, password: 'not the password at all' },
      { email: 'nobody@vendor.test', password: 'whatever whatever' },
      { email: disabled.email, password: disabled.password },
      { email: suspended.email, password: suspended.password },
    ];
    for (const attempt of attempts) {
      const browser = createBrowser(app);
      const response = await browser.post('/api/auth/sign-in', attempt);
      assert.equal(response.statusCode, 401, attempt.email);
      assert.deepEqual(response.json(), {
        error: { code: 'invalid_credentials', message: 'The email or password is not correct.' },
      });
      assert.equal(browser.cookies.has('__Host-safehold-session'), false);
    }
    const failures = await ctx.audit.query({ tenant: 'vendor', action: 'auth.sign_in', result: 'failure' });
    assert.ok(failures.some((e) => e.target === 'nobody@vendor.test' && e.details?.reason === 'unknown_email'));
    assert.ok(failures.some((e) => e.target === valid.email && e.details?.reason === 'wrong_password'));
  });

  it('signInWithTotp helper reaches a signed-in session for an enrolled user', async () => {
    const user = await seedStaffUser(ctx, { email: 'helper@vendor.test', role: 'support' });
    const browser = createBrowser(app);
    await signInWithTotp(browser, ctx.clock, user);
    const session = (await browser.get('/api/auth/session')).json();
    assert.equal(session.session.user.console, 'vendor');
    assert.equal(session.session.user.role, 'support');
  });
});

forEachDatabase('sign-in rate limits', (kind) => {
  let ctx: TestContext;
  let app: App;
  before(async () => {
    ctx = await createTestContext(kind, { start: new Date('2026-03-02T09:00:00Z') });
    app = await buildApp(ctx, { modules: [createIdentityModule()] });
  });
  after(async () => {
    await app.close();
    await ctx.close();
  });

  it('after 10 failures for one account from one IP the 11th attempt from there answers 429 with Retry-After, even with the right password', async () => {
    const user = await seedStaffUser(ctx, { email: 'target@vendor.test', role: 'admin' });
    const attacker = createBrowser(app, { ip: '10.0.0.1' });
    for (let attempt = 0; attempt < 10; attempt++) {
      const response = await attacker.post('/api/auth/sign-in', { email: user.email, password: 'guess guess guess' });
      assert.equal(response.statusCode, 401);
    }
    const limited = await attacker.post('/api/auth/sign-in', { email: user.email, password: user.password });
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json().error.code, 'rate_limited');
    assert.ok(Number(limited.headers['retry-after']) > 0 && Number(limited.headers['retry-after']) <= 900);
    ctx.clock.advance(15 * 60_000);
    const later = await attacker.post('/api/auth/sign-in', { email: user.email, password: user.password });
    assert.equal(later.statusCode, 200);
  });

  it('one IP trying many accounts is limited too', async () => {
    ctx.clock.advance(15 * 60_000);
    const browser = createBrowser(app, { ip: '192.0.2.7' });
    let status = 0;
    for (let attempt = 0; attempt < 101; attempt++) {
      status = (await browser.post('/api/auth/sign-in', { email: `u${attempt}@x.test`, password: 'nope nope nope' }))
        .statusCode;
    }
    assert.equal(status, 429);
    // Another IP is unaffected.
    const other = await createBrowser(app, { ip: '192.0.2.8' }).post('/api/auth/sign-in', {
      email: 'u1@x.test',
      password: 'nope nope nope',
    });
    assert.equal(other.statusCode, 401);
  });

  it('second-factor guesses are limited per account, whatever the address', async () => {
    const user = await seedStaffUser(ctx, { email: 'guess2fa@vendor.test', role: 'admin' });
    const browser = createBrowser(app, { ip: '198.51.100.1' });
    await browser.post('/api/auth/sign-in', { email: user.email, password: user.password });
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 11; attempt++) {
      statuses.push((await browser.post('/api/auth/second-factor', { code: '000000' })).statusCode);
    }
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(401));
    assert.equal(statuses[10], 429);
  });
});

forEachDatabase('rate limits count failures, not successes', (kind) => {
  let ctx: TestContext;
  let app: App;
  const hour = 3600_000;
  // Small limits, one window of an hour for the whole suite (the clock starts at its start).
  const limits: IdentityRateLimits = {
    ...defaultIdentityRateLimits,
    signInFailuresPerAccountAndIp: { name: 'sign-in-failures:account-ip', limit: 3, windowMs: hour },
    signInPerIp: { name: 'sign-in:ip', limit: 12, windowMs: hour },
    secondFactorFailuresPerAccount: { name: 'second-factor-failures:account', limit: 3, windowMs: hour },
    passwordResetPerAccountAndIp: { name: 'password-reset:account-ip', limit: 2, windowMs: hour },
    passwordResetPerAccount: { name: 'password-reset:account', limit: 4, windowMs: hour },
  };
  before(async () => {
    ctx = await createTestContext(kind, { start: new Date('2026-03-02T09:00:00Z') });
    app = await buildApp(ctx, { modules: [createIdentityModule({ limits })] });
  });
  after(async () => {
    await app.close();
    await ctx.close();
  });

  it('signing in with the right password and code again and again is never limited', async () => {
    const user = await seedStaffUser(ctx, { email: 'often@vendor.test', role: 'support' });
    for (let attempt = 0; attempt < 5; attempt++) await signInWithTotp(createBrowser(app), ctx.clock, user);
  });

  it('a correct password and code from a new IP still work while an attacker hammers the account from another IP', async () => {
    const user = await seedStaffUser(ctx, { email: 'victim@vendor.test', role: 'admin' });
    const attacker = createBrowser(app, { ip: '203.0.113.66' });
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 14; attempt++) {
      statuses.push(
        (await attacker.post('/api/auth/sign-in', { email: user.email, password: `guess number ${attempt}` }))
          .statusCode,
      );
    }
    // Three failures for the account from there, then 429; past its own limit the IP is refused anyway.
    assert.deepEqual(statuses, [401, 401, 401, ...Array(11).fill(429)]);
    assert.equal(
      (await attacker.post('/api/auth/sign-in', { email: user.email, password: user.password })).statusCode,
      429,
    );

    const owner = createBrowser(app, { ip: '198.51.100.20' });
    await signInWithTotp(owner, ctx.clock, user);
    assert.equal((await owner.get('/api/auth/session')).json().session.stage, 'signed_in');
  });

  it('wrong codes are limited per account; then even a right code waits', async () => {
    const user = await seedStaffUser(ctx, { email: 'codes@vendor.test', role: 'admin' });
    const browser = createBrowser(app, { ip: '192.0.2.50' });
    ctx.clock.advance(30_000);
    await browser.post('/api/auth/sign-in', { email: user.email, password: user.password });
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      statuses.push((await browser.post('/api/auth/second-factor', { code: '000000' })).statusCode);
    }
    const right = await browser.post('/api/auth/second-factor', {
      code: totpCode(user.totpSecret as Buffer, ctx.clock.now()),
    });
    assert.deepEqual([...statuses, right.statusCode], [401, 401, 401, 429]);
  });

  it("a stranger's password-reset requests from one IP do not use up the owner's from another", async () => {
    const user = await seedStaffUser(ctx, { email: 'reset-me@vendor.test', role: 'support' });
    const stranger = createBrowser(app, { ip: '203.0.113.77' });
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      statuses.push((await stranger.post('/api/auth/password-reset/request', { email: user.email })).statusCode);
    }
    assert.deepEqual(statuses, [202, 202, 429]);
    const own = await createBrowser(app, { ip: '198.51.100.21' }).post('/api/auth/password-reset/request', {
      email: user.email,
    });
    assert.equal(own.statusCode, 202);
    assert.equal((await ctx.mail.outbox({ to: user.email })).length, 3);
    // From anywhere, the account's requests are bounded too (no endless mail to one person):
    // this is its fifth request of the hour, the stranger's refused one included.
    const more = await createBrowser(app, { ip: '198.51.100.23' }).post('/api/auth/password-reset/request', {
      email: user.email,
    });
    assert.equal(more.statusCode, 429);
  });
});
