// Server-side sessions: the cookie carries 32 random bytes, the table only their SHA-256.
// A session moves through stages (password passed → second factor or enrolment → signed in)
// and gets a new id at every stage change. It ends on sign-out, after 30 minutes idle, 12
// hours after sign-in, and at once when its user is disabled or its partner suspended.
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, inArray, lt, ne, or } from 'drizzle-orm';
import type { Clock } from '../../clock.ts';
import type { Db } from '../../db/database.ts';
import { customerMembers, sessions, staffUsers } from './tables.ts';

export const sessionCookieName = '__Host-safehold-session';
export const idleTimeoutMs = 30 * 60_000;
export const absoluteTimeoutMs = 12 * 3600_000;

export type SessionStage = (typeof sessions.$inferSelect)['stage'];
export type SessionRow = typeof sessions.$inferSelect;
export type SessionSubject = { kind: 'staff'; staffUserId: string } | { kind: 'customer'; customerMemberId: string };

const sessionIdPattern = /^[A-Za-z0-9_-]{43}$/;

export function hashSessionId(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

/** The id hash for a cookie value, or null when the value cannot be a session id. */
export function sessionHashFromCookie(value: string | undefined): string | null {
  if (!value || !sessionIdPattern.test(value)) return null;
  return hashSessionId(value);
}

export interface RequestMeta {
  ip: string;
  userAgent: string | null;
}

export async function createSession(
  db: Db,
  clock: Clock,
  subject: SessionSubject,
  stage: SessionStage,
  meta: RequestMeta,
): Promise<string> {
  const id = randomBytes(32).toString('base64url');
  const now = clock.now();
  await db.insert(sessions).values({
    idHash: hashSessionId(id),
    subjectKind: subject.kind,
    staffUserId: subject.kind === 'staff' ? subject.staffUserId : null,
    customerMemberId: subject.kind === 'customer' ? subject.customerMemberId : null,
    stage,
    // CSRF tokens are bound to the csrf cookie (see csrf.ts), not to the session.
    csrfToken: '',
    ip: meta.ip,
    userAgent: meta.userAgent,
    createdAt: now,
    lastSeenAt: now,
    absoluteExpiresAt: new Date(now.getTime() + absoluteTimeoutMs),
  });
  return id;
}

/** Moves a session to a new stage under a new id (the old id stops working). */
export async function advanceSession(db: Db, clock: Clock, idHash: string, stage: SessionStage): Promise<string> {
  const id = randomBytes(32).toString('base64url');
  await db
    .update(sessions)
    .set({ idHash: hashSessionId(id), stage, lastSeenAt: clock.now() })
    .where(eq(sessions.idHash, idHash));
  return id;
}

export async function endSession(db: Db, idHash: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.idHash, idHash));
}

export async function endStaffUserSessions(db: Db, staffUserId: string): Promise<number> {
  const ended = await db
    .delete(sessions)
    .where(eq(sessions.staffUserId, staffUserId))
    .returning({ idHash: sessions.idHash });
  return ended.length;
}

/** Ends every session of a staff user except one (the session that changed the password). */
export async function endOtherStaffUserSessions(db: Db, staffUserId: string, keepIdHash: string): Promise<number> {
  const ended = await db
    .delete(sessions)
    .where(and(eq(sessions.staffUserId, staffUserId), ne(sessions.idHash, keepIdHash)))
    .returning({ idHash: sessions.idHash });
  return ended.length;
}

/** Ends every session of a partner's users (the partner was suspended). */
export async function endPartnerSessions(db: Db, partnerId: string): Promise<number> {
  const ended = await db
    .delete(sessions)
    .where(
      inArray(
        sessions.staffUserId,
        db.select({ id: staffUsers.id }).from(staffUsers).where(eq(staffUsers.partnerId, partnerId)),
      ),
    )
    .returning({ idHash: sessions.idHash });
  return ended.length;
}

/** Ends every session of one customer member (Google suspended or deleted them). */
export async function endCustomerMemberSessions(db: Db, customerMemberId: string): Promise<number> {
  const ended = await db
    .delete(sessions)
    .where(eq(sessions.customerMemberId, customerMemberId))
    .returning({ idHash: sessions.idHash });
  return ended.length;
}

/** Ends every session of a customer's members (the tenant was suspended or cancelled). */
export async function endCustomerSessions(db: Db, customerId: string): Promise<number> {
  const ended = await db
    .delete(sessions)
    .where(
      inArray(
        sessions.customerMemberId,
        db.select({ id: customerMembers.id }).from(customerMembers).where(eq(customerMembers.customerId, customerId)),
      ),
    )
    .returning({ idHash: sessions.idHash });
  return ended.length;
}

/** Opens a partner session on a signed-in staff session (issue 18 §2). */
export async function startPartnerSession(
  db: Db,
  idHash: string,
  grant: { customerId: string; reason: string; endsAt: Date },
): Promise<void> {
  await db
    .update(sessions)
    .set({ actingCustomerId: grant.customerId, actingReason: grant.reason, actingExpiresAt: grant.endsAt })
    .where(eq(sessions.idHash, idHash));
}

/** Ends the partner session of one staff session (End session, or it ran out); the staff session goes on. */
export async function endPartnerSession(db: Db, idHash: string): Promise<void> {
  await db
    .update(sessions)
    .set({ actingCustomerId: null, actingReason: null, actingExpiresAt: null })
    .where(eq(sessions.idHash, idHash));
}

/** Ends every live partner session in one customer's console (its partner-access switch went off). */
export async function endPartnerSessionsOn(db: Db, customerId: string): Promise<number> {
  const ended = await db
    .update(sessions)
    .set({ actingCustomerId: null, actingReason: null, actingExpiresAt: null })
    .where(eq(sessions.actingCustomerId, customerId))
    .returning({ idHash: sessions.idHash });
  return ended.length;
}

/** Whether a session has run out of time now; the caller deletes it. */
export function sessionExpired(session: Pick<SessionRow, 'lastSeenAt' | 'absoluteExpiresAt'>, now: Date): boolean {
  return (
    now.getTime() >= session.absoluteExpiresAt.getTime() ||
    now.getTime() - session.lastSeenAt.getTime() >= idleTimeoutMs
  );
}

export async function touchSession(db: Db, idHash: string, now: Date): Promise<void> {
  await db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.idHash, idHash));
}

/**
 * Deletes sessions that have timed out but were never presented again. Sessions are checked
 * on every request anyway; this only keeps the table small (for a periodic job). `idleLimitMs`
 * null deletes only sessions past their absolute lifetime.
 */
export async function deleteExpiredSessions(
  db: Db,
  now: Date,
  idleLimitMs: number | null = idleTimeoutMs,
): Promise<number> {
  const pastLifetime = lt(sessions.absoluteExpiresAt, now);
  const deleted = await db
    .delete(sessions)
    .where(
      idleLimitMs === null
        ? pastLifetime
        : or(pastLifetime, lt(sessions.lastSeenAt, new Date(now.getTime() - idleLimitMs))),
    )
    .returning({ idHash: sessions.idHash });
  return deleted.length;
}
