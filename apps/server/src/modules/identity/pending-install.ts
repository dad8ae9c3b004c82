// The state between "Sign in with Google" and "Verify" of a trial install: the person proved
// who they are (verified email, Workspace domain) but their domain is no customer yet, so
// there is no member to sign in. Kept on the server (pending_installs), referenced by a random
// id in an HttpOnly cookie whose SHA-256 is the key; it expires after 30 minutes and ends
// when the install completes. The browser holds nothing it could edit.
import { randomBytes } from 'node:crypto';
import { and, eq, gt, lt } from 'drizzle-orm';
import type { Clock } from '../../clock.ts';
import type { Db } from '../../db/database.ts';
import { hashSessionId, sessionHashFromCookie } from './sessions.ts';
import { pendingInstalls } from './tables.ts';

export const pendingInstallCookieName = '__Host-safehold-install';
export const pendingInstallLifetimeMs = 30 * 60_000;

export interface PendingInstall {
  idHash: string;
  email: string;
  domain: string;
  googleSubject: string;
  expiresAt: Date;
}

/** Records a pending install and returns the cookie value that refers to it. */
export async function createPendingInstall(
  db: Db,
  clock: Clock,
  values: { email: string; domain: string; googleSubject: string },
): Promise<string> {
  const now = clock.now();
  // Keeps the table small without a job: expired rows go whenever a new one comes.
  await db.delete(pendingInstalls).where(lt(pendingInstalls.expiresAt, now));
  const id = randomBytes(32).toString('base64url');
  await db.insert(pendingInstalls).values({
    idHash: hashSessionId(id),
    ...values,
    createdAt: now,
    expiresAt: new Date(now.getTime() + pendingInstallLifetimeMs),
  });
  return id;
}

/** The live pending install a cookie refers to, or null. */
export async function findPendingInstall(
  db: Db,
  clock: Clock,
  cookie: string | undefined,
): Promise<PendingInstall | null> {
  const idHash = sessionHashFromCookie(cookie);
  if (!idHash) return null;
  const [row] = await db
    .select()
    .from(pendingInstalls)
    .where(and(eq(pendingInstalls.idHash, idHash), gt(pendingInstalls.expiresAt, clock.now())));
  return row
    ? { idHash, email: row.email, domain: row.domain, googleSubject: row.googleSubject, expiresAt: row.expiresAt }
    : null;
}

export async function endPendingInstall(db: Db, idHash: string): Promise<void> {
  await db.delete(pendingInstalls).where(eq(pendingInstalls.idHash, idHash));
}
