// The trace id every log line carries (issue 20): one id follows a piece of work from the HTTP
// request that started it, through the jobs it enqueued, to the worker that runs them. It lives
// in an AsyncLocalStorage, so code in between passes nothing along: the logger's mixin reads it
// (logger.ts), the job queue stores it with each job it enqueues and runs the job's handler
// inside it again (jobs/queue.ts).
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

const storage = new AsyncLocalStorage<{ traceId: string }>();

/** Runs `work` with `traceId` as the current trace id (and everything it starts, awaited or not). */
export function runWithTraceId<T>(traceId: string, work: () => T): T {
  return storage.run({ traceId }, work);
}

/** The trace id of the work running now; undefined outside a request or a job. */
export function currentTraceId(): string | undefined {
  return storage.getStore()?.traceId;
}

/** A caller's id is taken only in this shape: it ends up in log lines, so no spaces, quotes or newlines. */
const safeId = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** W3C Trace Context `traceparent`: version-traceid-parentid-flags (https://www.w3.org/TR/trace-context/#traceparent-header). */
const traceparent = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * The trace id of an incoming request: the trace-id of a valid `traceparent` (a proxy or client
 * that traces), else a well-formed `X-Request-Id`, else a new one. An all-zero trace-id is
 * invalid by the specification and ignored.
 */
export function traceIdFromHeaders(headers: Record<string, string | string[] | undefined>): string {
  const parent = single(headers.traceparent)?.trim().toLowerCase();
  const fromParent = parent ? traceparent.exec(parent)?.[1] : undefined;
  if (fromParent && !/^0+$/.test(fromParent)) return fromParent;
  const requestId = single(headers['x-request-id'])?.trim();
  if (requestId && safeId.test(requestId)) return requestId;
  return randomUUID();
}

/** Whether a trace id read back from storage (a job row) has the shape this file hands out. */
export function isTraceId(value: unknown): value is string {
  return typeof value === 'string' && safeId.test(value);
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
