// The events a partner's webhooks may subscribe to (docs/integrations.md; payloads in the
// OpenAPI document's `webhooks` section), and the job that delivers them.
export const partnerEventTypes = [
  'backup.failed',
  'backup.partial',
  'customer.added',
  'customer.removed',
  'customer.trial_ending',
  'alert.opened',
  'alert.resolved',
] as const;
export type PartnerEventType = (typeof partnerEventTypes)[number];

export const webhookDeliveryJob = 'webhook-deliver';
