ALTER TABLE "restores" ADD COLUMN "shared_drive_id" text;--> statement-breakpoint
ALTER TABLE "restores" ADD COLUMN "drive_member" text;