// The events other modules raise, turned into partner webhook events. They reach this module
// through the composition roots (backup's run end) or its index (customers added and removed),
// so the modules that raise them need not import it back.
import type { Db } from '../../db/database.ts';
import { getCustomer } from '../tenancy/index.ts';
import { publishPartnerEvent } from './delivery.ts';
import type { IntegrationsDeps } from './deps.ts';

type PublishDeps = Pick<IntegrationsDeps, 'db' | 'clock' | 'jobs'>;

async function managingPartner(db: Db, customerId: string) {
  const customer = await getCustomer(db, customerId);
  return customer?.partnerId ? { partnerId: customer.partnerId, customer } : null;
}

/** backup.failed / backup.partial: a run that ended badly, told to the customer's partner. */
export async function publishBackupRunEnded(
  deps: PublishDeps,
  run: {
    runId: string;
    customerId: string;
    subjectEmail: string;
    service: string;
    status: 'failed' | 'partial';
    error: string | null;
  },
): Promise<number> {
  const managed = await managingPartner(deps.db, run.customerId);
  if (!managed) return 0;
  return publishPartnerEvent(deps, managed.partnerId, run.status === 'failed' ? 'backup.failed' : 'backup.partial', {
    customerId: run.customerId,
    domain: managed.customer.domain,
    runId: run.runId,
    subject: run.subjectEmail,
    service: run.service,
    error: run.error,
  });
}

/** customer.added / customer.removed: a customer that came to or left a partner. */
export async function publishCustomerMoved(
  deps: PublishDeps,
  event: {
    type: 'customer.added' | 'customer.removed';
    partnerId: string;
    customerId: string;
    domain: string;
    reason: string;
  },
): Promise<number> {
  return publishPartnerEvent(deps, event.partnerId, event.type, {
    customerId: event.customerId,
    domain: event.domain,
    reason: event.reason,
  });
}

/**
 * alert.opened / alert.resolved: an alert on one of the partner's customers (the alerts module's
 * evaluation hands each change to the composition root, which passes it here). A trial-ending
 * alert that opens is also the partner's customer.trial_ending.
 */
export async function publishAlertChanged(
  deps: PublishDeps,
  event: {
    type: 'alert.opened' | 'alert.resolved';
    alert: { id: string; customerId: string; kind: string; since: string; cause: string };
  },
): Promise<number> {
  const managed = await managingPartner(deps.db, event.alert.customerId);
  if (!managed) return 0;
  const { alert } = event;
  let sent = await publishPartnerEvent(deps, managed.partnerId, event.type, {
    alertId: alert.id,
    customerId: alert.customerId,
    domain: managed.customer.domain,
    kind: alert.kind,
    since: alert.since,
    cause: alert.cause,
  });
  if (event.type === 'alert.opened' && alert.kind === 'trial_ending' && managed.customer.trialEndsAt) {
    sent += await publishPartnerEvent(deps, managed.partnerId, 'customer.trial_ending', {
      customerId: alert.customerId,
      domain: managed.customer.domain,
      trialEndsAt: managed.customer.trialEndsAt.toISOString(),
    });
  }
  return sent;
}
