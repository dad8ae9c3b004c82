// Partner sessions (issue 18 §2): partner staff reach customer data only inside one. The table
// test takes every customer-data row of the authorisation matrix and calls it as each partner
// role without a partner session (403 partner_session_required; 404 for the unassigned
// technician) and inside one (what the customer's super admin gets). Then the session itself:
// opened with a reason and a code, at most 60 minutes (injected clock), End session, the
// customer's switch ending it at once, wrong codes and read-only/billing refused and audited.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import type { App } from '../../http/app.ts';
import {
  authorizationMatrix,
  type MatrixTenant,
  type Principal,
  principals,
  type RouteKey,
} from '../../http/authorization-matrix.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { buildAppAsServed, concreteUrl, createCaller, seedWorld, type World } from '../../testing/matrix-world.ts';
import { hashSessionId } from './sessions.ts';
import { sessions } from './tables.ts';
import { totpCode } from './totp.ts';

const partnerPrincipals = [
  'partner_owner',
  'partner_admin',
  'technician_assigned',
  'technician_unassigned',
  'partner_read_only',
  'partner_billing',
] as const satisfies Principal[];
const operatingPrincipals = ['partner_owner', 'partner_admin', 'technician_assigned'] as const;

const dataRoutes = (Object.keys(authorizationMatrix) as RouteKey[]).filter(
  (key) => authorizationMatrix[key]?.customerData,
);

function outcomeOf(status: number): string {
  return status === 401 || status === 403 || status === 404 ? String(status) : status >= 500 ? `${status}` : 'ok';
}

forEachDatabase('partner sessions', (kind) => {
  let ctx: TestContext;
  let app: App;
  let world: World;
  let caller: ReturnType<typeof createCaller>;
  let own: MatrixTenant;

  before(async () => {
    ctx = await createTestContext(kind, { start: new Date('2026-06-01T09:00:00Z') });
    app = await buildAppAsServed(ctx, () => {});
    world = await seedWorld(ctx);
    caller = createCaller(ctx, app, world);
    own = world.tenants.own;
  });
  after(async () => {
    await app.close();
    await ctx.close();
  });

  /** Puts the principal's staff session into a partner session on a customer (or out of one). */
  async function setPartnerSession(principal: Principal, customerId: string | null) {
    const id = await caller.sessionId(principal);
    assert.ok(id);
    await ctx.db
      .update(sessions)
      .set({
        actingCustomerId: customerId,
        actingReason: customerId ? 'table test' : null,
        actingExpiresAt: customerId ? new Date(ctx.clock.now().getTime() + 30 * 60_000) : null,
      })
      .where(eq(sessions.idHash, hashSessionId(id)));
  }

  const callRow = (principal: Principal, key: RouteKey) => {
    const row = authorizationMatrix[key];
    assert.ok(row);
    const [method, pattern] = key.split(' ') as [string, string];
    return caller.send(principal, {
      method,
      url: concreteUrl(pattern, own, row.query?.(own)),
      body: row.body?.(own, `call${caller.calls + 1}`),
    });
  };
  const expected = (key: RouteKey, principal: Principal) =>
    authorizationMatrix[key]?.own.trim().split(/\s+/)[principals.indexOf(principal)];

  it('the matrix marks the customer-data routes (browse, search, downloads, restores, exports)', () => {
    for (const part of ['/browse/', '/search', '/items/download', '/items/attachment', '/restores', '/exports']) {
      assert.ok(
        dataRoutes.some((key) => key.includes(part)),
        `no customer-data row for ${part}`,
      );
    }
    assert.ok(dataRoutes.length >= 20, `${dataRoutes.length} rows`);
  });

  it('every partner role without a partner session gets 403 partner_session_required (404 if unassigned) on every customer-data route', async () => {
    const mismatches: string[] = [];
    for (const key of dataRoutes) {
      for (const principal of partnerPrincipals) {
        const response = await callRow(principal, key);
        const want = operatingPrincipals.includes(principal as never)
          ? '403'
          : principal === 'technician_unassigned'
            ? '404'
            : '403';
        if (outcomeOf(response.statusCode) !== want) {
          mismatches.push(`${key} as ${principal}: ${response.statusCode} ${response.body.slice(0, 120)}`);
        } else if (
          operatingPrincipals.includes(principal as never) &&
          response.json().error.code !== 'partner_session_required'
        ) {
          mismatches.push(`${key} as ${principal}: code ${response.json().error.code}`);
        }
      }
    }
    assert.deepEqual(mismatches, []);
  });

  it("inside a partner session the owner, admin and assigned technician get what the customer's super admin gets; read-only and billing still 403", async () => {
    for (const principal of partnerPrincipals) await setPartnerSession(principal, own.customerId);
    const mismatches: string[] = [];
    try {
      for (const key of dataRoutes) {
        for (const principal of partnerPrincipals) {
          const response = await callRow(principal, key);
          const want = operatingPrincipals.includes(principal as never)
            ? expected(key, 'customer_super_admin')
            : principal === 'technician_unassigned'
              ? '404'
              : '403';
          if (outcomeOf(response.statusCode) !== want) {
            mismatches.push(
              `${key} as ${principal}: want ${want}, got ${response.statusCode} ${response.body.slice(0, 120)}`,
            );
          }
        }
      }
      // A session on one customer opens no other: the other partner's customer stays 404.
      const other = world.tenants.other;
      const response = await caller.send('partner_owner', {
        method: 'GET',
        url: `/api/customers/${other.customerId}/browse/sources`,
      });
      assert.equal(response.statusCode, 404, response.body);
    } finally {
      for (const principal of partnerPrincipals) await setPartnerSession(principal, null);
    }
    assert.deepEqual(mismatches, []);
  });

  describe('opening, ending and losing a partner session', () => {
    const browse = (principal: Principal) =>
      caller.send(principal, { method: 'GET', url: `/api/customers/${own.customerId}/browse/sources` });
    const open = (principal: Principal, code: string, reason = 'Ticket 4711: restore lost mail') =>
      caller.send(principal, {
        method: 'POST',
        url: `/api/customers/${own.customerId}/partner-session`,
        body: { reason, code },
      });
    const codeOf = (principal: Principal) => {
      const secret = world.totpSecrets[principal];
      assert.ok(secret);
      return totpCode(secret, ctx.clock.now());
    };
    const session = async (principal: Principal) =>
      (await caller.send(principal, { method: 'GET', url: '/api/auth/session' })).json().session.user.partnerSession;
    const auditOf = (action: string) => ctx.audit.query({ tenant: `customer:${own.customerId}`, action });

    it('the owner opens it with a reason and a code: 60 minutes, browse allowed, audited in both logs with the person and reason', async () => {
      const opened = await open('partner_owner', codeOf('partner_owner'));
      assert.equal(opened.statusCode, 201, opened.body);
      assert.equal(opened.json().endsAt, new Date(ctx.clock.now().getTime() + 60 * 60_000).toISOString());
      const view = await session('partner_owner');
      assert.equal(view.customerId, own.customerId);
      assert.equal(view.domain, own.domain);
      assert.equal(view.reason, 'Ticket 4711: restore lost mail');
      assert.equal(view.consoleRole, 'super_admin');
      assert.equal((await browse('partner_owner')).statusCode, 200);
      // The customer console's own-tenant overview answers for the opened customer.
      const overview = await caller.send('partner_owner', { method: 'GET', url: '/api/customer' });
      assert.equal(overview.statusCode, 200, overview.body);
      assert.equal(overview.json().domain, own.domain);

      const [entry] = await auditOf('partner_session.open');
      assert.equal(entry?.actorLabel, 'owner@own-it.test');
      assert.equal(entry?.result, 'success');
      assert.equal(entry?.onBehalfOf, `${own.domain}, partner session: Ticket 4711: restore lost mail`);
      const [inPartnerLog] = await ctx.audit.query({
        tenant: `partner:${own.partnerId}`,
        action: 'partner_session.open',
      });
      assert.equal(inPartnerLog?.id, entry?.id);

      // An action inside is audited with the real person and the partner session, in the customer's log.
      const restore = await caller.send('partner_owner', {
        method: 'POST',
        url: `/api/customers/${own.customerId}/restores`,
        body: { user: `user@${own.domain}`, service: 'gmail' },
      });
      assert.equal(restore.statusCode, 202, restore.body);
      const [restoreEntry] = await ctx.audit.query({ tenant: `customer:${own.customerId}`, action: 'restore.request' });
      assert.equal(restoreEntry?.actorLabel, 'owner@own-it.test');
      assert.match(restoreEntry?.onBehalfOf ?? '', /Ticket 4711/);

      // The customer's super admin reads who worked in its console and why (not their IP address).
      const read = await caller.send('customer_super_admin', {
        method: 'GET',
        url: `/api/customers/${own.customerId}/audit?action=restore.request`,
      });
      assert.equal(read.statusCode, 200, read.body);
      const [shown] = read.json().entries;
      assert.equal(shown.actorLabel, 'owner@own-it.test (Partner: Own IT)');
      assert.match(shown.onBehalfOf, /Ticket 4711: restore lost mail/);
      assert.equal(shown.ip, null);
    });

    it('after 60 minutes the partner session has ended: 403 again, the staff session goes on', async () => {
      // Three requests 29 minutes apart keep the staff session from idling out (30 minutes).
      ctx.clock.advance(29 * 60_000);
      assert.equal((await browse('partner_owner')).statusCode, 200);
      ctx.clock.advance(29 * 60_000);
      assert.equal((await browse('partner_owner')).statusCode, 200);
      ctx.clock.advance(2 * 60_000);
      const refused = await browse('partner_owner');
      assert.equal(refused.statusCode, 403, refused.body);
      assert.equal(refused.json().error.code, 'partner_session_required');
      assert.equal(await session('partner_owner'), null);
      // The other principals' sessions idled out meanwhile: they sign in again.
      caller.newSessions();
    });

    it('End session ends it at once and is audited', async () => {
      ctx.clock.advance(31_000);
      assert.equal((await open('partner_admin', codeOf('partner_admin'))).statusCode, 201);
      assert.equal((await browse('partner_admin')).statusCode, 200);
      const ended = await caller.send('partner_admin', { method: 'POST', url: '/api/auth/partner-session/end' });
      assert.equal(ended.statusCode, 204, ended.body);
      assert.equal((await browse('partner_admin')).statusCode, 403);
      const [entry] = await auditOf('partner_session.end');
      assert.equal(entry?.actorLabel, 'admin@own-it.test');
    });

    it('the customer turning its switch off ends live sessions at once and refuses new ones with a clear sentence', async () => {
      ctx.clock.advance(31_000);
      assert.equal((await open('technician_assigned', codeOf('technician_assigned'))).statusCode, 201);
      assert.equal((await session('technician_assigned')).consoleRole, 'helpdesk_admin');
      const off = await caller.send('customer_super_admin', {
        method: 'PUT',
        url: `/api/customers/${own.customerId}/partner-access`,
        body: { allowed: false },
      });
      assert.equal(off.statusCode, 200, off.body);
      const refused = await browse('technician_assigned');
      assert.equal(refused.statusCode, 403);
      assert.equal(refused.json().error.code, 'partner_access_off');
      assert.equal(await session('technician_assigned'), null);
      // Turning it back on does not bring the ended session back.
      await caller.send('customer_super_admin', {
        method: 'PUT',
        url: `/api/customers/${own.customerId}/partner-access`,
        body: { allowed: false },
      });
      ctx.clock.advance(31_000);
      const reopen = await open('partner_owner', codeOf('partner_owner'));
      assert.equal(reopen.statusCode, 403, reopen.body);
      assert.equal(reopen.json().error.code, 'partner_access_off');
      assert.match(reopen.json().error.message, /Allow partner to open this console/);
      const denied = (await auditOf('partner_session.open')).find((entry) => entry.result === 'denied');
      assert.equal(denied?.actorLabel, 'owner@own-it.test');
      const on = await caller.send('customer_super_admin', {
        method: 'PUT',
        url: `/api/customers/${own.customerId}/partner-access`,
        body: { allowed: true },
      });
      assert.equal(on.statusCode, 200, on.body);
      assert.equal((await browse('technician_assigned')).statusCode, 403, 'an ended session stays ended');
    });

    it('a wrong code is refused, audited as a failure, and opens nothing', async () => {
      const wrong = await open('partner_admin', '000000');
      assert.equal(wrong.statusCode, 400, wrong.body);
      assert.equal(wrong.json().error.field, 'body.code');
      assert.equal(await session('partner_admin'), null);
      const failure = (await auditOf('partner_session.open')).find(
        (entry) => entry.result === 'failure' && entry.actorLabel === 'admin@own-it.test',
      );
      assert.ok(failure, 'the failed attempt is in the customer log');
      assert.equal((await browse('partner_admin')).statusCode, 403);
    });

    it('read-only and billing members never open it (403, audited)', async () => {
      for (const principal of ['partner_read_only', 'partner_billing'] as const) {
        const refused = await open(principal, codeOf(principal));
        assert.equal(refused.statusCode, 403, refused.body);
        assert.equal(await session(principal), null);
      }
      const denied = (await auditOf('partner_session.open')).filter(
        (entry) => entry.result === 'denied' && /viewer@|billing@/.test(entry.actorLabel),
      );
      assert.equal(denied.length, 2);
    });
  });
});
