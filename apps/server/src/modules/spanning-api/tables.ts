// The spanning-api module's table: a customer's API tokens (Settings › API), which authenticate
// the Spanning-compatible API (/api/v1, HTTP Basic: the domain and a token).
import { sql } from 'drizzle-orm';
import { index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt } from '../../db/columns.ts';
import { customers } from '../tenancy/tables.ts';

/**
 * API tokens: only the SHA-256 of the token is kept (secret-token.ts) and its last 4 characters.
 * A name is unique among the tenant's live tokens; a revoked token stays listed and never
 * authenticates again. `createdBy` is how the audit log names whoever created it.
 */
export const customerApiTokens = pgTable(
  'customer_api_tokens',
  {
    id: uuid('id').primaryKey(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull(),
    last4: text('last4').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (table) => [
    uniqueIndex('customer_api_tokens_token_hash_key').on(table.tokenHash),
    uniqueIndex('customer_api_tokens_live_name_key')
      .on(table.customerId, table.name)
      .where(sql`${table.revokedAt} is null`),
    index('customer_api_tokens_customer_idx').on(table.customerId),
  ],
);
