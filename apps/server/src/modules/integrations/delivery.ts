// Delivering events: `publishPartnerEvent` records one delivery per subscribed webhook and
// queues it; the `webhook-deliver` job makes one attempt, and on failure queues the next with
// exponential backoff (1 minute, doubling, at most 4 hours apart) until 24 hours after the
// event. A webhook whose deliveries have failed for 3 days is disabled, and says so.
import { and, arrayContains, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import type { JobQueue } from '../../jobs/queue.ts';
import type { IntegrationsDeps } from './deps.ts';
import { type PartnerEventType, webhookDeliveryJob } from './events.ts';
import { signatureHeader, signPayload } from './signature.ts';
import { webhookDeliveries, webhooks } from './tables.ts';
import { checkWebhookTarget } from './webhook-target.ts';
import { sendWebhook, trustedCas, type WebhookAnswer } from './webhook-transport.ts';
import { openWebhookSecret, queueDelivery } from './webhooks.ts';

const minute = 60_000;
export const retryWindowMs = 24 * 60 * minute;
export const disableAfterMs = 3 * 24 * 60 * minute;
const firstRetryMs = minute;
const maxRetryMs = 4 * 60 * minute;

/** The wait before attempt `attempts + 1`, after `attempts` failed ones. */
export function retryDelayMs(attempts: number): number {
  return Math.min(firstRetryMs * 2 ** Math.max(0, attempts - 1), maxRetryMs);
}

/**
 * Sends an event to every enabled webhook of the partner that chose its type; returns how many
 * deliveries were queued. Other modules call it through this module's index (backup's run end,
 * the reseller's add and remove, alerts).
 */
export async function publishPartnerEvent(
  deps: Pick<IntegrationsDeps, 'db' | 'clock' | 'jobs'>,
  partnerId: string,
  type: PartnerEventType,
  payload: Record<string, unknown>,
): Promise<number> {
  const targets = await deps.db
    .select({ id: webhooks.id })
    .from(webhooks)
    .where(and(eq(webhooks.partnerId, partnerId), isNull(webhooks.disabledAt), arrayContains(webhooks.events, [type])));
  const eventId = crypto.randomUUID();
  for (const target of targets) await queueDelivery(deps, target.id, partnerId, type, payload, eventId);
  return targets.length;
}

export type AttemptOutcome = 'delivered' | 'retry' | 'failed';

/** One attempt of one delivery, its result recorded in the log; queues the next when due. */
export async function attemptDelivery(deps: IntegrationsDeps, deliveryId: string): Promise<AttemptOutcome> {
  const [row] = await deps.db
    .select({ delivery: webhookDeliveries, webhook: webhooks })
    .from(webhookDeliveries)
    .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
    .where(eq(webhookDeliveries.id, deliveryId));
  if (row?.delivery.status !== 'pending') return 'failed';
  const { delivery, webhook } = row;
  const now = deps.clock.now();
  if (webhook.disabledAt) {
    await deps.db
      .update(webhookDeliveries)
      .set({ status: 'failed', nextAttemptAt: null, lastError: 'The webhook is disabled.' })
      .where(eq(webhookDeliveries.id, delivery.id));
    return 'failed';
  }

  const answer = await send(deps, webhook, delivery, now);
  const ok = answer.responseCode !== null && answer.responseCode >= 200 && answer.responseCode < 300;
  const attempts = delivery.attempts + 1;
  const log = [...delivery.log, { at: now.toISOString(), responseCode: answer.responseCode, error: answer.error }];
  if (ok) {
    await deps.db
      .update(webhookDeliveries)
      .set({
        status: 'delivered',
        attempts,
        lastAttemptAt: now,
        lastResponseCode: answer.responseCode,
        lastError: null,
        nextAttemptAt: null,
        log,
      })
      .where(eq(webhookDeliveries.id, delivery.id));
    await deps.db.update(webhooks).set({ failingSince: null }).where(eq(webhooks.id, webhook.id));
    return 'delivered';
  }

  const failingSince = webhook.failingSince ?? now;
  const disable = now.getTime() - failingSince.getTime() >= disableAfterMs;
  const next = new Date(now.getTime() + retryDelayMs(attempts));
  const retry = !disable && next.getTime() - delivery.createdAt.getTime() <= retryWindowMs;
  await deps.db
    .update(webhookDeliveries)
    .set({
      status: retry ? 'pending' : 'failed',
      attempts,
      lastAttemptAt: now,
      lastResponseCode: answer.responseCode,
      lastError: answer.error ?? `The receiver answered ${answer.responseCode}.`,
      nextAttemptAt: retry ? next : null,
      log,
    })
    .where(eq(webhookDeliveries.id, delivery.id));
  if (disable) await disableWebhook(deps, webhook, failingSince);
  else if (!webhook.failingSince)
    await deps.db.update(webhooks).set({ failingSince }).where(eq(webhooks.id, webhook.id));
  if (retry) await deps.jobs.enqueue(webhookDeliveryJob, { deliveryId: delivery.id }, { startAfter: next });
  return retry ? 'retry' : 'failed';
}

async function send(
  deps: IntegrationsDeps,
  webhook: typeof webhooks.$inferSelect,
  delivery: typeof webhookDeliveries.$inferSelect,
  now: Date,
): Promise<WebhookAnswer> {
  let target: Awaited<ReturnType<typeof checkWebhookTarget>>;
  try {
    // Checked again at every attempt: the name may point elsewhere since the webhook was made.
    target = await checkWebhookTarget(webhook.url, deps.config.webhooks);
  } catch (error) {
    return { responseCode: null, error: error instanceof Error ? error.message : String(error) };
  }
  const secret = openWebhookSecret(deps.masterKey, webhook.id, webhook.secretSealed);
  return sendWebhook(
    target,
    {
      'content-type': 'application/json',
      'user-agent': 'Safehold-Webhooks/1',
      [signatureHeader]: signPayload(secret, delivery.body, now),
      'safehold-event': delivery.eventType,
      'safehold-delivery': delivery.id,
    },
    delivery.body,
    trustedCas(deps.config.webhooks.caFile),
  );
}

async function disableWebhook(
  deps: IntegrationsDeps,
  webhook: typeof webhooks.$inferSelect,
  failingSince: Date,
): Promise<void> {
  const reason = `Disabled automatically: every delivery has failed since ${failingSince.toISOString()} (3 days).`;
  await deps.db
    .update(webhooks)
    .set({ disabledAt: deps.clock.now(), disabledReason: reason, failingSince })
    .where(and(eq(webhooks.id, webhook.id), isNull(webhooks.disabledAt)));
  await deps.audit.record({
    actor: { kind: 'system', label: 'webhook delivery' },
    tenants: [`partner:${webhook.partnerId}`],
    action: 'webhook.disable',
    target: webhook.id,
    result: 'success',
    details: { url: webhook.url, reason },
  });
  deps.logger.warn(
    { webhookId: webhook.id, partnerId: webhook.partnerId },
    'webhook disabled after 3 days of failures',
  );
}

export function defineIntegrationJobs(jobs: JobQueue, deps: () => IntegrationsDeps): void {
  jobs.define(
    webhookDeliveryJob,
    async (payload) => {
      await attemptDelivery(deps(), payload.deliveryId);
    },
    // Retries are this module's own (the delivery row keeps the schedule and the log).
    { payload: z.object({ deliveryId: z.uuid() }), retryLimit: 0, expireInSeconds: 60 },
  );
}
