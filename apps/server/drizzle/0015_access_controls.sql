ALTER TABLE "customers" ADD COLUMN "allow_user_access" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "allow_user_export" boolean DEFAULT true NOT NULL;