import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, it } from 'node:test';
import { count } from 'drizzle-orm';
import { type App, buildApp } from '../../http/app.ts';
import { createLogger } from '../../logger.ts';
import { createBrowser, seedStaffUser, signInWithTotp } from '../../testing/browser.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { auditLog } from '../audit/tables.ts';
import { createIdentityModule } from './index.ts';
import { oneTimeTokens, sessions, staffUsers } from './tables.ts';
import { totpCode } from './totp.ts';

forEachDatabase('identity: CSRF and bad input', (kind) => {
  let ctx: TestContext;
  let app: App;
  let logged = '';
  before(async () => {
    ctx = await createTestContext(kind, { start: new Date('2026-03-05T07:00:00Z') });
    const destination = new PassThrough();
    destination.on('data', (chunk: Buffer) => {
      logged += chunk.toString();
    });
    ctx.logger = createLogger({ level: 'trace', destination });
    app = await buildApp(ctx, { modules: [createIdentityModule()] });
  });
  after(async () => {
    await app.close();
    await ctx.close();
  });

  /** Row counts of every table these requests could change. */
  const snapshot = async () => {
    const tables = { staffUsers, sessions, oneTimeTokens, auditLog };
    const result: Record<string, number> = {};
    for (const [name, table] of Object.entries(tables)) {
      const [row] = await ctx.db.select({ n: count() }).from(table);
      result[name] = row?.n ?? 0;
    }
    const users = await ctx.db.select({ id: staffUsers.id, disabledAt: staffUsers.disabledAt }).from(staffUsers);
    result.disabled = users.filter((user) => user.disabledAt).length;
    return result;
  };

  it('a state-changing request without, or with a wrong, CSRF token answers 403 and changes nothing', async () => {
    const admin = await seedStaffUser(ctx, { email: 'csrf-admin@vendor.test', role: 'admin' });
    const victim = await seedStaffUser(ctx, { email: 'csrf-victim@vendor.test', role: 'support' });
    const browser = createBrowser(app);
    await signInWithTotp(browser, ctx.clock, admin);
    const before = await snapshot();

    const missing = await browser.post(`/api/staff-users/${victim.id}/disable`, undefined, { csrf: false });
    assert.equal(missing.statusCode, 403);
    assert.equal(missing.json().error.code, 'csrf_failed');

    const wrong = await browser.post(`/api/staff-users/${victim.id}/disable`, undefined, {
      headers: { 'x-csrf-token': 'not-the-token' },
    });
    assert.equal(wrong.statusCode, 403);

    // A token that is valid for another browser's nonce does not fit this browser's cookie.
    const attacker = createBrowser(app);
    const attackerToken = await attacker.csrfToken();
    const foreign = await browser.post(`/api/staff-users/${victim.id}/disable`, undefined, {
      headers: { 'x-csrf-token': attackerToken },
    });
    assert.equal(foreign.statusCode, 403);

    // Without the csrf cookie the header alone is useless.
    const token = await browser.csrfToken();
    browser.cookies.delete('__Host-safehold-csrf');
    const noCookie = await browser.post(`/api/staff-users/${victim.id}/disable`, undefined, {
      headers: { 'x-csrf-token': token },
    });
    assert.equal(noCookie.statusCode, 403);

    // Sign-in before any session is protected too (login CSRF).
    const anonymous = createBrowser(app);
    const signIn = await anonymous.post(
      '/api/auth/sign-in',
      { email: victim.email, password: victim.password },
      { csrf: false },
    );
    assert.equal(signIn.statusCode, 403);
    // A percent-encoded path reaches the same route and gets the same check.
    for (const path of ['/%61pi/auth/sign-in', '/api/auth/%73ign-in']) {
      const encoded = await anonymous.post(path, { email: victim.email, password: victim.password }, { csrf: false });
      assert.equal(encoded.statusCode, 403, path);
    }

    assert.deepEqual(await snapshot(), before);
  });

  it('GET /api/auth/session sets the csrf cookie once and keeps the token stable for it', async () => {
    const browser = createBrowser(app);
    const first = await browser.get('/api/auth/session');
    const cookie = first.cookies.find((c) => c.name === '__Host-safehold-csrf') as Record<string, unknown>;
    assert.ok(cookie);
    assert.equal(cookie.secure, true);
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Lax');
    const second = await browser.get('/api/auth/session');
    assert.equal(second.cookies.length, 0);
    assert.equal(second.json().csrfToken, first.json().csrfToken);
    assert.equal(second.headers['cache-control'], 'no-store');
  });

  it('malformed JSON, wrong types, unknown fields, oversized bodies and wrong media types each get a clear 4xx and change nothing', async () => {
    const user = await seedStaffUser(ctx, { email: 'input@vendor.test', role: 'admin' });
    const browser = createBrowser(app);
    await browser.csrfToken();
    const before = await snapshot();

    const malformed = await browser.request('POST', '/api/auth/sign-in', { rawBody: '{"email": "input@vendor.test",' });
    assert.equal(malformed.statusCode, 400);
    assert.deepEqual(malformed.json(), {
      error: { code: 'invalid_json', message: 'The request body is not valid JSON.' },
    });

    const wrongType = await browser.post('/api/auth/sign-in', { email: 42, password: ['x'] });
    assert.equal(wrongType.statusCode, 400);
    assert.equal(wrongType.json().error.code, 'validation_failed');
    assert.equal(wrongType.json().error.field, 'body.email');

    const unknownField = await browser.post('/api/auth/sign-in', {
      email: user.email,
      password: user.password,
      role: 'admin',
    });
    assert.equal(unknownField.statusCode, 400);
    assert.equal(unknownField.json().error.field, 'body.role');

    const missing = await browser.post('/api/auth/sign-in', { email: user.email });
    assert.equal(missing.statusCode, 400);
    assert.equal(missing.json().error.field, 'body.password');

    const huge = await browser.post('/api/auth/sign-in', { email: user.email, password: 'x'.repeat(1024 * 1024 + 10) });
    assert.equal(huge.statusCode, 413);
    assert.equal(huge.json().error.code, 'payload_too_large');

    const textPlain = await browser.request('POST', '/api/auth/sign-in', {
      rawBody: 'email=input@vendor.test',
      headers: { 'content-type': 'text/plain' },
    });
    // Fastify parses text/plain as a string, which the body schema then rejects.
    assert.equal(textPlain.statusCode, 400);
    assert.equal(textPlain.json().error.field, 'body');

    const xml = await browser.request('POST', '/api/auth/sign-in', {
      rawBody: '<email/>',
      headers: { 'content-type': 'application/xml' },
    });
    assert.equal(xml.statusCode, 415);
    assert.equal(xml.json().error.code, 'unsupported_media_type');

    const badParam = await browser.post('/api/staff-users/not-a-uuid/disable');
    assert.equal(badParam.statusCode, 400);
    assert.equal(badParam.json().error.field, 'params.userId');

    const shortToken = await browser.post('/api/auth/links/inspect', { token: 'short' });
    assert.equal(shortToken.statusCode, 400);
    assert.equal(shortToken.json().error.field, 'body.token');

    assert.deepEqual(await snapshot(), before);
  });

  it('a malformed, unknown or stale session cookie is treated as signed out and cleared', async () => {
    for (const value of ['garbage', 'a'.repeat(43), '%%%;', '']) {
      const browser = createBrowser(app);
      await browser.csrfToken();
      browser.cookies.set('__Host-safehold-session', value);
      const session = await browser.get('/api/auth/session');
      assert.equal(session.statusCode, 200);
      assert.equal(session.json().session, null);
      browser.cookies.set('__Host-safehold-session', value);
      const code = await browser.post('/api/auth/second-factor', { code: '123456' });
      assert.equal(code.statusCode, 401, `cookie ${JSON.stringify(value)}`);
      assert.equal(code.json().error.code, 'unauthenticated');
    }
  });

  it('never logs passwords, codes, tokens or cookies', async () => {
    const user = await seedStaffUser(ctx, {
      email: 'logs@vendor.test',
      role: 'admin',
      password: 'very secret password 1',
    });
    const browser = createBrowser(app);
    ctx.clock.advance(30_000);
    await browser.post('/api/auth/sign-in', { email: user.email, password: user.password });
    const code = totpCode(user.totpSecret as Buffer, ctx.clock.now());
    await browser.post('/api/auth/second-factor', { code });
    await browser.post('/api/auth/password-reset/request', { email: user.email });
    const token = (await ctx.mail.outbox({ to: user.email }))[0]?.text.match(/token=(\S+)/)?.[1] as string;
    await browser.post('/api/auth/links/inspect', { token });
    await browser.post('/api/auth/password-reset/complete', { token, password: 'another secret password' });
    assert.ok(logged.length > 0, 'requests were logged');
    for (const secret of [
      user.password,
      'another secret password',
      code,
      token,
      browser.cookies.get('__Host-safehold-csrf') as string,
      await browser.csrfToken(),
    ]) {
      assert.ok(!logged.includes(secret), `log lines do not contain ${secret.slice(0, 4)}…`);
    }
  });
});
