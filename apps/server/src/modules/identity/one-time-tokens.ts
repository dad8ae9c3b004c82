// Single-use links (operator setup, invitations, password resets): a random token goes in
// the link, only its SHA-256 is stored, and redeeming it marks it used in the same
// transaction that acts on it.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { and, eq, isNotNull, isNull, lt, or } from 'drizzle-orm';
import type { Clock } from '../../clock.ts';
import type { Db } from '../../db/database.ts';
import { oneTimeTokens } from './tables.ts';

export type OneTimePurpose = (typeof oneTimeTokens.$inferInsert)['purpose'];

export const oneTimeLifetimes: Record<OneTimePurpose, number> = {
  operator_setup: 72 * 3600_000,
  invitation: 72 * 3600_000,
  password_reset: 3600_000,
};

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface IssuedToken {
  id: string;
  token: string;
  expiresAt: Date;
}

export async function issueOneTimeToken(
  db: Db,
  clock: Clock,
  input: {
    purpose: OneTimePurpose;
    email: string;
    staffUserId?: string | null;
    partnerId?: string | null;
    role?: string | null;
    createdBy?: string | null;
  },
): Promise<IssuedToken> {
  const token = randomBytes(32).toString('base64url');
  const id = randomUUID();
  const expiresAt = new Date(clock.now().getTime() + oneTimeLifetimes[input.purpose]);
  await db.insert(oneTimeTokens).values({
    id,
    purpose: input.purpose,
    tokenHash: hashToken(token),
    email: input.email,
    staffUserId: input.staffUserId ?? null,
    partnerId: input.partnerId ?? null,
    role: input.role ?? null,
    createdBy: input.createdBy ?? null,
    expiresAt,
  });
  return { id, token, expiresAt };
}

/** Invalidates every unused token of a purpose for an email (a new link replaces old ones). */
export async function revokeOneTimeTokens(db: Db, clock: Clock, purpose: OneTimePurpose, email: string): Promise<void> {
  await db
    .update(oneTimeTokens)
    .set({ usedAt: clock.now() })
    .where(and(eq(oneTimeTokens.purpose, purpose), eq(oneTimeTokens.email, email), isNull(oneTimeTokens.usedAt)));
}

/** The link a person opens for a token; the web app routes /setup, /invite and /reset. */
export function oneTimeLink(publicUrl: string, purpose: OneTimePurpose, token: string): string {
  const page = { operator_setup: 'setup', invitation: 'invite', password_reset: 'reset-password' }[purpose];
  return `${publicUrl}/${page}#token=${token}`;
}

/** Deletes tokens used, or expired, before `cutoff` (for the housekeeping job); returns how many. */
export async function deleteSpentOneTimeTokens(db: Db, cutoff: Date): Promise<number> {
  const deleted = await db
    .delete(oneTimeTokens)
    .where(
      or(and(isNotNull(oneTimeTokens.usedAt), lt(oneTimeTokens.usedAt, cutoff)), lt(oneTimeTokens.expiresAt, cutoff)),
    )
    .returning({ id: oneTimeTokens.id });
  return deleted.length;
}
