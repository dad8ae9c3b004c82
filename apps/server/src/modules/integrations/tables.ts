// The integrations module's tables: a partner's API keys, its webhooks and their deliveries.
// Other modules reach them through this module's index.ts; db/schema.ts gathers every
// module's tables for the database client and drizzle-kit.
import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt } from '../../db/columns.ts';
import { staffUsers } from '../identity/tables.ts';
import { partners } from '../tenancy/tables.ts';

/**
 * API keys (docs/integrations.md). Only the SHA-256 of the token is kept (the token is 32
 * random bytes: a fast hash is enough, nothing to brute-force), and its last 4 characters to
 * tell keys apart. A revoked key stays listed; it never authenticates again.
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey(),
    partnerId: uuid('partner_id')
      .notNull()
      .references(() => partners.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    scopes: text('scopes').array().notNull(),
    tokenHash: text('token_hash').notNull(),
    last4: text('last4').notNull(),
    createdByUserId: uuid('created_by_user_id').references(() => staffUsers.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (table) => [
    uniqueIndex('api_keys_token_hash_key').on(table.tokenHash),
    index('api_keys_partner_idx').on(table.partnerId),
  ],
);

/**
 * Webhooks: an HTTPS URL, the events it wants, and its signing secret sealed with a key
 * derived from the master key (the secret must be read back to sign, so it cannot be hashed).
 * `failingSince` is the first failed delivery after the last success; after 3 days of failures
 * the webhook is disabled (`disabledAt`, `disabledReason`) and the partner sees why.
 */
export const webhooks = pgTable(
  'webhooks',
  {
    id: uuid('id').primaryKey(),
    partnerId: uuid('partner_id')
      .notNull()
      .references(() => partners.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    events: text('events').array().notNull(),
    secretSealed: text('secret_sealed').notNull(),
    createdByUserId: uuid('created_by_user_id').references(() => staffUsers.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    failingSince: timestamp('failing_since', { withTimezone: true }),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    disabledReason: text('disabled_reason'),
  },
  (table) => [index('webhooks_partner_idx').on(table.partnerId)],
);

/**
 * One event sent to one webhook, with its attempts: the delivery log. `status` is 'pending'
 * while attempts remain, 'delivered' after a 2xx, 'failed' when 24 hours of retries ran out
 * (or the webhook was disabled or deleted meanwhile).
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: uuid('id').primaryKey(),
    webhookId: uuid('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    eventId: uuid('event_id').notNull(),
    eventType: text('event_type').notNull(),
    /** The exact JSON body sent (the signature covers these bytes). */
    body: text('body').notNull(),
    status: text('status', { enum: ['pending', 'delivered', 'failed'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    createdAt: createdAt(),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }),
    /** The HTTP status of the last attempt; null when no answer came (refused, timeout, TLS). */
    lastResponseCode: integer('last_response_code'),
    lastError: text('last_error'),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }),
    /** Every attempt: when, the answer's status or the error. */
    log: jsonb('log')
      .$type<{ at: string; responseCode: number | null; error: string | null }[]>()
      .notNull()
      .default(sql`'[]'::jsonb`),
  },
  (table) => [index('webhook_deliveries_webhook_idx').on(table.webhookId, table.createdAt)],
);
