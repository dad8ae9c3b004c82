// Gmail batch requests (https://developers.google.com/workspace/gmail/api/guides/batch): up to 50
// messages.get calls in one multipart/mixed POST, each answered by its own HTTP response inside
// the multipart answer. Each call still costs its quota units. A part that failed with a
// retryable error (429, 5xx, rate limit) is fetched again on its own, with the normal retries;
// a permanent failure (404: message deleted meanwhile) is returned for that id only. A batch
// answers 200 even when its parts were refused for quota (429 inside): such a refusal is recorded
// as a backoff like a top-level one (transport.ts), so this process and the others wait it out
// before the parts are fetched again.
import { randomBytes } from 'node:crypto';
import { GoogleApiError, GoogleResponseShapeError, isDailyLimit, parseErrorBody } from '../errors.ts';
import { nextDelay, parseRetryAfter } from '../http/retry-policy.ts';
import { parseJsonText, parseWith, rateLimitScope } from '../http/transport.ts';
import { operationCost } from '../quota/costs.ts';
import type { GoogleApiName } from '../scopes.ts';
import type { ApiContext } from './api-context.ts';
import { seg } from './api-context.ts';
import { type GmailRawMessage, rawMessageSchema } from './gmail-messages.ts';

export const GMAIL_BATCH_MAX = 50;

export type BatchMessageResult =
  | { id: string; ok: true; message: GmailRawMessage }
  | { id: string; ok: false; error: GoogleApiError | GoogleResponseShapeError };

export interface BatchPart {
  contentId: string | undefined;
  status: number;
  headers: Headers;
  body: string;
}

function splitHead(text: string): [string, string] {
  const match = /\r?\n\r?\n/.exec(text);
  if (!match) return [text, ''];
  return [text.slice(0, match.index), text.slice(match.index + match[0].length)];
}

function parseHeaderLines(block: string): Headers {
  const headers = new Headers();
  for (const line of block.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return headers;
}

// A part holds a whole message (~100 KB of JSON): its line breaks are cut off by string tests
// and slices (a slice shares the text; a regular-expression replace copied every part).
function withoutFirstLineBreak(text: string): string {
  if (text.startsWith('\r\n')) return text.slice(2);
  return text.startsWith('\n') ? text.slice(1) : text;
}

function withoutFinalLineBreak(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

/** Splits a multipart/mixed batch answer into its HTTP responses. */
export function parseBatchResponse(contentType: string | null, text: string): BatchPart[] {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType ?? '')?.[1];
  if (!boundary) throw new GoogleResponseShapeError('gmail.batch', ['header `Content-Type`: no multipart boundary']);
  const parts: BatchPart[] = [];
  for (const chunk of text.split(`--${boundary}`).slice(1)) {
    if (chunk.startsWith('--')) break;
    const [outerHead, inner] = splitHead(withoutFirstLineBreak(chunk));
    const contentId = parseHeaderLines(outerHead).get('content-id') ?? undefined;
    const [responseHead, body] = splitHead(inner);
    const [statusLine = '', ...headerLines] = responseHead.split(/\r?\n/);
    const status = /^HTTP\/[\d.]+ (\d{3})/.exec(statusLine)?.[1];
    if (!status)
      throw new GoogleResponseShapeError('gmail.batch', [`part ${contentId ?? parts.length}: no HTTP status line`]);
    parts.push({
      contentId,
      status: Number(status),
      headers: parseHeaderLines(headerLines.join('\n')),
      body: withoutFinalLineBreak(body),
    });
  }
  return parts;
}

export async function batchGetMessages(
  ctx: ApiContext,
  user: string,
  ids: readonly string[],
  getOne: (id: string) => Promise<GmailRawMessage>,
): Promise<BatchMessageResult[]> {
  const results: BatchMessageResult[] = [];
  for (let start = 0; start < ids.length; start += GMAIL_BATCH_MAX) {
    results.push(...(await oneBatch(ctx, user, ids.slice(start, start + GMAIL_BATCH_MAX), getOne)));
  }
  return results;
}

async function oneBatch(
  ctx: ApiContext,
  user: string,
  ids: readonly string[],
  getOne: (id: string) => Promise<GmailRawMessage>,
): Promise<BatchMessageResult[]> {
  const boundary = `batch_${randomBytes(12).toString('hex')}`;
  const apiBase = new URL(ctx.endpoints.api('gmail'));
  const pathPrefix = apiBase.pathname.replace(/\/$/, '');
  const body = `${ids
    .map(
      (id, index) =>
        `--${boundary}\r\nContent-Type: application/http\r\nContent-ID: <item-${index}>\r\n\r\n` +
        `GET ${pathPrefix}/gmail/v1/users/${seg(user)}/messages/${seg(id)}?format=raw\r\n\r\n`,
    )
    .join('')}--${boundary}--\r\n`;
  const parts = await ctx.transport.request(
    {
      api: 'gmail',
      operation: 'gmail.batch',
      user,
      method: 'POST',
      url: `${ctx.endpoints.api('gmail')}/batch/gmail/v1`,
      headers: { 'content-type': `multipart/mixed; boundary=${boundary}` },
      body,
      // Only reads inside: repeating the batch is harmless.
      idempotent: true,
      cost: ids.length * operationCost('gmail', 'gmail.messages.get'),
    },
    async (response) => parseBatchResponse(response.headers.get('content-type'), await response.text()),
  );

  const byIndex = new Map<number, BatchPart>();
  parts.forEach((part, position) => {
    const index = Number(/item-(\d+)>?$/.exec(part.contentId ?? '')?.[1] ?? position);
    byIndex.set(index, part);
  });

  await recordPartRefusals(ctx, 'gmail', user, [...byIndex.values()]);

  const results: BatchMessageResult[] = [];
  for (const [index, id] of ids.entries()) {
    const part = byIndex.get(index);
    if (part && part.status >= 200 && part.status < 300) {
      try {
        results.push({
          id,
          ok: true,
          message: parseWith('gmail.messages.get', rawMessageSchema, parseJsonText('gmail.messages.get', part.body)),
        });
      } catch (error) {
        if (!(error instanceof GoogleResponseShapeError)) throw error;
        results.push({ id, ok: false, error });
      }
      continue;
    }
    const partError = part ? errorOfPart(part, ctx.clock.now()) : undefined;
    if (partError && partError.classification !== 'retry' && partError.status !== 401) {
      results.push({ id, ok: false, error: partError });
      continue;
    }
    ctx.logger.debug({ operation: 'gmail.batch', user, id, status: part?.status }, 'batch part failed, fetching alone');
    try {
      results.push({ id, ok: true, message: await getOne(id) });
    } catch (error) {
      if (!(error instanceof GoogleApiError || error instanceof GoogleResponseShapeError)) throw error;
      results.push({ id, ok: false, error });
    }
  }
  return results;
}

/**
 * Parts Google refused for quota slow this user (or the project) down in every process, as a
 * refused call would: the longest of their waits (Retry-After, else the first retry's backoff).
 * A part refused for the project's spent day is told to the quotas as a refused call is
 * (`dailyLimitReached`, which may end the batch with its own error). Shared by every batch (Gmail reads here, Calendar and Drive writes in batch-calls.ts).
 */
export async function recordPartRefusals(
  ctx: ApiContext,
  api: GoogleApiName,
  user: string,
  parts: readonly BatchPart[],
  operation?: string,
): Promise<void> {
  const waits = { user: 0, project: 0 };
  for (const part of parts) {
    if (part.status < 400) continue;
    const error = errorOfPart(part, ctx.clock.now(), operation);
    if (isDailyLimit(error)) await ctx.quotas.dailyLimitReached?.(api, error);
    const scope = rateLimitScope(error);
    if (!scope) continue;
    const wait = nextDelay(error, 0, ctx.retry, ctx.random) ?? error.retryAfterMs ?? 0;
    waits[scope] = Math.max(waits[scope], wait);
  }
  for (const scope of ['user', 'project'] as const) {
    if (waits[scope] > 0) await ctx.quotas.rateLimited(api, user, scope, waits[scope]);
  }
}

/** The error a failed batch part answered, as the call alone would have thrown it. */
export function errorOfPart(part: BatchPart, nowMs: number, operation = 'gmail.messages.get'): GoogleApiError {
  const parsed = parseErrorBody(part.status, '', part.body);
  return new GoogleApiError({
    status: part.status,
    reason: parsed.reason,
    errorInfoReason: parsed.errorInfoReason,
    googleStatus: parsed.googleStatus,
    message: parsed.message,
    operation,
    retryAfterMs: parseRetryAfter(part.headers.get('retry-after'), nowMs),
  });
}
