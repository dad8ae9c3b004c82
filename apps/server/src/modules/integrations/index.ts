// The integrations module (Reseller Console › Integrations): a partner's API keys, which
// authenticate the REST API as that partner with the key's scopes (Authorization: Bearer), and
// its webhooks, which receive signed events (`publishPartnerEvent`) through a queued delivery
// job with retries and a delivery log. Owns api_keys, webhooks and webhook_deliveries.
import type { ApiModuleOf } from '../../http/api-module.ts';
import { registerBearerAuthentication } from './bearer-auth.ts';
import type { IntegrationsDeps } from './deps.ts';
import { registerIntegrationRoutes } from './routes.ts';

export { attemptDelivery, defineIntegrationJobs, publishPartnerEvent } from './delivery.ts';
export type { IntegrationsDeps } from './deps.ts';
export { type PartnerEventType, partnerEventTypes, webhookDeliveryJob } from './events.ts';
export { webhookDocuments } from './openapi-webhooks.ts';
export { publishAlertChanged, publishBackupRunEnded, publishCustomerMoved } from './partner-events.ts';
export { signatureHeader, verifySignature } from './signature.ts';

/**
 * The integrations API module. Global: its bearer-token check applies to every /api route, so
 * it comes right after identity in the module list. Typed over the narrow context it uses
 * (http/app.ts imports this index for the OpenAPI `webhooks` section).
 */
export const integrationsModule: ApiModuleOf<IntegrationsDeps> = (app, ctx) => {
  registerBearerAuthentication(app, ctx);
  registerIntegrationRoutes(app, ctx);
};
integrationsModule.global = true;
