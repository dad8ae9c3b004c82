// The idempotency module's tables: the Idempotency-Key claims of job-starting requests.
// Other modules use them through this module's functions; db/schema.ts gathers every
// module's tables for the database client and drizzle-kit.
import { integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * One row per (principal, Idempotency-Key): the request it was first sent with (a digest) and,
 * once answered, the answer. The primary key is what makes concurrent duplicates start one job:
 * only one INSERT of the pair succeeds, in any number of processes.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    /** Who sent it: `customer:<member id>`, `partner:<user id>`, `api_key:<key id>`, … */
    principal: text('principal').notNull(),
    key: text('key').notNull(),
    /** sha256 of method, path and canonical JSON body: the same key with another request is refused. */
    fingerprint: text('fingerprint').notNull(),
    /** The answer's status; null while the first request is still being handled. */
    status: integer('status'),
    body: jsonb('body'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.principal, table.key] })],
);
