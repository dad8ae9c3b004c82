// The integrations module (Reseller Console › Integrations): a partner's API keys, which
// authenticate the REST API as that partner with the key's scopes (Authorization: Bearer), and
// its webhooks, which receive signed events (`publishPartnerEvent`) through a queued delivery
// job with retries and a delivery log. Owns api_keys, webhooks and webhook_deliveries.
import type { ApiModule } from '../../http/app.ts';
import { registerBearerAuthentication } from './bearer-auth.ts';
import { registerIntegrationRoutes } from './routes.ts';

export { hashApiKey } from './api-keys.ts';
export { attemptDelivery, defineIntegrationJobs, publishPartnerEvent, retryDelayMs } from './delivery.ts';
export type { IntegrationsDeps } from './deps.ts';
export { type PartnerEventType, partnerEventTypes, webhookDeliveryJob } from './events.ts';
export { signatureHeader, verifySignature } from './signature.ts';
export { isPrivateAddress } from './webhook-target.ts';

/**
 * The integrations API module. Global: its bearer-token check applies to every /api route, so
 * it comes right after identity in the module list.
 */
export const integrationsModule: ApiModule = (app, ctx) => {
  registerBearerAuthentication(app, ctx);
  registerIntegrationRoutes(app, ctx);
};
integrationsModule.global = true;
