// The `config` object, key files, locks, plans and snapshots: the small named objects of a
// repository (docs/repository-format.md §1–3, §6, §8), each checked when read. By hand, not with
// zod: a command line's start-up loaded zod (≈ 45 ms of CPU) for these few shapes alone
// (docs/benchmarks.md, "Restore start-up, round four"); the same shapes pass as before.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Backend } from './backend.ts';
import { BLOB_ID, open, seal } from './blob-crypto.ts';
import { RepositoryError } from './errors.ts';
import { releaseBuffer } from './release.ts';
import { jsonPieces, putSealed } from './sealed-json.ts';

/** A plain JSON object's fields, or undefined for anything else (null, arrays, scalars). */
export function fieldsOf(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

export interface RepositoryConfig {
  format: 'safehold-repository';
  version: 1;
  id: string;
  created: string;
  keyCheck: string;
}

function parseConfig(value: unknown): RepositoryConfig | undefined {
  const fields = fieldsOf(value);
  if (!fields) return undefined;
  const { format, version, id, created, keyCheck } = fields;
  if (format !== 'safehold-repository' || version !== 1) return undefined;
  if (typeof id !== 'string' || !/^[0-9a-f]{32}$/.test(id)) return undefined;
  if (typeof created !== 'string' || typeof keyCheck !== 'string') return undefined;
  return { format, version, id, created, keyCheck };
}

export async function readConfig(backend: Backend): Promise<RepositoryConfig> {
  let bytes: Buffer;
  try {
    bytes = await backend.get('config');
  } catch (error) {
    if (error instanceof RepositoryError && error.code === 'not-found') {
      throw new RepositoryError('not-a-repository', `${backend.location} is not a Safehold repository (no config)`);
    }
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString());
  } catch {
    throw new RepositoryError('not-a-repository', `${backend.location}: config is not JSON`);
  }
  const config = parseConfig(json);
  if (!config) throw new RepositoryError('not-a-repository', `${backend.location}: config is not a Safehold config`);
  return config;
}

export interface LockRecord {
  kind: 'writer' | 'gc';
  pid: number;
  host: string;
  created: string;
  refreshed: string;
}

function parseLock(value: unknown): LockRecord | undefined {
  const fields = fieldsOf(value);
  if (!fields) return undefined;
  const { kind, pid, host, created, refreshed } = fields;
  if ((kind !== 'writer' && kind !== 'gc') || typeof pid !== 'number' || !Number.isFinite(pid)) return undefined;
  if (typeof host !== 'string' || typeof created !== 'string' || typeof refreshed !== 'string') return undefined;
  return { kind, pid, host, created, refreshed };
}
export const LOCK_REFRESH_MS = 5 * 60 * 1000;
export const LOCK_STALE_MS = 30 * 60 * 1000;

export interface HeldLock {
  name: string;
  release(): Promise<void>;
}

export async function takeLock(backend: Backend, kind: LockRecord['kind'], clock: () => Date): Promise<HeldLock> {
  const name = `locks/${randomBytes(16).toString('hex')}`;
  const created = clock().toISOString();
  const write = (refreshed: string) =>
    backend.put(name, Buffer.from(JSON.stringify({ kind, pid: process.pid, host: hostname(), created, refreshed })));
  await write(created);
  const timer = setInterval(() => {
    write(clock().toISOString()).catch((error: unknown) => {
      process.stderr.write(`${JSON.stringify({ level: 'warn', msg: 'lock refresh failed', error: String(error) })}\n`);
    });
  }, LOCK_REFRESH_MS);
  timer.unref();
  return {
    name,
    async release() {
      clearInterval(timer);
      await backend.delete(name);
    },
  };
}

export async function listLocks(backend: Backend): Promise<Array<{ name: string; lock: LockRecord }>> {
  const locks: Array<{ name: string; lock: LockRecord }> = [];
  for await (const object of backend.list('locks/')) {
    try {
      const lock = parseLock(JSON.parse((await backend.get(object.name)).toString()));
      if (lock) locks.push({ name: object.name, lock });
    } catch (error) {
      // A lock released between list and get is gone: not a lock any more.
      if (!(error instanceof RepositoryError && error.code === 'not-found')) throw error;
    }
  }
  return locks;
}

const PLAN_AAD = Buffer.from('safehold-plan-v1');
export interface Plan {
  v: 1;
  created: string;
  packs: string[];
  name: string;
}

function parsePlan(value: unknown, name: string): Plan {
  const fields = fieldsOf(value);
  if (fields?.v === 1 && typeof fields.created === 'string' && isStringArray(fields.packs)) {
    return { v: 1, created: fields.created, packs: fields.packs, name };
  }
  throw new RepositoryError('damaged', `${name} is not a gc plan`);
}

export async function writePlan(backend: Backend, dataKey: Uint8Array, plan: Omit<Plan, 'name'>): Promise<Plan> {
  const name = `plans/${randomBytes(16).toString('hex')}`;
  await backend.put(name, seal(dataKey, Buffer.from(JSON.stringify(plan)), PLAN_AAD));
  return { ...plan, name };
}

export async function readPlans(backend: Backend, dataKey: Uint8Array): Promise<Plan[]> {
  const plans: Plan[] = [];
  for await (const object of backend.list('plans/')) {
    try {
      const json = JSON.parse(open(dataKey, await backend.get(object.name), PLAN_AAD, object.name).toString());
      plans.push(parsePlan(json, object.name));
    } catch (error) {
      if (!(error instanceof RepositoryError && error.code === 'not-found')) throw error;
    }
  }
  return plans;
}

const SNAPSHOT_AAD = Buffer.from('safehold-snapshot-v1');
export interface Snapshot {
  v: 1;
  id: string;
  time: string;
  kind: string;
  /** Every root a 64-digit hex blob id. */
  roots: string[];
  data: unknown;
}

function parseSnapshot(value: unknown, name: string): Snapshot {
  const fields = fieldsOf(value);
  if (!fields) throw new RepositoryError('damaged', `${name} is not a snapshot`);
  const { v, id, time, kind, roots, data } = fields;
  if (v !== 1 || typeof id !== 'string' || typeof time !== 'string' || typeof kind !== 'string') {
    throw new RepositoryError('damaged', `${name} is not a version 1 snapshot`);
  }
  if (!Array.isArray(roots) || !roots.every((root) => typeof root === 'string' && BLOB_ID.test(root))) {
    throw new RepositoryError('damaged', `${name}: every root must be a 64-digit hex blob id`);
  }
  if (!('data' in fields)) throw new RepositoryError('damaged', `${name} is a snapshot without data`);
  return { v, id, time, kind, roots, data };
}

export function newSnapshotId(now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(8).toString('hex')}`;
}

// A snapshot's plaintext (MiBs for a large put-mail) is freed as soon as it is sealed or parsed,
// not at the next collection: it came at a backup's end, when its peak memory is (release.ts).
export function encodeSnapshot(dataKey: Uint8Array, snapshot: Snapshot): Buffer {
  const pieces = jsonPieces(snapshot);
  try {
    return seal(dataKey, pieces, SNAPSHOT_AAD);
  } finally {
    for (const piece of pieces) releaseBuffer(piece);
  }
}

/**
 * Stores a snapshot under `name`: the same bytes as encodeSnapshot's, made, sealed and written
 * in pieces (sealed-json.ts): the plaintext in 64 KiB pieces, with no whole JSON string and no
 * whole sealed copy besides it.
 */
export function putSnapshot(backend: Backend, name: string, dataKey: Uint8Array, snapshot: Snapshot): Promise<void> {
  return putSealed(backend, name, dataKey, jsonPieces(snapshot), SNAPSHOT_AAD);
}

export function decodeSnapshot(dataKey: Uint8Array, name: string, sealed: Buffer): Snapshot {
  const plaintext = open(dataKey, sealed, SNAPSHOT_AAD, name);
  const text = plaintext.toString();
  releaseBuffer(plaintext);
  return parseSnapshot(JSON.parse(text), name);
}
