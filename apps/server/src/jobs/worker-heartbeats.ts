// Every process that runs jobs says so: a row in worker_heartbeats when its runner starts,
// beaten every 30 seconds, marked stopped when it stops. The Installation health page lists
// them all, alive or not: a process whose last beat is more than 2 minutes old is gone (it
// crashed, or its machine did), and rows not beaten for 7 days are dropped at the next beat.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { desc, eq, lt } from 'drizzle-orm';
import type { Clock } from '../clock.ts';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import { workerHeartbeats } from './tables.ts';

/** A process that has not beaten for this long is shown as gone. */
export const workerStaleAfterMs = 2 * 60_000;
/** Rows of processes that have not beaten for this long are dropped. */
export const workerKeepMs = 7 * 24 * 3600_000;

export interface WorkerProcess {
  id: string;
  command: string;
  hostname: string;
  pid: number;
  leaseHolder: string;
  startedAt: Date;
  lastHeartbeatAt: Date;
  stoppedAt: Date | null;
  /** Beaten within the last 2 minutes and not stopped. */
  alive: boolean;
}

export interface WorkerHeartbeat {
  /** Records a beat now (and drops week-old rows). */
  beat(): Promise<void>;
  /** Stops beating and marks the row stopped. */
  stop(): Promise<void>;
}

interface HeartbeatDeps {
  database: Database;
  clock: Clock;
  logger: Logger;
}

/**
 * Registers this process as a job runner and beats every `intervalMs`. A beat that fails is
 * logged and the next one tries again: the health page then shows the process as gone, which
 * is what it looks like from outside.
 */
export async function startWorkerHeartbeat(
  deps: HeartbeatDeps,
  command: string,
  intervalMs: number,
): Promise<WorkerHeartbeat> {
  const db = deps.database.db;
  const id = randomUUID();
  const now = deps.clock.now();
  await db.insert(workerHeartbeats).values({
    id,
    command,
    hostname: hostname(),
    pid: process.pid,
    leaseHolder: await deps.database.leases.self(),
    startedAt: now,
    lastBeatAt: now,
  });
  const beat = async () => {
    const at = deps.clock.now();
    await db.update(workerHeartbeats).set({ lastBeatAt: at }).where(eq(workerHeartbeats.id, id));
    await db.delete(workerHeartbeats).where(lt(workerHeartbeats.lastBeatAt, new Date(at.getTime() - workerKeepMs)));
  };
  const timer = setInterval(() => {
    beat().catch((error: unknown) => deps.logger.warn({ err: error }, 'worker heartbeat not recorded'));
  }, intervalMs);
  timer.unref();
  return {
    beat,
    async stop() {
      clearInterval(timer);
      const at = deps.clock.now();
      await db.update(workerHeartbeats).set({ lastBeatAt: at, stoppedAt: at }).where(eq(workerHeartbeats.id, id));
    },
  };
}

/** Every process that ran jobs in the last 7 days, newest first, with whether it is alive now. */
export async function listWorkerProcesses(database: Database, now: Date): Promise<WorkerProcess[]> {
  const rows = await database.db.select().from(workerHeartbeats).orderBy(desc(workerHeartbeats.startedAt));
  return rows
    .filter((row) => now.getTime() - row.lastBeatAt.getTime() <= workerKeepMs)
    .map((row) => ({
      id: row.id,
      command: row.command,
      hostname: row.hostname,
      pid: row.pid,
      leaseHolder: row.leaseHolder,
      startedAt: row.startedAt,
      lastHeartbeatAt: row.lastBeatAt,
      stoppedAt: row.stoppedAt,
      alive: row.stoppedAt === null && now.getTime() - row.lastBeatAt.getTime() <= workerStaleAfterMs,
    }));
}
