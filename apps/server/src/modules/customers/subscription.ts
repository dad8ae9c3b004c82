// A customer's lifecycle as its partner manages it (PRODUCT.md §4, issue 18 item 3): convert a
// trial to paid with a number of seats, change the seats, suspend, cancel and reactivate.
// Suspended and cancelled tenants are out of service: the scheduler and the directory sync
// skip them (tenancy's inServiceStatuses) and their members are signed out at once; their
// backups are kept — while suspended for as long as it lasts, once cancelled for
// `cancelledRetentionDays` (then the operator may delete the tenant: `safehold tenant delete`).
// Seats may end up below the licenses assigned (over-assignment): allowed and reported, and
// no further license is assigned until seats are added or licenses removed (licensing.ts).
import { z } from 'zod';
import { AppError, notFound } from '../../http/errors.ts';
import { endCustomerSessions } from '../identity/index.ts';
import type { Actor } from '../policy/index.ts';
import { type CustomerRow, type CustomerStatus, lockCustomer, setCustomerSubscription } from '../tenancy/index.ts';
import type { AuditActor, CustomersDeps } from './deps.ts';
import { auditTenantsFor, authorizedCustomerRow, type SeatSummary, seatSummary } from './licensing.ts';

const dayMs = 24 * 3600_000;
/** How long a cancelled customer's backups are kept (restorable after reactivation). */
export const cancelledRetentionDays = 60;
export const maxSeats = 1_000_000;

export const seatsSchema = z
  .number({ error: 'seats: give a whole number of seats' })
  .int('seats: give a whole number of seats')
  .min(1, 'seats: at least 1')
  .max(maxSeats, `seats: at most ${maxSeats}`);

/** The seat count of a request, or a 400 naming the field (the routes' schema checks it first). */
function parseSeats(seats: number): number {
  const parsed = seatsSchema.safeParse(seats);
  if (!parsed.success)
    throw new AppError('validation_failed', parsed.error.issues[0]?.message ?? 'seats: invalid', { field: 'seats' });
  return parsed.data;
}

/** The statuses a partner may set directly (a trial becomes active only by conversion). */
export const settableStatuses = ['active', 'suspended', 'cancelled'] as const;
export type SettableStatus = (typeof settableStatuses)[number];

export type SubscriptionDeps = Pick<CustomersDeps, 'db' | 'clock' | 'audit'>;

export interface SubscriptionView {
  status: CustomerStatus;
  /** When the status last changed (conversion, suspension, cancellation, reactivation). */
  statusChangedAt: string | null;
  /** Suspended or cancelled: no scheduled backups, members signed out. */
  backupsStopped: boolean;
  /** Cancelled: backups kept until then; null otherwise (suspended keeps them as long as it lasts). */
  dataKeptUntil: string | null;
  /** Licenses assigned above the seats purchased (0 when within them or in a running trial). */
  overAssigned: number;
  seats: SeatSummary;
}

export function dataKeptUntil(customer: Pick<CustomerRow, 'status' | 'statusChangedAt'>): Date | null {
  if (customer.status !== 'cancelled' || !customer.statusChangedAt) return null;
  return new Date(customer.statusChangedAt.getTime() + cancelledRetentionDays * dayMs);
}

export function subscriptionView(customer: CustomerRow, seats: SeatSummary): SubscriptionView {
  return {
    status: customer.status,
    statusChangedAt: customer.statusChangedAt?.toISOString() ?? null,
    backupsStopped: customer.status === 'suspended' || customer.status === 'cancelled',
    dataKeptUntil: dataKeptUntil(customer)?.toISOString() ?? null,
    overAssigned: seats.remaining !== null && seats.remaining < 0 ? -seats.remaining : 0,
    seats,
  };
}

interface Change {
  action: string;
  /** Refuses the change for the customer's current state (409 with a sentence), or returns the new values. */
  apply(customer: CustomerRow): { status: CustomerStatus; seatsPurchased?: number };
}

/**
 * One lifecycle change: authorised (`customer.subscription.manage`), applied under the
 * customer's lock, audited in the same transaction; leaving service ends the members' sessions.
 */
async function changeSubscription(
  deps: SubscriptionDeps,
  actor: Actor,
  auditActor: AuditActor,
  customerId: string,
  change: Change,
): Promise<SubscriptionView> {
  await authorizedCustomerRow(deps, actor, 'customer.subscription.manage', customerId);
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    const before = await lockCustomer(tx, customerId);
    if (!before) throw notFound('The customer');
    const next = change.apply(before);
    const statusChanged = next.status !== before.status;
    await setCustomerSubscription(tx, customerId, { ...next, ...(statusChanged ? { statusChangedAt: now } : {}) });
    const after: CustomerRow = { ...before, ...next, ...(statusChanged ? { statusChangedAt: now } : {}) };
    const sessionsEnded =
      statusChanged && (next.status === 'suspended' || next.status === 'cancelled')
        ? await endCustomerSessions(tx, customerId)
        : 0;
    const view = subscriptionView(after, await seatSummary(tx, after, now));
    await deps.audit.record(
      {
        ...auditActor,
        tenants: auditTenantsFor(customerId, auditActor),
        action: change.action,
        target: before.domain,
        result: 'success',
        details: {
          from: { status: before.status, seatsPurchased: before.seatsPurchased },
          to: { status: after.status, seatsPurchased: after.seatsPurchased },
          overAssigned: view.overAssigned,
          ...(sessionsEnded > 0 ? { sessionsEnded } : {}),
          ...(view.dataKeptUntil ? { dataKeptUntil: view.dataKeptUntil } : {}),
        },
      },
      tx,
    );
    return view;
  });
}

/** "Convert to paid": the trial (running or ended) ends and the seats purchased are set. */
export function convertToPaid(
  deps: SubscriptionDeps,
  actor: Actor,
  auditActor: AuditActor,
  customerId: string,
  seats: number,
): Promise<SubscriptionView> {
  const parsed = parseSeats(seats);
  return changeSubscription(deps, actor, auditActor, customerId, {
    action: 'customer.convert',
    apply: (customer) => {
      if (customer.status === 'active')
        throw new AppError('conflict', 'This customer is already paid: change its seats instead.');
      if (customer.status !== 'trial')
        throw new AppError('conflict', `This customer is ${customer.status}: reactivate it first.`);
      return { status: 'active', seatsPurchased: parsed };
    },
  });
}

/** "Change seats" of a paid customer (also while suspended or cancelled, for when it comes back). */
export function changeSeats(
  deps: SubscriptionDeps,
  actor: Actor,
  auditActor: AuditActor,
  customerId: string,
  seats: number,
): Promise<SubscriptionView> {
  const parsed = parseSeats(seats);
  return changeSubscription(deps, actor, auditActor, customerId, {
    action: 'customer.seats.change',
    apply: (customer) => {
      if (customer.status === 'trial')
        throw new AppError('conflict', 'This customer is in trial, with unlimited seats: convert it to paid first.');
      return { status: customer.status, seatsPurchased: parsed };
    },
  });
}

const statusActions: Record<SettableStatus, string> = {
  active: 'customer.reactivate',
  suspended: 'customer.suspend',
  cancelled: 'customer.cancel',
};

/**
 * Suspend (backups stop, data kept, members signed out), cancel (the same, data kept for
 * `cancelledRetentionDays`), or reactivate (`active`): back to paid when seats were purchased,
 * else back to the trial it left (which may have ended meanwhile).
 */
export function setCustomerStatus(
  deps: SubscriptionDeps,
  actor: Actor,
  auditActor: AuditActor,
  customerId: string,
  status: SettableStatus,
): Promise<SubscriptionView> {
  return changeSubscription(deps, actor, auditActor, customerId, {
    action: statusActions[status],
    apply: (customer) => {
      if (status === 'active') {
        if (customer.status !== 'suspended' && customer.status !== 'cancelled')
          throw new AppError('conflict', 'Only a suspended or cancelled customer can be reactivated.');
        return { status: customer.seatsPurchased > 0 ? 'active' : 'trial' };
      }
      if (customer.status === status) throw new AppError('conflict', `This customer is already ${status}.`);
      if (status === 'suspended' && customer.status === 'cancelled')
        throw new AppError('conflict', 'A cancelled customer cannot be suspended: reactivate it first.');
      return { status };
    },
  });
}
