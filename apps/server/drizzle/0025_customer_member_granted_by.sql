ALTER TABLE "customer_members" ADD COLUMN "granted_by" text;--> statement-breakpoint
ALTER TABLE "customer_members" ADD COLUMN "granted_at" timestamp with time zone;