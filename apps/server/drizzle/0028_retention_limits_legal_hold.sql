ALTER TABLE "backup_tenant_state" ADD COLUMN "retention_limits" jsonb;--> statement-breakpoint
ALTER TABLE "directory_users" ADD COLUMN "legal_hold" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- The former single retention (days, for every service) becomes the same limit for each group.
UPDATE "backup_tenant_state" SET "retention_limits" = jsonb_build_object(
  'mail', jsonb_build_object('value', "retention_days", 'unit', 'days'),
  'drive', jsonb_build_object('value', "retention_days", 'unit', 'days'),
  'sharedDrives', jsonb_build_object('value', "retention_days", 'unit', 'days')
) WHERE "retention_days" IS NOT NULL;
