// When and how long to wait before repeating a request: truncated exponential backoff with full
// jitter (https://cloud.google.com/storage/docs/retry-strategy), Retry-After honoured, and the
// rule for requests that are not idempotent.
//
// The POST rule. Google's Node client never retries a POST; a backup must, or one 429 fails a
// whole restore. A non-idempotent request (messages.import, files.create, permissions.create,
// createContact, events.insert, labels.create, ...) is repeated only when Google certainly did
// not process it:
//   - 429 and 403 userRateLimitExceeded/rateLimitExceeded: quota is checked before the call runs;
//   - 503: the front end refused the call before a backend took it;
//   - a connection that was never established (ECONNREFUSED, DNS failure): nothing was sent.
// A 500/502/504 or a socket dropped after the request was sent may have been processed: it is
// surfaced (classified `retry`) so the caller first checks whether the item exists (Gmail
// `rfc822msgid:`, Drive appProperties, Calendar iCalUID) before sending it again.
// Idempotent requests (GET, PUT of an upload chunk, resumable-session creation, events.import,
// which is keyed by iCalUID) are repeated on every `retry` classification.
import type { RandomSource } from '../clock.ts';
import { GoogleApiError, RATE_LIMIT_REASONS } from '../errors.ts';

export interface RetryOptions {
  /** Total attempts including the first. Default 8. */
  maxAttempts: number;
  /** Backoff base: the cap of the first wait. Default 1 s. */
  baseDelayMs: number;
  /** Truncation of the exponential backoff. Default 64 s. */
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for in-process: the error goes to the caller. Default 10 min. */
  maxRetryAfterMs: number;
}

export const defaultRetryOptions: RetryOptions = {
  maxAttempts: 8,
  baseDelayMs: 1000,
  maxDelayMs: 64_000,
  maxRetryAfterMs: 10 * 60_000,
};

/** Full jitter: uniform in [0, min(max, base * 2^retryIndex)). `retryIndex` counts from 0. */
export function backoffDelay(retryIndex: number, options: RetryOptions, random: RandomSource): number {
  const cap = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** retryIndex);
  return Math.floor(random() * cap);
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

const unsentConnectionCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Whether `error` may be repeated for a request of this idempotency (the rule above). */
export function mayRetry(error: GoogleApiError, idempotent: boolean): boolean {
  if (error.classification !== 'retry') return false;
  if (idempotent) return true;
  if (error.status === 429 || error.status === 503) return true;
  if (error.status === 403)
    return [error.reason, error.errorInfoReason].some((r) => r !== undefined && RATE_LIMIT_REASONS.has(r));
  if (error.status === 0) return error.reason !== undefined && unsentConnectionCodes.has(error.reason);
  return false;
}

/** How long to wait before the next attempt, or undefined to give up. */
export function nextDelay(
  error: GoogleApiError,
  retryIndex: number,
  options: RetryOptions,
  random: RandomSource,
): number | undefined {
  if (retryIndex + 1 >= options.maxAttempts) return undefined;
  if (error.retryAfterMs !== undefined) {
    return error.retryAfterMs > options.maxRetryAfterMs ? undefined : error.retryAfterMs;
  }
  return backoffDelay(retryIndex, options, random);
}

/** The code of a fetch failure (undici nests it in `cause`), e.g. ECONNRESET, UND_ERR_SOCKET. */
export function networkErrorCode(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return 'NETWORK_ERROR';
}

export function networkError(operation: string, error: unknown): GoogleApiError {
  const message = error instanceof Error ? error.message : String(error);
  return new GoogleApiError({ status: 0, reason: networkErrorCode(error), message, operation, cause: error });
}
