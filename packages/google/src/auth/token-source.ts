// Access tokens for (impersonated user, scopes): JWT-bearer grant, a cache refreshed five
// minutes before expiry, one request in flight per key, and the one tenant-level failure
// callers must recognise — `unauthorized_client`, i.e. domain-wide delegation missing or
// revoked — as AuthorizationLostError. Google answers it with 400 or 401, so we decide on the
// `error` field, never on the status.
import { z } from 'zod';
import type { GoogleClock, GoogleLogger, RandomSource } from '../clock.ts';
import type { ServiceAccountKey } from '../config.ts';
import { GoogleApiError, GoogleResponseShapeError } from '../errors.ts';
import { mayRetry, networkError, nextDelay, parseRetryAfter, type RetryOptions } from '../http/retry-policy.ts';
import { GOOGLE_SCOPES } from '../scopes.ts';
import { ASSERTION_LIFETIME_SECONDS, loadPrivateKey, signAssertion } from './jwt-assertion.ts';

/** Domain-wide delegation is missing or was revoked for these scopes: one condition for the whole tenant. */
export class AuthorizationLostError extends Error {
  override name = 'AuthorizationLostError';
  readonly scopes: readonly string[];
  readonly subject: string;
  /** Google's error_description. */
  readonly description: string | undefined;
  constructor(subject: string, scopes: readonly string[], description: string | undefined) {
    super(
      `Domain-wide delegation missing or revoked: the service account may not act for ${subject} with scopes ${scopes.join(' ')}` +
        `${description ? ` (Google said: ${description})` : ''}. An admin must grant these scopes to the client id in the Admin console (Security > API controls > Domain-wide delegation).`,
    );
    this.subject = subject;
    this.scopes = scopes;
    this.description = description;
  }
}

/** The token endpoint refused for another reason (e.g. `invalid_grant`: unknown or deleted user, clock skew). */
export class TokenRequestError extends Error {
  override name = 'TokenRequestError';
  readonly status: number;
  readonly error: string | undefined;
  readonly subject: string;
  constructor(status: number, error: string | undefined, description: string | undefined, subject: string) {
    super(`Token request for ${subject} failed: HTTP ${status} ${error ?? ''}${description ? `: ${description}` : ''}`);
    this.status = status;
    this.error = error;
    this.subject = subject;
  }
}

const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().positive(),
  token_type: z.string().optional(),
});

const tokenErrorSchema = z.object({ error: z.string(), error_description: z.string().optional() });

const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * Delegation is granted per domain, so once Google refuses it for one user of a domain every
 * other user of that domain is refused too: the refusal is remembered this long per (domain,
 * scopes) instead of asking Google again for each of thousands of users.
 */
const AUTHORIZATION_LOST_MEMORY_MS = 60_000;

export interface TokenSource {
  /** A valid access token for `subject` with `scopes`, from the cache when it has ≥ 5 min left. */
  getToken(subject: string, scopes: readonly string[]): Promise<string>;
  /** Forgets a token Google refused (401) so the next getToken asks for a new one. */
  invalidate(subject: string, scopes: readonly string[], token: string): void;
  /** Asks the token endpoint directly, bypassing the cache. */
  requestToken(subject: string, scopes: readonly string[]): Promise<{ token: string; expiresAt: number }>;
}

export interface TokenSourceOptions {
  key: ServiceAccountKey;
  tokenUrl: string;
  fetch: typeof fetch;
  clock: GoogleClock;
  random: RandomSource;
  retry: RetryOptions;
  logger: GoogleLogger;
  /** Longest wait for the token endpoint's answer before the attempt counts as a network error. */
  requestTimeoutMs: number;
}

export function createTokenSource(options: TokenSourceOptions): TokenSource {
  const { key, tokenUrl, clock, logger } = options;
  const privateKey = loadPrivateKey(key.private_key);
  const cache = new Map<string, { token: string; expiresAt: number }>();
  const inFlight = new Map<string, Promise<{ token: string; expiresAt: number }>>();
  const cacheKey = (subject: string, scopes: readonly string[]) => `${subject}\n${[...scopes].sort().join(' ')}`;
  const lostKey = (subject: string, scopes: readonly string[]) =>
    cacheKey(subject.slice(subject.lastIndexOf('@') + 1), scopes);
  const lost = new Map<string, { error: AuthorizationLostError; until: number }>();

  async function requestOnce(
    subject: string,
    scopes: readonly string[],
  ): Promise<{ token: string; expiresAt: number }> {
    const iat = Math.floor(clock.now() / 1000);
    const assertion = signAssertion(
      {
        iss: key.client_email,
        sub: subject,
        scope: scopes.join(' '),
        aud: tokenUrl,
        iat,
        exp: iat + ASSERTION_LIFETIME_SECONDS,
      },
      privateKey,
      key.private_key_id,
    );
    const body = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion });
    let response: Response;
    let text: string;
    try {
      response = await options.fetch(tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: body.toString(),
        signal: AbortSignal.timeout(options.requestTimeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw networkError('oauth2.token', error);
    }
    const json = safeJson(text);
    if (response.ok) {
      const parsed = tokenResponseSchema.safeParse(json);
      if (!parsed.success) {
        throw new GoogleResponseShapeError(
          'oauth2.token',
          parsed.error.issues.map((issue) => `field \`${issue.path.join('.')}\`: ${issue.message}`),
        );
      }
      return { token: parsed.data.access_token, expiresAt: clock.now() + parsed.data.expires_in * 1000 };
    }
    const failure = tokenErrorSchema.safeParse(json);
    if (failure.success && failure.data.error === 'unauthorized_client') {
      throw new AuthorizationLostError(subject, scopes, failure.data.error_description);
    }
    if (response.status === 429 || response.status >= 500) {
      throw new GoogleApiError({
        status: response.status,
        reason: failure.success ? failure.data.error : undefined,
        message: failure.success ? (failure.data.error_description ?? failure.data.error) : text.slice(0, 200),
        operation: 'oauth2.token',
        retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), clock.now()),
      });
    }
    throw new TokenRequestError(
      response.status,
      failure.success ? failure.data.error : undefined,
      failure.success ? failure.data.error_description : text.slice(0, 200),
      subject,
    );
  }

  /** The token request is idempotent: it is repeated on 429, 5xx and socket errors like any GET. */
  async function requestToken(subject: string, scopes: readonly string[]) {
    for (let retryIndex = 0; ; retryIndex++) {
      try {
        return await requestOnce(subject, scopes);
      } catch (error) {
        if (!(error instanceof GoogleApiError) || !mayRetry(error, true)) throw error;
        const delay = nextDelay(error, retryIndex, options.retry, options.random);
        if (delay === undefined) throw error;
        logger.warn({ operation: 'oauth2.token', status: error.status, delayMs: delay }, 'retrying token request');
        await clock.sleep(delay);
      }
    }
  }

  return {
    async getToken(subject, scopes) {
      const id = cacheKey(subject, scopes);
      const cached = cache.get(id);
      if (cached && cached.expiresAt - REFRESH_MARGIN_MS > clock.now()) return cached.token;
      const refusal = lost.get(lostKey(subject, scopes));
      if (refusal && refusal.until > clock.now()) {
        throw new AuthorizationLostError(subject, scopes, refusal.error.description);
      }
      let pending = inFlight.get(id);
      if (!pending) {
        pending = requestToken(subject, scopes)
          .catch((error: unknown) => {
            if (error instanceof AuthorizationLostError) {
              lost.set(lostKey(subject, scopes), { error, until: clock.now() + AUTHORIZATION_LOST_MEMORY_MS });
            }
            throw error;
          })
          .finally(() => inFlight.delete(id));
        inFlight.set(id, pending);
      }
      const fresh = await pending;
      cache.set(id, fresh);
      return fresh.token;
    },
    invalidate(subject, scopes, token) {
      const id = cacheKey(subject, scopes);
      if (cache.get(id)?.token === token) cache.delete(id);
    },
    requestToken,
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export interface DelegationCheck {
  granted: string[];
  /** Scopes of GOOGLE_SCOPES the domain has not granted to the service account's client id. */
  missing: string[];
}

/** Asks for a token per scope, impersonating `adminEmail`, and reports which scopes are not delegated. */
export async function checkDelegation(tokens: TokenSource, adminEmail: string): Promise<DelegationCheck> {
  const granted: string[] = [];
  const missing: string[] = [];
  for (const scope of GOOGLE_SCOPES) {
    try {
      await tokens.requestToken(adminEmail, [scope]);
      granted.push(scope);
    } catch (error) {
      if (!(error instanceof AuthorizationLostError)) throw error;
      missing.push(scope);
    }
  }
  return { granted, missing };
}
