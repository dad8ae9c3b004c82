// SQL of the identity module: staff users, recovery codes, one-time links, customer members
// and the session lookup that every API request makes.
import { randomUUID } from 'node:crypto';
import { and, count, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/database.ts';
import { customerColumn, findCustomerByDomainAnyCase, getPartner, partnerColumn } from '../tenancy/index.ts';
import type { OneTimePurpose } from './one-time-tokens.ts';
import {
  customerMembers,
  oneTimeTokens,
  recoveryCodes,
  sessions,
  staffUsers,
  technicianAssignments,
} from './tables.ts';

export type StaffUserRow = typeof staffUsers.$inferSelect;
export type OneTimeTokenRow = typeof oneTimeTokens.$inferSelect;

export interface StaffUserWithPartner {
  user: StaffUserRow;
  partner: { id: string; name: string; status: 'active' | 'suspended' } | null;
}

const staffColumns = {
  user: staffUsers,
  partnerId: staffUsers.partnerId,
  partnerName: partnerColumn(staffUsers.partnerId, 'name'),
  partnerStatus: partnerColumn(staffUsers.partnerId, 'status'),
};

function withPartner(row: {
  user: StaffUserRow;
  partnerId: string | null;
  partnerName: string | null;
  partnerStatus: 'active' | 'suspended' | null;
}): StaffUserWithPartner {
  return {
    user: row.user,
    partner:
      row.partnerId && row.partnerName && row.partnerStatus
        ? { id: row.partnerId, name: row.partnerName, status: row.partnerStatus }
        : null,
  };
}

export async function findStaffUserByEmail(db: Db, email: string): Promise<StaffUserWithPartner | null> {
  const [row] = await db
    .select(staffColumns)
    .from(staffUsers)
    .where(sql`lower(${staffUsers.email}) = ${email.trim().toLowerCase()}`);
  return row ? withPartner(row) : null;
}

export async function getStaffUser(db: Db, id: string): Promise<StaffUserWithPartner | null> {
  const [row] = await db.select(staffColumns).from(staffUsers).where(eq(staffUsers.id, id));
  return row ? withPartner(row) : null;
}

export async function insertStaffUser(db: Db, values: typeof staffUsers.$inferInsert): Promise<void> {
  await db.insert(staffUsers).values(values);
}

export async function updateStaffUser(
  db: Db,
  id: string,
  values: Partial<Omit<typeof staffUsers.$inferInsert, 'id'>>,
): Promise<void> {
  await db.update(staffUsers).set(values).where(eq(staffUsers.id, id));
}

/**
 * Records `step` as the last used TOTP step unless an equal or later one was used already;
 * false means the code was used before (possibly by a concurrent request).
 */
export async function claimTotpStep(db: Db, userId: string, step: number): Promise<boolean> {
  const updated = await db
    .update(staffUsers)
    .set({ totpLastStep: step })
    .where(
      and(eq(staffUsers.id, userId), sql`(${staffUsers.totpLastStep} is null or ${staffUsers.totpLastStep} < ${step})`),
    )
    .returning({ id: staffUsers.id });
  return updated.length === 1;
}

export async function countEnabledVendorAdmins(db: Db): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(staffUsers)
    .where(and(eq(staffUsers.orgKind, 'vendor'), eq(staffUsers.role, 'admin'), isNull(staffUsers.disabledAt)));
  return row?.n ?? 0;
}

export async function assignedCustomerIds(db: Db, userId: string): Promise<string[]> {
  const rows = await db
    .select({ customerId: technicianAssignments.customerId })
    .from(technicianAssignments)
    .where(eq(technicianAssignments.userId, userId));
  return rows.map((row) => row.customerId);
}

export async function replaceRecoveryCodes(db: Db, userId: string, codeHashes: string[], now: Date): Promise<void> {
  await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  await db
    .insert(recoveryCodes)
    .values(codeHashes.map((codeHash) => ({ id: randomUUID(), userId, codeHash, createdAt: now })));
}

export async function deleteRecoveryCodes(db: Db, userId: string): Promise<void> {
  await db.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
}

/** Marks an unused recovery code used; false when there is no such unused code. */
export async function useRecoveryCode(db: Db, userId: string, codeHash: string, now: Date): Promise<boolean> {
  const used = await db
    .update(recoveryCodes)
    .set({ usedAt: now })
    .where(and(eq(recoveryCodes.userId, userId), eq(recoveryCodes.codeHash, codeHash), isNull(recoveryCodes.usedAt)))
    .returning({ id: recoveryCodes.id });
  return used.length === 1;
}

export async function unusedRecoveryCodeCount(db: Db, userId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)));
  return row?.n ?? 0;
}

/** A live (unused, unexpired) one-time token by its hash. */
export async function findLiveToken(db: Db, tokenHash: string, now: Date): Promise<OneTimeTokenRow | null> {
  const [row] = await db
    .select()
    .from(oneTimeTokens)
    .where(and(eq(oneTimeTokens.tokenHash, tokenHash), isNull(oneTimeTokens.usedAt), gt(oneTimeTokens.expiresAt, now)));
  return row ?? null;
}

/** Marks a live token used in one statement, so two concurrent redemptions cannot both win. */
export async function claimToken(
  db: Db,
  tokenHash: string,
  purposes: OneTimePurpose[],
  now: Date,
): Promise<OneTimeTokenRow | null> {
  const [row] = await db
    .update(oneTimeTokens)
    .set({ usedAt: now })
    .where(
      and(
        eq(oneTimeTokens.tokenHash, tokenHash),
        inArray(oneTimeTokens.purpose, purposes),
        isNull(oneTimeTokens.usedAt),
        gt(oneTimeTokens.expiresAt, now),
      ),
    )
    .returning();
  return row ?? null;
}

export async function partnerName(db: Db, partnerId: string): Promise<string | null> {
  return (await getPartner(db, partnerId))?.name ?? null;
}

export async function findCustomerByDomain(db: Db, domain: string) {
  return findCustomerByDomainAnyCase(db, domain);
}

export async function findCustomerMember(db: Db, customerId: string, email: string) {
  const [row] = await db
    .select()
    .from(customerMembers)
    .where(
      and(eq(customerMembers.customerId, customerId), sql`lower(${customerMembers.email}) = ${email.toLowerCase()}`),
    );
  return row ?? null;
}

export async function insertCustomerMember(db: Db, values: typeof customerMembers.$inferInsert): Promise<void> {
  await db.insert(customerMembers).values(values);
}

export async function setCustomerMemberSubject(db: Db, memberId: string, subject: string): Promise<void> {
  await db.update(customerMembers).set({ googleSubject: subject }).where(eq(customerMembers.id, memberId));
}

/** Everything a request needs to know about its session, in one query. */
export async function loadSession(db: Db, idHash: string) {
  const [row] = await db
    .select({
      session: sessions,
      user: staffUsers,
      partnerName: partnerColumn(staffUsers.partnerId, 'name'),
      partnerStatus: partnerColumn(staffUsers.partnerId, 'status'),
      member: customerMembers,
      customerDomain: customerColumn(customerMembers.customerId, 'domain'),
      customerName: customerColumn(customerMembers.customerId, 'name'),
      customerStatus: customerColumn(customerMembers.customerId, 'status'),
      actingCustomerDomain: customerColumn(sessions.actingCustomerId, 'domain'),
    })
    .from(sessions)
    .leftJoin(staffUsers, eq(staffUsers.id, sessions.staffUserId))
    .leftJoin(customerMembers, eq(customerMembers.id, sessions.customerMemberId))
    .where(eq(sessions.idHash, idHash));
  return row ?? null;
}

/** Ends a partner's unused owner invitations (a new one replaces them, whatever its address). */
export async function revokeOwnerInvitations(db: Db, partnerId: string, now: Date): Promise<void> {
  await db
    .update(oneTimeTokens)
    .set({ usedAt: now })
    .where(
      and(
        eq(oneTimeTokens.purpose, 'invitation'),
        eq(oneTimeTokens.partnerId, partnerId),
        eq(oneTimeTokens.role, 'owner'),
        isNull(oneTimeTokens.usedAt),
      ),
    );
}

/** Ends the unused invitations of one organisation (a partner, or the vendor when null) for an email. */
export async function revokeInvitations(db: Db, email: string, partnerId: string | null, now: Date): Promise<void> {
  await db
    .update(oneTimeTokens)
    .set({ usedAt: now })
    .where(
      and(
        eq(oneTimeTokens.purpose, 'invitation'),
        eq(oneTimeTokens.email, email),
        partnerId ? eq(oneTimeTokens.partnerId, partnerId) : isNull(oneTimeTokens.partnerId),
        isNull(oneTimeTokens.usedAt),
      ),
    );
}
