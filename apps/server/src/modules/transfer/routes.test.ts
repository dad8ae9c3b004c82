// Every transfer-token rule of PRODUCT.md §2 through the HTTP API, on both databases.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, it } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import { type App, buildApp } from '../../http/app.ts';
import { createLogger } from '../../logger.ts';
import { type Browser, createBrowser, seedPartner, seedStaffUser } from '../../testing/browser.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { seedCustomer, signedInSession } from '../../testing/tenants.ts';
import { auditModule } from '../audit/index.ts';
import { createIdentityModule, sessionCookieName } from '../identity/index.ts';
import { customers } from '../tenancy/tables.ts';
import { createTransferModule } from './routes.ts';
import { invalidTransferTokenMessage } from './service.ts';
import { transferTokens } from './tables.ts';
import { generateTransferToken } from './token-format.ts';

type PartnerRole = 'owner' | 'admin' | 'technician' | 'read_only' | 'billing';

const uniformBody = JSON.stringify({
  error: { code: 'invalid_transfer_token', message: invalidTransferTokenMessage },
});

forEachDatabase('transfer tokens HTTP API', (kind) => {
  let ctx: TestContext;
  let app: App;
  const logLines: string[] = [];
  /** Every token the tests saw: none may appear in a log line, the audit log or the outbox. */
  const issuedTokens: string[] = [];
  let ipCounter = 0;

  before(async () => {
    ctx = await createTestContext(kind, { start: new Date('2026-05-04T09:00:00Z') });
    // Everything the server logs, at the most verbose level, for the "never logged" check.
    ctx.logger = createLogger({
      level: 'trace',
      destination: new Writable({
        write(chunk, _encoding, done) {
          logLines.push(String(chunk));
          done();
        },
      }),
    });
    app = await buildApp(ctx, { modules: [createIdentityModule(), auditModule, createTransferModule()] });
  });
  after(async () => {
    await app.close();
    await ctx.close();
  });

  /** A fresh IP per browser unless given, so per-IP limits only bite where a test wants them. */
  const browserWith = (sessionId: string, ip?: string): Browser => {
    ipCounter += 1;
    const browser = createBrowser(app, { ip: ip ?? `198.51.100.${ipCounter % 250}` });
    browser.cookies.set(sessionCookieName, sessionId);
    return browser;
  };

  const partnerWithTeam = async (name: string) => {
    const id = await seedPartner(ctx.db, { name });
    const slug = name.toLowerCase().replaceAll(' ', '-');
    const users = new Map<PartnerRole, string>();
    for (const role of ['owner', 'admin', 'technician', 'read_only', 'billing'] as const) {
      const user = await seedStaffUser(ctx, { email: `${role}@${slug}.test`, partnerId: id, role });
      users.set(role, user.id);
    }
    return {
      id,
      /** A signed-in browser of this partner's user with the role (a new session each time). */
      as: async (role: PartnerRole, ip?: string) =>
        browserWith(await signedInSession(ctx.db, ctx.clock, { kind: 'staff', staffUserId: users.get(role)! }), ip),
      /** An extra admin (for limits per user). */
      extraAdmin: async (email: string, ip?: string) => {
        const user = await seedStaffUser(ctx, { email, partnerId: id, role: 'admin' });
        return browserWith(await signedInSession(ctx.db, ctx.clock, { kind: 'staff', staffUserId: user.id }), ip);
      },
    };
  };

  const customerTenant = async (domain: string, partnerId: string | null = null) => {
    const customer = await seedCustomer(ctx.db, ctx.clock, {
      domain,
      partnerId,
      users: [
        { email: `admin@${domain}`, license: 'standard', isAdmin: true },
        { email: `second@${domain}`, isAdmin: true },
        { email: `archived@${domain}`, license: 'archived' },
        { email: `user@${domain}` },
      ],
      members: [
        { email: `admin@${domain}`, role: 'super_admin' },
        { email: `second@${domain}`, role: 'super_admin' },
        { email: `helpdesk@${domain}`, role: 'helpdesk_admin' },
      ],
    });
    const as = async (email: string) =>
      browserWith(
        await signedInSession(ctx.db, ctx.clock, { kind: 'customer', customerMemberId: customer.members.get(email)! }),
      );
    return { id: customer.id, domain, admin: () => as(`admin@${domain}`), as };
  };

  const generate = async (admin: Browser, customerId: string, body?: unknown) => {
    const response = await admin.post(`/api/customers/${customerId}/transfer-tokens`, body ?? {});
    assert.equal(response.statusCode, 201, response.body);
    const token = response.json().token as string;
    issuedTokens.push(token);
    return { token, body: response.json() as { token: string; last4: string; createdAt: string; expiresAt: string } };
  };

  const previewPath = (partnerId: string) => `/api/partners/${partnerId}/customers/transfer/preview`;
  const redeemPath = (partnerId: string) => `/api/partners/${partnerId}/customers/transfer`;

  it('the OpenAPI document lists every transfer endpoint', async () => {
    const paths = Object.keys((await app.inject({ method: 'GET', url: '/api/docs/json' })).json().paths);
    for (const path of [
      '/api/customers/{customerId}/reseller',
      '/api/customers/{customerId}/transfer-tokens',
      '/api/customers/{customerId}/transfer-tokens/revoke',
      '/api/customers/{customerId}/partner/remove',
      '/api/customers/{customerId}/partner-access',
      '/api/partners/{partnerId}/customers/transfer/preview',
      '/api/partners/{partnerId}/customers/transfer',
    ]) {
      assert.ok(paths.includes(path), path);
    }
  });

  it('a licensed super admin generates a token (7 days by default) shown once; only its hash and last 4 are stored', async () => {
    const customer = await customerTenant('gen.test');
    const admin = await customer.admin();
    const { token, body } = await generate(admin, customer.id);
    assert.match(token, /^sht_[A-Z2-7]{32}$/);
    assert.equal(body.last4, token.slice(-4));
    assert.equal(new Date(body.expiresAt).getTime() - new Date(body.createdAt).getTime(), 7 * 24 * 3600_000);

    const settings = (await admin.get(`/api/customers/${customer.id}/reseller`)).json();
    assert.deepEqual(settings, {
      partner: null,
      allowPartnerAccess: false,
      token: { last4: body.last4, createdAt: body.createdAt, expiresAt: body.expiresAt },
    });
    assert.ok(!JSON.stringify(settings).includes(token));
    const rows = await ctx.db.select().from(transferTokens).where(eq(transferTokens.customerId, customer.id));
    assert.equal(rows.length, 1);
    assert.ok(!JSON.stringify(rows).includes(token.slice(4)), 'the token itself is not stored');
    assert.match(rows[0]!.tokenHash, /^[0-9a-f]{64}$/);

    const oneDay = await generate(admin, customer.id, { lifetimeDays: 1 });
    assert.equal(new Date(oneDay.body.expiresAt).getTime() - new Date(oneDay.body.createdAt).getTime(), 24 * 3600_000);
    await generate(admin, customer.id, { lifetimeDays: 14 });
    for (const lifetimeDays of [0, 15, 2.5]) {
      const refused = await admin.post(`/api/customers/${customer.id}/transfer-tokens`, { lifetimeDays });
      assert.equal(refused.statusCode, 400, refused.body);
      assert.equal(refused.json().error.field, 'body.lifetimeDays');
    }
  });

  it('only a licensed customer super admin may generate: unlicensed super admins, helpdesk and partners may not', async () => {
    const partner = await partnerWithTeam('Gen Partner');
    const customer = await customerTenant('only.test', partner.id);
    const other = await customerTenant('other-only.test');
    const unlicensed = await customer.as('second@only.test');
    const refused = await unlicensed.post(`/api/customers/${customer.id}/transfer-tokens`, {});
    assert.equal(refused.statusCode, 403);
    assert.match(refused.json().error.message, /licensed super admin/);
    const helpdesk = await customer.as('helpdesk@only.test');
    assert.equal((await helpdesk.post(`/api/customers/${customer.id}/transfer-tokens`, {})).statusCode, 403);
    for (const role of ['owner', 'admin'] as const) {
      const staff = await partner.as(role);
      assert.equal((await staff.post(`/api/customers/${customer.id}/transfer-tokens`, {})).statusCode, 403);
    }
    // Another tenant's admin does not even learn that the customer exists.
    const outsider = await other.admin();
    assert.equal((await outsider.post(`/api/customers/${customer.id}/transfer-tokens`, {})).statusCode, 404);
    assert.equal((await outsider.get(`/api/customers/${customer.id}/reseller`)).statusCode, 404);
    const rows = await ctx.db.select().from(transferTokens).where(eq(transferTokens.customerId, customer.id));
    assert.equal(rows.length, 0);
  });

  it('regenerating revokes the previous token, and Revoke ends the live one', async () => {
    const partner = await partnerWithTeam('Regen Partner');
    const customer = await customerTenant('regen.test');
    const admin = await customer.admin();
    const first = await generate(admin, customer.id);
    const second = await generate(admin, customer.id);
    const partnerAdmin = await partner.as('admin');
    const old = await partnerAdmin.post(previewPath(partner.id), { token: first.token });
    assert.equal(old.statusCode, 400);
    assert.equal(old.body, uniformBody);
    const current = await partnerAdmin.post(previewPath(partner.id), { token: second.token });
    assert.equal(current.statusCode, 200, current.body);
    assert.equal((await admin.get(`/api/customers/${customer.id}/reseller`)).json().token.last4, second.body.last4);

    const revoke = await admin.post(`/api/customers/${customer.id}/transfer-tokens/revoke`);
    assert.equal(revoke.statusCode, 204, revoke.body);
    assert.equal((await admin.get(`/api/customers/${customer.id}/reseller`)).json().token, null);
    const afterRevoke = await partnerAdmin.post(previewPath(partner.id), { token: second.token });
    assert.equal(afterRevoke.body, uniformBody);

    const entries = await ctx.audit.query({ tenant: `customer:${customer.id}` });
    const actions = entries.map((entry) => entry.action);
    assert.equal(actions.filter((action) => action === 'transfer_token.generate').length, 2);
    assert.ok(actions.includes('transfer_token.revoke'));
    const generated = entries.find((entry) => entry.action === 'transfer_token.generate');
    assert.equal(
      (generated?.details?.replacedTokenIds as string[] | undefined)?.length,
      1,
      'the newest entry names the token it replaced',
    );
  });

  it('used, expired, revoked, malformed and unknown tokens all get the same answer; the audit log says which', async () => {
    const partner = await partnerWithTeam('Uniform Partner');
    const customer = await customerTenant('uniform.test');
    const admin = await customer.admin();
    const partnerAdmin = await partner.as('owner');

    const used = await generate(admin, customer.id);
    assert.equal((await partnerAdmin.post(redeemPath(partner.id), { token: used.token })).statusCode, 200);
    const revoked = await generate(admin, customer.id);
    await admin.post(`/api/customers/${customer.id}/transfer-tokens/revoke`);
    const expiring = await generate(admin, customer.id, { lifetimeDays: 1 });
    ctx.clock.advance(24 * 3600_000 + 1000);
    const owner = await partner.as('owner');
    const malformed = `${expiring.token.slice(0, -1)}${expiring.token.endsWith('A') ? 'B' : 'A'}`;
    // Well-formed, with a correct checksum, but never issued.
    const unknown = generateTransferToken();

    const cases: [string, string][] = [
      ['used', used.token],
      ['revoked', revoked.token],
      ['expired', expiring.token],
      ['malformed', malformed],
      ['unknown', unknown],
    ];
    for (const path of [previewPath(partner.id), redeemPath(partner.id)]) {
      for (const [reason, token] of cases) {
        const response = await owner.post(path, { token });
        assert.equal(response.statusCode, 400, `${reason}: ${response.body}`);
        assert.equal(response.body, uniformBody, reason);
      }
    }
    // (Another user: the owner has used its 10 failures.)
    const partnerAdmin2 = await partner.as('admin');
    for (const malformedInput of ['', 'sht_', 'not a token', 'x'.repeat(5000)]) {
      const response = await partnerAdmin2.post(redeemPath(partner.id), { token: malformedInput });
      assert.equal(response.body, uniformBody);
    }
    const failures = await ctx.audit.query({ tenant: `partner:${partner.id}`, result: 'failure' });
    const reasons = (action: string) =>
      failures
        .filter((entry) => entry.action === action)
        .map((entry) => entry.details?.reason)
        .reverse()
        .slice(0, 5);
    assert.deepEqual(reasons('transfer_token.preview'), ['used', 'revoked', 'expired', 'malformed', 'unknown']);
    assert.deepEqual(reasons('transfer_token.redeem'), ['used', 'revoked', 'expired', 'malformed', 'unknown']);
    // The customer's log shows attempts with its own tokens (not the malformed or unknown ones).
    const customerFailures = await ctx.audit.query({ tenant: `customer:${customer.id}`, result: 'failure' });
    assert.deepEqual([...new Set(customerFailures.map((entry) => entry.details?.reason))].sort(), [
      'expired',
      'revoked',
      'used',
    ]);
  });

  it('accepts a token case-insensitively with surrounding spaces', async () => {
    const partner = await partnerWithTeam('Case Partner');
    const customer = await customerTenant('case.test');
    const { token } = await generate(await customer.admin(), customer.id);
    const admin = await partner.as('admin');
    const response = await admin.post(redeemPath(partner.id), { token: `  ${token.toLowerCase()}\n` });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), { customerId: customer.id, domain: 'case.test' });
  });

  it('technician, read-only and billing partner users get 403 before any token check; other partners 404', async () => {
    const partner = await partnerWithTeam('Roles Partner');
    const stranger = await partnerWithTeam('Stranger Partner');
    const customer = await customerTenant('roles.test');
    const { token } = await generate(await customer.admin(), customer.id);
    for (const role of ['technician', 'read_only', 'billing'] as const) {
      const browser = await partner.as(role);
      for (const path of [previewPath(partner.id), redeemPath(partner.id)]) {
        for (const body of [{ token }, { token: 'garbage' }]) {
          const response = await browser.post(path, body);
          assert.equal(response.statusCode, 403, `${role} ${path}: ${response.body}`);
          assert.equal(response.json().error.code, 'forbidden');
        }
      }
    }
    const other = await stranger.as('owner');
    const response = await other.post(redeemPath(partner.id), { token });
    assert.equal(response.statusCode, 404);
    const unauthenticated = await createBrowser(app).post(redeemPath(partner.id), { token });
    assert.equal(unauthenticated.statusCode, 401);
    // None of those used the token or counted as a token failure.
    const [row] = await ctx.db.select().from(customers).where(eq(customers.id, customer.id));
    assert.equal(row?.partnerId, null);
    const failures = await ctx.audit.query({ tenant: `partner:${partner.id}`, result: 'failure' });
    assert.equal(failures.length, 0);
    assert.equal((await (await partner.as('admin')).post(redeemPath(partner.id), { token })).statusCode, 200);
  });

  it('two concurrent redemptions of one token: exactly one succeeds', async () => {
    const first = await partnerWithTeam('Race One');
    const second = await partnerWithTeam('Race Two');
    for (let round = 0; round < 3; round++) {
      const customer = await customerTenant(`race-${round}.test`);
      const { token } = await generate(await customer.admin(), customer.id);
      const [a, b] = [await first.as('admin'), await second.as('admin')];
      const responses = await Promise.all([
        a.post(redeemPath(first.id), { token }),
        b.post(redeemPath(second.id), { token }),
      ]);
      const statuses = responses.map((response) => response.statusCode).sort();
      assert.deepEqual(statuses, [200, 400], responses.map((response) => response.body).join(' / '));
      const winner = responses[0]!.statusCode === 200 ? first.id : second.id;
      const [row] = await ctx.db.select().from(customers).where(eq(customers.id, customer.id));
      assert.equal(row?.partnerId, winner);
      const loser = responses.find((response) => response.statusCode === 400)!;
      assert.equal(loser.body, uniformBody);
    }
  });

  it('moving a customer: the old partner gets 404 on its next request; everyone is told; both logs show it', async () => {
    const oldPartner = await partnerWithTeam('Old Partner');
    const newPartner = await partnerWithTeam('New Partner');
    const customer = await customerTenant('move.test', oldPartner.id);
    const customerAdmin = await customer.admin();
    await customerAdmin.request('PUT', `/api/customers/${customer.id}/partner-access`, { body: { allowed: true } });
    const oldAdmin = await oldPartner.as('admin');
    assert.equal((await oldAdmin.get(`/api/customers/${customer.id}/audit`)).statusCode, 200);
    const { token } = await generate(customerAdmin, customer.id);

    const newOwner = await newPartner.as('owner');
    const preview = await newOwner.post(previewPath(newPartner.id), { token });
    assert.equal(preview.statusCode, 200, preview.body);
    assert.deepEqual(preview.json(), {
      customerId: customer.id,
      domain: 'move.test',
      name: 'move.test',
      status: 'trial',
      trialEndsAt: preview.json().trialEndsAt,
      users: 4,
      licenses: { standard: 1, archived: 1, assigned: 2 },
      seatsPurchased: 0,
      currentPartner: { name: 'Old Partner' },
    });
    assert.ok(preview.json().trialEndsAt);
    const redeemed = await newOwner.post(redeemPath(newPartner.id), { token });
    assert.equal(redeemed.statusCode, 200, redeemed.body);

    const cut = await oldAdmin.get(`/api/customers/${customer.id}/audit`);
    assert.equal(cut.statusCode, 404, 'the old partner loses access on its very next request');
    assert.equal((await newOwner.get(`/api/customers/${customer.id}/audit`)).statusCode, 200);
    const settings = (await customerAdmin.get(`/api/customers/${customer.id}/reseller`)).json();
    assert.deepEqual(settings.partner, { id: newPartner.id, name: 'New Partner' });
    assert.equal(settings.allowPartnerAccess, false, 'access granted to the old partner does not carry over');
    assert.equal(settings.token, null);

    const mail = await ctx.mail.outbox();
    const subjectsTo = (to: string) => mail.filter((message) => message.to === to).map((message) => message.subject);
    for (const admin of ['admin@move.test', 'second@move.test']) {
      assert.deepEqual(subjectsTo(admin), ['move.test is now managed by New Partner in Safehold']);
    }
    for (const to of ['owner@new-partner.test', 'admin@new-partner.test']) {
      assert.deepEqual(subjectsTo(to), ['move.test was added to your Reseller Console']);
    }
    for (const to of ['owner@old-partner.test', 'admin@old-partner.test']) {
      assert.deepEqual(subjectsTo(to), ['move.test is no longer managed by Old Partner']);
    }
    assert.deepEqual(subjectsTo('technician@old-partner.test'), []);

    const newLog = await ctx.audit.query({ tenant: `partner:${newPartner.id}`, action: 'customer.transfer' });
    assert.equal(newLog.length, 1);
    assert.equal(newLog[0]!.details?.fromPartnerId, oldPartner.id);
    assert.equal(newLog[0]!.actorLabel, 'owner@new-partner.test');
    const oldLog = await ctx.audit.query({ tenant: `partner:${oldPartner.id}`, action: 'customer.transfer_out' });
    assert.equal(oldLog.length, 1);
    assert.equal(oldLog[0]!.target, 'move.test');
    assert.ok(
      !JSON.stringify(oldLog).includes('new-partner.test'),
      "the old partner does not see the new partner's staff",
    );
    const customerLog = await ctx.audit.query({ tenant: `customer:${customer.id}`, action: 'customer.transfer' });
    assert.equal(customerLog.length, 1);
  });

  it('after repeated failures a partner user gets 429 with Retry-After, without locking the customer', async () => {
    const partner = await partnerWithTeam('Limited Partner');
    const other = await partnerWithTeam('Unaffected Partner');
    const customer = await customerTenant('limits.test');
    const { token } = await generate(await customer.admin(), customer.id);
    const guesser = await partner.as('admin', '203.0.113.10');
    for (let attempt = 1; attempt <= 10; attempt++) {
      const response = await guesser.post(redeemPath(partner.id), { token: `sht_WRONG${attempt}` });
      assert.equal(response.statusCode, 400, `attempt ${attempt}`);
    }
    const limited = await guesser.post(redeemPath(partner.id), { token: 'sht_WRONG11' });
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json().error.code, 'rate_limited');
    const retryAfter = Number(limited.headers['retry-after']);
    assert.ok(retryAfter > 0 && retryAfter <= 15 * 60, `Retry-After ${limited.headers['retry-after']}`);
    // Even the right token is refused now: a limited guesser learns nothing more.
    assert.equal((await guesser.post(redeemPath(partner.id), { token })).statusCode, 429);
    assert.equal((await guesser.post(previewPath(partner.id), { token })).statusCode, 429);
    const limitedEntries = await ctx.audit.query({ tenant: `partner:${partner.id}`, result: 'failure' });
    assert.equal(limitedEntries[0]?.details?.reason, 'rate_limited');

    // The customer is not locked: its token works for another partner, and it can make new ones.
    const otherAdmin = await other.as('admin', '203.0.113.11');
    assert.equal((await otherAdmin.post(redeemPath(other.id), { token })).statusCode, 200);
    const fresh = await generate(await customer.admin(), customer.id);
    assert.ok(fresh.token);

    // The window passes and the user may try again.
    ctx.clock.advance(retryAfter * 1000);
    const later = await partner.as('admin', '203.0.113.10');
    assert.equal((await later.post(previewPath(partner.id), { token: fresh.token })).statusCode, 200);
  });

  it('limits failures per IP address (20 per 15 minutes) and per partner (30 per hour)', async () => {
    const ipPartner = await partnerWithTeam('IP Partner');
    const sharedIp = '192.0.2.77';
    for (const name of ['ip-a', 'ip-b']) {
      const browser = await ipPartner.extraAdmin(`${name}@ip-partner.test`, sharedIp);
      for (let attempt = 0; attempt < 10; attempt++) {
        assert.equal((await browser.post(previewPath(ipPartner.id), { token: 'nope' })).statusCode, 400);
      }
    }
    const third = await ipPartner.extraAdmin('ip-c@ip-partner.test', sharedIp);
    assert.equal((await third.post(previewPath(ipPartner.id), { token: 'nope' })).statusCode, 429, 'per IP');
    const elsewhere = await ipPartner.extraAdmin('ip-d@ip-partner.test', '192.0.2.78');
    assert.equal((await elsewhere.post(previewPath(ipPartner.id), { token: 'nope' })).statusCode, 400);

    const busyPartner = await partnerWithTeam('Busy Partner');
    for (const [index, name] of ['b-a', 'b-b', 'b-c'].entries()) {
      const browser = await busyPartner.extraAdmin(`${name}@busy-partner.test`, `192.0.2.${100 + index}`);
      for (let attempt = 0; attempt < 10; attempt++) {
        assert.equal((await browser.post(redeemPath(busyPartner.id), { token: 'nope' })).statusCode, 400);
      }
    }
    const fourth = await busyPartner.extraAdmin('b-d@busy-partner.test', '192.0.2.110');
    const limited = await fourth.post(redeemPath(busyPartner.id), { token: 'nope' });
    assert.equal(limited.statusCode, 429, 'per partner');
    assert.ok(Number(limited.headers['retry-after']) > 15 * 60, 'the partner window is an hour');
    ctx.clock.advance(3600_000);
  });

  it('"Remove partner" cuts the partner off on its very next request, and both sides are told', async () => {
    const partner = await partnerWithTeam('Removed Partner');
    const customer = await customerTenant('remove.test', partner.id);
    const partnerAdmin = await partner.as('admin');
    assert.equal((await partnerAdmin.get(`/api/customers/${customer.id}/audit`)).statusCode, 200);
    const helpdesk = await customer.as('helpdesk@remove.test');
    assert.equal((await helpdesk.post(`/api/customers/${customer.id}/partner/remove`)).statusCode, 403);
    const admin = await customer.admin();
    const removed = await admin.post(`/api/customers/${customer.id}/partner/remove`);
    assert.equal(removed.statusCode, 204, removed.body);
    assert.equal((await partnerAdmin.get(`/api/customers/${customer.id}/audit`)).statusCode, 404);
    assert.equal((await admin.get(`/api/customers/${customer.id}/reseller`)).json().partner, null);
    const mail = await ctx.mail.outbox();
    assert.ok(mail.some((message) => message.to === 'owner@removed-partner.test' && /removed/.test(message.subject)));
    assert.ok(mail.some((message) => message.to === 'admin@remove.test' && /no longer manages/.test(message.subject)));
    for (const tenant of [`customer:${customer.id}`, `partner:${partner.id}`] as const) {
      const entries = await ctx.audit.query({ tenant, action: 'customer.partner.remove' });
      assert.equal(entries.length, 1, tenant);
    }
    // Removing again is harmless.
    assert.equal((await admin.post(`/api/customers/${customer.id}/partner/remove`)).statusCode, 204);
  });

  it('"Allow partner to open this console" is stored, and only a customer super admin changes it', async () => {
    const partner = await partnerWithTeam('Access Partner');
    const customer = await customerTenant('access.test', partner.id);
    const admin = await customer.admin();
    const put = await admin.request('PUT', `/api/customers/${customer.id}/partner-access`, { body: { allowed: true } });
    assert.equal(put.statusCode, 200, put.body);
    assert.deepEqual(put.json(), { allowPartnerAccess: true });
    assert.equal((await admin.get(`/api/customers/${customer.id}/reseller`)).json().allowPartnerAccess, true);
    const [row] = await ctx.db.select().from(customers).where(eq(customers.id, customer.id));
    assert.equal(row?.allowPartnerAccess, true);
    const partnerAdmin = await partner.as('admin');
    const byPartner = await partnerAdmin.request('PUT', `/api/customers/${customer.id}/partner-access`, {
      body: { allowed: false },
    });
    assert.equal(byPartner.statusCode, 403);
    const helpdesk = await customer.as('helpdesk@access.test');
    assert.equal(
      (await helpdesk.request('PUT', `/api/customers/${customer.id}/partner-access`, { body: { allowed: false } }))
        .statusCode,
      403,
    );
    const entries = await ctx.audit.query({ tenant: `partner:${partner.id}`, action: 'customer.partner_access.set' });
    assert.equal(entries.length, 1);
  });

  it('no token ever appears in the logs, the audit log or the outbox', async () => {
    // A client that wrongly puts a token in the URL: not accepted there, and not logged either.
    const partner = await partnerWithTeam('Query Partner');
    const customer = await customerTenant('query.test');
    const { token } = await generate(await customer.admin(), customer.id);
    const misplaced = await (await partner.as('admin')).post(`${redeemPath(partner.id)}?token=${token}`, {});
    assert.equal(misplaced.statusCode, 400);
    assert.ok(issuedTokens.length > 10);
    assert.ok(logLines.length > 0, 'the server logged its requests');
    assert.ok(
      logLines.some((line) => line.includes('/customers/transfer')),
      'redemption requests were logged',
    );
    const audit = await ctx.db.execute(sql`select details::text as details from audit_log`);
    const auditText = JSON.stringify(audit);
    const outboxText = JSON.stringify(await ctx.mail.outbox());
    for (const token of issuedTokens) {
      const body = token.slice(4);
      assert.ok(!logLines.some((line) => line.toUpperCase().includes(body)), 'token in a log line');
      assert.ok(!auditText.includes(body), 'token in the audit log');
      assert.ok(!outboxText.includes(body), 'token in the outbox');
    }
  });
});
