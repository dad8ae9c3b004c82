// One error type for the whole service. Services throw AppError(code); the HTTP error
// mapper turns it into `{error:{code,message}}` with the status the code implies.

export const errorStatus = {
  bad_request: 400,
  validation_failed: 400,
  invalid_json: 400,
  invalid_transfer_token: 400,
  invalid_link: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  second_factor_required: 401,
  forbidden: 403,
  csrf_failed: 403,
  /** The customer turned off end users' access to their backups (Settings › Access controls). */
  user_access_off: 403,
  /** The customer turned off end users' exports of their data. */
  user_export_off: 403,
  /** Partner staff reach a customer's backed-up data only inside a partner session (issue 18 §2). */
  partner_session_required: 403,
  /** The customer's "Allow partner to open this console" is off. */
  partner_access_off: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  /** A request with this Idempotency-Key is still being handled (retry it for its answer). */
  idempotency_key_in_progress: 409,
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  /** The Idempotency-Key was used with a different request within 24 hours. */
  idempotency_key_reused: 422,
  rate_limited: 429,
  internal: 500,
  /** A backed-up item's content could not be read from the tenant's repository (missing or damaged). */
  content_unavailable: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export class AppError extends Error {
  override name = 'AppError';
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra response headers, e.g. Retry-After on rate_limited. */
  readonly headers: Record<string, string>;
  /** Field path for validation errors. */
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, options: { headers?: Record<string, string>; field?: string } = {}) {
    super(message);
    this.code = code;
    this.status = errorStatus[code];
    this.headers = options.headers ?? {};
    this.field = options.field;
  }
}

export function notFound(what = 'The requested resource'): AppError {
  return new AppError('not_found', `${what} was not found.`);
}

export function forbidden(message = 'You are not allowed to do this.'): AppError {
  return new AppError('forbidden', message);
}
