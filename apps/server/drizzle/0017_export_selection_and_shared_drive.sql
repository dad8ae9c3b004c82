ALTER TABLE "data_exports" ADD COLUMN "shared_drive_id" text;--> statement-breakpoint
ALTER TABLE "data_exports" ADD COLUMN "shared_drive_name" text;--> statement-breakpoint
ALTER TABLE "data_exports" ADD COLUMN "selection" jsonb;