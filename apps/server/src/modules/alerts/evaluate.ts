// Keeps the alerts table in step with the conditions (conditions.ts): gathers every customer's
// facts from their owners (reseller health figures, customers' Google connection, backup's
// partial runs), opens the alerts newly true, resolves those no longer true, refreshes the
// cause of the rest, all in one transaction, then tells the listeners (events.ts). Run for every
// customer by the evaluation job every 15 minutes (the time-based causes: not run for 26 hours,
// trial ending), and for one customer as each of its backup runs ends (after-runs.ts). The two
// can overlap: a row is opened or resolved once (the one-open-alert index, `resolved_at is
// null` in the update), and only the evaluation that wrote it tells the listeners.
import { randomUUID } from 'node:crypto';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../../db/database.ts';
import { customersWithPartialRuns } from '../backup/index.ts';
import { connectionStates, delegationFix } from '../customers/index.ts';
import { allHealthFacts } from '../reseller/index.ts';
import { type AlertCondition, alertConditions, type CustomerFacts, overdueAfterMs } from './conditions.ts';
import { type AlertEvent, type AlertListener, emitAlertChanges } from './events.ts';
import { alerts } from './tables.ts';

export interface EvaluationReport {
  opened: number;
  resolved: number;
  updated: number;
  /** Errors thrown by change listeners (the evaluation itself completed). */
  listenerErrors: unknown[];
}

type AlertRow = typeof alerts.$inferSelect;

/** Which customers an evaluation looks at: every one (null), or these. */
type Scope = readonly string[] | null;

async function gatherFacts(db: Db, now: Date, only: Scope): Promise<CustomerFacts[]> {
  const health = await allHealthFacts(db, now, only);
  const connections = new Map((await connectionStates(db, only)).map((row) => [row.customerId, row]));
  const partial = new Map(
    (await customersWithPartialRuns(db, new Date(now.getTime() - overdueAfterMs), only)).map((row) => [
      row.customerId,
      row,
    ]),
  );
  return health.map((row) => {
    const p = partial.get(row.customerId);
    return {
      ...row,
      connection: connections.get(row.customerId) ?? null,
      partial: p ? { sources: p.sources, failedItems: p.failedItems, since: p.since } : null,
    };
  });
}

const keyOf = (customerId: string, kind: string) => `${customerId}/${kind}`;
const batchSize = 500;

function eventOf(type: AlertEvent['type'], row: AlertRow): AlertEvent {
  return {
    type,
    alert: {
      id: row.id,
      customerId: row.customerId,
      kind: row.kind,
      since: row.since.toISOString(),
      cause: row.cause,
      action: row.action,
      openedAt: row.openedAt.toISOString(),
      resolvedAt: row.resolvedAt?.toISOString() ?? null,
    },
  };
}

function changed(row: AlertRow, condition: AlertCondition): boolean {
  return (
    row.cause !== condition.cause ||
    row.action !== condition.action ||
    // A seat overage dates from when it was found; the other causes carry their own start.
    (condition.kind !== 'seats_over' && row.since.getTime() !== condition.since.getTime())
  );
}

export async function evaluateAlerts(
  db: Db,
  now: Date,
  onChange?: AlertListener,
  options: { onlyCustomerIds?: readonly string[] } = {},
): Promise<EvaluationReport> {
  const only = options.onlyCustomerIds ?? null;
  const facts = await gatherFacts(db, now, only);
  const wanted = new Map<string, { customerId: string; condition: AlertCondition }>();
  for (const customer of facts) {
    for (const condition of alertConditions(customer, now, delegationFix)) {
      wanted.set(keyOf(customer.customerId, condition.kind), { customerId: customer.customerId, condition });
    }
  }
  const events: AlertEvent[] = [];
  let updated = 0;
  await db.transaction(async (tx) => {
    const open = await tx
      .select()
      .from(alerts)
      .where(and(isNull(alerts.resolvedAt), only === null ? undefined : inArray(alerts.customerId, [...only])));
    const openKeys = new Set(open.map((row) => keyOf(row.customerId, row.kind)));
    const toResolve: AlertRow[] = [];
    for (const row of open) {
      const want = wanted.get(keyOf(row.customerId, row.kind));
      if (!want) {
        toResolve.push(row);
      } else if (changed(row, want.condition)) {
        const since = want.condition.kind === 'seats_over' ? row.since : want.condition.since;
        await tx
          .update(alerts)
          .set({ since, cause: want.condition.cause, action: want.condition.action, details: want.condition.details })
          .where(eq(alerts.id, row.id));
        updated++;
      }
    }
    const resolved = new Set<string>();
    for (let start = 0; start < toResolve.length; start += batchSize) {
      const ids = toResolve.slice(start, start + batchSize).map((row) => row.id);
      const rows = await tx
        .update(alerts)
        .set({ resolvedAt: now })
        .where(and(inArray(alerts.id, ids), isNull(alerts.resolvedAt)))
        .returning({ id: alerts.id });
      for (const row of rows) resolved.add(row.id);
    }
    for (const row of toResolve) {
      if (resolved.has(row.id)) events.push(eventOf('alert.resolved', { ...row, resolvedAt: now }));
    }
    const toOpen: AlertRow[] = [];
    for (const [key, { customerId, condition }] of wanted) {
      if (openKeys.has(key)) continue;
      toOpen.push({
        id: randomUUID(),
        customerId,
        kind: condition.kind,
        since: condition.since,
        cause: condition.cause,
        action: condition.action,
        details: condition.details,
        openedAt: now,
        acknowledgedAt: null,
        acknowledgedBy: null,
        acknowledgedByEmail: null,
        resolvedAt: null,
      });
    }
    const inserted = new Set<string>();
    for (let start = 0; start < toOpen.length; start += batchSize) {
      const rows = await tx
        .insert(alerts)
        .values(toOpen.slice(start, start + batchSize))
        .onConflictDoNothing()
        .returning({ id: alerts.id });
      for (const row of rows) inserted.add(row.id);
    }
    for (const row of toOpen) if (inserted.has(row.id)) events.push(eventOf('alert.opened', row));
  });
  const listenerErrors = await emitAlertChanges(events, onChange);
  return {
    opened: events.filter((event) => event.type === 'alert.opened').length,
    resolved: events.filter((event) => event.type === 'alert.resolved').length,
    updated,
    listenerErrors,
  };
}
