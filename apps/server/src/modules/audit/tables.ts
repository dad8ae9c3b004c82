// The audit module's tables: the audit log.
// Other modules read them through this module's functions; db/schema.ts gathers every
// module's tables for the database client and drizzle-kit.
import { bigserial, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** Append-only audit log. The application has no update or delete path for it. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actorKind: text('actor_kind', {
      enum: ['staff', 'customer', 'system', 'anonymous', 'api_key', 'api_token'],
    }).notNull(),
    actorId: text('actor_id'),
    actorLabel: text('actor_label').notNull(),
    onBehalfOf: text('on_behalf_of'),
    /** Every tenant whose log shows the entry: 'vendor', 'partner:<id>', 'customer:<id>'. */
    tenants: text('tenants').array().notNull(),
    action: text('action').notNull(),
    target: text('target'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    result: text('result', { enum: ['success', 'failure', 'denied'] }).notNull(),
    details: jsonb('details').$type<Record<string, unknown>>(),
  },
  (table) => [index('audit_log_tenants_idx').using('gin', table.tenants), index('audit_log_at_idx').on(table.at)],
);
