// The identity module's tables: staff users, technician assignments, customer members, sessions,
// one-time tokens and installation settings.
// Other modules read them through this module's functions; db/schema.ts gathers every
// module's tables for the database client and drizzle-kit.
import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  index,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt } from '../../db/columns.ts';
import { customers, partners } from '../tenancy/tables.ts';

/**
 * Vendor operators and partner users: the people who sign in with email, password and TOTP.
 * org_kind says which console they belong to; partner users carry their partner id.
 */
export const staffUsers = pgTable(
  'staff_users',
  {
    id: uuid('id').primaryKey(),
    email: text('email').notNull(),
    name: text('name').notNull().default(''),
    orgKind: text('org_kind', { enum: ['vendor', 'partner'] }).notNull(),
    partnerId: uuid('partner_id').references(() => partners.id),
    role: text('role', { enum: ['admin', 'support', 'owner', 'technician', 'read_only', 'billing'] }).notNull(),
    passwordHash: text('password_hash'),
    /** TOTP secret, encrypted with the master key (AES-256-GCM), base64. */
    totpSecretEncrypted: text('totp_secret_encrypted'),
    totpEnabledAt: timestamp('totp_enabled_at', { withTimezone: true }),
    /** The last accepted TOTP time step: a code is usable once. */
    totpLastStep: bigint('totp_last_step', { mode: 'number' }),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    /** When the person last completed a sign-in (both factors); the Team page shows it. */
    lastSignInAt: timestamp('last_sign_in_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex('staff_users_email_key').on(sql`lower(${table.email})`),
    index('staff_users_partner_idx').on(table.partnerId),
    // Exactly one owner per partner (PRODUCT.md §1).
    uniqueIndex('staff_users_one_owner_key').on(table.partnerId).where(sql`${table.role} = 'owner'`),
    check(
      'staff_users_org_role',
      sql`(${table.orgKind} = 'vendor' and ${table.partnerId} is null and ${table.role} in ('admin','support'))
       or (${table.orgKind} = 'partner' and ${table.partnerId} is not null and ${table.role} in ('owner','admin','technician','read_only','billing'))`,
    ),
  ],
);

/** Second-factor recovery codes: ten per user, stored hashed, each usable once. */
export const recoveryCodes = pgTable(
  'recovery_codes',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => staffUsers.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [index('recovery_codes_user_idx').on(table.userId)],
);

/** People of a customer domain who sign in with Google, and their Safehold role there. */
export const customerMembers = pgTable(
  'customer_members',
  {
    id: uuid('id').primaryKey(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    /** The role in effect: super_admin while Google says so, otherwise granted_role. */
    role: text('role', { enum: ['super_admin', 'helpdesk_admin', 'end_user'] }).notNull(),
    /** The role granted in Safehold, which the member falls back to when Google stops making them super admin. */
    grantedRole: text('granted_role', { enum: ['helpdesk_admin', 'end_user'] })
      .notNull()
      .default('end_user'),
    /** Who last set granted_role in Safehold (an audit actor's label) and when; null: never set. */
    grantedBy: text('granted_by'),
    grantedAt: timestamp('granted_at', { withTimezone: true }),
    googleSubject: text('google_subject'),
    createdAt: createdAt(),
  },
  (table) => [uniqueIndex('customer_members_email_key').on(table.customerId, sql`lower(${table.email})`)],
);

/**
 * Server-side sessions. The cookie carries a random id; only its SHA-256 is stored. A
 * session that has passed the password but not the second factor has stage 'second_factor'.
 */
export const sessions = pgTable(
  'sessions',
  {
    idHash: text('id_hash').primaryKey(),
    subjectKind: text('subject_kind', { enum: ['staff', 'customer'] }).notNull(),
    staffUserId: uuid('staff_user_id').references(() => staffUsers.id, { onDelete: 'cascade' }),
    customerMemberId: uuid('customer_member_id').references(() => customerMembers.id, { onDelete: 'cascade' }),
    stage: text('stage', { enum: ['second_factor', 'enrol_second_factor', 'signed_in'] }).notNull(),
    csrfToken: text('csrf_token').notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    createdAt: createdAt(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    absoluteExpiresAt: timestamp('absolute_expires_at', { withTimezone: true }).notNull(),
    // A partner session (issue 18 §2): a partner user of this staff session acting in one
    // customer's console, for a stated reason, until the expiry (at most 60 minutes). All null
    // outside one; the customer's "Allow partner to open this console" switch clears them.
    actingCustomerId: uuid('acting_customer_id').references(() => customers.id, { onDelete: 'set null' }),
    actingReason: text('acting_reason'),
    actingExpiresAt: timestamp('acting_expires_at', { withTimezone: true }),
  },
  (table) => [
    index('sessions_staff_idx').on(table.staffUserId),
    index('sessions_member_idx').on(table.customerMemberId),
    index('sessions_acting_customer_idx').on(table.actingCustomerId),
  ],
);

/**
 * Single-use links: operator setup, partner invitations, password resets. Only the hash of
 * the token is stored.
 */
export const oneTimeTokens = pgTable(
  'one_time_tokens',
  {
    id: uuid('id').primaryKey(),
    purpose: text('purpose', { enum: ['operator_setup', 'invitation', 'password_reset'] }).notNull(),
    tokenHash: text('token_hash').notNull(),
    email: text('email').notNull(),
    staffUserId: uuid('staff_user_id').references(() => staffUsers.id, { onDelete: 'cascade' }),
    partnerId: uuid('partner_id').references(() => partners.id),
    role: text('role'),
    createdBy: uuid('created_by'),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [uniqueIndex('one_time_tokens_hash_key').on(table.tokenHash)],
);

/**
 * "Signed in with Google, but the domain is no Safehold customer yet": the state between
 * Sign in with Google and "Verify" of a trial install. The browser holds a random id in a
 * cookie; only its SHA-256 is stored. Short-lived (30 minutes) and single use.
 */
export const pendingInstalls = pgTable(
  'pending_installs',
  {
    idHash: text('id_hash').primaryKey(),
    email: text('email').notNull(),
    domain: text('domain').notNull(),
    googleSubject: text('google_subject').notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (table) => [index('pending_installs_expires_idx').on(table.expiresAt)],
);

/** Installation-wide settings and secrets (encrypted) such as the OIDC cookie key. */
export const installationSettings = pgTable('installation_settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Technicians see only the customers assigned to them. Identity owns the assignments because it
 * builds each technician's actor (the customers the policy lets them see) from them.
 */
export const technicianAssignments = pgTable(
  'technician_assignments',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => staffUsers.id, { onDelete: 'cascade' }),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (table) => [primaryKey({ columns: [table.userId, table.customerId] })],
);
