// What every service's backup function gets, and what it returns: the new cursor (stored by
// the caller only when every item was committed) and the mode the run took.
import { createHash } from 'node:crypto';
import type { GoogleClient } from '@safehold/google';
import type { Repository } from '@safehold/repository';
import type { Db } from '../../db/database.ts';
import type { RunWriter } from './run-writer.ts';

export interface ServiceRun {
  db: Db;
  customerId: string;
  google: GoogleClient;
  /** The impersonated user (the subject's email, or a shared drive member). */
  email: string;
  /** Shared drive id when the subject is a shared drive. */
  driveId: string | undefined;
  repository: Repository;
  writer: RunWriter;
  cursor: Record<string, unknown> | null;
  signal: AbortSignal | undefined;
  /**
   * Items fetched and stored per group; between groups the run commits when enough is pending
   * (`writer.commitWhenDue()`: a few groups' worth), at its end always.
   */
  groupSize: number;
}

export interface ServiceResult {
  cursor: Record<string, unknown>;
  mode: 'full' | 'incremental' | 'resync';
}

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Runs `worker` over `items` with at most `limit` in flight; the first error stops the rest. */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  worker: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: unknown;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await worker(item);
      } catch (error) {
        failure ??= error;
      }
    }
  });
  await Promise.all(lanes);
  if (failure !== undefined) throw failure;
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function errorReason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A JSON value with its object keys sorted, so equal content hashes equally. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .filter((key) => record[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${stableJson(record[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
