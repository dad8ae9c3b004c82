// The error types callers act on, and the one classification table of GOOGLE-APIS.md
// "Errors and retries": `retry` (back off and try again), `resync` (the cursor expired: do a
// full listing) and `permanent` (this item or request will not succeed by repeating it).
import { z } from 'zod';

export type ErrorClassification = 'retry' | 'resync' | 'permanent';

/** Error reasons Google uses for per-user and per-project rate limits (403). */
export const RATE_LIMIT_REASONS: ReadonlySet<string> = new Set([
  'userRateLimitExceeded',
  'rateLimitExceeded',
  'RATE_LIMIT_EXCEEDED',
]);

export class GoogleApiError extends Error {
  override name = 'GoogleApiError';
  /** HTTP status; 0 when no HTTP answer arrived (socket error, DNS, refused connection). */
  readonly status: number;
  /** Google's reason (`error.errors[0].reason` or an ErrorInfo `reason`), or the network error code. */
  readonly reason: string | undefined;
  /** Google's `error.status`, e.g. `PERMISSION_DENIED`, `FAILED_PRECONDITION`. */
  readonly googleStatus: string | undefined;
  /** The `google.rpc.ErrorInfo` reason when the body has one (e.g. `EXPIRED_SYNC_TOKEN`). */
  readonly errorInfoReason: string | undefined;
  /** Operation name, e.g. `gmail.history.list`. */
  readonly operation: string;
  readonly classification: ErrorClassification;
  /** Milliseconds the server asked us to wait (Retry-After), when it said so. */
  readonly retryAfterMs: number | undefined;

  constructor(init: {
    status: number;
    reason: string | undefined;
    googleStatus?: string | undefined;
    errorInfoReason?: string | undefined;
    message: string;
    operation: string;
    retryAfterMs?: number | undefined;
    cause?: unknown;
  }) {
    super(
      `${init.operation}: ${init.status === 0 ? 'network error' : `HTTP ${init.status}`}${init.reason ? ` ${init.reason}` : ''}: ${init.message}`,
      {
        cause: init.cause,
      },
    );
    this.status = init.status;
    this.reason = init.reason;
    this.googleStatus = init.googleStatus;
    this.errorInfoReason = init.errorInfoReason;
    this.operation = init.operation;
    this.retryAfterMs = init.retryAfterMs;
    this.classification = classifyError({
      status: init.status,
      reason: init.reason,
      googleStatus: init.googleStatus,
      errorInfoReason: init.errorInfoReason,
      message: init.message,
      operation: init.operation,
    });
  }
}

/** A sync cursor (Gmail historyId, Calendar or People sync token) expired: list everything again. */
export class ResyncRequired extends Error {
  override name = 'ResyncRequired';
  readonly operation: string;
  constructor(cause: GoogleApiError) {
    super(`${cause.operation}: the sync cursor is no longer valid, a full sync is required (${cause.message})`, {
      cause,
    });
    this.operation = cause.operation;
  }
}

/** A Google answer did not have the shape we rely on; names the operation and the field. */
export class GoogleResponseShapeError extends Error {
  override name = 'GoogleResponseShapeError';
  readonly operation: string;
  constructor(operation: string, problems: string[]) {
    super(`${operation}: unexpected response from Google: ${problems.join('; ')}`);
    this.operation = operation;
  }
}

export interface ErrorFacts {
  status: number;
  reason: string | undefined;
  googleStatus?: string | undefined;
  errorInfoReason?: string | undefined;
  message: string;
  operation: string;
}

/**
 * Whether Google refused because the Cloud project's quota of the day is spent: 403
 * `dailyLimitExceeded` (the "courtesy API limit" of the Gmail, Drive and Calendar error guides),
 * or a rate-limit refusal that names a per-day limit (Cloud quotas' "Queries per day"). Unlike
 * a per-minute limit, repeating the call the same (Pacific) day cannot succeed.
 */
export function isDailyLimit(facts: Pick<ErrorFacts, 'status' | 'reason' | 'errorInfoReason' | 'message'>): boolean {
  if (facts.status !== 403) return false;
  const reasons = [facts.reason, facts.errorInfoReason];
  if (reasons.includes('dailyLimitExceeded')) return true;
  // "Queries per day" is the project's; "per day per user" is one user's, and does not stop the others.
  return (
    reasons.some((r) => r !== undefined && RATE_LIMIT_REASONS.has(r)) &&
    /\bper day\b/i.test(facts.message) &&
    !/\bper user\b/i.test(facts.message)
  );
}

/** GOOGLE-APIS.md "Errors and retries" as one pure function. 401 reaches here only after one token refresh. */
export function classifyError(facts: ErrorFacts): ErrorClassification {
  const { status, reason, operation } = facts;
  if (isDailyLimit(facts)) return 'permanent';
  if (status === 0 || status === 429 || status === 500 || status === 502 || status === 503 || status === 504) {
    return 'retry';
  }
  if (status === 403 && [reason, facts.errorInfoReason].some((r) => r !== undefined && RATE_LIMIT_REASONS.has(r))) {
    return 'retry';
  }
  if (operation === 'gmail.history.list' && status === 404) return 'resync';
  if (operation === 'calendar.events.list' && status === 410) return 'resync';
  if (
    (operation === 'people.connections.list' || operation === 'people.otherContacts.list') &&
    status === 400 &&
    isExpiredPeopleSyncToken(facts)
  ) {
    return 'resync';
  }
  return 'permanent';
}

function isExpiredPeopleSyncToken(facts: ErrorFacts): boolean {
  if (facts.reason === 'EXPIRED_SYNC_TOKEN' || facts.errorInfoReason === 'EXPIRED_SYNC_TOKEN') return true;
  return facts.googleStatus === 'FAILED_PRECONDITION' && /sync token is expired/i.test(facts.message);
}

const googleErrorBodySchema = z.object({
  error: z.object({
    code: z.number().optional(),
    message: z.string().optional(),
    status: z.string().optional(),
    errors: z.array(z.object({ reason: z.string().optional(), message: z.string().optional() })).optional(),
    details: z.array(z.object({ '@type': z.string().optional(), reason: z.string().optional() })).optional(),
  }),
});

export interface ParsedErrorBody {
  reason: string | undefined;
  errorInfoReason: string | undefined;
  googleStatus: string | undefined;
  message: string;
}

/** Reads Google's error envelope; anything else (an HTML page from a proxy) keeps its first characters as the message. */
export function parseErrorBody(status: number, statusText: string, text: string): ParsedErrorBody {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = googleErrorBodySchema.safeParse(json);
  if (!parsed.success) {
    const snippet = text.trim().slice(0, 200);
    return {
      reason: undefined,
      errorInfoReason: undefined,
      googleStatus: undefined,
      message: snippet || statusText || `HTTP ${status}`,
    };
  }
  const { error } = parsed.data;
  const errorInfo = error.details?.find((detail) => detail['@type']?.endsWith('google.rpc.ErrorInfo'));
  return {
    reason: error.errors?.[0]?.reason ?? errorInfo?.reason,
    errorInfoReason: errorInfo?.reason,
    googleStatus: error.status,
    message: error.message ?? error.errors?.[0]?.message ?? (statusText || `HTTP ${status}`),
  };
}
