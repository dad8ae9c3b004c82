// The `config` object, key files, locks, plans and snapshots: the small named objects of a
// repository (docs/repository-format.md §1–3, §6, §8), each parsed with zod when read.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { z } from 'zod';
import type { Backend } from './backend.ts';
import { open, seal } from './blob-crypto.ts';
import { RepositoryError } from './errors.ts';
import { releaseBuffer } from './release.ts';

export const configSchema = z.object({
  format: z.literal('safehold-repository'),
  version: z.literal(1),
  id: z.string().regex(/^[0-9a-f]{32}$/),
  created: z.string(),
  keyCheck: z.string(),
});
export type RepositoryConfig = z.infer<typeof configSchema>;

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
  const parsed = configSchema.safeParse(json);
  if (!parsed.success)
    throw new RepositoryError('not-a-repository', `${backend.location}: config is not a Safehold config`);
  return parsed.data;
}

export const lockSchema = z.object({
  kind: z.enum(['writer', 'gc']),
  pid: z.number(),
  host: z.string(),
  created: z.string(),
  refreshed: z.string(),
});
export type LockRecord = z.infer<typeof lockSchema>;
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
      const parsed = lockSchema.safeParse(JSON.parse((await backend.get(object.name)).toString()));
      if (parsed.success) locks.push({ name: object.name, lock: parsed.data });
    } catch (error) {
      // A lock released between list and get is gone: not a lock any more.
      if (!(error instanceof RepositoryError && error.code === 'not-found')) throw error;
    }
  }
  return locks;
}

const PLAN_AAD = Buffer.from('safehold-plan-v1');
export const planSchema = z.object({ v: z.literal(1), created: z.string(), packs: z.array(z.string()) });
export type Plan = z.infer<typeof planSchema> & { name: string };

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
      plans.push({ ...planSchema.parse(json), name: object.name });
    } catch (error) {
      if (!(error instanceof RepositoryError && error.code === 'not-found')) throw error;
    }
  }
  return plans;
}

const SNAPSHOT_AAD = Buffer.from('safehold-snapshot-v1');
const BLOB_ID = /^[0-9a-f]{64}$/;
export const snapshotSchema = z.object({
  v: z.literal(1),
  id: z.string(),
  time: z.string(),
  kind: z.string(),
  // One pass over the roots rather than a schema per root: a mail snapshot has one per message.
  roots: z
    .array(z.string())
    .refine((roots) => roots.every((root) => BLOB_ID.test(root)), 'every root is a 64-digit hex blob id'),
  data: z.unknown(),
});
export type Snapshot = z.infer<typeof snapshotSchema>;

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
  const plaintext = Buffer.from(JSON.stringify(snapshot));
  try {
    return seal(dataKey, plaintext, SNAPSHOT_AAD);
  } finally {
    releaseBuffer(plaintext);
  }
}

export function decodeSnapshot(dataKey: Uint8Array, name: string, sealed: Buffer): Snapshot {
  const plaintext = open(dataKey, sealed, SNAPSHOT_AAD, name);
  const text = plaintext.toString();
  releaseBuffer(plaintext);
  return snapshotSchema.parse(JSON.parse(text));
}
