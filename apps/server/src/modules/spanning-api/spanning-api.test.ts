// The Spanning-compatible API as a script sees it: a real listening server, and a client made of
// plain `fetch` with HTTP Basic auth that knows nothing of Safehold's code (the `client` below).
// The server side is seeded through Safehold's test support; the tokens come from Settings › API.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { type App, buildApp } from '../../http/app.ts';
import { type Browser, createBrowser } from '../../testing/browser.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { seedCustomer, signedInSession } from '../../testing/tenants.ts';
import { auditLog } from '../audit/tables.ts';
import { backupCustomerHooks } from '../backup/index.ts';
import { sharedDrives } from '../backup/tables.ts';
import { createCustomersModule } from '../customers/index.ts';
import { directoryUsers } from '../customers/tables.ts';
import { exportFilePath } from '../export/index.ts';
import { dataExports } from '../export/tables.ts';
import { identityModule, sessionCookieName } from '../identity/index.ts';
import { createSpanningApiModule } from './index.ts';
import { customerApiTokens } from './tables.ts';

// ---- the client: plain fetch and Basic auth, nothing of Safehold ----
interface Answer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: the client knows the answers only as JSON, as a script does
  body: any;
}
function client(base: string, user: string, password: string | null) {
  const call = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const headers: Record<string, string> = {};
    if (password !== null) headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${base}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
  };
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, body?: unknown) => call('POST', path, body),
  };
}
// ---- end of the client ----

forEachDatabase('Spanning-compatible API', (kind) => {
  let ctx: TestContext;
  let app: App;
  let base: string;
  let admin: Browser;
  let alphaId: string;
  let token: string;
  let betaToken: string;
  const domain = 'alpha.test';

  before(async () => {
    ctx = await createTestContext(kind, { start: new Date('2026-12-01T10:00:00Z') });
    app = await buildApp(ctx, {
      modules: [
        identityModule,
        createCustomersModule({ hooks: backupCustomerHooks }),
        createSpanningApiModule({
          hooks: backupCustomerHooks,
          limits: {
            failures: { name: 'test:api-token:failures', limit: 1000, windowMs: 60_000 },
            requests: { name: 'test:api-token:requests', limit: 40, windowMs: 60_000 },
          },
        }),
      ],
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const alpha = await seedCustomer(ctx.db, ctx.clock, {
      domain,
      status: 'active',
      trialEndsAt: null,
      seatsPurchased: 4,
      users: [
        { email: `ada@${domain}`, license: 'standard' },
        { email: `bob@${domain}`, license: 'archived' },
        { email: `cy@${domain}` },
        { email: `di@${domain}` },
        { email: `ed@${domain}` },
        { email: `fay@${domain}` },
      ],
      members: [{ email: `admin@${domain}`, role: 'super_admin' }],
    });
    alphaId = alpha.id;
    const beta = await seedCustomer(ctx.db, ctx.clock, {
      domain: 'beta.test',
      status: 'active',
      trialEndsAt: null,
      seatsPurchased: 5,
      users: [{ email: 'zed@beta.test' }],
      members: [{ email: 'admin@beta.test', role: 'super_admin' }],
    });
    admin = await signedIn(alpha.members.get(`admin@${domain}`) as string);
    token = await generate(admin, alphaId, 'HR sync');
    betaToken = await generate(await signedIn(beta.members.get('admin@beta.test') as string), beta.id, 'Beta script');
  });
  after(async () => {
    await app?.close();
    await ctx?.close();
  });

  it('shared drives are listed; a user without a backup cannot be exported (the export use case says why)', async () => {
    const now = ctx.clock.now();
    await ctx.db.insert(sharedDrives).values([
      {
        customerId: alphaId,
        driveId: '0Afinance',
        name: 'Finance',
        protected: true,
        firstSeenAt: now,
        lastSeenAt: now,
      },
      { customerId: alphaId, driveId: '0Alegal', name: 'Legal', protected: false, firstSeenAt: now, lastSeenAt: now },
    ]);
    const first = await api().get('/api/v1/shareddrives?size=1');
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual(first.body.sharedDrives, [
      { type: 'sharedDrive', id: '0Afinance', name: 'Finance', protected: true, lastBackupAt: null },
    ]);
    const second = await api().get(first.body.nextLink);
    assert.deepEqual(
      second.body.sharedDrives.map((drive: { id: string }) => drive.id),
      ['0Alegal'],
    );
    assert.equal(second.body.nextLink, null);
    const refused = await api().post('/api/v1/exports', { email: `cy@${domain}` });
    assert.ok(refused.status >= 400 && refused.status < 500, JSON.stringify(refused.body));
    assert.equal(typeof refused.body.error.code, 'string');
    const driveRefused = await api().post('/api/v1/shareddrives/0Alegal/export');
    assert.ok(driveRefused.status >= 400 && driveRefused.status < 500, JSON.stringify(driveRefused.body));
    assert.equal((await ctx.db.select().from(dataExports).where(eq(dataExports.customerId, alphaId))).length, 0);
  });

  it("exports are listed, got and downloaded with the same Basic auth; another domain's token gets 404", async () => {
    const now = ctx.clock.now();
    const exportId = randomUUID();
    await ctx.db.insert(dataExports).values({
      id: exportId,
      customerId: alphaId,
      subjectEmail: `ada@${domain}`,
      services: ['gmail'],
      requestedBy: `admin@${domain}`,
      status: 'success',
      finishedAt: now,
      expiresAt: new Date(now.getTime() + 7 * 24 * 3600_000),
      fileName: 'ada.zip',
    });
    const file = exportFilePath(ctx, { customerId: alphaId, id: exportId });
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, 'PK zip bytes');
    const list = await api().get('/api/v1/exports');
    assert.equal(list.status, 200, JSON.stringify(list.body));
    assert.deepEqual(
      list.body.exports.map((row: { id: string; email: string }) => [row.id, row.email]),
      [[exportId, `ada@${domain}`]],
    );
    const one = await api().get(`/api/v1/exports/${exportId}`);
    assert.equal(one.body.status, 'success');
    assert.equal(one.body.downloadLink, `/api/v1/exports/${exportId}/download`);
    const zip = await fetch(`${base}${one.body.downloadLink}`, {
      headers: { authorization: `Basic ${Buffer.from(`${domain}:${token}`).toString('base64')}` },
    });
    assert.equal(zip.status, 200);
    assert.equal(zip.headers.get('content-type'), 'application/zip');
    assert.equal(await zip.text(), 'PK zip bytes');
    const [entry] = await ctx.db.select().from(auditLog).where(eq(auditLog.action, 'export.download'));
    assert.equal(entry?.actorLabel, 'API token HR sync');
    const beta = client(base, 'beta.test', betaToken);
    assert.equal((await beta.get(`/api/v1/exports/${exportId}`)).status, 404);
    assert.equal((await beta.get(`/api/v1/exports/${exportId}/download`)).status, 404);
    assert.equal((await client(base, domain, null).get(`/api/v1/exports/${exportId}/download`)).status, 401);
  });

  async function signedIn(memberId: string): Promise<Browser> {
    const browser = createBrowser(app);
    browser.cookies.set(
      sessionCookieName,
      await signedInSession(ctx.db, ctx.clock, { kind: 'customer', customerMemberId: memberId }),
    );
    return browser;
  }

  async function generate(browser: Browser, customerId: string, name: string): Promise<string> {
    const response = await browser.post(`/api/customers/${customerId}/api-tokens`, { name });
    assert.equal(response.statusCode, 201, response.body);
    return (response.json() as { token: string }).token;
  }

  const api = () => client(base, domain, token);

  async function licenses(): Promise<Record<string, string | null>> {
    const rows = await ctx.db
      .select({ email: directoryUsers.primaryEmail, license: directoryUsers.license })
      .from(directoryUsers)
      .where(eq(directoryUsers.customerId, alphaId));
    return Object.fromEntries(rows.map((row) => [row.email, row.license]));
  }

  /** Puts the seeded licences back (ada Standard, bob Archived, the rest none). */
  async function resetLicenses(): Promise<void> {
    await ctx.db.update(directoryUsers).set({ license: null }).where(eq(directoryUsers.customerId, alphaId));
    for (const [email, license] of [
      [`ada@${domain}`, 'standard'],
      [`bob@${domain}`, 'archived'],
    ] as const) {
      await ctx.db
        .update(directoryUsers)
        .set({ license })
        .where(and(eq(directoryUsers.customerId, alphaId), eq(directoryUsers.primaryEmail, email)));
    }
  }

  it('the token is shown once; the list shows its name and last 4 characters, never the token', async () => {
    const response = await admin.get(`/api/customers/${alphaId}/api-tokens`);
    assert.equal(response.statusCode, 200, response.body);
    assert.ok(!response.body.includes(token));
    const [listed] = (response.json() as { apiTokens: { name: string; last4: string }[] }).apiTokens;
    assert.equal(listed?.name, 'HR sync');
    assert.equal(listed?.last4, token.slice(-4));
    const [entry] = await ctx.db.select().from(auditLog).where(eq(auditLog.action, 'api_token.create')).limit(1);
    assert.equal(entry?.actorLabel, `admin@${domain}`);
  });

  it('GET /users lists every user exactly as Spanning shows them', async () => {
    const answer = await api().get('/api/v1/users');
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(answer.body.users, [
      { type: 'user', email: `ada@${domain}`, licensed: true, archived: false },
      { type: 'user', email: `bob@${domain}`, licensed: false, archived: true },
      { type: 'user', email: `cy@${domain}`, licensed: false, archived: false },
      { type: 'user', email: `di@${domain}`, licensed: false, archived: false },
      { type: 'user', email: `ed@${domain}`, licensed: false, archived: false },
      { type: 'user', email: `fay@${domain}`, licensed: false, archived: false },
    ]);
    assert.equal(answer.body.nextLink, null);
  });

  it('paging by nextLink reaches every user once', async () => {
    const seen: string[] = [];
    let path: string | null = '/api/v1/users?size=4';
    while (path) {
      const answer = await api().get(path);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.ok(answer.body.users.length <= 4);
      seen.push(...answer.body.users.map((user: { email: string }) => user.email));
      path = answer.body.nextLink;
    }
    assert.deepEqual(
      seen,
      ['ada', 'bob', 'cy', 'di', 'ed', 'fay'].map((name) => `${name}@${domain}`),
    );
    const bad = await api().get('/api/v1/users?pageToken=nonsense');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, 'query.pageToken');
  });

  it('GET /users/{email} answers one user; an unknown address 404 in the same error shape', async () => {
    const answer = await api().get(`/api/v1/users/BOB@${domain}`);
    assert.deepEqual(answer.body, { type: 'user', email: `bob@${domain}`, licensed: false, archived: true });
    const unknown = await api().get(`/api/v1/users/nobody@${domain}`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'not_found');
    assert.match(unknown.body.error.message, /nobody@alpha\.test/);
    const otherDomain = await api().get('/api/v1/users/zed@beta.test');
    assert.equal(otherDomain.status, 404);
  });

  it('assign one, archive (Standard switches to Archived), unassign; audited as "API token <name>"', async () => {
    await resetLicenses();
    const assigned = await api().post(`/api/v1/users/cy@${domain}/assign`);
    assert.equal(assigned.status, 200, JSON.stringify(assigned.body));
    assert.deepEqual(assigned.body, { type: 'user', email: `cy@${domain}`, licensed: true, archived: false });
    const archived = await api().post(`/api/v1/users/ada@${domain}/assign`, { licenseType: 'ARCHIVE' });
    assert.deepEqual(archived.body, { type: 'user', email: `ada@${domain}`, licensed: false, archived: true });
    const removed = await api().post(`/api/v1/users/bob@${domain}/unassign`);
    assert.deepEqual(removed.body, { type: 'user', email: `bob@${domain}`, licensed: false, archived: false });
    const now = await licenses();
    assert.equal(now[`cy@${domain}`], 'standard');
    assert.equal(now[`ada@${domain}`], 'archived');
    assert.equal(now[`bob@${domain}`], null);
    const entries = await ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'licenses.changed'), eq(auditLog.target, `cy@${domain}`)));
    assert.equal(entries[0]?.actorLabel, 'API token HR sync');
    assert.equal(entries[0]?.actorKind, 'api_token');
  });

  it('bulk assign and unassign change every named user at once', async () => {
    await resetLicenses();
    const emails = [`cy@${domain}`, `di@${domain}`];
    const assigned = await api().post('/api/v1/users/assign', { emails, licenseType: 'STANDARD' });
    assert.equal(assigned.status, 200, JSON.stringify(assigned.body));
    assert.equal(assigned.body.users.length, 2);
    const archived = await api().post('/api/v1/users/assign', { emails: [`cy@${domain}`], licenseType: 'ARCHIVE' });
    assert.equal(archived.status, 200);
    let now = await licenses();
    assert.equal(now[`cy@${domain}`], 'archived');
    assert.equal(now[`di@${domain}`], 'standard');
    const removed = await api().post('/api/v1/users/unassign', { emails, licenseType: 'STANDARD' });
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
    now = await licenses();
    assert.equal(now[`cy@${domain}`], null);
    assert.equal(now[`di@${domain}`], null);
  });

  it("a bulk request naming an unknown address or another domain's user changes nothing and names them", async () => {
    await resetLicenses();
    const before = await licenses();
    const answer = await api().post('/api/v1/users/assign', {
      emails: [`cy@${domain}`, `ghost@${domain}`, 'zed@beta.test'],
      licenseType: 'STANDARD',
    });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.code, 'bad_request');
    assert.match(answer.body.error.message, /ghost@alpha\.test/);
    assert.match(answer.body.error.message, /zed@beta\.test/);
    assert.deepEqual(await licenses(), before);
  });

  it('too few seats refuses the whole request with a clear error and changes nothing', async () => {
    await resetLicenses(); // 2 of 4 seats taken
    const before = await licenses();
    const answer = await api().post('/api/v1/users/assign', {
      emails: [`cy@${domain}`, `di@${domain}`, `ed@${domain}`],
      licenseType: 'STANDARD',
    });
    assert.equal(answer.status, 409);
    assert.equal(answer.body.error.code, 'conflict');
    assert.match(answer.body.error.message, /Not enough seats/);
    assert.deepEqual(await licenses(), before);
    const bad = await api().post('/api/v1/users/assign', { emails: [`cy@${domain}`], licenseType: 'GOLD' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.field, 'body.licenseType');
  });

  it('concurrent assigns never exceed the seats', async () => {
    await resetLicenses(); // 2 free seats, 4 unlicensed users
    const answers = await Promise.all(
      ['cy', 'di', 'ed', 'fay'].map((name) => api().post(`/api/v1/users/${name}@${domain}/assign`)),
    );
    assert.equal(answers.filter((answer) => answer.status === 200).length, 2);
    assert.equal(answers.filter((answer) => answer.status === 409).length, 2);
    const now = await licenses();
    assert.equal(Object.values(now).filter((license) => license !== null).length, 4);
  });

  it('every authentication failure answers the same 401 with WWW-Authenticate: Basic', async () => {
    const revoke = await admin.get(`/api/customers/${alphaId}/api-tokens`);
    assert.equal(revoke.statusCode, 200);
    const doomed = await generate(admin, alphaId, 'Doomed');
    const [doomedRow] = await ctx.db.select().from(customerApiTokens).where(eq(customerApiTokens.name, 'Doomed'));
    const revoked = await admin.post(`/api/customers/${alphaId}/api-tokens/${doomedRow?.id}/revoke`);
    assert.equal(revoked.statusCode, 200, revoked.body);
    const attempts = [
      client(base, domain, null), // no credentials
      client(base, domain, 'sh_tok_wrong'), // wrong token
      client(base, domain, `${token}x`), // almost the token
      client(base, domain, betaToken), // another domain's token
      client(base, 'beta.test', token), // domain mismatch
      client(base, 'nowhere.test', token), // unknown domain
      client(base, domain, doomed), // revoked
    ];
    const bodies = new Set<string>();
    for (const attempt of attempts) {
      for (const answer of [
        await attempt.get('/api/v1/users'),
        await attempt.post(`/api/v1/users/cy@${domain}/assign`),
      ]) {
        assert.equal(answer.status, 401);
        assert.match(answer.headers.get('www-authenticate') ?? '', /^Basic /);
        bodies.add(JSON.stringify(answer.body));
      }
    }
    assert.equal(bodies.size, 1, [...bodies].join('\n'));
    assert.equal(JSON.parse([...bodies][0] as string).error.code, 'unauthenticated');
  });

  it('a cross-site browser request that changes state is refused; a session cookie does not reach /api/v1', async () => {
    const response = await fetch(`${base}/api/v1/users/cy@${domain}/assign`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${domain}:${token}`).toString('base64')}`,
        'sec-fetch-site': 'cross-site',
      },
    });
    assert.equal(response.status, 403);
    const withCookie = await admin.get('/api/v1/users');
    assert.equal(withCookie.statusCode, 401);
  });

  it('requests per token are rate limited: 429 with Retry-After', async () => {
    const script = client(base, domain, await generate(admin, alphaId, 'Busy script'));
    let answer = await script.get('/api/v1/users?size=1');
    for (let n = 0; n < 50 && answer.status === 200; n++) answer = await script.get('/api/v1/users?size=1');
    assert.equal(answer.status, 429);
    assert.equal(answer.body.error.code, 'rate_limited');
    assert.ok(Number(answer.headers.get('retry-after')) > 0);
    // Other tokens keep their own budget.
    assert.equal((await api().get('/api/v1/users?size=1')).status, 200);
  });

  it('a sixth live token is refused with a clear 400, as is a name already in use; revoking frees a place', async () => {
    const live = await ctx.db.select().from(customerApiTokens).where(eq(customerApiTokens.customerId, alphaId));
    const liveCount = live.filter((row) => row.revokedAt === null).length;
    for (let n = liveCount; n < 5; n++) await generate(admin, alphaId, `Filler ${n}`);
    const sixth = await admin.post(`/api/customers/${alphaId}/api-tokens`, { name: 'Sixth' });
    assert.equal(sixth.statusCode, 400);
    assert.match(sixth.json().error.message, /at most 5 live API tokens/);
    const duplicate = await admin.post(`/api/customers/${alphaId}/api-tokens`, { name: 'HR sync' });
    assert.equal(duplicate.statusCode, 400);
    const after = await ctx.db.select().from(customerApiTokens).where(eq(customerApiTokens.customerId, alphaId));
    assert.equal(after.filter((row) => row.revokedAt === null).length, 5);
    const [filler] = after.filter((row) => row.name.startsWith('Filler') && row.revokedAt === null);
    assert.equal((await admin.post(`/api/customers/${alphaId}/api-tokens/${filler?.id}/revoke`)).statusCode, 200);
    await generate(admin, alphaId, 'Sixth');
  });
});
