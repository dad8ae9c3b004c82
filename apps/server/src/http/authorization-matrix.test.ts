// The authorisation matrix (issue 16): every route the server registers — listed by Fastify's
// onRoute hook on the app built as `safehold start` builds it — is called by every principal
// of `authorization-matrix.ts` on its own tenant and on another partner's tenant, and the
// outcome class is compared with the table there. A route without a row fails the test with
// its name. One app, one database, seeded once; each call gets a fresh session and its own IP
// (so sign-out and rate limits of one call never colour the next), and what a state-changing
// call may break for the calls after it (a removed partner, a suspended partner, a disabled
// user) is put back after it.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import { eq, inArray } from 'drizzle-orm';
import {
  backupItemVersions,
  backupRuns,
  backupSources,
  customers,
  dataExports,
  partners,
  restores,
  staffUsers,
  technicianAssignments,
} from '../db/schema.ts';
import { defineExportJobs } from '../modules/export/exports.ts';
import { csrfTokenFor } from '../modules/identity/csrf.ts';
import { csrfCookieName, csrfHeaderName, sessionCookieName } from '../modules/identity/index.ts';
import { deriveIdentityKeys } from '../modules/identity/server-secrets.ts';
import { defineRestoreJobs } from '../modules/restore/restore-jobs.ts';
import { seedPartner, seedStaffUser } from '../testing/browser.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../testing/context.ts';
import { seedCustomer, signedInSession } from '../testing/tenants.ts';
import { type App, buildApp } from './app.ts';
import {
  authorizationMatrix,
  type MatrixTenant,
  type Outcome,
  type Principal,
  principals,
  type RouteKey,
  routeKey,
} from './authorization-matrix.ts';
import { apiModules } from './modules.ts';

/** Fastify answers HEAD with the GET route's handler; the matrix covers the GET. */
const coveredMethods = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** The outcome class of an answer: 401, 403 and 404 stop at authorisation; anything else got past it. */
function outcomeOf(status: number): Outcome | `unexpected ${number}` {
  if (status === 401 || status === 403 || status === 404) return String(status) as Outcome;
  if (status === 429 || status >= 500) return `unexpected ${status}`;
  return 'ok';
}

interface World {
  tenants: Record<'own' | 'other', MatrixTenant>;
  /** Who signs in as each principal (null: anonymous). */
  subjects: Record<
    Principal,
    { kind: 'staff'; staffUserId: string } | { kind: 'customer'; customerMemberId: string } | null
  >;
  staffUserIds: string[];
  assignedTechnicianId: string;
}

/** One partner with a customer, a backup source with one item, an export, a restore, and a spare staff user. */
async function seedTenant(ctx: TestContext, name: string): Promise<MatrixTenant & { members: Map<string, string> }> {
  const partnerId = await seedPartner(ctx.db, { name: `${name} IT` });
  const domain = `${name.toLowerCase()}.matrix.test`;
  const customer = await seedCustomer(ctx.db, ctx.clock, {
    domain,
    partnerId,
    users: [{ email: `admin@${domain}`, license: 'standard', isAdmin: true }, { email: `user@${domain}` }],
    members: [
      { email: `admin@${domain}`, role: 'super_admin' },
      { email: `helpdesk@${domain}`, role: 'helpdesk_admin' },
      { email: `user@${domain}`, role: 'end_user' },
    ],
  });
  const now = ctx.clock.now();
  // One source per service (the browse routes of a service find only sources of theirs).
  const sourceIds = {} as MatrixTenant['sourceIds'];
  for (const service of ['gmail', 'drive', 'calendar', 'contacts'] as const) {
    sourceIds[service] = randomUUID();
    await ctx.db.insert(backupSources).values({
      id: sourceIds[service],
      customerId: customer.id,
      subjectKind: 'user',
      subjectId: `g-user-${name}`,
      subjectEmail: `user@${domain}`,
      service,
    });
  }
  // A committed backup point of each source; the Gmail one holds a message.
  const runIds = {} as Record<keyof MatrixTenant['sourceIds'], string>;
  for (const [service, sourceId] of Object.entries(sourceIds) as [keyof MatrixTenant['sourceIds'], string][]) {
    runIds[service] = randomUUID();
    await ctx.db.insert(backupRuns).values({
      id: runIds[service],
      customerId: customer.id,
      sourceId,
      trigger: 'scheduled',
      status: 'success',
      finishedAt: now,
    });
  }
  const sourceId = sourceIds.gmail;
  const runId = runIds.gmail;
  await ctx.db.insert(backupItemVersions).values({
    customerId: customer.id,
    sourceId,
    itemKey: 'message-1',
    version: 1,
    objectId: 'not-in-the-repository',
    contentHash: 'x',
    size: 10,
    metadata: { subject: `Hello from ${name}`, from: `user@${domain}`, labelIds: ['INBOX'], labelNames: ['INBOX'] },
    validFrom: new Date(now.getTime() - 1000),
    runId,
  });
  const exportId = randomUUID();
  await ctx.db.insert(dataExports).values({
    id: exportId,
    customerId: customer.id,
    subjectEmail: `user@${domain}`,
    services: ['gmail'],
    requestedBy: `admin@${domain}`,
  });
  const restoreId = randomUUID();
  await ctx.db.insert(restores).values({
    id: restoreId,
    customerId: customer.id,
    sourceId,
    service: 'gmail',
    fromEmail: `user@${domain}`,
    toEmail: `user@${domain}`,
    pointRunId: runId,
    asOf: now,
    selection: {},
    containerName: 'Restored',
    requestedBy: `admin@${domain}`,
  });
  const spare = await seedStaffUser(ctx, {
    email: `spare@${name.toLowerCase()}-it.test`,
    partnerId,
    role: 'technician',
  });
  return {
    partnerId,
    customerId: customer.id,
    domain,
    sourceIds,
    exportId,
    restoreId,
    staffUserId: spare.id,
    members: customer.members,
  };
}

async function seedWorld(ctx: TestContext): Promise<World> {
  const own = await seedTenant(ctx, 'Own');
  const other = await seedTenant(ctx, 'Other');
  const staff = async (role: Parameters<typeof seedStaffUser>[1]['role'], email: string, partnerId?: string) =>
    ({
      kind: 'staff',
      staffUserId: (await seedStaffUser(ctx, { email, role, partnerId: partnerId ?? null })).id,
    }) as const;
  const member = (email: string) => ({ kind: 'customer', customerMemberId: own.members.get(email) as string }) as const;
  const subjects: World['subjects'] = {
    anonymous: null,
    vendor_admin: await staff('admin', 'admin@vendor.test'),
    vendor_support: await staff('support', 'support@vendor.test'),
    partner_owner: await staff('owner', 'owner@own-it.test', own.partnerId),
    partner_admin: await staff('admin', 'admin@own-it.test', own.partnerId),
    technician_assigned: await staff('technician', 'tech@own-it.test', own.partnerId),
    technician_unassigned: await staff('technician', 'tech2@own-it.test', own.partnerId),
    partner_read_only: await staff('read_only', 'viewer@own-it.test', own.partnerId),
    partner_billing: await staff('billing', 'billing@own-it.test', own.partnerId),
    customer_super_admin: member(`admin@${own.domain}`),
    customer_helpdesk_admin: member(`helpdesk@${own.domain}`),
    customer_end_user: member(`user@${own.domain}`),
  };
  const assigned = subjects.technician_assigned;
  if (assigned?.kind !== 'staff') throw new Error('the assigned technician is a staff user');
  // The technician is assigned the own customer only; the other technician nothing.
  await ctx.db.insert(technicianAssignments).values({ userId: assigned.staffUserId, customerId: own.customerId });
  const staffUserIds = Object.values(subjects).flatMap((s) => (s?.kind === 'staff' ? [s.staffUserId] : []));
  return {
    tenants: { own, other },
    subjects,
    staffUserIds: [...staffUserIds, own.staffUserId, other.staffUserId],
    assignedTechnicianId: assigned.staffUserId,
  };
}

/** Puts back what a state-changing call may have changed that later calls rely on. */
async function repairWorld(ctx: TestContext, world: World): Promise<void> {
  for (const tenant of Object.values(world.tenants)) {
    await ctx.db
      .update(customers)
      .set({ partnerId: tenant.partnerId, status: 'trial' })
      .where(eq(customers.id, tenant.customerId));
  }
  await ctx.db.update(partners).set({ status: 'active' });
  await ctx.db.update(staffUsers).set({ disabledAt: null }).where(inArray(staffUsers.id, world.staffUserIds));
  // Removing a customer's partner ends its technicians' assignments.
  await ctx.db
    .insert(technicianAssignments)
    .values({ userId: world.assignedTechnicianId, customerId: world.tenants.own.customerId })
    .onConflictDoNothing();
}

/** The service a browse route is about (its path says), for the source of that service. */
function serviceOf(pattern: string): keyof MatrixTenant['sourceIds'] {
  return (['drive', 'calendar', 'contacts'] as const).find((service) => pattern.includes(`/${service}`)) ?? 'gmail';
}

/** The URL with every `:param` (and a `*` wildcard) filled in from the tenant. */
function concreteUrl(pattern: string, tenant: MatrixTenant, query: Record<string, string> | undefined): string {
  const values: Record<string, string> = {
    customerId: tenant.customerId,
    partnerId: tenant.partnerId,
    sourceId: tenant.sourceIds[serviceOf(pattern)],
    exportId: tenant.exportId,
    restoreId: tenant.restoreId,
    userId: tenant.staffUserId,
  };
  const path = pattern
    .replace(/:(\w+)/g, (_match, name: string) => {
      const value = values[name];
      if (!value) throw new Error(`no value for :${name} in ${pattern}; add it to concreteUrl`);
      return value;
    })
    .replace(/\*$/, 'index.html');
  return query ? `${path}?${new URLSearchParams(query)}` : path;
}

forEachDatabase('authorisation matrix', (kind) => {
  let ctx: TestContext;
  let app: App;
  let world: World;
  const registered: { method: string; url: string }[] = [];

  before(async () => {
    ctx = await createTestContext(kind, { start: new Date('2026-06-01T09:00:00Z') });
    // As `safehold start` builds it (the web app's files aside: static, no data, no session).
    app = await buildApp(ctx, {
      modules: apiModules,
      onRoute: (route) => {
        for (const method of [route.method].flat()) registered.push({ method, url: route.url });
      },
    });
    await app.ready();
    // As an API process runs it: jobs are enqueued (exports, restores), never run here.
    defineExportJobs(ctx.jobs, () => ctx);
    defineRestoreJobs(ctx.jobs, () => ctx);
    await ctx.jobs.start({ work: false });
    world = await seedWorld(ctx);
  });
  after(async () => {
    await app.close();
    await ctx.close();
  });

  const routes = () =>
    registered.filter((route) => coveredMethods.has(route.method)).map((route) => routeKey(route.method, route.url));

  it('every registered route has a row in authorization-matrix.ts, and every row a route', () => {
    const keys = routes();
    const missing = keys.filter((key) => !(key in authorizationMatrix));
    assert.deepEqual(
      missing,
      [],
      `these routes have no row in apps/server/src/http/authorization-matrix.ts: ${missing.join(', ')}`,
    );
    const stale = Object.keys(authorizationMatrix).filter((key) => !keys.includes(key as RouteKey));
    assert.deepEqual(stale, [], `these rows of authorization-matrix.ts name no registered route: ${stale.join(', ')}`);
  });

  it('every route answers every principal, own tenant and other tenant, as the matrix says', async () => {
    const keyBytes = deriveIdentityKeys(ctx.masterKey).csrf;
    const csrfNonce = 'm'.repeat(43);
    const csrfToken = csrfTokenFor(keyBytes, csrfNonce);
    const mismatches: string[] = [];
    const observed: Record<string, Record<'own' | 'other', string[]>> = {};
    let calls = 0;
    // One session per principal, made again after a call that may have changed sessions or roles.
    let sessionIds = new Map<Principal, string>();
    const sessionOf = async (principal: Principal): Promise<string | null> => {
      const subject = world.subjects[principal];
      if (!subject) return null;
      let id = sessionIds.get(principal);
      if (!id) {
        id = await signedInSession(ctx.db, ctx.clock, subject);
        sessionIds.set(principal, id);
      }
      return id;
    };
    for (const key of routes()) {
      const row = authorizationMatrix[key];
      if (!row) continue; // reported by the test above
      const [method, pattern] = key.split(' ') as [string, string];
      for (const side of ['own', 'other'] as const) {
        const tenant = world.tenants[side];
        const expected: string[] = row[side].trim().split(/\s+/);
        assert.equal(expected.length, principals.length, `${key} ${side}: one outcome per principal`);
        const seen: string[] = [];
        for (const [index, principal] of principals.entries()) {
          const cookies = [`${csrfCookieName}=${csrfNonce}`];
          const sessionId = await sessionOf(principal);
          if (sessionId) cookies.push(`${sessionCookieName}=${sessionId}`);
          calls += 1;
          const body = row.body?.(tenant, `call${calls}`);
          const response = await app.inject({
            method: method as 'GET',
            url: concreteUrl(pattern, tenant, row.query?.(tenant)),
            headers: {
              cookie: cookies.join('; '),
              [csrfHeaderName]: csrfToken,
              ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
            },
            ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
            remoteAddress: `10.${(calls >> 16) & 255}.${(calls >> 8) & 255}.${calls & 255}`,
          });
          const outcome = outcomeOf(response.statusCode);
          seen.push(outcome);
          if (outcome !== expected[index]) {
            mismatches.push(
              `${key} as ${principal} on the ${side} tenant: expected ${expected[index]}, got ${response.statusCode} ${response.body.slice(0, 160)}`,
            );
          }
          if (method !== 'GET' && outcome === 'ok') {
            await repairWorld(ctx, world);
            sessionIds = new Map();
          }
        }
        observed[key] = { ...observed[key], [side]: seen } as Record<'own' | 'other', string[]>;
      }
    }
    if (process.env.SAFEHOLD_MATRIX_PRINT) printObserved(observed);
    assert.deepEqual(mismatches, [], `${mismatches.length} of ${calls} calls differ from the matrix`);
    // The size the closing note of issue 16 reports.
    ctx.logger.info({ routes: routes().length, principals: principals.length, calls }, 'authorisation matrix');
  });
});

/** SAFEHOLD_MATRIX_PRINT=1 prints what was observed in the table's layout (to review, never to paste blindly). */
function printObserved(observed: Record<string, Record<'own' | 'other', string[]>>): void {
  const cells = (list: string[]) => list.map((cell) => cell.padEnd(4)).join('');
  for (const [key, row] of Object.entries(observed)) {
    process.stdout.write(`${key}\n  own:   '${cells(row.own).trimEnd()}'\n  other: '${cells(row.other).trimEnd()}'\n`);
  }
}
