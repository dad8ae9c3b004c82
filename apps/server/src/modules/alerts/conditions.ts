// The alert conditions (issue 18 item 5), as a pure function of one customer's facts and the
// time: which alerts should be open now, each with when its cause began, the cause and what to
// do. The evaluation (evaluate.ts) compares this with the alerts table.
import type { AlertKind } from './tables.ts';

const hourMs = 3600_000;
/** No successful backup for longer than this opens "Backups failed or not run". */
export const overdueAfterMs = 26 * hourMs;
/** A trial ending within this opens "Trial ending". */
export const trialWarningMs = 3 * 24 * hourMs;

export interface CustomerFacts {
  customerId: string;
  status: 'trial' | 'active' | 'suspended' | 'cancelled';
  trialEndsAt: Date | null;
  seatsPurchased: number;
  seatsAssigned: number;
  lastSuccessAt: Date | null;
  failures24h: number;
  /** The Google connection; null when the customer has not connected its domain yet. */
  connection: {
    clientId: string;
    authorizationStatus: 'authorized' | 'lost' | 'reauthorization_required';
    missingScopes: readonly string[];
    authorizationChangedAt: Date;
    connectedAt: Date;
  } | null;
  /** Sources whose latest run (in the last 26 hours) was partial; null when none. */
  partial: { sources: number; failedItems: number; since: Date } | null;
}

export interface AlertCondition {
  kind: AlertKind;
  since: Date;
  cause: string;
  action: string;
  details: Record<string, unknown>;
}

/** How an admin re-authorises Safehold (customers' delegationFix), given by the caller. */
export type DelegationFix = (clientId: string, scopes: readonly string[]) => string;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function alertConditions(facts: CustomerFacts, now: Date, delegationFix: DelegationFix): AlertCondition[] {
  // Suspended and cancelled customers are not backed up (PRODUCT §4): nothing to act on.
  if (facts.status !== 'trial' && facts.status !== 'active') return [];
  const found: AlertCondition[] = [];
  const connection = facts.connection;
  if (connection?.authorizationStatus === 'lost') {
    const revoked = connection.missingScopes.length === 0;
    found.push({
      kind: 'authorization_lost',
      since: connection.authorizationChangedAt,
      cause: revoked
        ? 'Google refuses Safehold: the domain-wide delegation was revoked.'
        : `Google authorisation is missing ${plural(connection.missingScopes.length, 'scope')}: ${connection.missingScopes.join(', ')}.`,
      action: `Ask the customer's Google super admin to do this: ${delegationFix(connection.clientId, connection.missingScopes)}`,
      details: { missingScopes: [...connection.missingScopes] },
    });
  } else if (connection) {
    // With authorisation lost, that alert names the cause and the fix; this one would repeat it.
    const lastGood = facts.lastSuccessAt ?? connection.connectedAt;
    if (now.getTime() - lastGood.getTime() > overdueAfterMs) {
      const failed = facts.failures24h > 0;
      found.push({
        kind: 'backup_overdue',
        since: lastGood,
        cause: failed
          ? `No backup has succeeded for more than 26 hours; ${plural(facts.failures24h, 'run')} failed in the last 24 hours.`
          : facts.lastSuccessAt
            ? 'No backup has run successfully for more than 26 hours, and none failed: backups are not running.'
            : 'No backup has succeeded since the domain was connected, more than 26 hours ago.',
        action: failed
          ? "Open the customer's backup status to read each failed run's error, fix the cause, then start a backup."
          : "Check the customer's backup window and that the Safehold workers are running, then start a backup from the customer's page.",
        details: { lastSuccessAt: facts.lastSuccessAt?.toISOString() ?? null, failures24h: facts.failures24h },
      });
    }
  }
  if (facts.partial) {
    found.push({
      kind: 'backup_partial',
      since: facts.partial.since,
      cause: `${plural(facts.partial.sources, 'source')} finished partly: ${plural(facts.partial.failedItems, 'item')} not backed up.`,
      action:
        "Open the customer's backup status: each partial run lists the items that failed and why. They are tried again at the next run; the alert ends when it succeeds.",
      details: { sources: facts.partial.sources, failedItems: facts.partial.failedItems },
    });
  }
  if (facts.status === 'trial' && facts.trialEndsAt && facts.trialEndsAt.getTime() - now.getTime() <= trialWarningMs) {
    const ended = facts.trialEndsAt.getTime() <= now.getTime();
    found.push({
      kind: 'trial_ending',
      since: new Date(Math.min(facts.trialEndsAt.getTime() - trialWarningMs, now.getTime())),
      cause: ended ? 'The trial has ended.' : 'The trial ends within 3 days.',
      action:
        'Convert the customer to paid with a seat count ("Convert to paid" on its page), or agree the end with the customer.',
      details: { trialEndsAt: facts.trialEndsAt.toISOString() },
    });
  }
  if (facts.status === 'active' && facts.seatsAssigned > facts.seatsPurchased) {
    found.push({
      kind: 'seats_over',
      since: now,
      cause: `${plural(facts.seatsAssigned, 'seat')} assigned, ${facts.seatsPurchased} purchased: ${facts.seatsAssigned - facts.seatsPurchased} over.`,
      action: "Raise the purchased seats on the customer's page, or remove licenses in its License Manager.",
      details: { seatsAssigned: facts.seatsAssigned, seatsPurchased: facts.seatsPurchased },
    });
  }
  return found;
}
