// API key authentication for every /api route (Authorization: Bearer sh_key_…), and the same for
// a customer's API tokens (Bearer sh_tok_…): the checks common to both here, the token itself
// authenticated by the spanning-api module's hook (bearer-token.ts). Runs after
// identity's session resolution. A request sends a session cookie or an API key, never both;
// an API key never reaches the sign-in and session routes; an unknown or revoked key answers
// 401 before any handler runs, and failures are rate limited per IP address.
import type { FastifyRequest } from 'fastify';
import type { App } from '../../http/api-module.ts';
import { AppError } from '../../http/errors.ts';
import { customerApiTokenPrefix } from '../../secret-token.ts';
import { bearerToken, sessionCookieName } from '../identity/index.ts';
import { createRateLimiter, type RateLimitRule } from '../rate-limits/index.ts';
import { authenticateApiKey } from './api-keys.ts';
import type { IntegrationsDeps } from './deps.ts';

export const apiKeyLimits = {
  /** Wrong keys per IP address: guessing is hopeless anyway, this keeps it from being loud. */
  failures: { name: 'api-key:failures:ip', limit: 20, windowMs: 60_000 },
  /** Requests per key. */
  requests: { name: 'api-key:requests:key', limit: 600, windowMs: 60_000 },
} satisfies Record<string, RateLimitRule>;

/** As identity's CSRF check judges it: by the matched route, or the raw URL. */
function isApi(request: FastifyRequest): boolean {
  return (request.routeOptions.url ?? request.url).startsWith('/api/') || request.url.startsWith('/api/');
}

export function registerBearerAuthentication(app: App, deps: Pick<IntegrationsDeps, 'db' | 'clock'>): void {
  const limiter = createRateLimiter(deps);
  app.addHook('onRequest', async (request) => {
    const header = request.headers.authorization;
    if (typeof header !== 'string' || !/^Bearer\s/i.test(header) || !isApi(request)) return;
    // The CSRF check let every "Bearer …" request through: a malformed one must fail here too.
    const token = bearerToken(request) ?? '';
    if (request.cookies[sessionCookieName] !== undefined) {
      throw new AppError(
        'bad_request',
        'Send either a session cookie or an API key (Authorization: Bearer), not both.',
      );
    }
    if ((request.routeOptions.url ?? request.url).startsWith('/api/auth/') || request.url.startsWith('/api/auth/')) {
      throw new AppError('forbidden', 'API keys cannot be used to sign in or manage sessions.');
    }
    // A customer's API token: the spanning-api module's hook, registered after this one, answers it.
    if (token.startsWith(customerApiTokenPrefix)) return;
    const ipCheck = { rule: apiKeyLimits.failures, subject: request.ip };
    await limiter.ensureAllowed([ipCheck]);
    const key = await authenticateApiKey(deps, token);
    if (!key) {
      await limiter.consume([ipCheck]);
      throw new AppError('unauthenticated', 'The API key is not valid: it is unknown or was revoked.');
    }
    await limiter.consume([{ rule: apiKeyLimits.requests, subject: key.actor.keyId }]);
    request.bearer = key;
  });
}
