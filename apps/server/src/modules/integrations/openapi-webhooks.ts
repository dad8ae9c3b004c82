// The webhook payloads, as the OpenAPI document's `webhooks` section (OpenAPI 3.1) states them:
// one entry per event type, each a POST of the same envelope with its own `data`.
import { partnerEventTypes } from './events.ts';

const string = { type: 'string' };
const nullableString = { type: ['string', 'null'] };
const customer = {
  customerId: { ...string, format: 'uuid' },
  domain: { ...string, description: "The customer's Google Workspace domain" },
};

const dataSchemas: Record<(typeof partnerEventTypes)[number] | 'webhook.test', object> = {
  'backup.failed': {
    type: 'object',
    required: ['customerId', 'domain', 'runId', 'subject', 'service', 'error'],
    properties: {
      ...customer,
      runId: { ...string, format: 'uuid' },
      subject: { ...string, description: 'The user (email) or shared drive backed up' },
      service: { type: 'string', enum: ['gmail', 'drive', 'calendar', 'contacts'] },
      error: nullableString,
    },
  },
  'backup.partial': {},
  'customer.added': {
    type: 'object',
    required: ['customerId', 'domain', 'reason'],
    properties: { ...customer, reason: { type: 'string', enum: ['transfer_token', 'added_by_partner'] } },
  },
  'customer.removed': {
    type: 'object',
    required: ['customerId', 'domain', 'reason'],
    properties: {
      ...customer,
      reason: { type: 'string', enum: ['transfer_token', 'removed_by_customer', 'removed_by_partner'] },
    },
  },
  'customer.trial_ending': {
    type: 'object',
    required: ['customerId', 'domain', 'trialEndsAt'],
    properties: { ...customer, trialEndsAt: { ...string, format: 'date-time' } },
  },
  'alert.opened': {
    type: 'object',
    required: ['alertId', 'customerId', 'domain', 'kind', 'since', 'cause'],
    properties: {
      alertId: { ...string, format: 'uuid' },
      ...customer,
      kind: {
        ...string,
        description: 'backup_failed, backup_not_run, backup_partial, authorization, trial_ending, seats_over',
      },
      since: { ...string, format: 'date-time' },
      cause: string,
    },
  },
  'alert.resolved': {},
  'webhook.test': {
    type: 'object',
    required: ['message'],
    properties: { message: string },
  },
};
dataSchemas['backup.partial'] = dataSchemas['backup.failed'];
dataSchemas['alert.resolved'] = dataSchemas['alert.opened'];

function operation(type: keyof typeof dataSchemas) {
  return {
    post: {
      summary: `${type}`,
      description:
        'Sent as JSON with the headers Safehold-Event (the type), Safehold-Delivery (the delivery id, the same on ' +
        'every retry) and Safehold-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the ' +
        "webhook's secret>. Answer 2xx within 10 seconds; anything else (a redirect included) is retried with " +
        'exponential backoff for 24 hours. See docs/integrations.md.',
      parameters: [
        { name: 'Safehold-Signature', in: 'header', required: true, schema: string },
        { name: 'Safehold-Event', in: 'header', required: true, schema: string },
        { name: 'Safehold-Delivery', in: 'header', required: true, schema: { ...string, format: 'uuid' } },
      ],
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['id', 'type', 'createdAt', 'partnerId', 'data'],
              properties: {
                id: { ...string, format: 'uuid', description: 'The event id (one event may go to several webhooks)' },
                type: { type: 'string', const: type },
                createdAt: { ...string, format: 'date-time' },
                partnerId: { ...string, format: 'uuid' },
                data: dataSchemas[type],
              },
            },
          },
        },
      },
      responses: { '2XX': { description: 'Received; any other answer is retried' } },
    },
  };
}

/** The `webhooks` section of the OpenAPI document. */
export function webhookDocuments(): Record<string, object> {
  return Object.fromEntries([...partnerEventTypes, 'webhook.test' as const].map((type) => [type, operation(type)]));
}
