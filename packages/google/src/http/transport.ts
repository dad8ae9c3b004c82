// Sends one logical request to a Google API: waits for quota and a concurrency slot, adds the
// impersonated user's bearer token, turns answers into GoogleApiError, repeats what the retry
// policy allows (refreshing the token once on 401), and parses JSON answers with zod so a bad
// response fails here, naming the field, instead of crashing later.
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { z } from 'zod';
import type { TokenSource } from '../auth/token-source.ts';
import type { GoogleClock, GoogleLogger, RandomSource } from '../clock.ts';
import {
  GoogleApiError,
  GoogleResponseShapeError,
  isDailyLimit,
  parseErrorBody,
  RATE_LIMIT_REASONS,
} from '../errors.ts';
import { operationCost } from '../quota/costs.ts';
import type { QuotaManager } from '../quota/quota-manager.ts';
import { type GoogleApiName, SCOPES_BY_API } from '../scopes.ts';
import { mayRetry, networkError, nextDelay, parseRetryAfter, type RetryOptions } from './retry-policy.ts';

export type QueryValue = string | number | boolean | undefined | readonly string[];

export interface RequestSpec {
  api: GoogleApiName;
  /** `<api>.<resource>.<method>`, e.g. `gmail.messages.get`: names errors, logs and quota costs. */
  operation: string;
  /** The user impersonated (`sub`). */
  user: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  query?: Record<string, QueryValue>;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Defaults to true for GET, PUT and DELETE; see retry-policy.ts for what a non-idempotent request may repeat. */
  idempotent?: boolean;
  /** Quota units; defaults to the operation's cost. */
  cost?: number;
  /** Statuses returned to the caller rather than raised (e.g. 308 for upload chunks). */
  acceptStatus?: readonly number[];
  /** Retries allowed; 1 = a single attempt (the resumable uploader runs its own recovery). */
  maxAttempts?: number;
}

export interface DownloadStream {
  /** The body; the concurrency slot is held until it ends or is destroyed. */
  body: Readable;
  contentType: string | undefined;
  contentLength: number | undefined;
  /** 200, or 206 for a ranged request. */
  status: number;
  /** `Content-Range` of a 206 answer. */
  contentRange: string | undefined;
}

export interface Transport {
  /** Sends `spec` and hands the (accepted) response to `read` inside the same attempt, so a body cut short is retried too. */
  request<R>(spec: RequestSpec, read: (response: Response) => Promise<R>): Promise<R>;
  json<S extends z.ZodType>(spec: RequestSpec, schema: S): Promise<z.output<S>>;
  stream(spec: RequestSpec): Promise<DownloadStream>;
}

export interface TransportOptions {
  fetch: typeof fetch;
  /** Longest wait for an answer (and, except for streams, its whole body) before the attempt counts as a network error. */
  requestTimeoutMs: number;
  tokens: TokenSource;
  quotas: QuotaManager;
  clock: GoogleClock;
  random: RandomSource;
  retry: RetryOptions;
  logger: GoogleLogger;
  /** Told of every attempt's answer (status 0: none came), for the caller's metrics. */
  onResponse?: (response: GoogleResponseEvent) => void;
}

/** One attempt of a request and how Google answered it. */
export interface GoogleResponseEvent {
  api: GoogleApiName;
  operation: string;
  /** The HTTP status, or 0 when no answer came (network error, timeout). */
  status: number;
}

export function buildUrl(url: string, query: Record<string, QueryValue> | undefined): string {
  const target = new URL(url);
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      for (const item of value) target.searchParams.append(name, item);
    } else {
      target.searchParams.set(name, String(value));
    }
  }
  return target.toString();
}

export async function errorFromResponse(operation: string, response: Response, nowMs: number): Promise<GoogleApiError> {
  let text = '';
  try {
    text = await response.text();
  } catch (error) {
    return networkError(operation, error);
  }
  const parsed = parseErrorBody(response.status, response.statusText, text);
  return new GoogleApiError({
    status: response.status,
    reason: parsed.reason,
    errorInfoReason: parsed.errorInfoReason,
    googleStatus: parsed.googleStatus,
    message: parsed.message,
    operation,
    retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), nowMs),
  });
}

/** Zod issues as `field \`a.b.0\`: message` lines, so an error says which part of Google's answer was wrong. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `field \`${issue.path.join('.') || '(root)'}\`: ${issue.message}`);
}

export function parseWith<S extends z.ZodType>(operation: string, schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new GoogleResponseShapeError(operation, describeIssues(result.error));
  return result.data;
}

export function parseJsonText(operation: string, text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new GoogleResponseShapeError(operation, [`body is not JSON: ${text.slice(0, 80)}`]);
  }
}

/**
 * Whether Google refused for quota, and whose: a user's (Gmail's "User-rate limit exceeded", 403
 * userRateLimitExceeded, "Too many concurrent requests for user", People's "per user") or, for
 * any other 429 or 403 rateLimitExceeded, the project's.
 */
export function rateLimitScope(error: GoogleApiError): 'user' | 'project' | undefined {
  // A spent day is not a rate to slow down to (dailyLimitReached).
  if (isDailyLimit(error)) return undefined;
  const quotaRefusal =
    error.status === 429 ||
    (error.status === 403 &&
      [error.reason, error.errorInfoReason].some((reason) => reason !== undefined && RATE_LIMIT_REASONS.has(reason)));
  if (!quotaRefusal) return undefined;
  return /user/i.test(`${error.reason ?? ''} ${error.message}`) ? 'user' : 'project';
}

export function createTransport(options: TransportOptions): Transport {
  const { clock, logger, tokens, quotas } = options;

  async function attempt<R>(
    spec: RequestSpec,
    read: (response: Response) => Promise<R>,
    keepSlot: boolean,
    lastToken: { token: string | undefined },
  ): Promise<{ result: R; release: () => void }> {
    const scopes = SCOPES_BY_API[spec.api];
    const release = await quotas.acquire(spec.api, spec.user, spec.cost ?? operationCost(spec.api, spec.operation));
    let keep = false;
    try {
      const token = await tokens.getToken(spec.user, scopes);
      lastToken.token = token;
      // A real timer, not the injected clock: it guards against a connection that never answers.
      const timeout = new AbortController();
      const timer = setTimeout(() => timeout.abort(), options.requestTimeoutMs);
      const failure = (error: unknown) =>
        timeout.signal.aborted
          ? new GoogleApiError({
              status: 0,
              reason: 'ETIMEDOUT',
              message: `no complete answer within ${options.requestTimeoutMs} ms`,
              operation: spec.operation,
              cause: error,
            })
          : networkError(spec.operation, error);
      try {
        let response: Response;
        try {
          response = await options.fetch(buildUrl(spec.url, spec.query), {
            method: spec.method,
            headers: { authorization: `Bearer ${token}`, ...spec.headers },
            // The web app's type-check (DOM lib) wants Uint8Array<ArrayBuffer>; fetch takes any Uint8Array.
            body: spec.body as RequestInit['body'],
            // Upload sessions answer 308 meaning "resume", not a redirect; everything else (export links) may redirect.
            redirect: spec.acceptStatus?.includes(308) ? 'manual' : 'follow',
            signal: timeout.signal,
          });
        } catch (error) {
          options.onResponse?.({ api: spec.api, operation: spec.operation, status: 0 });
          throw failure(error);
        }
        options.onResponse?.({ api: spec.api, operation: spec.operation, status: response.status });
        if (!response.ok && !spec.acceptStatus?.includes(response.status)) {
          throw await errorFromResponse(spec.operation, response, clock.now());
        }
        let result: R;
        try {
          result = await read(response);
        } catch (error) {
          if (error instanceof GoogleResponseShapeError || error instanceof GoogleApiError) throw error;
          throw failure(error);
        }
        keep = keepSlot;
        return { result, release };
      } finally {
        clearTimeout(timer);
      }
    } finally {
      if (!keep) release();
    }
  }

  async function run<R>(
    spec: RequestSpec,
    read: (response: Response) => Promise<R>,
    keepSlot: boolean,
  ): Promise<{ result: R; release: () => void }> {
    const idempotent = spec.idempotent ?? spec.method !== 'POST';
    const retry = spec.maxAttempts ? { ...options.retry, maxAttempts: spec.maxAttempts } : options.retry;
    const lastToken: { token: string | undefined } = { token: undefined };
    let refreshed = false;
    for (let retryIndex = 0; ; ) {
      try {
        return await attempt(spec, read, keepSlot, lastToken);
      } catch (error) {
        // The token endpoint has already run its own retries; repeating them here would multiply them.
        if (!(error instanceof GoogleApiError) || error.operation === 'oauth2.token') throw error;
        if (error.status === 401 && !refreshed && lastToken.token) {
          // An access token can be revoked before it expires: ask for a new one once; a second 401 is permanent.
          refreshed = true;
          tokens.invalidate(spec.user, SCOPES_BY_API[spec.api], lastToken.token);
          logger.info({ operation: spec.operation, user: spec.user }, 'access token refused, refreshing once');
          continue;
        }
        if (isDailyLimit(error)) {
          await quotas.dailyLimitReached?.(spec.api, error);
          throw error;
        }
        const delay = mayRetry(error, idempotent) ? nextDelay(error, retryIndex, retry, options.random) : undefined;
        const limitedScope = rateLimitScope(error);
        if (limitedScope) {
          await quotas.rateLimited(spec.api, spec.user, limitedScope, delay ?? error.retryAfterMs ?? 0);
        }
        if (!mayRetry(error, idempotent)) throw error;
        if (delay === undefined) throw error;
        logger.warn(
          {
            operation: spec.operation,
            user: spec.user,
            status: error.status,
            reason: error.reason,
            delayMs: delay,
            attempt: retryIndex + 1,
          },
          'retrying Google request',
        );
        await clock.sleep(delay);
        retryIndex++;
      }
    }
  }

  return {
    async request(spec, read) {
      return (await run(spec, read, false)).result;
    },
    async json(spec, schema) {
      const text = (await run(spec, (response) => response.text(), false)).result;
      return parseWith(spec.operation, schema, parseJsonText(spec.operation, text));
    },
    async stream(spec) {
      const { result, release } = await run(
        spec,
        async (response) => ({
          body: response.body
            ? Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>)
            : Readable.from([]),
          contentType: response.headers.get('content-type') ?? undefined,
          contentLength: response.headers.has('content-length')
            ? Number(response.headers.get('content-length'))
            : undefined,
          status: response.status,
          contentRange: response.headers.get('content-range') ?? undefined,
        }),
        true,
      );
      finished(result.body).then(release, release);
      return result;
    },
  };
}
