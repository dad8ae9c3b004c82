// A customer's lifecycle from the Reseller Console (issue 18 item 3): convert to paid, change
// seats, suspend, cancel, reactivate — the customers module's use cases, reached by the
// partner's URL: a customer outside the partner's subtree answers 404 like any other.
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { notFound } from '../../http/errors.ts';
import {
  type AuditActor,
  changeSeats,
  convertToPaid,
  type SettableStatus,
  type SubscriptionView,
  seatsSchema,
  setCustomerStatus,
  settableStatuses,
} from '../customers/index.ts';
import type { Actor } from '../policy/index.ts';
import { loadCustomerTenant } from '../tenancy/index.ts';

export const seatsBodySchema = z.strictObject({ seats: seatsSchema });
export const statusBodySchema = z.strictObject({
  status: z.enum(settableStatuses, { error: 'status: one of active (reactivate), suspended, cancelled' }),
});

const seatSummarySchema = z.object({
  status: z.enum(['trial', 'active', 'suspended', 'cancelled']),
  trialEndsAt: z.string().nullable(),
  trialDaysLeft: z.number().int().nullable(),
  unlimited: z.boolean(),
  purchased: z.number().int(),
  assigned: z.number().int(),
  standard: z.number().int(),
  archived: z.number().int(),
  remaining: z.number().int().nullable(),
  users: z.number().int(),
});
export const subscriptionSchema = z.object({
  status: z.enum(['trial', 'active', 'suspended', 'cancelled']),
  statusChangedAt: z.string().nullable(),
  backupsStopped: z.boolean(),
  dataKeptUntil: z.string().nullable(),
  overAssigned: z.number().int(),
  seats: seatSummarySchema,
}) satisfies z.ZodType<SubscriptionView>;

type LifecycleDeps = Pick<AppContext, 'db' | 'clock' | 'audit'>;

/** The customer id when it is in this partner's subtree; else 404 (the policy decides the rest). */
async function customerOfPartner(ctx: LifecycleDeps, partnerId: string, customerId: string): Promise<string> {
  const tenant = await loadCustomerTenant(ctx.db, customerId);
  if (tenant?.kind !== 'customer' || !tenant.partnerPath.includes(partnerId)) throw notFound('The customer');
  return customerId;
}

export type LifecycleChange =
  | { kind: 'convert'; seats: number }
  | { kind: 'seats'; seats: number }
  | { kind: 'status'; status: SettableStatus };

export async function changePartnerCustomer(
  ctx: LifecycleDeps,
  actor: Actor,
  auditActor: AuditActor,
  partnerId: string,
  customerId: string,
  change: LifecycleChange,
): Promise<SubscriptionView> {
  const id = await customerOfPartner(ctx, partnerId, customerId);
  switch (change.kind) {
    case 'convert':
      return convertToPaid(ctx, actor, auditActor, id, change.seats);
    case 'seats':
      return changeSeats(ctx, actor, auditActor, id, change.seats);
    case 'status':
      return setCustomerStatus(ctx, actor, auditActor, id, change.status);
  }
}
