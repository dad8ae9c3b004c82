// The seeded world of the authorisation matrix and the API fuzzing (issue 16): two partners
// ("Own IT", "Other IT"), each with a customer holding backup sources of every service, a backup
// point, a message, an export, a restore and a spare staff user; a signed-in subject for every
// principal of `http/authorization-matrix.ts`; and a way to call a route as one of them.
import { randomUUID } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import type { LightMyRequestResponse, RouteOptions } from 'fastify';
import { type App, buildApp } from '../http/app.ts';
import type { MatrixTenant, Principal } from '../http/authorization-matrix.ts';
import { apiModules } from '../http/modules.ts';
import { alerts } from '../modules/alerts/tables.ts';
import { backupItemVersions, backupRuns, backupSources, sharedDrives } from '../modules/backup/tables.ts';
import { defineExportJobs } from '../modules/export/index.ts';
import { dataExports } from '../modules/export/tables.ts';
import {
  csrfCookieName,
  csrfHeaderName,
  csrfTokenFor,
  deriveIdentityKeys,
  sessionCookieName,
} from '../modules/identity/index.ts';
import { oneTimeTokens, staffUsers, technicianAssignments } from '../modules/identity/tables.ts';
import { defineRestoreJobs } from '../modules/restore/index.ts';
import { restores } from '../modules/restore/tables.ts';
import { customers, partners } from '../modules/tenancy/tables.ts';
import { seedPartner, seedStaffUser } from './browser.ts';
import type { TestContext } from './context.ts';
import { seedCustomer, signedInSession } from './tenants.ts';

export interface World {
  tenants: Record<'own' | 'other', MatrixTenant>;
  /** Who signs in as each principal (null: anonymous). */
  subjects: Record<
    Principal,
    { kind: 'staff'; staffUserId: string } | { kind: 'customer'; customerMemberId: string } | null
  >;
  staffUserIds: string[];
  assignedTechnicianId: string;
  /** The authenticator secret of each staff principal (for the codes a partner session asks for). */
  totpSecrets: Partial<Record<Principal, Buffer>>;
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
  // A shared drive the backup has seen (the shared-drives routes change its protection).
  await ctx.db.insert(sharedDrives).values({
    customerId: customer.id,
    driveId: '0Amatrix',
    name: `Team drive of ${name}`,
    protected: true,
    firstSeenAt: now,
    lastSeenAt: now,
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
  // An open alert on the customer (the Alerts page acknowledges it).
  const alertId = randomUUID();
  await ctx.db.insert(alerts).values({
    id: alertId,
    customerId: customer.id,
    kind: 'seats_over',
    since: now,
    cause: 'Over.',
    action: 'Fix it.',
    openedAt: now,
  });
  const spareEmail = `spare@${name.toLowerCase()}-it.test`;
  const spare = await seedStaffUser(ctx, { email: spareEmail, partnerId, role: 'technician' });
  // A pending invitation of the partner (the Team page resends or revokes it).
  const invitationId = randomUUID();
  await ctx.db.insert(oneTimeTokens).values({
    id: invitationId,
    purpose: 'invitation',
    tokenHash: `matrix-${invitationId}`,
    email: `invited@${name.toLowerCase()}-it.test`,
    partnerId,
    role: 'read_only',
    expiresAt: new Date(now.getTime() + 365 * 24 * 3600_000),
  });
  return {
    invitationId,
    staffUserEmail: spareEmail,
    partnerId,
    customerId: customer.id,
    domain,
    sourceIds,
    exportId,
    restoreId,
    alertId,
    staffUserId: spare.id,
    members: customer.members,
  };
}

export async function seedWorld(ctx: TestContext): Promise<World> {
  const own = await seedTenant(ctx, 'Own');
  const other = await seedTenant(ctx, 'Other');
  // Both customers allow their partner to open their console (partner sessions, issue 18 §2).
  await ctx.db.update(customers).set({ allowPartnerAccess: true });
  const secrets = new Map<string, Buffer>();
  const staff = async (role: Parameters<typeof seedStaffUser>[1]['role'], email: string, partnerId?: string) => {
    const seeded = await seedStaffUser(ctx, { email, role, partnerId: partnerId ?? null });
    if (seeded.totpSecret) secrets.set(seeded.id, seeded.totpSecret);
    return { kind: 'staff', staffUserId: seeded.id } as const;
  };
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
    totpSecrets: Object.fromEntries(
      Object.entries(subjects).flatMap(([principal, subject]) => {
        const secret = subject?.kind === 'staff' ? secrets.get(subject.staffUserId) : undefined;
        return secret ? [[principal, secret]] : [];
      }),
    ),
  };
}

/** Puts back what a state-changing call may have changed that later calls rely on. */
export async function repairWorld(ctx: TestContext, world: World): Promise<void> {
  for (const tenant of Object.values(world.tenants)) {
    await ctx.db
      .update(customers)
      .set({ partnerId: tenant.partnerId, status: 'trial', allowPartnerAccess: true })
      .where(eq(customers.id, tenant.customerId));
  }
  await ctx.db.update(partners).set({ status: 'active' });
  // The Team routes change the spare member's role, remove it, make it owner, revoke invitations.
  const owner = world.subjects.partner_owner;
  for (const tenant of Object.values(world.tenants)) {
    await ctx.db
      .insert(staffUsers)
      .values({
        id: tenant.staffUserId,
        email: tenant.staffUserEmail,
        orgKind: 'partner',
        partnerId: tenant.partnerId,
        role: 'technician',
      })
      .onConflictDoUpdate({ target: staffUsers.id, set: { role: 'technician' } });
    await ctx.db.update(oneTimeTokens).set({ usedAt: null }).where(eq(oneTimeTokens.id, tenant.invitationId));
  }
  if (owner?.kind === 'staff') {
    await ctx.db.update(staffUsers).set({ role: 'owner' }).where(eq(staffUsers.id, owner.staffUserId));
  }
  await ctx.db.update(alerts).set({ acknowledgedAt: null, acknowledgedBy: null, acknowledgedByEmail: null });
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
export function concreteUrl(pattern: string, tenant: MatrixTenant, query: Record<string, string> | undefined): string {
  const values: Record<string, string> = {
    customerId: tenant.customerId,
    partnerId: tenant.partnerId,
    sourceId: tenant.sourceIds[serviceOf(pattern)],
    exportId: tenant.exportId,
    restoreId: tenant.restoreId,
    alertId: tenant.alertId,
    userId: tenant.staffUserId,
    invitationId: tenant.invitationId,
    // A customer member who is not a help-desk admin (revoking answers 409 and changes nothing).
    email: `user@${tenant.domain}`,
    // The shared drive seeded in each tenant.
    driveId: '0Amatrix',
    // Integrations: ids no tenant has (authorisation answers before the object is looked up).
    keyId: '00000000-0000-4000-8000-00000000a11e',
    webhookId: '00000000-0000-4000-8000-0000000000b1',
    // A distributor's child partner no tenant has (owners and admins get past policy to a 404).
    childId: '00000000-0000-4000-8000-0000000000d1',
    // Installation health: a failed job no queue has (the admin gets past policy to a 404).
    jobId: '00000000-0000-4000-8000-0000000000c1',
    // Settings › API: a token id no tenant has; /api/v1: a user of the tenant.
    tokenId: '00000000-0000-4000-8000-0000000000d1',
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

/**
 * The app as `safehold start` builds it (the web app's static files aside), its routes told to
 * `onRoute`, with an API process's job queue: exports and restores are enqueued, never run.
 */
export async function buildAppAsServed(ctx: TestContext, onRoute: (route: RouteOptions) => void): Promise<App> {
  const app = await buildApp(ctx, { modules: apiModules, onRoute });
  await app.ready();
  defineExportJobs(ctx.jobs, () => ctx);
  defineRestoreJobs(ctx.jobs, () => ctx);
  await ctx.jobs.start({ work: false });
  return app;
}

/**
 * Calls a route as a principal (with its session, if any, and a valid CSRF token, so what
 * answers is the route and not the CSRF check), from an IP of its own so per-IP limits of one
 * call never colour the next.
 */
export function createCaller(ctx: TestContext, app: App, world: World) {
  const csrfNonce = 'm'.repeat(43);
  const csrfToken = csrfTokenFor(deriveIdentityKeys(ctx.masterKey).csrf, csrfNonce);
  let sessionIds = new Map<Principal, string>();
  let calls = 0;
  return {
    get calls() {
      return calls;
    },
    /** Forgets the sessions (after a call that may have ended or changed them). */
    newSessions() {
      sessionIds = new Map();
    },
    /** The principal's session id (the cookie value), signed in now if it has none; null: anonymous. */
    async sessionId(principal: Principal): Promise<string | null> {
      const subject = world.subjects[principal];
      if (!subject) return null;
      let id = sessionIds.get(principal);
      if (!id) {
        id = await signedInSession(ctx.db, ctx.clock, subject);
        sessionIds.set(principal, id);
      }
      return id;
    },
    async send(
      principal: Principal,
      request: { method: string; url: string; body?: unknown },
    ): Promise<LightMyRequestResponse> {
      const cookies = [`${csrfCookieName}=${csrfNonce}`];
      const id = await this.sessionId(principal);
      if (id) cookies.push(`${sessionCookieName}=${id}`);
      calls += 1;
      const hasBody = request.body !== undefined;
      return app.inject({
        method: request.method as 'GET',
        url: request.url,
        headers: {
          cookie: cookies.join('; '),
          [csrfHeaderName]: csrfToken,
          ...(hasBody ? { 'content-type': 'application/json' } : {}),
        },
        ...(hasBody ? { payload: JSON.stringify(request.body) } : {}),
        remoteAddress: `10.${(calls >> 16) & 255}.${(calls >> 8) & 255}.${calls & 255}`,
      });
    },
  };
}
