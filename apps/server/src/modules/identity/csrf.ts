// CSRF protection for every state-changing /api request: the client echoes, in header
// x-csrf-token, the HMAC (key derived from the master key) of a random nonce kept in the
// HttpOnly cookie __Host-safehold-csrf. A cross-site page can make the browser send the
// cookie but can neither read it nor compute the token. Works before sign-in too.
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../../http/api-module.ts';
import { AppError } from '../../http/errors.ts';
import { hmac, safeEqual } from './server-secrets.ts';
import { sessionCookieName } from './sessions.ts';

export const csrfCookieName = '__Host-safehold-csrf';
export const csrfHeaderName = 'x-csrf-token';
const nonceLength = 43;
const stateChangingMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export const hostCookieOptions = { path: '/', secure: true, httpOnly: true, sameSite: 'lax' } as const;

export function csrfTokenFor(key: Buffer, nonce: string): string {
  return hmac(key, `csrf:${nonce}`);
}

function validNonce(value: string | undefined): value is string {
  return typeof value === 'string' && value.length === nonceLength && /^[A-Za-z0-9_-]+$/.test(value);
}

/** The request's CSRF token, setting a fresh nonce cookie when the request has none. */
export function issueCsrfToken(key: Buffer, request: FastifyRequest, reply: FastifyReply): string {
  let nonce = request.cookies[csrfCookieName];
  if (!validNonce(nonce)) {
    nonce = randomBytes(32).toString('base64url');
    reply.setCookie(csrfCookieName, nonce, hostCookieOptions);
  }
  return csrfTokenFor(key, nonce);
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Set false on a route that is not authenticated by cookies (e.g. API-key routes) to
     * skip the CSRF check. Cookie-authenticated routes must never set it.
     */
    csrf?: boolean;
  }
}

/**
 * Whether a request is for an /api route. Judged by the matched route pattern, not the raw
 * URL: the router decodes the path, so `/%61pi/...` reaches `/api/...` routes too.
 */
export function isApiRequest(request: FastifyRequest): boolean {
  return (request.routeOptions.url ?? request.url).startsWith('/api/') || request.url.startsWith('/api/');
}

/** Authorization: Bearer and no session cookie at all (a request with both is refused elsewhere). */
function isBearerOnly(request: FastifyRequest): boolean {
  const header = request.headers.authorization;
  return typeof header === 'string' && /^Bearer\s/i.test(header) && request.cookies[sessionCookieName] === undefined;
}

export function registerCsrfProtection(app: App, key: Buffer): void {
  app.addHook('onRequest', async (request) => {
    if (!stateChangingMethods.has(request.method) || !isApiRequest(request)) return;
    if (request.routeOptions.config.csrf === false) return;
    // An API key request carries no cookie a cross-site page could ride on (and a browser
    // sends Authorization cross-site only after a CORS preflight we never approve). The
    // integrations module authenticates it, or refuses it with 401, before any handler.
    if (isBearerOnly(request)) return;
    const nonce = request.cookies[csrfCookieName];
    const header = request.headers[csrfHeaderName];
    const token = Array.isArray(header) ? undefined : header;
    if (!validNonce(nonce) || !token || !safeEqual(token, csrfTokenFor(key, nonce))) {
      throw new AppError(
        'csrf_failed',
        'The request is missing a valid CSRF token. Reload the page and try again (send x-csrf-token from GET /api/auth/session).',
      );
    }
  });
}
