// SQL of the transfer module: transfer tokens (hash + last 4 only), the customer's managing
// partner, and who to notify on each side. Every query names the customer or token it is on.
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/database.ts';
import { licensedEmails } from '../customers/index.ts';
import { customerMemberEmail, endPartnerSessionsOn, removeTechnicianAssignments } from '../identity/index.ts';
import { setCustomerPartner } from '../tenancy/index.ts';
import { transferTokens } from './tables.ts';

export type TransferTokenRow = typeof transferTokens.$inferSelect;

/** Unused, unrevoked and unexpired at `now`. */
const live = (now: Date) =>
  and(isNull(transferTokens.usedAt), isNull(transferTokens.revokedAt), gt(transferTokens.expiresAt, now));

export async function liveToken(db: Db, customerId: string, now: Date): Promise<TransferTokenRow | null> {
  const [row] = await db
    .select()
    .from(transferTokens)
    .where(and(eq(transferTokens.customerId, customerId), live(now)));
  return row ?? null;
}

export async function findTokenByHash(db: Db, tokenHash: string): Promise<TransferTokenRow | null> {
  const [row] = await db.select().from(transferTokens).where(eq(transferTokens.tokenHash, tokenHash));
  return row ?? null;
}

/**
 * Revokes the customer's outstanding token(s) (unused and unrevoked, expired or not, so the
 * one-live-token index has room for a new one). Returns the revoked rows.
 */
export async function revokeOutstandingTokens(
  db: Db,
  customerId: string,
  now: Date,
  reason: 'revoked' | 'replaced',
): Promise<TransferTokenRow[]> {
  return db
    .update(transferTokens)
    .set({ revokedAt: now, revokedReason: reason })
    .where(
      and(eq(transferTokens.customerId, customerId), isNull(transferTokens.usedAt), isNull(transferTokens.revokedAt)),
    )
    .returning();
}

export async function insertToken(db: Db, values: typeof transferTokens.$inferInsert): Promise<void> {
  await db.insert(transferTokens).values(values);
}

/**
 * Marks the token used if, and only if, it is live: one statement, so of two concurrent
 * redemptions exactly one gets the row (the other waits for the row lock, then sees it used).
 */
export async function claimToken(
  tx: Db,
  tokenHash: string,
  now: Date,
  by: { partnerId: string; userId: string | null },
): Promise<TransferTokenRow | null> {
  const [row] = await tx
    .update(transferTokens)
    .set({ usedAt: now, usedByPartnerId: by.partnerId, usedByUserId: by.userId })
    .where(and(eq(transferTokens.tokenHash, tokenHash), live(now)))
    .returning();
  return row ?? null;
}

/**
 * Changes (or removes) the managing partner; partner access and technician assignments start
 * over, and so does the partner's view of the customer's audit log (from `now`).
 */
export async function setManagingPartner(
  tx: Db,
  customerId: string,
  partnerId: string | null,
  now: Date,
): Promise<void> {
  await setCustomerPartner(tx, customerId, partnerId, now);
  await removeTechnicianAssignments(tx, customerId);
  // A new (or no) partner: nobody of the old one stays in the customer's console.
  await endPartnerSessionsOn(tx, customerId);
}

/** Whether the member's address holds a license in its own tenant's directory. */
export async function memberIsLicensed(db: Db, customerId: string, memberId: string): Promise<boolean> {
  const email = await customerMemberEmail(db, customerId, memberId);
  if (email === null) return false;
  const result = await db.execute<{ licensed: boolean }>(
    sql`select lower(${email}) in ${licensedEmails(customerId)} as licensed`,
  );
  return (result as unknown as { rows: { licensed: boolean }[] }).rows[0]?.licensed === true;
}
