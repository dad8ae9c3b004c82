// Trial install (PRODUCT.md §2 step 2): a person who signed in with Google for "Start a free
// trial" and whose domain is no customer yet has a pending install (identity module). This
// shows them what to authorise — the service account's client id and the exact scopes — and,
// on "Verify", checks the domain-wide delegation per scope and that they are a super admin
// (connectCustomer), creates the tenant in trial (14 days) and signs them in as its super admin.
import { GOOGLE_SCOPES } from '@safehold/google';
import type { Clock } from '../../clock.ts';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../http/errors.ts';
import type { AuditService } from '../audit/index.ts';
import { type CustomersDeps, connectCustomer, delegationConsolePath, projectForDomain } from '../customers/index.ts';
import {
  createSession,
  endPendingInstall,
  findCustomerMember,
  type PendingInstall,
  setCustomerMemberSubject,
} from '../identity/index.ts';
import type { RateLimiter, RateLimitRule } from '../rate-limits/index.ts';

export interface TrialDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  customers: CustomersDeps;
  limiter: RateLimiter;
  /** Each Verify asks Google for tokens: bounded per pending install and per IP. */
  limits: { verifyPerInstall: RateLimitRule; verifyPerIp: RateLimitRule };
}

export const defaultTrialLimits: TrialDeps['limits'] = {
  verifyPerInstall: { name: 'trial-verify:install', limit: 20, windowMs: 15 * 60_000 },
  verifyPerIp: { name: 'trial-verify:ip', limit: 60, windowMs: 15 * 60_000 },
};

export interface InstallInstructions {
  email: string;
  domain: string;
  clientId: string;
  /** The Cloud project the new customer will be bound to (whose client id this is); null with a single unnamed key. */
  project: string | null;
  scopes: string[];
  /** Where in Google's Admin console delegation is granted. */
  consolePath: string;
  expiresAt: string;
}

export function noPendingInstall(): AppError {
  return new AppError(
    'not_found',
    'No trial install is in progress (it expires after 30 minutes). Start again with "Sign in with Google".',
  );
}

export async function installInstructions(deps: TrialDeps, pending: PendingInstall): Promise<InstallInstructions> {
  // The project the domain will be bound to (fewest customers; docs/deployment.md "Several Cloud projects").
  const project = await projectForDomain(deps.customers, pending.domain);
  return {
    email: pending.email,
    domain: pending.domain,
    clientId: project?.clientId ?? deps.customers.googleClientId(),
    project: project?.id ?? null,
    scopes: [...GOOGLE_SCOPES],
    consolePath: delegationConsolePath,
    expiresAt: pending.expiresAt.toISOString(),
  };
}

export type VerifyOutcome =
  | { installed: true; sessionId: string; customerId: string; domain: string; trialEndsAt: string | null }
  | {
      installed: false;
      reason: 'delegation_missing' | 'not_super_admin' | 'unknown_admin';
      message: string;
      missingScopes: string[];
    };

export async function verifyInstall(
  deps: TrialDeps,
  pending: PendingInstall,
  meta: { ip: string; userAgent: string | null },
): Promise<VerifyOutcome> {
  await deps.limiter.consume([
    { rule: deps.limits.verifyPerInstall, subject: pending.idHash },
    { rule: deps.limits.verifyPerIp, subject: meta.ip },
  ]);
  const auditActor = { actor: { kind: 'customer' as const, label: pending.email }, ...meta };
  const result = await connectCustomer(
    deps.customers,
    { domain: pending.domain, adminEmail: pending.email },
    auditActor,
  );
  if (!result.ok) {
    return {
      installed: false,
      reason: result.reason,
      message: result.message,
      missingScopes: result.reason === 'delegation_missing' ? result.missingScopes : [],
    };
  }
  const customerId = result.customer.id;
  // connectCustomer made the person a super_admin member; tie it to their Google account.
  const member = await findCustomerMember(deps.db, customerId, pending.email);
  if (!member) throw new Error(`connect did not create the member ${pending.email}`);
  if (member.googleSubject && member.googleSubject !== pending.googleSubject) {
    throw new AppError('conflict', 'This address is tied to a different Google account in Safehold.');
  }
  if (!member.googleSubject) await setCustomerMemberSubject(deps.db, member.id, pending.googleSubject);
  const sessionId = await createSession(
    deps.db,
    deps.clock,
    { kind: 'customer', customerMemberId: member.id },
    'signed_in',
    meta,
  );
  await endPendingInstall(deps.db, pending.idHash);
  await deps.audit.record({
    actor: { kind: 'customer', id: member.id, label: pending.email },
    tenants: [`customer:${customerId}`],
    action: 'customer.trial.start',
    target: pending.domain,
    ...meta,
    result: 'success',
    details: { created: result.created, trialEndsAt: result.customer.trialEndsAt, status: result.customer.status },
  });
  return {
    installed: true,
    sessionId,
    customerId,
    domain: result.customer.domain,
    trialEndsAt: result.customer.trialEndsAt,
  };
}
