// Idempotency-Key claims (draft-ietf-httpapi-idempotency-key-header): a client that retries a
// job-starting POST with the same key gets the first answer again instead of a second job. The
// claim is a row keyed by (principal, key), so two concurrent duplicates — in one process or
// several — cannot both start: only one INSERT wins, the other sees the claim.
import { createHash } from 'node:crypto';
import { and, eq, lt } from 'drizzle-orm';
import type { Clock } from '../../clock.ts';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../http/errors.ts';
import { idempotencyKeys } from './tables.ts';

/** How long a key is remembered: a retry after that starts a new job. */
export const idempotencyWindowMs = 24 * 3600_000;

export const idempotencyKeyHeader = 'idempotency-key';
const field = `headers.${idempotencyKeyHeader}`;

export interface IdempotencyDeps {
  db: Db;
  clock: Clock;
}

export interface IdempotentRequest {
  /** Who sent it (keys of different principals never meet). */
  principal: string;
  key: string;
  /** What was asked: method, path and body (see requestFingerprint). */
  fingerprint: string;
}

export interface IdempotentAnswer<T> {
  status: number;
  body: T;
  /** True when this is the stored answer of an earlier request with the key. */
  replayed: boolean;
}

/** Printable ASCII, 1–255 characters: a UUID, or whatever token the client makes up. */
export function parseIdempotencyKey(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  const key = Array.isArray(value) ? value[0] : value;
  if (key === undefined || !/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new AppError(
      'validation_failed',
      `${field}: an Idempotency-Key is 1 to 255 printable ASCII characters without spaces (a UUID will do).`,
      { field },
    );
  }
  return key;
}

/** A digest of what was asked: the same key with a different request is refused, not replayed. */
export function requestFingerprint(method: string, url: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method.toUpperCase()} ${url}\n${canonicalJson(body ?? null)}`)
    .digest('base64url');
}

/** JSON with object keys sorted, so `{a,b}` and `{b,a}` are the same request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Runs `start` once per (principal, key) within the window and stores its answer; a repeat of
 * the same request gets that answer with `replayed: true`. A repeat with another request is
 * refused (422), and one that arrives while the first is still running gets 409 (retry later).
 * When `start` throws, the claim is dropped: nothing was started, so the client may retry.
 */
export async function runIdempotently<T>(
  deps: IdempotencyDeps,
  request: IdempotentRequest,
  start: () => Promise<{ status: number; body: T }>,
): Promise<IdempotentAnswer<T>> {
  const now = deps.clock.now();
  const mine = and(eq(idempotencyKeys.principal, request.principal), eq(idempotencyKeys.key, request.key));
  // A claim older than the window is forgotten even before housekeeping deletes it.
  await deps.db
    .delete(idempotencyKeys)
    .where(and(mine, lt(idempotencyKeys.createdAt, new Date(now.getTime() - idempotencyWindowMs))));
  const claimed = await deps.db
    .insert(idempotencyKeys)
    .values({ principal: request.principal, key: request.key, fingerprint: request.fingerprint, createdAt: now })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  if (claimed.length === 0) return earlierAnswer<T>(deps, request);

  let answer: { status: number; body: T };
  try {
    answer = await start();
  } catch (error) {
    await deps.db.delete(idempotencyKeys).where(mine);
    throw error;
  }
  await deps.db
    .update(idempotencyKeys)
    .set({ status: answer.status, body: answer.body as unknown })
    .where(mine);
  return { ...answer, replayed: false };
}

async function earlierAnswer<T>(deps: IdempotencyDeps, request: IdempotentRequest): Promise<IdempotentAnswer<T>> {
  const [row] = await deps.db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.principal, request.principal), eq(idempotencyKeys.key, request.key)));
  if (!row) {
    // The first request failed and dropped its claim between our INSERT and this SELECT.
    throw inProgress();
  }
  if (row.fingerprint !== request.fingerprint) {
    throw new AppError(
      'idempotency_key_reused',
      `${field}: this Idempotency-Key was already used with a different request in the last 24 hours; use a new key for a new request.`,
      { field },
    );
  }
  if (row.status === null) throw inProgress();
  return { status: row.status, body: row.body as T, replayed: true };
}

function inProgress(): AppError {
  return new AppError(
    'idempotency_key_in_progress',
    `${field}: a request with this Idempotency-Key is still being handled; retry it in a moment to get its answer.`,
    { field, headers: { 'retry-after': '1' } },
  );
}

/** Deletes the claims made before `before` (for the housekeeping job); returns how many. */
export async function deleteIdempotencyKeysBefore(db: Db, before: Date): Promise<number> {
  const deleted = await db
    .delete(idempotencyKeys)
    .where(lt(idempotencyKeys.createdAt, before))
    .returning({ key: idempotencyKeys.key });
  return deleted.length;
}
