// The transfer module's tables: transfer tokens.
// Other modules read them through this module's functions; db/schema.ts gathers every
// module's tables for the database client and drizzle-kit.
import { sql } from 'drizzle-orm';
import { pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt } from '../../db/columns.ts';
import { customerMembers, staffUsers } from '../identity/tables.ts';
import { customers, partners } from '../tenancy/tables.ts';

/**
 * Transfer tokens (PRODUCT.md §2): a customer's single-use permission for a partner to take
 * it over. Only the SHA-256 of the token and its last 4 characters are kept. At most one live
 * token per customer (unused and unrevoked; generating a new one revokes the previous one).
 */
export const transferTokens = pgTable(
  'transfer_tokens',
  {
    id: uuid('id').primaryKey(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    last4: text('last4').notNull(),
    createdByMemberId: uuid('created_by_member_id').references(() => customerMembers.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    usedByPartnerId: uuid('used_by_partner_id').references(() => partners.id, { onDelete: 'set null' }),
    usedByUserId: uuid('used_by_user_id').references(() => staffUsers.id, { onDelete: 'set null' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    /** 'revoked' by the admin, or 'replaced' by a newer token. */
    revokedReason: text('revoked_reason', { enum: ['revoked', 'replaced'] }),
  },
  (table) => [
    uniqueIndex('transfer_tokens_hash_key').on(table.tokenHash),
    uniqueIndex('transfer_tokens_one_live_key')
      .on(table.customerId)
      .where(sql`${table.usedAt} is null and ${table.revokedAt} is null`),
  ],
);
