import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { type App, buildApp } from '../../http/app.ts';
import { type Browser, createBrowser, seedPartner, seedStaffUser } from '../../testing/browser.ts';
import { forEachDatabase } from '../../testing/context.ts';
import { type GoogleTestbed, startGoogleTestbed } from '../../testing/google-testbed.ts';
import { backupCustomerHooks } from '../backup/index.ts';
import { createIdentityModule, createSession, sessionCookieName } from '../identity/index.ts';
import { customerMembers } from '../identity/tables.ts';
import { customers } from '../tenancy/tables.ts';
import { connectCustomer } from './connect.ts';
import { systemAuditActor } from './deps.ts';
import { createCustomersModule } from './routes.ts';
import { directoryUsers } from './tables.ts';

const empty = { messagesPerUser: 0, filesPerUser: 0, eventsPerUser: 0, contactsPerUser: 0, sharedDrives: 0 };

forEachDatabase('customers HTTP API', (kind) => {
  let bed: GoogleTestbed;
  let app: App;
  let tenantA: string;
  let tenantB: string;
  let adminA: Browser;
  let adminB: Browser;
  let endUserA: Browser;

  const memberBrowser = async (customerId: string, email: string, role: 'super_admin' | 'end_user') => {
    const [existing] = await bed.ctx.db.select().from(customerMembers).where(eq(customerMembers.email, email));
    const memberId = existing?.id ?? randomUUID();
    if (!existing) await bed.ctx.db.insert(customerMembers).values({ id: memberId, customerId, email, role });
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

  before(async () => {
    bed = await startGoogleTestbed(kind, { domain: 'alpha.test', users: 6 });
    bed.emulator.control.createDomain({ domain: 'beta.test', users: 3, generate: empty });
    const a = await connectCustomer(
      bed.deps,
      { domain: 'alpha.test', adminEmail: 'admin@alpha.test' },
      systemAuditActor('t'),
    );
    const b = await connectCustomer(
      bed.deps,
      { domain: 'beta.test', adminEmail: 'admin@beta.test' },
      systemAuditActor('t'),
    );
    assert.ok(a.ok && b.ok);
    tenantA = a.customer.id;
    tenantB = b.customer.id;
    app = await buildApp(bed.ctx, {
      modules: [createIdentityModule(), createCustomersModule({ hooks: backupCustomerHooks })],
    });
    adminA = await memberBrowser(tenantA, 'admin@alpha.test', 'super_admin');
    adminB = await memberBrowser(tenantB, 'admin@beta.test', 'super_admin');
    endUserA = await memberBrowser(tenantA, 'alice.martin@alpha.test', 'end_user');
  });
  after(async () => {
    await app.close();
    await bed.close();
  });

  const userIdOf = async (email: string) => {
    const [row] = await bed.ctx.db.select().from(directoryUsers).where(eq(directoryUsers.primaryEmail, email));
    return row?.id as string;
  };

  it("GET /api/customer returns the signed-in member's own tenant", async () => {
    for (const browser of [adminA, endUserA]) {
      const response = await browser.get('/api/customer');
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json();
      assert.equal(body.id, tenantA);
      assert.equal(body.domain, 'alpha.test');
      assert.equal(body.status, 'trial');
      assert.equal(body.seats.trialDaysLeft, 14);
      assert.equal(body.seats.users, 6);
      assert.equal(body.authorization.status, 'authorized');
      assert.deepEqual(body.accessControls, { allowUserAccess: true, allowUserExport: true });
    }
    assert.equal((await adminA.get('/api/customer')).json().role, 'super_admin');
    assert.equal((await endUserA.get('/api/customer')).json().role, 'end_user');
    assert.equal((await createBrowser(app).get('/api/customer')).statusCode, 401);
  });

  describe('access controls', () => {
    const path = () => `/api/customers/${tenantA}/access-controls`;
    const put = (browser: Browser, body: unknown) => browser.request('PUT', path(), { body });
    after(async () => {
      await bed.ctx.db
        .update(customers)
        .set({ allowUserAccess: true, allowUserExport: true })
        .where(eq(customers.id, tenantA));
    });

    it('every member reads them (both on for a new tenant); only a super admin changes them', async () => {
      for (const browser of [adminA, endUserA]) {
        const response = await browser.get(path());
        assert.equal(response.statusCode, 200, response.body);
        assert.deepEqual(response.json(), { allowUserAccess: true, allowUserExport: true });
      }
      const refused = await put(endUserA, { allowUserAccess: false });
      assert.equal(refused.statusCode, 403, refused.body);
      assert.equal((await adminA.get(path())).json().allowUserAccess, true, 'the refused change changed nothing');
    });

    it('a change applies the switches given, keeps the others, and is audited with the person, before and after', async () => {
      const response = await put(adminA, { allowUserExport: false });
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(response.json(), { allowUserAccess: true, allowUserExport: false });
      assert.deepEqual((await endUserA.get('/api/customer')).json().accessControls, {
        allowUserAccess: true,
        allowUserExport: false,
      });
      const [entry] = await bed.ctx.audit.query({
        tenant: `customer:${tenantA}`,
        action: 'customer.access_controls.set',
      });
      assert.equal(entry?.actorLabel, 'admin@alpha.test');
      assert.equal(entry?.actorKind, 'customer');
      assert.equal(entry?.target, 'alpha.test');
      assert.deepEqual(entry?.details, {
        before: { allowUserAccess: true, allowUserExport: true },
        after: { allowUserAccess: true, allowUserExport: false },
      });
    });

    it('bad input is a 400 naming what is wrong and changes nothing; another tenant answers 404', async () => {
      const before = (await adminA.get(path())).json();
      for (const body of [{}, { allowUserAccess: 'no' }, { allowUserAccess: true, extra: 1 }]) {
        const response = await put(adminA, body);
        assert.equal(response.statusCode, 400, JSON.stringify(body));
      }
      assert.match((await put(adminA, {})).json().error.message, /allowUserAccess, allowUserExport or both/);
      assert.deepEqual((await adminA.get(path())).json(), before);
      assert.equal((await adminB.get(path())).statusCode, 404);
      assert.equal((await put(adminB, { allowUserAccess: false })).statusCode, 404);
    });
  });

  describe('legal hold', () => {
    const path = () => `/api/customers/${tenantA}/legal-hold`;
    const put = (browser: Browser, body: unknown) => browser.request('PUT', path(), { body });
    const held = async (email: string) =>
      (await adminA.get(`/api/customers/${tenantA}/users?q=${email}`)).json().users[0]?.legalHold;

    it('a super admin puts a user on legal hold and takes them off, each change audited; the Users list shows it', async () => {
      const email = 'emma.petit@alpha.test';
      assert.equal(await held(email), false, 'off by default');
      const on = await put(adminA, { email, legalHold: true });
      assert.equal(on.statusCode, 200, on.body);
      assert.deepEqual(on.json(), { userId: await userIdOf(email), email, legalHold: true });
      assert.equal(await held(email), true);
      const [entry] = await bed.ctx.audit.query({ tenant: `customer:${tenantA}`, action: 'licenses.legal_hold_on' });
      assert.equal(entry?.actorLabel, 'admin@alpha.test');
      assert.equal(entry?.target, email);
      assert.deepEqual(entry?.details, {
        userId: await userIdOf(email),
        before: { legalHold: false },
        after: { legalHold: true },
      });
      assert.equal((await put(adminA, { email, legalHold: false })).statusCode, 200);
      assert.equal(await held(email), false);
    });

    it('bad input is a 400 naming the field, an unknown user a 404 naming the address; neither changes anything; others are refused', async () => {
      const email = 'emma.petit@alpha.test';
      for (const [field, body] of [
        ['email', { email: 'not-an-address', legalHold: true }],
        ['legalHold', { email, legalHold: 'yes' }],
      ] as const) {
        const response = await put(adminA, body);
        assert.equal(response.statusCode, 400, response.body);
        assert.match(response.body, new RegExp(field));
      }
      const unknown = await put(adminA, { email: 'nobody@alpha.test', legalHold: true });
      assert.equal(unknown.statusCode, 404);
      assert.match(unknown.json().error.message, /nobody@alpha\.test/);
      assert.equal((await put(endUserA, { email, legalHold: true })).statusCode, 403);
      assert.equal((await put(adminB, { email, legalHold: true })).statusCode, 404);
      assert.equal(await held(email), false);
    });
  });

  it('lists users with search, filters and the total', async () => {
    const all = (await adminA.get(`/api/customers/${tenantA}/users`)).json();
    assert.equal(all.total, 6);
    assert.deepEqual(
      all.users.map((user: { email: string }) => user.email),
      [...all.users.map((user: { email: string }) => user.email)].sort(),
    );
    const search = (await adminA.get(`/api/customers/${tenantA}/users?q=MARTIN`)).json();
    assert.deepEqual(
      search.users.map((user: { email: string }) => user.email),
      ['alice.martin@alpha.test'],
    );
    const admins = (await adminA.get(`/api/customers/${tenantA}/users?admin=true`)).json();
    assert.deepEqual(
      admins.users.map((user: { email: string }) => user.email),
      ['admin@alpha.test'],
    );
    const bad = await adminA.get(`/api/customers/${tenantA}/users?license=gold`);
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.field, 'querystring.license');
  });

  it('applies a license batch and shows it in the list; a failing batch changes nothing', async () => {
    const response = await adminA.post(`/api/customers/${tenantA}/licenses`, {
      changes: [
        { email: 'admin@alpha.test', license: 'standard' },
        { userId: await userIdOf('bruno.durand@alpha.test'), license: 'archived' },
      ],
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json().changed.length, 2);
    const licensed = (await adminA.get(`/api/customers/${tenantA}/users?license=licensed`)).json();
    assert.deepEqual(
      licensed.users.map((user: { email: string; license: string }) => [user.email, user.license]),
      [
        ['admin@alpha.test', 'standard'],
        ['bruno.durand@alpha.test', 'archived'],
      ],
    );
    const failing = await adminA.post(`/api/customers/${tenantA}/licenses`, {
      changes: [
        { email: 'admin@alpha.test', license: 'none' },
        { email: 'ghost@alpha.test', license: 'standard' },
      ],
    });
    assert.equal(failing.statusCode, 400);
    assert.match(failing.json().error.message, /ghost@alpha\.test/);
    const after = (await adminA.get(`/api/customers/${tenantA}/users?license=standard`)).json();
    assert.equal(after.total, 1, 'the admin kept the Standard license');
  });

  it('reads and changes the licensing settings, and refreshes the directory on demand', async () => {
    const put = await adminA.request('PUT', `/api/customers/${tenantA}/licensing`, { body: { autoAssign: true } });
    assert.equal(put.statusCode, 200, put.body);
    assert.equal(put.json().autoAssign, true);
    const licensing = (await adminA.get(`/api/customers/${tenantA}/licensing`)).json();
    assert.deepEqual(
      { autoAssign: licensing.autoAssign, unlimited: licensing.unlimited, assigned: licensing.assigned },
      { autoAssign: true, unlimited: true, assigned: 2 },
    );
    bed.emulator.control.createUser({ email: 'fresh.start@alpha.test', givenName: 'Fresh', familyName: 'Start' });
    const sync = await adminA.post(`/api/customers/${tenantA}/directory/sync`);
    assert.equal(sync.statusCode, 200, sync.body);
    assert.deepEqual(sync.json().autoAssigned, ['fresh.start@alpha.test']);
  });

  it("a member of tenant A gets 404 for every route of tenant B, and cannot touch B's users", async () => {
    const bUser = await userIdOf('admin@beta.test');
    const attempts = [
      await adminA.get(`/api/customers/${tenantB}/users`),
      await adminA.get(`/api/customers/${tenantB}/licensing`),
      await adminA.get(`/api/customers/${tenantB}/org-units`),
      await adminA.request('PUT', `/api/customers/${tenantB}/licensing`, { body: { autoAssign: true } }),
      await adminA.post(`/api/customers/${tenantB}/licenses`, { changes: [{ userId: bUser, license: 'standard' }] }),
      await adminA.post(`/api/customers/${tenantB}/directory/sync`),
      await adminA.get(`/api/customers/${randomUUID()}/users`),
    ];
    for (const response of attempts) {
      assert.equal(response.statusCode, 404, response.body);
      assert.equal(response.json().error.code, 'not_found');
    }
    const ownRoute = await adminA.post(`/api/customers/${tenantA}/licenses`, {
      changes: [{ userId: bUser, license: 'standard' }],
    });
    assert.equal(ownRoute.statusCode, 400, "another tenant's user is unknown here");
    const [row] = await bed.ctx.db.select().from(directoryUsers).where(eq(directoryUsers.id, bUser));
    assert.equal(row?.license, null);
    assert.equal((await adminB.get(`/api/customers/${tenantB}/users`)).json().total, 3);
  });

  it('an end user may not see the License Manager or change licenses', async () => {
    assert.equal((await endUserA.get(`/api/customers/${tenantA}/users`)).statusCode, 403);
    const post = await endUserA.post(`/api/customers/${tenantA}/licenses`, {
      changes: [{ email: 'alice.martin@alpha.test', license: 'standard' }],
    });
    assert.equal(post.statusCode, 403);
  });

  it('partner staff reach the License Manager of their own customers only, as their role allows', async () => {
    const partnerP = await seedPartner(bed.ctx.db, { name: 'P' });
    const partnerQ = await seedPartner(bed.ctx.db, { name: 'Q' });
    await bed.ctx.db.update(customers).set({ partnerId: partnerP }).where(eq(customers.id, tenantA));
    const staffBrowser = async (partnerId: string, role: 'admin' | 'read_only', email: string) => {
      const user = await seedStaffUser(bed.ctx, { email, partnerId, role });
      const sessionId = await createSession(
        bed.ctx.db,
        bed.ctx.clock,
        { kind: 'staff', staffUserId: user.id },
        'signed_in',
        { ip: '127.0.0.1', userAgent: 'test' },
      );
      const browser = createBrowser(app);
      browser.cookies.set(sessionCookieName, sessionId);
      return browser;
    };
    const adminP = await staffBrowser(partnerP, 'admin', 'admin@p.test');
    const readOnlyP = await staffBrowser(partnerP, 'read_only', 'viewer@p.test');
    const adminQ = await staffBrowser(partnerQ, 'admin', 'admin@q.test');
    try {
      assert.equal((await adminP.get(`/api/customers/${tenantA}/users`)).json().total, 7);
      const assign = await adminP.post(`/api/customers/${tenantA}/licenses`, {
        changes: [{ email: 'chloe.garcia@alpha.test', license: 'standard' }],
      });
      assert.equal(assign.statusCode, 200, assign.body);
      const audit = await bed.ctx.audit.query({ tenant: `partner:${partnerP}`, action: 'licenses.changed' });
      assert.equal(audit[0]?.target, 'chloe.garcia@alpha.test', "the partner's log shows its change too");
      assert.equal((await readOnlyP.get(`/api/customers/${tenantA}/licensing`)).statusCode, 200);
      const denied = await readOnlyP.post(`/api/customers/${tenantA}/licenses`, {
        changes: [{ email: 'chloe.garcia@alpha.test', license: 'none' }],
      });
      assert.equal(denied.statusCode, 403);
      assert.equal((await adminQ.get(`/api/customers/${tenantA}/users`)).statusCode, 404);
      assert.equal((await adminP.get(`/api/customers/${tenantB}/users`)).statusCode, 404);
    } finally {
      await bed.ctx.db.update(customers).set({ partnerId: null }).where(eq(customers.id, tenantA));
    }
  });

  it('documents the routes in the OpenAPI document', async () => {
    const document = (await app.inject({ method: 'GET', url: '/api/docs/json' })).json();
    for (const route of [
      '/api/customer',
      '/api/customers/{customerId}/users',
      '/api/customers/{customerId}/licenses',
      '/api/customers/{customerId}/licensing',
      '/api/customers/{customerId}/directory/sync',
      '/api/customers/{customerId}/access-controls',
    ]) {
      assert.ok(document.paths[route], route);
    }
  });

  describe('a tenant with 10,000 users', () => {
    let tenantC: string;
    let adminC: Browser;
    before(async () => {
      tenantC = randomUUID();
      await bed.ctx.db.insert(customers).values({ id: tenantC, domain: 'big.test', name: 'Big' });
      const now = bed.ctx.clock.now();
      for (let start = 0; start < 10_000; start += 1000) {
        await bed.ctx.db.insert(directoryUsers).values(
          Array.from({ length: 1000 }, (_, offset) => {
            const n = start + offset;
            return {
              id: randomUUID(),
              customerId: tenantC,
              googleId: `g${n}`,
              primaryEmail: `user${String(n).padStart(5, '0')}@big.test`,
              fullName: `User ${n}`,
              orgUnitPath: n % 10 === 0 ? '/Sales/EMEA' : n % 10 === 1 ? '/Sales' : '/Engineering',
              suspended: n % 100 === 7,
              license: n % 3 === 0 ? ('standard' as const) : null,
              firstSeenAt: now,
              lastSyncedAt: now,
            };
          }),
        );
      }
      adminC = await memberBrowser(tenantC, 'admin@big.test', 'super_admin');
    });

    it('pages through all users by cursor, each exactly once, with the total', async () => {
      const seen = new Set<string>();
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `limit=500${cursor ? `&cursor=${cursor}` : ''}`;
        const page = (await adminC.get(`/api/customers/${tenantC}/users?${query}`)).json();
        assert.equal(page.total, 10_000);
        for (const user of page.users) seen.add(user.id);
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      assert.equal(pages, 20);
      assert.equal(seen.size, 10_000);
    });

    it('combines search, org unit (with sub-units), license and suspended filters with offset paging', async () => {
      const sales = (await adminC.get(`/api/customers/${tenantC}/users?orgUnit=/Sales&limit=10&offset=20`)).json();
      assert.equal(sales.total, 2000);
      assert.equal(sales.users.length, 10);
      assert.equal(sales.users[0].email, 'user00100@big.test');
      const filtered = (
        await adminC.get(`/api/customers/${tenantC}/users?q=user0&license=standard&suspended=false&limit=500`)
      ).json();
      // user00000–user09999 all match "user0"; every third is Standard; 1 in 100 suspended.
      const expected = Array.from({ length: 10_000 }, (_, n) => n).filter((n) => n % 3 === 0 && n % 100 !== 7).length;
      assert.equal(filtered.total, expected);
      const search = (await adminC.get(`/api/customers/${tenantC}/users?q=User 4242`)).json();
      assert.deepEqual(
        search.users.map((user: { email: string }) => user.email),
        ['user04242@big.test'],
      );
    });
  });
});
