// Connecting a Google Workspace domain (PRODUCT.md §2 step 2, the backend of "install a
// trial"): Safehold checks that the domain delegated every scope of GOOGLE_SCOPES to its
// service account and that the person is a super admin of the domain, then creates the
// customer tenant in `trial` (14 days), makes the admin a super_admin member and syncs the
// directory. Running it again for the same domain reuses the tenant (no duplicate).
import { randomUUID } from 'node:crypto';
import { AuthorizationLostError, GoogleApiError, type GoogleClient, TokenRequestError } from '@safehold/google';
import { z } from 'zod';
import { AppError } from '../../http/errors.ts';
import { ensureSuperAdminMember } from '../identity/index.ts';
import { findCustomerByDomain, insertCustomerUnlessDomainTaken } from '../tenancy/index.ts';
import { delegationFix } from './authorization.ts';
import { projectForDomain } from './cloud-projects.ts';
import type { AuditActor, CustomersDeps } from './deps.ts';
import { type SyncReport, syncDirectory } from './directory-sync.ts';
import { auditTenantsFor, trialDays } from './licensing.ts';
import { customerConnections } from './tables.ts';

const domainPattern = /^(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export const connectInputSchema = z.object({
  domain: z.string().trim().toLowerCase().regex(domainPattern, 'must be a domain name such as example.com'),
  adminEmail: z.email('must be an email address').trim().toLowerCase(),
});
export type ConnectInput = z.infer<typeof connectInputSchema>;

export type ConnectResult =
  | {
      ok: true;
      /** False when the domain was already a tenant (re-run): nothing was duplicated. */
      created: boolean;
      customer: { id: string; domain: string; status: string; trialEndsAt: string | null };
      /** Whether the backup engine's hook created the tenant's repository keys. */
      repositoryKeys: 'created' | 'existing' | 'not_available';
      sync: SyncReport | { status: 'failed'; message: string };
    }
  | {
      ok: false;
      reason: 'delegation_missing';
      message: string;
      clientId: string;
      missingScopes: string[];
      grantedScopes: string[];
    }
  | { ok: false; reason: 'not_super_admin' | 'unknown_admin'; message: string };

async function refuse(
  deps: CustomersDeps,
  auditActor: AuditActor,
  input: ConnectInput,
  result: Exclude<ConnectResult, { ok: true }>,
): Promise<ConnectResult> {
  await deps.audit.record({
    ...auditActor,
    tenants: ['vendor', ...(auditActor.tenants ?? [])],
    action: 'customer.connect',
    target: input.domain,
    result: 'failure',
    details: {
      reason: result.reason,
      adminEmail: input.adminEmail,
      ...(result.reason === 'delegation_missing' ? { missingScopes: result.missingScopes } : {}),
    },
  });
  return result;
}

type Delegation = { granted: string[]; missing: string[] };

/**
 * The Cloud project to bind the domain to, with its delegation as Google answers it: the one the
 * install screen showed (projectForDomain) — unless the domain authorised none of its scopes but
 * all of another of Safehold's projects (the choice may have moved while the admin was
 * authorising, as other customers installed). Without projects configured: the default client.
 */
async function delegatedProject(
  deps: CustomersDeps,
  input: ConnectInput,
): Promise<{ project: string | null; delegation: Delegation }> {
  const shown = await projectForDomain(deps, input.domain);
  const project = shown?.id ?? null;
  const delegation = await deps.google(project).checkDelegation(input.adminEmail);
  if (!shown || delegation.granted.length > 0) return { project, delegation };
  for (const other of deps.googleProjects()) {
    if (other.id === shown.id) continue;
    const found = await deps.google(other.id).checkDelegation(input.adminEmail);
    if (found.missing.length === 0) return { project: other.id, delegation: found };
  }
  return { project, delegation };
}

export async function connectCustomer(
  deps: CustomersDeps,
  rawInput: { domain: string; adminEmail: string },
  auditActor: AuditActor,
): Promise<ConnectResult> {
  const parsed = connectInputSchema.safeParse(rawInput);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue?.path[0] ?? 'input');
    throw new AppError('validation_failed', `${field}: ${issue?.message ?? 'invalid'}`, { field });
  }
  const input = parsed.data;
  if (input.adminEmail.split('@')[1] !== input.domain) {
    throw new AppError('validation_failed', `adminEmail: must be an address in ${input.domain}`, {
      field: 'adminEmail',
    });
  }
  let bound: { project: string | null; delegation: Delegation };
  try {
    bound = await delegatedProject(deps, input);
  } catch (error) {
    if (error instanceof TokenRequestError) {
      return refuse(deps, auditActor, input, {
        ok: false,
        reason: 'unknown_admin',
        message: `Google does not know ${input.adminEmail} as an active user of ${input.domain} (${error.message}).`,
      });
    }
    throw error;
  }
  const { project, delegation } = bound;
  const google: GoogleClient = deps.google(project);
  const clientId = deps.googleClientId(project);
  if (delegation.missing.length > 0) {
    return refuse(deps, auditActor, input, {
      ok: false,
      reason: 'delegation_missing',
      message: `${input.domain} has not authorised Safehold for ${delegation.missing.length} of its scopes. ${delegationFix(clientId, delegation.missing)}`,
      clientId,
      missingScopes: delegation.missing,
      grantedScopes: delegation.granted,
    });
  }

  let isSuperAdmin = false;
  try {
    const user = await google.directory.getUser(input.adminEmail, input.adminEmail);
    isSuperAdmin = user.isAdmin === true && user.primaryEmail.toLowerCase() === input.adminEmail;
  } catch (error) {
    // Google answers 403 "Not Authorized" to Directory calls made as a non-admin.
    if (!(error instanceof GoogleApiError && (error.status === 403 || error.status === 404))) {
      if (error instanceof AuthorizationLostError) throw new AppError('conflict', error.message);
      throw error;
    }
  }
  if (!isSuperAdmin) {
    return refuse(deps, auditActor, input, {
      ok: false,
      reason: 'not_super_admin',
      message: `${input.adminEmail} is not a super admin of ${input.domain}: only a super admin can install Safehold.`,
    });
  }

  const now = deps.clock.now();
  const { customerId, created } = await deps.db.transaction(async (tx) => {
    let customer = await findCustomerByDomain(tx, input.domain);
    const created = !customer;
    if (!customer) {
      const inserted = await insertCustomerUnlessDomainTaken(tx, {
        id: randomUUID(),
        domain: input.domain,
        name: input.domain,
        status: 'trial',
        trialEndsAt: new Date(now.getTime() + trialDays * 24 * 3600_000),
        createdAt: now,
      });
      // A concurrent connect of the same domain won the insert: use its tenant.
      customer = inserted ?? (await findCustomerByDomain(tx, input.domain));
      if (!customer) throw new Error(`customer ${input.domain} vanished during connect`);
    }
    await tx
      .insert(customerConnections)
      .values({
        customerId: customer.id,
        adminEmail: input.adminEmail,
        clientId,
        googleProject: project,
        authorizationChangedAt: now,
        createdAt: now,
      })
      .onConflictDoUpdate({
        target: customerConnections.customerId,
        set: { adminEmail: input.adminEmail, clientId, googleProject: project },
      });
    await ensureSuperAdminMember(tx, customer.id, input.adminEmail, randomUUID);
    await deps.audit.record(
      {
        ...auditActor,
        tenants: ['vendor', ...auditTenantsFor(customer.id, auditActor)],
        action: 'customer.connect',
        target: input.domain,
        result: 'success',
        details: { created, adminEmail: input.adminEmail, trialEndsAt: customer.trialEndsAt?.toISOString() ?? null },
      },
      tx,
    );
    return { customerId: customer.id, created };
  });

  let repositoryKeys: 'created' | 'existing' | 'not_available' = created ? 'not_available' : 'existing';
  if (created && deps.hooks.tenantCreated) {
    await deps.hooks.tenantCreated(customerId);
    repositoryKeys = 'created';
  }

  let sync: SyncReport | { status: 'failed'; message: string };
  try {
    sync = await syncDirectory(deps, customerId, auditActor);
  } catch (error) {
    // The tenant exists and the daily sync (or "Refresh") will try again; say why it failed now.
    sync = { status: 'failed', message: error instanceof Error ? error.message : String(error) };
  }
  const customer = (await findCustomerByDomain(deps.db, input.domain)) as NonNullable<
    Awaited<ReturnType<typeof findCustomerByDomain>>
  >;
  return {
    ok: true,
    created,
    customer: {
      id: customer.id,
      domain: customer.domain,
      status: customer.status,
      trialEndsAt: customer.trialEndsAt?.toISOString() ?? null,
    },
    repositoryKeys,
    sync,
  };
}
