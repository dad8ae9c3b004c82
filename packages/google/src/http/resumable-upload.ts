// Resumable uploads (https://developers.google.com/workspace/drive/api/guides/manage-uploads#resumable),
// shared by Drive files.create and Gmail messages.import: POST the metadata for a session URL,
// PUT the content in chunks that are multiples of 256 KiB with Content-Range, follow 308 + Range.
// After a failed chunk (socket dropped, 5xx, 429) we ask the session what it holds with
// `Content-Range: bytes */<total>` and continue from its Range, so nothing is sent twice and
// nothing is lost. A 404/410 means the session expired: the caller starts a new upload.
import type { z } from 'zod';
import type { GoogleClock, GoogleLogger, RandomSource } from '../clock.ts';
import { GoogleApiError, GoogleResponseShapeError } from '../errors.ts';
import type { GoogleApiName } from '../scopes.ts';
import { mayRetry, nextDelay, type RetryOptions } from './retry-policy.ts';
import { parseJsonText, parseWith, type QueryValue, type Transport } from './transport.ts';

/** Content to upload: bytes in memory, or a sized source read by range (e.g. a restore reading the repository). */
export type UploadBody = Uint8Array | { size: number; read(start: number, end: number): Promise<Uint8Array> };

export const UPLOAD_CHUNK_GRANULARITY = 256 * 1024;
export const DEFAULT_UPLOAD_CHUNK_SIZE = 32 * UPLOAD_CHUNK_GRANULARITY;

export function uploadSize(body: UploadBody): number {
  return body instanceof Uint8Array ? body.byteLength : body.size;
}

export async function readUpload(body: UploadBody, start: number, end: number): Promise<Uint8Array> {
  return body instanceof Uint8Array ? body.subarray(start, end) : body.read(start, end);
}

export interface ResumableUploadSpec<S extends z.ZodType> {
  api: GoogleApiName;
  operation: string;
  user: string;
  initUrl: string;
  query: Record<string, QueryValue>;
  metadata: unknown;
  contentType: string;
  body: UploadBody;
  schema: S;
  chunkSize?: number;
}

export interface ResumableUploadDeps {
  transport: Transport;
  clock: GoogleClock;
  random: RandomSource;
  retry: RetryOptions;
  logger: GoogleLogger;
}

type ChunkAnswer<T> = { done: true; value: T } | { done: false; nextOffset: number };

/** `Range: bytes=0-1048575` → 1048576 (the next byte to send); no header → 0. */
export function nextOffsetFromRange(range: string | null): number {
  if (!range) return 0;
  const match = /^bytes=0-(\d+)$/.exec(range.trim());
  if (!match) throw new GoogleResponseShapeError('upload', [`header \`Range\`: unexpected ${range}`]);
  return Number(match[1]) + 1;
}

export async function uploadResumable<S extends z.ZodType>(
  deps: ResumableUploadDeps,
  spec: ResumableUploadSpec<S>,
): Promise<z.output<S>> {
  const chunkSize = spec.chunkSize ?? DEFAULT_UPLOAD_CHUNK_SIZE;
  if (chunkSize <= 0 || chunkSize % UPLOAD_CHUNK_GRANULARITY !== 0) {
    throw new RangeError(`chunkSize must be a positive multiple of 256 KiB, got ${chunkSize}`);
  }
  const total = uploadSize(spec.body);
  const sessionUrl = await startSession(deps, spec, total);

  const answer = async (response: Response): Promise<ChunkAnswer<z.output<S>>> => {
    if (response.status === 308) return { done: false, nextOffset: nextOffsetFromRange(response.headers.get('range')) };
    const text = await response.text();
    return { done: true, value: parseWith(spec.operation, spec.schema, parseJsonText(spec.operation, text)) };
  };
  const base = {
    api: spec.api,
    user: spec.user,
    url: sessionUrl,
    method: 'PUT' as const,
    cost: 0,
    acceptStatus: [308],
  };

  let offset = 0;
  let failuresWithoutProgress = 0;
  for (;;) {
    if (offset >= total && total > 0) {
      // The session holds every byte but has not answered with the resource yet: ask it once more.
      const status = await deps.transport.request(
        { ...base, operation: `${spec.operation}.status`, headers: { 'content-range': `bytes */${total}` } },
        answer,
      );
      if (status.done) return status.value;
      throw new GoogleResponseShapeError(spec.operation, [
        `upload session holds all ${total} bytes but did not complete`,
      ]);
    }
    const end = Math.min(offset + chunkSize, total);
    try {
      const chunk = await readUpload(spec.body, offset, end);
      const result = await deps.transport.request(
        {
          ...base,
          operation: `${spec.operation}.chunk`,
          headers: { 'content-range': total === 0 ? 'bytes */0' : `bytes ${offset}-${end - 1}/${total}` },
          body: chunk,
          maxAttempts: 1,
        },
        answer,
      );
      if (result.done) return result.value;
      if (result.nextOffset > offset) failuresWithoutProgress = 0;
      offset = result.nextOffset;
    } catch (error) {
      if (!(error instanceof GoogleApiError) || !mayRetry(error, true)) throw error;
      const delay = nextDelay(error, failuresWithoutProgress, deps.retry, deps.random);
      if (delay === undefined) throw error;
      failuresWithoutProgress++;
      deps.logger.warn(
        {
          operation: spec.operation,
          user: spec.user,
          offset,
          status: error.status,
          reason: error.reason,
          delayMs: delay,
        },
        'upload chunk failed, asking the session what it received',
      );
      await deps.clock.sleep(delay);
      const status = await deps.transport.request(
        { ...base, operation: `${spec.operation}.status`, headers: { 'content-range': `bytes */${total}` } },
        answer,
      );
      if (status.done) return status.value;
      offset = status.nextOffset;
    }
  }
}

async function startSession<S extends z.ZodType>(
  deps: ResumableUploadDeps,
  spec: ResumableUploadSpec<S>,
  total: number,
): Promise<string> {
  return deps.transport.request(
    {
      api: spec.api,
      operation: spec.operation,
      user: spec.user,
      method: 'POST',
      url: spec.initUrl,
      query: { ...spec.query, uploadType: 'resumable' },
      headers: {
        'content-type': 'application/json; charset=UTF-8',
        'x-upload-content-type': spec.contentType,
        'x-upload-content-length': String(total),
      },
      body: JSON.stringify(spec.metadata ?? {}),
      // Opening a session has no visible effect until content arrives, so it is safe to repeat.
      idempotent: true,
    },
    async (response) => {
      await response.body?.cancel();
      const location = response.headers.get('location');
      if (!location)
        throw new GoogleResponseShapeError(spec.operation, ['header `Location`: missing on the session answer']);
      return new URL(location, spec.initUrl).toString();
    },
  );
}
