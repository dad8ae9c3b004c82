// A partner's webhooks: create (HTTPS URL checked against SSRF, chosen events, a signing secret
// shown once and kept sealed), list with their state, delete, re-enable, the delivery log, and
// "Send test event". Events reach them through `publishPartnerEvent`; delivery.ts sends them.
import { hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import { and, desc, eq } from 'drizzle-orm';
import { notFound } from '../../http/errors.ts';
import { openSealed, seal } from '../identity/index.ts';
import { authorizeIntegrations } from './api-keys.ts';
import type { AuditActor } from './audit-actor.ts';
import type { IntegrationsDeps } from './deps.ts';
import { type PartnerEventType, webhookDeliveryJob } from './events.ts';
import { webhookDeliveries, webhooks } from './tables.ts';
import { checkWebhookTarget } from './webhook-target.ts';

export interface WebhookView {
  id: string;
  url: string;
  events: PartnerEventType[];
  createdAt: string;
  /** Since when deliveries have been failing (null: the last one succeeded, or none yet). */
  failingSince: string | null;
  disabledAt: string | null;
  disabledReason: string | null;
}

export interface DeliveryView {
  id: string;
  eventId: string;
  eventType: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  createdAt: string;
  lastAttemptAt: string | null;
  lastResponseCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
}

/** The key that seals webhook secrets: derived from the master key for this purpose only. */
export function webhookSecretKey(masterKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'safehold integrations webhook-secret v1', 32));
}

export function openWebhookSecret(masterKey: Buffer, webhookId: string, sealed: string): string {
  const secret = openSealed(webhookSecretKey(masterKey), sealed, `webhook:${webhookId}`);
  if (!secret) throw new Error(`the secret of webhook ${webhookId} does not open with this master key`);
  return secret.toString('utf8');
}

function toView(row: typeof webhooks.$inferSelect): WebhookView {
  return {
    id: row.id,
    url: row.url,
    events: row.events as PartnerEventType[],
    createdAt: row.createdAt.toISOString(),
    failingSince: row.failingSince?.toISOString() ?? null,
    disabledAt: row.disabledAt?.toISOString() ?? null,
    disabledReason: row.disabledReason,
  };
}

export function toDeliveryView(row: typeof webhookDeliveries.$inferSelect): DeliveryView {
  return {
    id: row.id,
    eventId: row.eventId,
    eventType: row.eventType,
    status: row.status,
    attempts: row.attempts,
    createdAt: row.createdAt.toISOString(),
    lastAttemptAt: row.lastAttemptAt?.toISOString() ?? null,
    lastResponseCode: row.lastResponseCode,
    lastError: row.lastError,
    nextAttemptAt: row.nextAttemptAt?.toISOString() ?? null,
  };
}

export async function listWebhooks(deps: IntegrationsDeps, who: AuditActor, partnerId: string): Promise<WebhookView[]> {
  await authorizeIntegrations(deps.db, who.actor, partnerId);
  const rows = await deps.db
    .select()
    .from(webhooks)
    .where(eq(webhooks.partnerId, partnerId))
    .orderBy(desc(webhooks.createdAt), webhooks.id);
  return rows.map(toView);
}

export async function createWebhook(
  deps: IntegrationsDeps,
  who: AuditActor,
  partnerId: string,
  input: { url: string; events: PartnerEventType[] },
): Promise<{ webhook: WebhookView; secret: string }> {
  await authorizeIntegrations(deps.db, who.actor, partnerId);
  const target = await checkWebhookTarget(input.url, deps.config.webhooks);
  const id = randomUUID();
  const secret = `whsec_${randomBytes(32).toString('base64url')}`;
  const [row] = await deps.db
    .insert(webhooks)
    .values({
      id,
      partnerId,
      url: target.url.href,
      events: [...new Set(input.events)],
      secretSealed: seal(webhookSecretKey(deps.masterKey), secret, `webhook:${id}`),
      createdByUserId: who.actor.kind === 'partner' ? who.actor.userId : null,
      createdAt: deps.clock.now(),
    })
    .returning();
  if (!row) throw new Error('insert returned no row');
  await deps.audit.record({
    ...who.audit,
    tenants: [`partner:${partnerId}`],
    action: 'webhook.create',
    target: row.id,
    result: 'success',
    details: { url: row.url, events: row.events },
  });
  return { webhook: toView(row), secret };
}

async function ownWebhook(deps: IntegrationsDeps, partnerId: string, webhookId: string) {
  const [row] = await deps.db
    .select()
    .from(webhooks)
    .where(and(eq(webhooks.id, webhookId), eq(webhooks.partnerId, partnerId)));
  if (!row) throw notFound('The webhook');
  return row;
}

export async function deleteWebhook(
  deps: IntegrationsDeps,
  who: AuditActor,
  partnerId: string,
  webhookId: string,
): Promise<void> {
  await authorizeIntegrations(deps.db, who.actor, partnerId);
  const row = await ownWebhook(deps, partnerId, webhookId);
  await deps.db.delete(webhooks).where(eq(webhooks.id, row.id));
  await deps.audit.record({
    ...who.audit,
    tenants: [`partner:${partnerId}`],
    action: 'webhook.delete',
    target: row.id,
    result: 'success',
    details: { url: row.url },
  });
}

/** Turns a disabled webhook back on (its URL checked again); failures count afresh. */
export async function enableWebhook(
  deps: IntegrationsDeps,
  who: AuditActor,
  partnerId: string,
  webhookId: string,
): Promise<WebhookView> {
  await authorizeIntegrations(deps.db, who.actor, partnerId);
  const existing = await ownWebhook(deps, partnerId, webhookId);
  await checkWebhookTarget(existing.url, deps.config.webhooks);
  const [row] = await deps.db
    .update(webhooks)
    .set({ disabledAt: null, disabledReason: null, failingSince: null })
    .where(eq(webhooks.id, existing.id))
    .returning();
  if (!row) throw notFound('The webhook');
  await deps.audit.record({
    ...who.audit,
    tenants: [`partner:${partnerId}`],
    action: 'webhook.enable',
    target: row.id,
    result: 'success',
    details: { url: row.url },
  });
  return toView(row);
}

export async function listDeliveries(
  deps: IntegrationsDeps,
  who: AuditActor,
  partnerId: string,
  webhookId: string,
): Promise<DeliveryView[]> {
  await authorizeIntegrations(deps.db, who.actor, partnerId);
  await ownWebhook(deps, partnerId, webhookId);
  const rows = await deps.db
    .select()
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.webhookId, webhookId))
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(50);
  return rows.map(toDeliveryView);
}

/** "Send test event": a `webhook.test` event to this webhook alone, queued like any other. */
export async function sendTestEvent(
  deps: IntegrationsDeps,
  who: AuditActor,
  partnerId: string,
  webhookId: string,
): Promise<DeliveryView> {
  await authorizeIntegrations(deps.db, who.actor, partnerId);
  const row = await ownWebhook(deps, partnerId, webhookId);
  const delivery = await queueDelivery(deps, row.id, partnerId, 'webhook.test', {
    message: 'A test event sent from the Integrations page.',
  });
  await deps.audit.record({
    ...who.audit,
    tenants: [`partner:${partnerId}`],
    action: 'webhook.test',
    target: row.id,
    result: 'success',
    details: { deliveryId: delivery.id },
  });
  return toDeliveryView(delivery);
}

/** Records one event for one webhook and queues its first attempt. */
export async function queueDelivery(
  deps: Pick<IntegrationsDeps, 'db' | 'clock' | 'jobs'>,
  webhookId: string,
  partnerId: string,
  type: PartnerEventType | 'webhook.test',
  data: Record<string, unknown>,
  eventId: string = randomUUID(),
): Promise<typeof webhookDeliveries.$inferSelect> {
  const now = deps.clock.now();
  const body = JSON.stringify({ id: eventId, type, createdAt: now.toISOString(), partnerId, data });
  const [delivery] = await deps.db
    .insert(webhookDeliveries)
    .values({ id: randomUUID(), webhookId, eventId, eventType: type, body, status: 'pending', createdAt: now })
    .returning();
  if (!delivery) throw new Error('insert returned no row');
  await deps.jobs.enqueue(webhookDeliveryJob, { deliveryId: delivery.id });
  return delivery;
}
