// Batched writes (Calendar's /batch/calendar/v3, Drive's /batch/drive/v3): many JSON calls of
// one user in a multipart/mixed POST, each answered by its own HTTP response and counted as
// its own call. A part that failed transiently (429, 5xx, rate limit) is sent again on its own
// with the normal retries (a quota refusal first records the shared backoff, recordPartRefusals); a part refused permanently (400, 404) is that call's result only.
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { GoogleApiError, GoogleResponseShapeError } from '../errors.ts';
import { parseJsonText, parseWith } from '../http/transport.ts';
import type { GoogleApiName } from '../scopes.ts';
import type { ApiContext } from './api-context.ts';
import { type BatchPart, errorOfPart, parseBatchResponse, recordPartRefusals } from './gmail-batch.ts';

export type BatchCallResult<T> =
  | { ok: true; value: T }
  | { ok: false; error: GoogleApiError | GoogleResponseShapeError };

export interface BatchCalls<T> {
  api: GoogleApiName;
  /** The batch endpoint's path, e.g. `/batch/calendar/v3`. */
  batchPath: string;
  user: string;
  /** The operation of every call inside (names errors and logs). */
  operation: string;
  /** Path and query of each call, under the API's base URL (e.g. `/calendar/v3/calendars/x/events/import?…`). */
  paths: readonly string[];
  bodies: readonly unknown[];
  schema: z.ZodType<T>;
  /** Whether repeating the whole batch is harmless (every call idempotent). */
  idempotent: boolean;
  /** One call alone, with the client's retries: what a transiently failed part is sent as. */
  alone(index: number): Promise<T>;
}

export async function batchCalls<T>(ctx: ApiContext, spec: BatchCalls<T>): Promise<Array<BatchCallResult<T>>> {
  const boundary = `batch_${randomBytes(12).toString('hex')}`;
  const pathPrefix = new URL(ctx.endpoints.api(spec.api)).pathname.replace(/\/$/, '');
  const body = `${spec.paths
    .map((path, index) => {
      const json = JSON.stringify(spec.bodies[index]);
      return (
        `--${boundary}\r\nContent-Type: application/http\r\nContent-ID: <item-${index}>\r\n\r\n` +
        `POST ${pathPrefix}${path}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}\r\n`
      );
    })
    .join('')}--${boundary}--\r\n`;
  const parts = await ctx.transport.request(
    {
      api: spec.api,
      operation: `${spec.api}.batch`,
      user: spec.user,
      method: 'POST',
      url: `${ctx.endpoints.api(spec.api)}${spec.batchPath}`,
      headers: { 'content-type': `multipart/mixed; boundary=${boundary}` },
      body,
      idempotent: spec.idempotent,
      cost: spec.paths.length,
    },
    async (response) => parseBatchResponse(response.headers.get('content-type'), await response.text()),
  );
  const byIndex = new Map<number, BatchPart>();
  parts.forEach((part, position) => {
    byIndex.set(Number(/item-(\d+)>?$/.exec(part.contentId ?? '')?.[1] ?? position), part);
  });
  // Parts refused for quota (429, 403 rateLimitExceeded) back off this user or the project in
  // every process before they are sent again alone, as Gmail's batch parts do.
  await recordPartRefusals(ctx, spec.api, spec.user, [...byIndex.values()], spec.operation);
  const results: Array<BatchCallResult<T>> = [];
  for (const index of spec.paths.keys()) {
    const part = byIndex.get(index);
    if (part && part.status >= 200 && part.status < 300) {
      try {
        results.push({
          ok: true,
          value: parseWith(spec.operation, spec.schema, parseJsonText(spec.operation, part.body)),
        });
      } catch (error) {
        if (!(error instanceof GoogleResponseShapeError)) throw error;
        results.push({ ok: false, error });
      }
      continue;
    }
    const partError = part ? errorOfPart(part, ctx.clock.now(), spec.operation) : undefined;
    if (partError && partError.classification !== 'retry' && partError.status !== 401) {
      results.push({ ok: false, error: partError });
      continue;
    }
    ctx.logger.debug(
      { operation: `${spec.api}.batch`, user: spec.user, index, status: part?.status },
      'batch part failed, sending it alone',
    );
    try {
      results.push({ ok: true, value: await spec.alone(index) });
    } catch (error) {
      if (!(error instanceof GoogleApiError || error instanceof GoogleResponseShapeError)) throw error;
      results.push({ ok: false, error });
    }
  }
  return results;
}
