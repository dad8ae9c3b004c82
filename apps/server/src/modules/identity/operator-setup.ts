// The way in for vendor operators: on first start with no operator, `safehold start` prints
// a one-time setup link; `safehold vendor create-operator --email E` prints one for E.
import { count, eq } from 'drizzle-orm';
import type { Clock } from '../../clock.ts';
import type { Db } from '../../db/database.ts';
import type { IdentityAudit } from './deps.ts';
import { issueOneTimeToken, oneTimeLink, revokeOneTimeTokens } from './one-time-tokens.ts';
import { staffUsers } from './tables.ts';

/** Placeholder email of the first-start link: the operator types their own on the page. */
export const firstOperatorEmail = '';

export async function hasVendorOperator(db: Db): Promise<boolean> {
  const [row] = await db.select({ n: count() }).from(staffUsers).where(eq(staffUsers.orgKind, 'vendor'));
  return (row?.n ?? 0) > 0;
}

export async function createOperatorSetupLink(
  deps: { db: Db; clock: Clock; audit: IdentityAudit; publicUrl: string },
  email: string,
  actorLabel: string,
): Promise<{ link: string; expiresAt: Date }> {
  const normalised = email.trim().toLowerCase();
  await revokeOneTimeTokens(deps.db, deps.clock, 'operator_setup', normalised);
  const issued = await issueOneTimeToken(deps.db, deps.clock, {
    purpose: 'operator_setup',
    email: normalised,
    role: 'admin',
  });
  await deps.audit.record({
    actor: { kind: 'system', label: actorLabel },
    tenants: ['vendor'],
    action: 'operator.setup_link.create',
    target: normalised || '(first operator)',
    result: 'success',
  });
  return { link: oneTimeLink(deps.publicUrl, 'operator_setup', issued.token), expiresAt: issued.expiresAt };
}
