// Licensing (PRODUCT.md §3, License Manager): each directory user holds a Standard license
// (backed up daily), an Archived one (data kept, no new backups) or none. Seats: unlimited
// during a running trial, otherwise the seats purchased; Standard and Archived both take one.
// A batch of changes ("Save Changes") is applied in one transaction, all or nothing. Removing
// a license starts a 60-day grace period after which the user's backups are purged;
// re-licensing within it clears the purge date.
import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/database.ts';
import { AppError, notFound } from '../../http/errors.ts';
import type { AuditTenant } from '../audit/index.ts';
import type { Action, Actor } from '../policy/index.ts';
import { authorizeCustomer, type CustomerRow, getCustomer, lockCustomer } from '../tenancy/index.ts';
import type { AuditActor, CustomersDeps } from './deps.ts';
import {
  countAssignedLicenses,
  countLicensesByType,
  type DirectoryUserRow,
  directoryUsersByEmails,
  directoryUsersByIds,
  getConnection,
  type LicenseType,
} from './store.ts';
import { customerConnections, directoryUsers } from './tables.ts';

const dayMs = 24 * 3600_000;
export const purgeGraceDays = 60;
export const trialDays = 14;
export const maxChangesPerBatch = 20_000;

export type LicenseState = LicenseType | 'none';

export const licenseChangeSchema = z
  .strictObject({
    userId: z.uuid().optional(),
    email: z.string().trim().toLowerCase().min(3).max(320).optional(),
    license: z.enum(['standard', 'archived', 'none']),
  })
  .refine((change) => (change.userId === undefined) !== (change.email === undefined), {
    message: 'Give either userId or email.',
  });
export type LicenseChange = z.infer<typeof licenseChangeSchema>;

export interface SeatSummary {
  status: CustomerRow['status'];
  trialEndsAt: string | null;
  /** Whole days left in a running trial (0 once it ended); null when not in trial. */
  trialDaysLeft: number | null;
  /** During a running trial every user may be licensed. */
  unlimited: boolean;
  purchased: number;
  assigned: number;
  standard: number;
  archived: number;
  /** Null while unlimited; may be negative when the trial ended with more licenses than seats. */
  remaining: number | null;
  users: number;
}

export interface LicensingSettings extends SeatSummary {
  autoAssign: boolean;
}

export interface LicenseChangeReport {
  changed: { userId: string; email: string; from: LicenseState; to: LicenseState; purgeAfter: string | null }[];
  unchanged: number;
  seats: SeatSummary;
}

export function trialRunning(customer: Pick<CustomerRow, 'status' | 'trialEndsAt'>, now: Date): boolean {
  return customer.status === 'trial' && customer.trialEndsAt !== null && customer.trialEndsAt > now;
}

export function trialDaysLeft(customer: Pick<CustomerRow, 'status' | 'trialEndsAt'>, now: Date): number | null {
  if (customer.status !== 'trial' || !customer.trialEndsAt) return null;
  return Math.max(0, Math.ceil((customer.trialEndsAt.getTime() - now.getTime()) / dayMs));
}

export async function seatSummary(db: Db, customer: CustomerRow, now: Date): Promise<SeatSummary> {
  const counts = await countLicensesByType(db, customer.id);
  const assigned = counts.standard + counts.archived;
  const unlimited = trialRunning(customer, now);
  return {
    status: customer.status,
    trialEndsAt: customer.trialEndsAt?.toISOString() ?? null,
    trialDaysLeft: trialDaysLeft(customer, now),
    unlimited,
    purchased: customer.seatsPurchased,
    assigned,
    standard: counts.standard,
    archived: counts.archived,
    remaining: unlimited ? null : customer.seatsPurchased - assigned,
    users: counts.users,
  };
}

/** The customer's row once authorizeCustomer allows the action; unknown or invisible → 404. */
export async function authorizedCustomerRow(
  deps: Pick<CustomersDeps, 'db'>,
  actor: Actor,
  action: Action,
  customerId: string,
): Promise<CustomerRow> {
  await authorizeCustomer(deps.db, actor, action, customerId);
  const customer = await getCustomer(deps.db, customerId);
  if (!customer) throw notFound('The customer');
  return customer;
}

export function auditTenantsFor(customerId: string, actor: AuditActor): AuditTenant[] {
  return [...new Set<AuditTenant>([`customer:${customerId}`, ...(actor.tenants ?? [])])];
}

export async function getLicensing(deps: CustomersDeps, actor: Actor, customerId: string): Promise<LicensingSettings> {
  const customer = await authorizedCustomerRow(deps, actor, 'customer.read', customerId);
  const connection = await getConnection(deps.db, customerId);
  return {
    ...(await seatSummary(deps.db, customer, deps.clock.now())),
    autoAssign: connection?.autoAssignLicenses ?? false,
  };
}

export async function setAutoAssign(
  deps: CustomersDeps,
  actor: Actor,
  auditActor: AuditActor,
  customerId: string,
  autoAssign: boolean,
): Promise<LicensingSettings> {
  await authorizedCustomerRow(deps, actor, 'customer.licenses.manage', customerId);
  await deps.db.transaction(async (tx) => {
    const updated = await tx
      .update(customerConnections)
      .set({ autoAssignLicenses: autoAssign })
      .where(eq(customerConnections.customerId, customerId))
      .returning({ id: customerConnections.customerId });
    if (updated.length === 0) throw new AppError('conflict', 'This customer is not connected to a Google domain yet.');
    await deps.audit.record(
      {
        ...auditActor,
        tenants: auditTenantsFor(customerId, auditActor),
        action: 'licenses.auto_assign.set',
        target: customerId,
        result: 'success',
        details: { autoAssign },
      },
      tx,
    );
  });
  return getLicensing(deps, actor, customerId);
}

/**
 * Applies a batch of license changes atomically ("Save Changes"). Any problem — an unknown
 * user, a Standard license for a user deleted in Google, too few seats — rejects the whole
 * batch and nothing changes. Every change is audited, in the same transaction.
 */
export async function applyLicenseChanges(
  deps: CustomersDeps,
  actor: Actor,
  auditActor: AuditActor,
  customerId: string,
  input: unknown[],
): Promise<LicenseChangeReport> {
  await authorizedCustomerRow(deps, actor, 'customer.licenses.manage', customerId);
  const changes = parseChanges(input);
  return deps.db.transaction(async (tx) => {
    const customer = await lockCustomer(tx, customerId);
    if (!customer) throw notFound('The customer');
    const targets = await resolveTargets(tx, customerId, changes);
    return applyResolvedChanges(deps, tx, customer, targets, auditActor, 'licenses.changed');
  });
}

function parseChanges(input: unknown[]): LicenseChange[] {
  if (input.length === 0) throw new AppError('validation_failed', 'changes: give at least one change.');
  if (input.length > maxChangesPerBatch)
    throw new AppError('validation_failed', `changes: at most ${maxChangesPerBatch} changes per batch.`);
  return input.map((item, index) => {
    const parsed = licenseChangeSchema.safeParse(item);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = ['changes', index, ...(issue?.path ?? [])].join('.');
      throw new AppError('validation_failed', `${field}: ${issue?.message ?? 'invalid'}`, { field });
    }
    return parsed.data;
  });
}

async function resolveTargets(
  tx: Db,
  customerId: string,
  changes: LicenseChange[],
): Promise<{ user: DirectoryUserRow; to: LicenseState }[]> {
  const byId = new Map(
    (
      await directoryUsersByIds(
        tx,
        customerId,
        changes.flatMap((change) => (change.userId ? [change.userId] : [])),
      )
    ).map((user) => [user.id, user]),
  );
  const byEmail = new Map<string, DirectoryUserRow>();
  const emailRows = await directoryUsersByEmails(
    tx,
    customerId,
    changes.flatMap((change) => (change.email ? [change.email] : [])),
  );
  // An address reused after a deletion: the current (not deleted) user is meant.
  for (const row of emailRows.sort((a, b) => Number(a.deletedAt === null) - Number(b.deletedAt === null))) {
    byEmail.set(row.primaryEmail.toLowerCase(), row);
  }
  const unknown: string[] = [];
  const seen = new Set<string>();
  const targets: { user: DirectoryUserRow; to: LicenseState }[] = [];
  for (const change of changes) {
    const user = change.userId ? byId.get(change.userId) : byEmail.get(change.email as string);
    if (!user) {
      unknown.push(change.userId ?? (change.email as string));
      continue;
    }
    if (seen.has(user.id))
      throw new AppError('validation_failed', `The batch changes ${user.primaryEmail} more than once.`);
    seen.add(user.id);
    targets.push({ user, to: change.license });
  }
  if (unknown.length > 0) {
    throw new AppError(
      'bad_request',
      `No change was made: ${unknown.length === 1 ? 'this user is' : `these ${unknown.length} users are`} not in the domain's directory: ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ', …' : ''}.`,
    );
  }
  return targets;
}

/** The core of every license change (batches, auto-assign): call inside a transaction holding the customer lock. */
export async function applyResolvedChanges(
  deps: Pick<CustomersDeps, 'clock' | 'audit'>,
  tx: Db,
  customer: CustomerRow,
  targets: { user: DirectoryUserRow; to: LicenseState }[],
  auditActor: AuditActor,
  action: string,
): Promise<LicenseChangeReport> {
  const now = deps.clock.now();
  const deletedStandard = targets.filter(({ user, to }) => to === 'standard' && user.deletedAt !== null);
  if (deletedStandard.length > 0) {
    throw new AppError(
      'bad_request',
      `No change was made: ${deletedStandard.map(({ user }) => user.primaryEmail).join(', ')} ${deletedStandard.length === 1 ? 'is' : 'are'} deleted in Google and cannot be backed up any more; give an Archived license to keep the data.`,
    );
  }
  const effective = targets.filter(({ user, to }) => (user.license ?? 'none') !== to);
  const before = await countAssignedLicenses(tx, customer.id);
  const gained = effective.filter(({ user, to }) => user.license === null && to !== 'none').length;
  const lost = effective.filter(({ user, to }) => user.license !== null && to === 'none').length;
  const after = before + gained - lost;
  if (!trialRunning(customer, now) && after > customer.seatsPurchased && after > before) {
    const missing = after - customer.seatsPurchased;
    throw new AppError(
      'conflict',
      `Not enough seats: these changes need ${after} licenses but ${customer.seatsPurchased} seats are purchased — ${missing} ${missing === 1 ? 'seat is' : 'seats are'} missing. No change was made.`,
    );
  }
  const purgeAfter = new Date(now.getTime() + purgeGraceDays * dayMs);
  const groups = new Map<string, string[]>();
  for (const { user, to } of effective) {
    const key = `${user.license === null ? 'unlicensed' : 'licensed'}>${to}`;
    groups.set(key, [...(groups.get(key) ?? []), user.id]);
  }
  for (const [key, ids] of groups) {
    const [from, to] = key.split('>') as ['licensed' | 'unlicensed', LicenseState];
    const values =
      to === 'none'
        ? { license: null, licensedAt: null, purgeAfter }
        : from === 'unlicensed'
          ? { license: to, licensedAt: now, purgeAfter: null, purgedAt: null }
          : { license: to };
    for (let start = 0; start < ids.length; start += 1000) {
      await tx
        .update(directoryUsers)
        .set(values)
        .where(
          and(eq(directoryUsers.customerId, customer.id), inArray(directoryUsers.id, ids.slice(start, start + 1000))),
        );
    }
  }
  const changed = effective.map(({ user, to }) => ({
    userId: user.id,
    email: user.primaryEmail,
    from: (user.license ?? 'none') as LicenseState,
    to,
    purgeAfter: to === 'none' ? purgeAfter.toISOString() : null,
  }));
  await deps.audit.recordMany(
    changed.map((change) => ({
      ...auditActor,
      tenants: auditTenantsFor(customer.id, auditActor),
      action,
      target: change.email,
      result: 'success' as const,
      details: { userId: change.userId, from: change.from, to: change.to, purgeAfter: change.purgeAfter },
    })),
    tx,
  );
  return { changed, unchanged: targets.length - effective.length, seats: await seatSummary(tx, customer, now) };
}
