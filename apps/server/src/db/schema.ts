// The relational schema (Drizzle): every module's tables, gathered for the database client and
// for drizzle-kit, which generates the SQL migrations under apps/server/drizzle from this file.
// Each table is defined in its owner module's tables.ts; one SQL dialect, PostgreSQL, serves
// PGlite and a real server alike.

export * from '../jobs/tables.ts';
export * from '../modules/alerts/tables.ts';
export * from '../modules/audit/tables.ts';
export * from '../modules/backup/tables.ts';
export * from '../modules/customers/tables.ts';
export * from '../modules/export/tables.ts';
export * from '../modules/idempotency/tables.ts';
export * from '../modules/identity/tables.ts';
export * from '../modules/integrations/tables.ts';
export * from '../modules/notifications/tables.ts';
export * from '../modules/rate-limits/tables.ts';
export * from '../modules/reseller/tables.ts';
export * from '../modules/restore/tables.ts';
export * from '../modules/spanning-api/tables.ts';
export * from '../modules/tenancy/tables.ts';
export * from '../modules/transfer/tables.ts';
export * from '../modules/usage/tables.ts';
