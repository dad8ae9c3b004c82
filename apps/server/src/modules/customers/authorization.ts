// Domain-wide delegation as one tenant-level condition (GOOGLE-APIS.md "Auth"): when Google
// refuses the service account's tokens, the tenant's authorisation becomes 'lost' with the fix
// (client id and exact scopes to authorise), the customer's super admins are emailed once,
// and nothing is reported per user or per item.
import { AuthorizationLostError, GOOGLE_SCOPES, type GoogleClient } from '@safehold/google';
import { superAdminEmails } from '../identity/index.ts';
import type { CustomerRow } from '../tenancy/index.ts';
import type { AuditActor, CustomersDeps } from './deps.ts';
import { auditTenantsFor } from './licensing.ts';
import { getConnection, updateConnection } from './store.ts';

export const delegationConsolePath =
  'Admin console › Security › Access and data control › API controls › Domain-wide delegation';

/** What an admin must do to (re)authorise Safehold, in words. */
export function delegationFix(clientId: string, scopes: readonly string[]): string {
  return (
    `In the Google ${delegationConsolePath}, authorise client ID ${clientId} for these scopes ` +
    `(one comma-separated list): ${scopes.join(',')}`
  );
}

/** The scopes of GOOGLE_SCOPES the domain has not delegated, asked while impersonating `admin`. */
export async function missingScopes(
  google: GoogleClient,
  admin: string,
  fallback: readonly string[],
): Promise<string[]> {
  try {
    return (await google.checkDelegation(admin)).missing;
  } catch {
    // The per-scope check itself failed (network, unknown admin): name what the refusal named.
    return fallback.length > 0 ? [...fallback] : [...GOOGLE_SCOPES];
  }
}

export interface AuthorizationLost {
  clientId: string;
  missingScopes: string[];
  fix: string;
  /** Whether this call changed the status (and sent the email). */
  newlyLost: boolean;
}

/** What recording a lost authorisation needs (the backup engine passes no more). */
export type AuthorizationLostDeps = Pick<CustomersDeps, 'db' | 'clock' | 'audit' | 'mail' | 'publicUrl'>;

export async function recordAuthorizationLost(
  deps: AuthorizationLostDeps,
  google: GoogleClient,
  customer: CustomerRow,
  error: AuthorizationLostError,
  auditActor: AuditActor,
): Promise<AuthorizationLost> {
  const connection = await getConnection(deps.db, customer.id);
  if (!connection) throw error;
  const missing = await missingScopes(google, connection.adminEmail, error.scopes);
  const fix = delegationFix(connection.clientId, missing);
  const newlyLost = connection.authorizationStatus !== 'lost';
  const now = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    await updateConnection(tx, customer.id, {
      authorizationStatus: 'lost',
      missingScopes: missing,
      lastSyncError: `Authorisation lost: ${fix}`,
      ...(newlyLost ? { authorizationChangedAt: now } : {}),
    });
    if (newlyLost) {
      await deps.audit.record(
        {
          ...auditActor,
          tenants: auditTenantsFor(customer.id, auditActor),
          action: 'customer.authorization.lost',
          target: customer.domain,
          result: 'failure',
          details: { clientId: connection.clientId, missingScopes: missing },
        },
        tx,
      );
    }
  });
  if (newlyLost) {
    const recipients = await superAdminEmails(deps.db, customer.id);
    if (recipients.length === 0) recipients.push(connection.adminEmail);
    for (const to of recipients) {
      await deps.mail.send({
        to,
        subject: `Action needed: Safehold can no longer back up ${customer.domain}`,
        text:
          `Google refused Safehold's access to ${customer.domain}: the domain-wide delegation for Safehold's ` +
          `service account was removed or changed. Backups of ${customer.domain} are paused until it is restored.\n\n` +
          `To fix it: ${fix}\n\nMissing scopes:\n${missing.map((scope) => `  ${scope}`).join('\n')}\n\n` +
          `Safehold checks again at the next directory sync; you can also press "Refresh" in the License ` +
          `Manager at ${deps.publicUrl()}/customer once it is done.\n`,
      });
    }
  }
  return { clientId: connection.clientId, missingScopes: missing, fix, newlyLost };
}

export function isAuthorizationLost(error: unknown): error is AuthorizationLostError {
  return error instanceof AuthorizationLostError;
}
