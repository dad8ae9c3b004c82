import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type App, buildApp } from '../../http/app.ts';
import { createBrowser, seedPartner, seedStaffUser, signInWithTotp } from '../../testing/browser.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { createIdentityModule } from './index.ts';
import { createOperatorSetupLink } from './operator-setup.ts';
import { totpCode } from './totp.ts';

forEachDatabase('changing a password, and the password rules everywhere', (kind) => {
  let ctx: TestContext;
  let app: App;
  before(async () => {
    ctx = await createTestContext(kind, { start: new Date('2026-03-05T10:00:00Z') });
    app = await buildApp(ctx, { modules: [createIdentityModule()] });
  });
  after(async () => {
    await app.close();
    await ctx.close();
  });

  const freshCode = (secret: Buffer | null) => {
    ctx.clock.advance(30_000);
    return totpCode(secret as Buffer, ctx.clock.now());
  };

  it('a partner user changes their password with the current one and a code: other sessions end, this one goes on', async () => {
    const partnerId = await seedPartner(ctx.db, { name: 'Change Co' });
    const user = await seedStaffUser(ctx, { email: 'tech@change.test', partnerId, role: 'technician' });
    const here = createBrowser(app, { ip: '198.51.100.1' });
    await signInWithTotp(here, ctx.clock, user);
    const elsewhere = createBrowser(app, { ip: '198.51.100.2' });
    await signInWithTotp(elsewhere, ctx.clock, user);

    const changed = await here.post('/api/auth/password/change', {
      currentPassword: user.password,
      newPassword: 'a brand new passphrase',
      code: freshCode(user.totpSecret),
    });
    assert.equal(changed.statusCode, 204, changed.body);
    assert.equal((await here.get('/api/auth/session')).json().session?.stage, 'signed_in');
    assert.equal((await elsewhere.get('/api/auth/session')).json().session, null, 'the other session ended');

    const old = await createBrowser(app).post('/api/auth/sign-in', { email: user.email, password: user.password });
    assert.equal(old.statusCode, 401);
    const fresh = await createBrowser(app).post('/api/auth/sign-in', {
      email: user.email,
      password: 'a brand new passphrase',
    });
    assert.equal(fresh.statusCode, 200);
    const [entry] = await ctx.audit.query({ tenant: `partner:${partnerId}`, action: 'auth.password.change' });
    assert.equal(entry?.result, 'success');
    assert.deepEqual([entry?.actorId, entry?.actorLabel], [user.id, user.email]);
    assert.deepEqual(entry?.details, { otherSessionsEnded: 1 });
  });

  it('a wrong current password or code is named, changes nothing and ends no session', async () => {
    const user = await seedStaffUser(ctx, { email: 'careful@vendor.test', role: 'support' });
    const here = createBrowser(app);
    await signInWithTotp(here, ctx.clock, user);
    const elsewhere = createBrowser(app);
    await signInWithTotp(elsewhere, ctx.clock, user);
    const attempts = [
      [{ currentPassword: 'not my password', newPassword: 'a brand new passphrase' }, 'body.currentPassword'],
      [{ currentPassword: user.password, newPassword: 'a brand new passphrase', code: '000000' }, 'body.code'],
      [{ currentPassword: user.password, newPassword: 'short' }, 'body.newPassword'],
      [{ currentPassword: user.password, newPassword: 'Password2024!' }, 'body.newPassword'],
      [{ currentPassword: user.password, newPassword: user.password }, 'body.newPassword'],
    ] as const;
    for (const [body, field] of attempts) {
      const response = await here.post('/api/auth/password/change', { code: freshCode(user.totpSecret), ...body });
      assert.equal(response.statusCode, 400, field);
      assert.equal(response.json().error.field, field);
    }
    assert.equal((await elsewhere.get('/api/auth/session')).json().session?.stage, 'signed_in');
    const still = await createBrowser(app).post('/api/auth/sign-in', { email: user.email, password: user.password });
    assert.equal(still.statusCode, 200);
    const failures = await ctx.audit.query({ tenant: 'vendor', action: 'auth.password.change', result: 'failure' });
    assert.deepEqual(failures.map((entry) => entry.details?.reason).sort(), ['wrong_code', 'wrong_password']);
  });

  it('changing a password needs a signed-in session', async () => {
    const response = await createBrowser(app).post('/api/auth/password/change', {
      currentPassword: 'whatever whatever',
      newPassword: 'a brand new passphrase',
      code: '123456',
    });
    assert.equal(response.statusCode, 401);
  });

  it('a common password is refused wherever a password is set, with the rule named', async () => {
    const common = /most common passwords/;
    const { link } = await createOperatorSetupLink(
      { ...ctx, publicUrl: ctx.config.publicUrl },
      'new-op@vendor.test',
      'safehold start',
    );
    const token = link.split('#token=')[1] as string;
    const setup = await createBrowser(app).post('/api/auth/links/accept', { token, password: 'qwertyuiop123' });
    assert.equal(setup.statusCode, 400);
    assert.equal(setup.json().error.field, 'body.password');
    assert.match(setup.json().error.message, common);

    const user = await seedStaffUser(ctx, { email: 'resetter@vendor.test', role: 'support' });
    await createBrowser(app).post('/api/auth/password-reset/request', { email: user.email });
    const [mail] = await ctx.mail.outbox({ to: user.email });
    const resetToken = /reset-password#token=(\S+)/.exec(mail?.text ?? '')?.[1] as string;
    const reset = await createBrowser(app).post('/api/auth/password-reset/complete', {
      token: resetToken,
      password: 'Dragon2024!!',
    });
    assert.equal(reset.statusCode, 400);
    assert.match(reset.json().error.message, common);
    // Refused, the links still work with a good password.
    const ok = await createBrowser(app).post('/api/auth/links/accept', { token, password: 'an uncommon phrase' });
    assert.equal(ok.statusCode, 200);
  });
});
