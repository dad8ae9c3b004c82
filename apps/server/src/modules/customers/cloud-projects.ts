// Customers spread over several Google Cloud projects (issue 20; docs/deployment.md "Several Cloud
// projects"): which project a new customer is bound to, the vendor moving a customer to another
// project (the domain must then authorise that project's client id: backups wait), and "Check
// authorisation", which asks Google for a token of a licensed user with the bound project's key.
import { API_NAMES, defaultQuotaLimits, GOOGLE_SCOPES, type GoogleApiName, TokenRequestError } from '@safehold/google';
import { and, asc, eq, inArray, isNotNull, isNull, or, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Clock } from '../../clock.ts';
import type { Config } from '../../config/config.ts';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../http/errors.ts';
import { superAdminEmails } from '../identity/index.ts';
import { type Actor, authorize } from '../policy/index.ts';
import { customerColumn, findCustomerByDomain } from '../tenancy/index.ts';
import { delegationFix } from './authorization.ts';
import type { AuditActor, CustomersDeps } from './deps.ts';
import { configuredGoogleProjects, type GoogleProject } from './google-client.ts';
import { auditTenantsFor, authorizedCustomerRow } from './licensing.ts';
import {
  dailyThresholds,
  ProjectQuotaSpentError,
  projectUsageToday,
  type QuotaStoppedWork,
  quotaDay,
  quotaDayResetsAt,
  type SpentProjectQuota,
  spentProjectQuotas,
} from './project-usage.ts';
import { getConnection, updateConnection } from './store.ts';
import { customerConnections, directoryUsers } from './tables.ts';

/** Customers bound to each project (an unbound connection counts for the default, first project). */
export async function customersPerProject(
  deps: Pick<CustomersDeps, 'db' | 'googleProjects'>,
): Promise<Map<string, number>> {
  const projects = deps.googleProjects();
  const counts = new Map(projects.map((project) => [project.id, 0]));
  const rows = await deps.db
    .select({ project: customerConnections.googleProject, customers: sql<number>`count(*)::int` })
    .from(customerConnections)
    .groupBy(customerConnections.googleProject);
  for (const row of rows) {
    const id = row.project ?? projects[0]?.id;
    if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + Number(row.customers));
  }
  return counts;
}

/**
 * The project a new customer is bound to: the one with the fewest customers bound, the first
 * configured on a tie. Customers of one project share its daily thresholds, so spreading them
 * evenly spreads the load (docs/deployment.md "Several Cloud projects"). A domain already
 * connected keeps its project.
 */
export async function projectForDomain(
  deps: Pick<CustomersDeps, 'db' | 'googleProjects'>,
  domain: string,
): Promise<GoogleProject | null> {
  const projects = deps.googleProjects();
  if (projects.length === 0) return null;
  const customer = await findCustomerByDomain(deps.db, domain);
  const existing = customer ? await getConnection(deps.db, customer.id) : null;
  if (existing) {
    return projects.find((project) => project.id === existing.googleProject) ?? (projects[0] as GoogleProject);
  }
  const counts = await customersPerProject(deps);
  let chosen = projects[0] as GoogleProject;
  for (const project of projects) {
    if ((counts.get(project.id) ?? 0) < (counts.get(chosen.id) ?? 0)) chosen = project;
  }
  return chosen;
}

/**
 * The customers whose Cloud project spent an API's daily threshold (google_project_usage, the
 * current quota day): their backups of that API wait until the quota day resets at midnight
 * Pacific — the scheduler defers them, on-demand runs are refused with the reason, and their
 * status says why. Only `customerIds` when given. One query when no project is spent.
 */
export async function projectQuotaWaits(
  ctx: { db: Db; clock: Clock; config: Pick<Config, 'google'> },
  customerIds?: readonly string[],
): Promise<Map<string, SpentProjectQuota[]>> {
  const waits = new Map<string, SpentProjectQuota[]>();
  if (customerIds?.length === 0) return waits;
  const spent = await spentProjectQuotas(
    ctx.db,
    dailyThresholds(ctx.config.google.quotaLimits),
    ctx.clock.now().getTime(),
  );
  if (spent.length === 0) return waits;
  let defaultProject: string | null = null;
  try {
    defaultProject = configuredGoogleProjects(ctx.config.google)[0]?.id ?? null;
  } catch {
    // A key file that cannot be read: unbound customers are not matched to a project here.
  }
  const projects = [...new Set(spent.map((entry) => entry.project))];
  const bound = sql<string | null>`coalesce(${customerConnections.googleProject}, ${defaultProject})`;
  const rows = await ctx.db
    .select({ customerId: customerConnections.customerId, project: bound })
    .from(customerConnections)
    .where(
      and(
        inArray(bound, projects),
        customerIds ? inArray(customerConnections.customerId, [...customerIds]) : undefined,
      ),
    );
  for (const row of rows) {
    waits.set(
      row.customerId,
      spent.filter((entry) => entry.project === row.project),
    );
  }
  return waits;
}

/**
 * Work a person or the operator starts now (an on-demand backup, a restore) that would call an
 * API the customer's Cloud project spent today would be refused call by call: it is refused up
 * front instead, before anything is written — a ProjectQuotaSpentError (503 `unavailable`,
 * Retry-After: seconds to midnight Pacific) naming the project and the API, worded for `work`.
 * The one check of the backup's and the restore's start.
 */
export async function refuseSpentProjectApis(
  ctx: { db: Db; clock: Clock; config: Pick<Config, 'google'> },
  customerId: string,
  apis: readonly GoogleApiName[],
  work: Exclude<QuotaStoppedWork, 'restore'>,
): Promise<void> {
  const waits = (await projectQuotaWaits(ctx, [customerId])).get(customerId);
  const blocking = waits?.find((wait) => apis.includes(wait.api));
  if (blocking) {
    throw new ProjectQuotaSpentError(
      blocking.project,
      blocking.api,
      blocking.resetsAt,
      ctx.clock.now().getTime(),
      work,
    );
  }
}

/** The API each backup service calls (what a spent project's threshold holds back). */
export const serviceApi: Record<'gmail' | 'drive' | 'calendar' | 'contacts', GoogleApiName> = {
  gmail: 'gmail',
  drive: 'drive',
  calendar: 'calendar',
  contacts: 'people',
};

export const moveProjectBody = z.strictObject({
  project: z.string().trim().min(1, 'must name a Cloud project (its project_id)'),
});

export const authorizationStateSchema = z.object({
  /** The Cloud project the customer is bound to (null: the default project). */
  project: z.string().nullable(),
  clientId: z.string(),
  status: z.enum(['authorized', 'lost', 'reauthorization_required']),
  missingScopes: z.array(z.string()),
  /** What the customer's admin must do, when something is missing. */
  fix: z.string().nullable(),
});
export type AuthorizationState = z.infer<typeof authorizationStateSchema>;

/**
 * The vendor moves a customer to another Cloud project. The domain authorised the old project's
 * client id only, so the customer is marked "needs re-authorisation" for the new one: the
 * scheduler skips it (backups wait, its status says why) until "Check authorisation" passes.
 * Its super admins are emailed the fix.
 */
export async function moveCustomerToProject(
  deps: CustomersDeps,
  actor: Actor,
  auditActor: AuditActor,
  customerId: string,
  body: z.infer<typeof moveProjectBody>,
): Promise<AuthorizationState> {
  const customer = await authorizedCustomerRow(deps, actor, 'customer.google_project.move', customerId);
  const projects = deps.googleProjects();
  const target = projects.find((project) => project.id === body.project);
  if (!target) {
    throw new AppError(
      'validation_failed',
      `project: no Cloud project ${body.project} is configured${
        projects.length > 0 ? ` (configured: ${projects.map((project) => project.id).join(', ')})` : ''
      }`,
      { field: 'project' },
    );
  }
  const connection = await getConnection(deps.db, customerId);
  if (!connection) throw new AppError('conflict', `${customer.domain} is not connected to Google yet.`);
  const from = connection.googleProject ?? projects[0]?.id ?? null;
  if (from === target.id) {
    throw new AppError('conflict', `${customer.domain} is already bound to the Cloud project ${target.id}.`);
  }
  const now = deps.clock.now();
  const missing = [...GOOGLE_SCOPES];
  const fix = delegationFix(target.clientId, missing);
  await deps.db.transaction(async (tx) => {
    await updateConnection(tx, customerId, {
      googleProject: target.id,
      clientId: target.clientId,
      authorizationStatus: 'reauthorization_required',
      missingScopes: missing,
      authorizationChangedAt: now,
    });
    await deps.audit.record(
      {
        ...auditActor,
        tenants: ['vendor', ...auditTenantsFor(customerId, auditActor)],
        action: 'customer.google_project.move',
        target: customer.domain,
        result: 'success',
        details: { from, to: target.id, clientId: target.clientId },
      },
      tx,
    );
  });
  const recipients = await superAdminEmails(deps.db, customerId);
  if (recipients.length === 0) recipients.push(connection.adminEmail);
  for (const to of recipients) {
    await deps.mail.send({
      to,
      subject: `Action needed: authorise Safehold's new client ID for ${customer.domain}`,
      text:
        `Safehold now reaches ${customer.domain} through another Google Cloud project. Backups of ` +
        `${customer.domain} wait until the domain authorises its client ID.\n\nTo do it: ${fix}\n\n` +
        `Then press "Check authorisation" in Safehold (${deps.publicUrl()}/customer/settings).\n`,
    });
  }
  return {
    project: target.id,
    clientId: target.clientId,
    status: 'reauthorization_required',
    missingScopes: missing,
    fix,
  };
}

/** Whom "Check authorisation" impersonates: a licensed, active user (backups act as them), else the connection's admin. */
async function checkSubject(deps: Pick<CustomersDeps, 'db'>, customerId: string, adminEmail: string): Promise<string> {
  const [user] = await deps.db
    .select({ email: directoryUsers.primaryEmail })
    .from(directoryUsers)
    .where(
      and(
        eq(directoryUsers.customerId, customerId),
        isNotNull(directoryUsers.license),
        eq(directoryUsers.suspended, false),
        isNull(directoryUsers.deletedAt),
      ),
    )
    .orderBy(asc(directoryUsers.primaryEmail))
    .limit(1);
  return user?.email ?? adminEmail;
}

/**
 * "Check authorisation": asks Google for a token per scope, impersonating a licensed user, with
 * the key of the customer's project. Every scope granted: the customer is authorised again and
 * backups resume at the next schedule; otherwise the missing scopes and the fix are recorded.
 */
export async function checkAuthorization(
  deps: CustomersDeps,
  actor: Actor,
  auditActor: AuditActor,
  customerId: string,
): Promise<AuthorizationState & { checkedAs: string }> {
  const customer = await authorizedCustomerRow(deps, actor, 'customer.authorization.check', customerId);
  const connection = await getConnection(deps.db, customerId);
  if (!connection) throw new AppError('conflict', `${customer.domain} is not connected to Google yet.`);
  const subject = await checkSubject(deps, customerId, connection.adminEmail);
  const google = deps.google(connection.googleProject);
  let missing: string[];
  try {
    missing = (await google.checkDelegation(subject)).missing;
  } catch (error) {
    if (!(error instanceof TokenRequestError)) throw error;
    missing = [...GOOGLE_SCOPES];
  }
  const clientId = deps.googleClientId(connection.googleProject);
  const passed = missing.length === 0;
  // A failed check of an authorised customer is what a backup would meet: authorisation lost.
  const status = passed
    ? 'authorized'
    : connection.authorizationStatus === 'authorized'
      ? 'lost'
      : connection.authorizationStatus;
  const now = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    await updateConnection(tx, customerId, {
      clientId,
      authorizationStatus: status,
      missingScopes: missing,
      ...(status !== connection.authorizationStatus ? { authorizationChangedAt: now } : {}),
      ...(passed && connection.authorizationStatus !== 'authorized' ? { lastSyncError: null } : {}),
    });
    await deps.audit.record(
      {
        ...auditActor,
        tenants: ['vendor', ...auditTenantsFor(customerId, auditActor)],
        action: 'customer.authorization.check',
        target: customer.domain,
        result: passed ? 'success' : 'failure',
        details: { project: connection.googleProject, clientId, checkedAs: subject, missingScopes: missing },
      },
      tx,
    );
  });
  return {
    project: connection.googleProject,
    clientId,
    status,
    missingScopes: missing,
    fix: passed ? null : delegationFix(clientId, missing),
    checkedAs: subject,
  };
}

const boundCustomerSchema = z.object({
  id: z.string(),
  domain: z.string(),
  name: z.string(),
  project: z.string().nullable(),
  authorization: z.enum(['authorized', 'lost', 'reauthorization_required']),
});

/** At most this many customers waiting for authorisation are listed (their total is given). */
const WAITING_LISTED = 100;

export const projectsHealthSchema = z.object({
  /** Google's quota day (midnight to midnight Pacific time): its date and when it resets. */
  quotaDay: z.object({ day: z.string(), resetsAt: z.string() }),
  projects: z.array(
    z.object({
      id: z.string(),
      clientId: z.string(),
      customers: z.number(),
      apis: z.array(
        z.object({
          api: z.string(),
          unitsThisMinute: z.number(),
          /** Null: no per-minute limit on this API per project. */
          perMinuteLimit: z.number().nullable(),
          unitsToday: z.number(),
          dailyLimit: z.number().nullable(),
        }),
      ),
      /** APIs whose daily threshold the project spent: its customers' backups of them wait until `resetsAt`. */
      spent: z.array(z.object({ api: z.string(), resetsAt: z.string(), reason: z.string() })),
    }),
  ),
  /** Customers whose authorisation is not in order (what Check authorisation acts on), by domain, at most 100. */
  waiting: z.array(boundCustomerSchema),
  /** How many customers wait for authorisation in all. */
  waitingTotal: z.number(),
});

/**
 * Installation health › Cloud projects: each project's id, client id, customers bound, and per
 * API the units of the current minute and of the quota day (every process's, from
 * google_project_usage) against its per-minute and daily limits, with the thresholds it spent;
 * and the customers waiting for authorisation. The customers to move are found by a search
 * (searchProjectCustomers), not listed: an installation has thousands.
 */
export async function projectsHealth(
  deps: Pick<CustomersDeps, 'db' | 'googleProjects' | 'clock'>,
  actor: Actor,
  quotaLimits: Config['google']['quotaLimits'],
): Promise<z.infer<typeof projectsHealthSchema>> {
  authorize(actor, 'vendor.health.read', { kind: 'vendor' });
  const projects = deps.googleProjects();
  const nowMs = deps.clock.now().getTime();
  const daily = dailyThresholds(quotaLimits);
  const notAuthorized = sql`${customerConnections.authorizationStatus} <> 'authorized'`;
  const [counts, usage, spent, waiting, [{ waitingTotal } = { waitingTotal: 0 }]] = await Promise.all([
    customersPerProject(deps),
    projectUsageToday(deps.db, nowMs),
    spentProjectQuotas(deps.db, daily, nowMs),
    boundCustomers(deps.db, notAuthorized, WAITING_LISTED),
    deps.db.select({ waitingTotal: sql<number>`count(*)::int` }).from(customerConnections).where(notAuthorized),
  ]);
  const finite = (value: number | undefined) => (value !== undefined && Number.isFinite(value) ? value : null);
  const defaultProject = projects[0]?.id ?? null;
  return {
    quotaDay: { day: quotaDay(nowMs), resetsAt: quotaDayResetsAt(nowMs).toISOString() },
    projects: projects.map((project) => ({
      id: project.id,
      clientId: project.clientId,
      customers: counts.get(project.id) ?? 0,
      apis: API_NAMES.map((api) => {
        const used = usage.find((row) => row.project === project.id && row.api === api);
        return {
          api,
          unitsThisMinute: used?.unitsThisMinute ?? 0,
          perMinuteLimit: finite(
            quotaLimits?.[api]?.perProjectPerMinute ?? defaultQuotaLimits[api].perProjectPerMinute,
          ),
          unitsToday: used?.unitsToday ?? 0,
          dailyLimit: finite(daily[api]),
        };
      }),
      spent: spent
        .filter((entry) => entry.project === project.id)
        .map((entry) => ({ api: entry.api, resetsAt: entry.resetsAt.toISOString(), reason: entry.reason })),
    })),
    waiting: waiting.map((row) => ({ ...row, project: row.project ?? defaultProject })),
    waitingTotal: Number(waitingTotal),
  };
}

/** Connected customers matching `where`, by domain, at most `limit`. */
async function boundCustomers(db: Db, where: SQL, limit: number) {
  const domain = customerColumn(customerConnections.customerId, 'domain');
  const rows = await db
    .select({
      id: customerConnections.customerId,
      domain,
      name: customerColumn(customerConnections.customerId, 'name'),
      project: customerConnections.googleProject,
      authorization: customerConnections.authorizationStatus,
    })
    .from(customerConnections)
    .where(where)
    .orderBy(asc(domain), asc(customerConnections.customerId))
    .limit(limit);
  return rows.map((row) => ({ ...row, domain: row.domain ?? row.id, name: row.name ?? row.domain ?? row.id }));
}

export const projectCustomersQuery = z.strictObject({
  q: z.string().trim().min(1, 'type part of a domain or a name').max(200, 'at most 200 characters'),
  limit: z.coerce.number().int('must be a whole number').min(1).max(50).default(20),
});

export const projectCustomersSchema = z.object({ customers: z.array(boundCustomerSchema) });

/**
 * The connected customers whose domain or name contains `q` (case-insensitive), by domain, at
 * most `limit` (20, at most 50): the Move picker of Installation health › Cloud projects.
 */
export async function searchProjectCustomers(
  deps: Pick<CustomersDeps, 'db' | 'googleProjects'>,
  actor: Actor,
  query: z.infer<typeof projectCustomersQuery>,
): Promise<z.infer<typeof projectCustomersSchema>> {
  authorize(actor, 'vendor.health.read', { kind: 'vendor' });
  const pattern = `%${query.q.toLowerCase().replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
  const matches = or(
    sql`lower(${customerColumn(customerConnections.customerId, 'domain')}) like ${pattern}`,
    sql`lower(${customerColumn(customerConnections.customerId, 'name')}) like ${pattern}`,
  ) as SQL;
  const defaultProject = deps.googleProjects()[0]?.id ?? null;
  const rows = await boundCustomers(deps.db, matches, query.limit);
  return { customers: rows.map((row) => ({ ...row, project: row.project ?? defaultProject })) };
}
