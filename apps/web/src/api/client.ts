// The typed API client: openapi-fetch over the paths generated from the server's OpenAPI
// document (schema.d.ts), plus the CSRF header every state-changing request needs and one
// error type carrying the server's `{error:{code,message,field}}` to the page.
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema.d.ts';

/** Every API path, generated from the server's OpenAPI document (npm run generate:api). */
export type ApiPaths = paths;

/** An error answer from the API, with the server's message meant for the user. */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;

  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

function toApiError(response: Response, body: unknown): ApiError {
  if (typeof body === 'object' && body !== null && 'error' in body) {
    const error = (body as { error: unknown }).error;
    if (typeof error === 'object' && error !== null) {
      const { code, message, field } = error as Record<string, unknown>;
      if (typeof message === 'string' && message.length > 0) {
        return new ApiError(
          response.status,
          typeof code === 'string' ? code : 'error',
          message,
          typeof field === 'string' ? field : undefined,
        );
      }
    }
  }
  if (response.status === 429) {
    return new ApiError(429, 'rate_limited', 'Too many attempts. Wait a few minutes, then try again.');
  }
  return new ApiError(
    response.status,
    'http_error',
    `The server answered ${response.status} ${response.statusText}. Try again in a moment.`,
  );
}

let csrfToken: string | null = null;

/** Remembers the CSRF token from the latest GET /api/auth/session. */
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

async function ensureCsrfToken(): Promise<string> {
  if (csrfToken) return csrfToken;
  const response = await fetch('/api/auth/session', {
    credentials: 'same-origin',
    headers: { accept: 'application/json' },
  });
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) throw toApiError(response, body);
  const token = (body as { csrfToken?: unknown } | null)?.csrfToken;
  if (typeof token !== 'string') throw new ApiError(response.status, 'bad_response', 'The server sent no CSRF token.');
  csrfToken = token;
  return token;
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Forgets the CSRF token, so the next state-changing request fetches a fresh one. */
export function forgetCsrfToken(): void {
  csrfToken = null;
}

/**
 * Adds the CSRF header to every state-changing request. Fastify rejects a JSON request
 * without a body, so bodiless POSTs (sign-out, enrolment start) are sent as an empty JSON
 * object, which passes whether or not the route declares a body.
 */
export async function prepareRequest(request: Request): Promise<Request> {
  if (safeMethods.has(request.method)) return request;
  const token = await ensureCsrfToken();
  if (request.body === null) {
    const headers = new Headers(request.headers);
    headers.set('x-csrf-token', token);
    headers.set('content-type', 'application/json');
    return new Request(request, { body: '{}', headers });
  }
  request.headers.set('x-csrf-token', token);
  return request;
}

const csrfMiddleware: Middleware = { onRequest: ({ request }) => prepareRequest(request) };

export const api = createClient<ApiPaths>({ baseUrl: '', credentials: 'same-origin' });
api.use(csrfMiddleware);

interface FetchOutcome<D> {
  data?: D;
  error?: unknown;
  response: Response;
}

/**
 * Runs one API call and returns its data, or throws ApiError with the server's message. A
 * rejected CSRF token (the cookie changed, e.g. after sign-out) is refreshed and retried once.
 */
export async function call<D>(send: () => Promise<FetchOutcome<D>>): Promise<D> {
  let outcome = await send();
  if (outcome.response.status === 403 && codeOf(outcome.error) === 'csrf_failed') {
    forgetCsrfToken();
    outcome = await send();
  }
  if (!outcome.response.ok) throw toApiError(outcome.response, outcome.error);
  return outcome.data as D;
}

/** Like call(), for answers without a body (204). */
export async function callWithoutResult(send: () => Promise<FetchOutcome<unknown>>): Promise<void> {
  await call(send);
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('error' in error)) return undefined;
  const inner = (error as { error: unknown }).error;
  if (typeof inner !== 'object' || inner === null) return undefined;
  const code = (inner as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
