// A customer's API token on the REST API (`Authorization: Bearer sh_tok_…`), outside /api/v1
// (where the token is the Basic password). The integrations module's hook, which runs first,
// has already refused a bearer token together with a session cookie and on the sign-in routes;
// this one turns a live token into the policy's api_token actor, or answers 401. Failures are
// rate limited per IP address, requests per token — the limits of the Basic authentication.
import type { FastifyRequest } from 'fastify';
import type { App } from '../../http/api-module.ts';
import { AppError } from '../../http/errors.ts';
import { bearerToken } from '../identity/index.ts';
import { createRateLimiter } from '../rate-limits/index.ts';
import { type ApiTokenDeps, apiTokenPrefix, authenticateBearerApiToken } from './api-tokens.ts';
import type { ApiTokenLimits } from './basic-auth.ts';

function isRestApi(request: FastifyRequest): boolean {
  const url = request.routeOptions.url ?? request.url;
  return url.startsWith('/api/') && !url.startsWith('/api/v1/');
}

export function registerBearerTokenAuthentication(
  app: App,
  deps: Pick<ApiTokenDeps, 'db' | 'clock'>,
  limits: ApiTokenLimits,
): void {
  const limiter = createRateLimiter(deps);
  app.addHook('onRequest', async (request) => {
    const token = bearerToken(request);
    if (!token?.startsWith(apiTokenPrefix) || !isRestApi(request)) return;
    const ipCheck = { rule: limits.failures, subject: request.ip };
    await limiter.ensureAllowed([ipCheck]);
    const authenticated = await authenticateBearerApiToken(deps, token);
    if (!authenticated) {
      await limiter.consume([ipCheck]);
      throw new AppError('unauthenticated', 'The API token is not valid: it is unknown or was revoked.');
    }
    await limiter.consume([{ rule: limits.requests, subject: authenticated.actor.tokenId }]);
    request.bearer = authenticated;
  });
}
