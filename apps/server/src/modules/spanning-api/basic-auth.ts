// HTTP Basic authentication of the Spanning-compatible API (/api/v1): the customer's domain as
// user name, an API token as password, as Spanning's own API takes them. Every failure — no
// header, a malformed one, an unknown domain, a wrong, revoked or another domain's token —
// answers the same 401 with `WWW-Authenticate: Basic`. Failures are rate limited per IP address,
// requests per token (429 with Retry-After). Registered inside the /api/v1 plugin only.
import type { FastifyRequest } from 'fastify';
import type { App } from '../../http/api-module.ts';
import { AppError } from '../../http/errors.ts';
import { createRateLimiter, type RateLimitRule } from '../rate-limits/index.ts';
import { type ApiTokenDeps, type AuthenticatedToken, authenticateApiToken } from './api-tokens.ts';

export interface ApiTokenLimits {
  /** Failed authentications per IP address. */
  failures: RateLimitRule;
  /** Requests per token. */
  requests: RateLimitRule;
}

export const apiTokenLimits: ApiTokenLimits = {
  failures: { name: 'api-token:failures:ip', limit: 20, windowMs: 60_000 },
  requests: { name: 'api-token:requests:token', limit: 600, windowMs: 60_000 },
};

declare module 'fastify' {
  interface FastifyRequest {
    /** The API token of an /api/v1 request (set by its Basic authentication), else null. */
    apiToken: AuthenticatedToken | null;
  }
}

export const unauthenticatedAnswer = (): AppError =>
  new AppError('unauthenticated', 'Authenticate with your domain as user name and an API token as password.', {
    headers: { 'WWW-Authenticate': 'Basic realm="Safehold API", charset="UTF-8"' },
  });

/** The domain and token of an `Authorization: Basic …` header, or null. */
export function basicCredentials(header: string | undefined): { domain: string; token: string } | null {
  const match = typeof header === 'string' ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return { domain: decoded.slice(0, colon), token: decoded.slice(colon + 1) };
}

const stateChangingMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * A browser remembers Basic credentials once asked for them, and would send them with a form
 * another site posts here: a cross-site request that changes state is refused. Scripts (curl,
 * fetch in Node) send no Sec-Fetch-Site header at all.
 */
function crossSiteBrowserRequest(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  return (
    stateChangingMethods.has(request.method) && typeof site === 'string' && !['same-origin', 'none'].includes(site)
  );
}

export function registerBasicAuthentication(
  app: App,
  deps: Pick<ApiTokenDeps, 'db' | 'clock'>,
  limits: ApiTokenLimits = apiTokenLimits,
): void {
  const limiter = createRateLimiter(deps);
  app.decorateRequest('apiToken', null);
  app.addHook('onRequest', async (request) => {
    request.apiToken = null;
    if (crossSiteBrowserRequest(request)) {
      throw new AppError('forbidden', 'The API does not accept requests that another web site makes in a browser.');
    }
    const ipCheck = { rule: limits.failures, subject: request.ip };
    await limiter.ensureAllowed([ipCheck]);
    const credentials = basicCredentials(request.headers.authorization);
    const token = credentials ? await authenticateApiToken(deps, credentials) : null;
    if (!token) {
      await limiter.consume([ipCheck]);
      throw unauthenticatedAnswer();
    }
    await limiter.consume([{ rule: limits.requests, subject: token.actor.tokenId }]);
    request.apiToken = token;
  });
}

/** The token of an /api/v1 request (its hook ran first, so it is there). */
export function requireApiToken(request: FastifyRequest): AuthenticatedToken {
  if (!request.apiToken) throw unauthenticatedAnswer();
  return request.apiToken;
}

/** The audit fields of an /api/v1 request: the token ("API token <name>"), the IP address and the agent. */
export function apiTokenAuditActor(request: FastifyRequest) {
  const token = requireApiToken(request);
  const agent = request.headers['user-agent'];
  return {
    actor: { kind: 'api_token' as const, id: token.actor.tokenId, label: token.label },
    ip: request.ip,
    userAgent: typeof agent === 'string' ? agent.slice(0, 512) : null,
  };
}
