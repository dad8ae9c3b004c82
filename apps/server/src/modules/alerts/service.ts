// The Alerts page's use cases (issue 18 item 5): a partner's alerts across its customers
// (technicians: their assigned customers), acknowledging one (audited, by whom), and a member's
// own daily-digest choice. Scoping is SQL: the alert's customer must be in the partner's
// subtree and, for a technician, assigned; any other alert answers 404.
import { and, count, desc, eq, inArray, isNotNull, isNull, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { AuditEntryInput } from '../../audit-entry.ts';
import type { AppContext } from '../../context.ts';
import { AppError, notFound } from '../../http/errors.ts';
import { type Actor, authorize, type CustomerScope, customerScope } from '../policy/index.ts';
import { customerColumn, customerIdsInScope, loadCustomerTenant, loadPartnerTenant } from '../tenancy/index.ts';
import { alertDigestSubscriptions, alertKinds, alerts } from './tables.ts';

export type AlertsDeps = Pick<AppContext, 'db' | 'clock' | 'audit'>;

export const alertStates = ['open', 'acknowledged'] as const;
export const alertsQuerySchema = z.strictObject({
  state: z.enum(alertStates, "must be 'open' or 'acknowledged'").default('open'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});
export type AlertsQuery = z.infer<typeof alertsQuerySchema>;

export const alertViewSchema = z.object({
  id: z.string(),
  customerId: z.string(),
  customerDomain: z.string(),
  customerName: z.string(),
  kind: z.enum(alertKinds),
  since: z.string(),
  openedAt: z.string(),
  cause: z.string(),
  action: z.string(),
  acknowledgedAt: z.string().nullable(),
  acknowledgedBy: z.string().nullable(),
});
export type AlertView = z.infer<typeof alertViewSchema>;

export const alertsPageSchema = z.object({
  state: z.enum(alertStates),
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
  counts: z.object({ open: z.number().int(), acknowledged: z.number().int() }),
  alerts: z.array(alertViewSchema),
});
export type AlertsPage = z.infer<typeof alertsPageSchema>;

export const digestSettingSchema = z.object({ enabled: z.boolean() });
export const digestSettingBodySchema = z.strictObject({ enabled: z.boolean('must be true or false') });

/** Customers of `partnerId`'s subtree this actor may see (technicians: assigned), as a scope. */
export function alertScopeOf(actor: Actor, partnerId: string): CustomerScope {
  const own = customerScope(actor);
  return {
    kind: 'partnerSubtree',
    partnerId,
    onlyCustomerIds: own.kind === 'partnerSubtree' ? own.onlyCustomerIds : null,
  };
}

const columns = {
  id: alerts.id,
  customerId: alerts.customerId,
  customerDomain: customerColumn(alerts.customerId, 'domain'),
  customerName: customerColumn(alerts.customerId, 'name'),
  kind: alerts.kind,
  since: alerts.since,
  openedAt: alerts.openedAt,
  cause: alerts.cause,
  action: alerts.action,
  acknowledgedAt: alerts.acknowledgedAt,
  acknowledgedBy: alerts.acknowledgedByEmail,
};

function toView(row: {
  id: string;
  customerId: string;
  customerDomain: string | null;
  customerName: string | null;
  kind: AlertView['kind'];
  since: Date;
  openedAt: Date;
  cause: string;
  action: string;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
}): AlertView {
  return {
    ...row,
    customerDomain: row.customerDomain ?? '',
    customerName: row.customerName ?? '',
    since: row.since.toISOString(),
    openedAt: row.openedAt.toISOString(),
    acknowledgedAt: row.acknowledgedAt?.toISOString() ?? null,
  };
}

const stateCondition = (state: AlertsQuery['state']) =>
  state === 'open' ? isNull(alerts.acknowledgedAt) : isNotNull(alerts.acknowledgedAt);

/** Unresolved alerts of the customers a scope allows, in the page's order (newest cause first). */
export async function unresolvedAlerts(
  deps: Pick<AppContext, 'db'>,
  scope: CustomerScope,
  options: { state?: AlertsQuery['state']; limit: number; offset: number },
): Promise<AlertView[]> {
  const rows = await deps.db
    .select(columns)
    .from(alerts)
    .where(
      and(
        isNull(alerts.resolvedAt),
        inArray(alerts.customerId, customerIdsInScope(scope)),
        options.state ? stateCondition(options.state) : undefined,
      ),
    )
    .orderBy(desc(alerts.since), alerts.id)
    .limit(options.limit)
    .offset(options.offset);
  return rows.map(toView);
}

/** How many unresolved alerts a scope allows. */
export async function countUnresolvedAlerts(deps: Pick<AppContext, 'db'>, scope: CustomerScope): Promise<number> {
  const [row] = await deps.db
    .select({ n: count() })
    .from(alerts)
    .where(and(isNull(alerts.resolvedAt), inArray(alerts.customerId, customerIdsInScope(scope))));
  return row?.n ?? 0;
}

export async function listPartnerAlerts(
  deps: AlertsDeps,
  actor: Actor,
  partnerId: string,
  query: AlertsQuery,
): Promise<AlertsPage> {
  const tenant = await loadPartnerTenant(deps.db, partnerId);
  if (!tenant) throw notFound('The partner');
  authorize(actor, 'partner.alerts.read', tenant);
  const scope = alertScopeOf(actor, partnerId);
  const [counted] = await deps.db
    .select({
      open: count(alerts.id).mapWith(Number),
      acknowledged: count(alerts.acknowledgedAt).mapWith(Number),
    })
    .from(alerts)
    .where(and(isNull(alerts.resolvedAt), inArray(alerts.customerId, customerIdsInScope(scope))));
  const acknowledged = counted?.acknowledged ?? 0;
  const counts = { open: (counted?.open ?? 0) - acknowledged, acknowledged };
  const rows = await unresolvedAlerts(deps, scope, {
    state: query.state,
    limit: query.pageSize,
    offset: (query.page - 1) * query.pageSize,
  });
  return {
    state: query.state,
    total: counts[query.state],
    page: query.page,
    pageSize: query.pageSize,
    counts,
    alerts: rows,
  };
}

/**
 * Marks an open alert acknowledged by the signed-in person (it stays listed, under
 * "Acknowledged", until its cause is gone). Acknowledging again changes nothing; a resolved
 * alert answers 409.
 */
export async function acknowledgeAlert(
  deps: AlertsDeps,
  actor: Actor,
  audit: Pick<AuditEntryInput, 'actor' | 'ip' | 'userAgent'> & { email: string },
  partnerId: string,
  alertId: string,
): Promise<AlertView> {
  const partner = await loadPartnerTenant(deps.db, partnerId);
  if (!partner) throw notFound('The partner');
  authorize(actor, 'partner.alerts.read', partner);
  const [found] = await deps.db
    .select(columns)
    .from(alerts)
    .where(and(eq(alerts.id, alertId), inArray(alerts.customerId, customerIdsInScope(alertScopeOf(actor, partnerId)))));
  if (!found) throw notFound('The alert');
  const tenant = await loadCustomerTenant(deps.db, found.customerId);
  if (!tenant) throw notFound('The alert');
  authorize(actor, 'customer.alerts.acknowledge', tenant);
  if (found.acknowledgedAt) return toView(found);
  const now = deps.clock.now();
  const acknowledgedBy = actor.kind === 'partner' ? actor.userId : null;
  await deps.db.transaction(async (tx) => {
    const changed = await tx
      .update(alerts)
      .set({ acknowledgedAt: now, acknowledgedBy, acknowledgedByEmail: audit.email })
      .where(and(eq(alerts.id, alertId), isNull(alerts.resolvedAt), isNull(alerts.acknowledgedAt)))
      .returning({ id: alerts.id });
    if (changed.length === 0) {
      throw new AppError('conflict', 'This alert was resolved meanwhile: its cause is gone.');
    }
    await deps.audit.record(
      {
        actor: audit.actor,
        ip: audit.ip,
        userAgent: audit.userAgent,
        tenants: [`partner:${partnerId}`, `customer:${found.customerId}`],
        action: 'alert.acknowledged',
        target: found.customerDomain,
        result: 'success',
        details: { alertId, kind: found.kind, cause: found.cause },
      },
      tx,
    );
  });
  return toView({ ...found, acknowledgedAt: now, acknowledgedBy: audit.email });
}

async function digestTenant(deps: Pick<AppContext, 'db'>, actor: Actor, partnerId: string) {
  const tenant = await loadPartnerTenant(deps.db, partnerId);
  if (!tenant) throw notFound('The partner');
  authorize(actor, 'partner.alerts.digest', tenant);
  if (actor.kind !== 'partner') throw notFound('The partner');
  return actor;
}

export async function getDigestSetting(deps: AlertsDeps, actor: Actor, partnerId: string) {
  const member = await digestTenant(deps, actor, partnerId);
  const [row] = await deps.db
    .select({ enabled: alertDigestSubscriptions.enabled })
    .from(alertDigestSubscriptions)
    .where(eq(alertDigestSubscriptions.userId, member.userId));
  return { enabled: row?.enabled ?? false };
}

export async function setDigestSetting(
  deps: AlertsDeps,
  actor: Actor,
  audit: Pick<AuditEntryInput, 'actor' | 'ip' | 'userAgent'>,
  partnerId: string,
  enabled: boolean,
) {
  const member = await digestTenant(deps, actor, partnerId);
  const now = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    await tx
      .insert(alertDigestSubscriptions)
      .values({ userId: member.userId, enabled, updatedAt: now })
      .onConflictDoUpdate({ target: alertDigestSubscriptions.userId, set: { enabled, updatedAt: now } });
    await deps.audit.record(
      {
        ...audit,
        tenants: [`partner:${partnerId}`],
        action: enabled ? 'alert.digest.enabled' : 'alert.digest.disabled',
        target: member.userId,
        result: 'success',
      },
      tx,
    );
  });
  return { enabled };
}

/** How many alerts are open on the customers a subquery names (the distributor's Partners page). */
export async function countOpenAlerts(db: AppContext['db'], customerIds: SQL): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(alerts)
    .where(and(isNull(alerts.resolvedAt), inArray(alerts.customerId, customerIds)));
  return Number(row?.n ?? 0);
}
