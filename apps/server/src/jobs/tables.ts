// The job runner's own table: one row per process that runs jobs (`safehold start` with its
// workers, `safehold worker`), beaten every 30 seconds while it runs, for the vendor's
// Installation health page (worker-heartbeats.ts). pg-boss keeps its job tables in its own
// schema (queue.ts); db/schema.ts gathers this table with the modules' for drizzle-kit.
import { index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const workerHeartbeats = pgTable(
  'worker_heartbeats',
  {
    id: uuid('id').primaryKey(),
    /** The command that runs the jobs: `start` or `worker`. */
    command: text('command').notNull(),
    hostname: text('hostname').notNull(),
    pid: integer('pid').notNull(),
    /** This process as a backup lease holder (db/lease-holders.ts): its running backups. */
    leaseHolder: text('lease_holder').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    lastBeatAt: timestamp('last_beat_at', { withTimezone: true }).notNull(),
    /** Set when the process stopped its runner cleanly; a crashed one just stops beating. */
    stoppedAt: timestamp('stopped_at', { withTimezone: true }),
  },
  (table) => [index('worker_heartbeats_last_beat_idx').on(table.lastBeatAt)],
);
