ALTER TABLE "customer_members" ADD COLUMN "granted_role" text DEFAULT 'end_user' NOT NULL;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "partner_since" timestamp with time zone;--> statement-breakpoint
UPDATE "customer_members" SET "granted_role" = 'helpdesk_admin' WHERE "role" = 'helpdesk_admin';--> statement-breakpoint
UPDATE "customers" SET "partner_since" = (
  SELECT max("at") FROM "audit_log"
  WHERE "action" = 'customer.transfer' AND "result" = 'success' AND "tenants" @> ARRAY['customer:' || "customers"."id"]::text[]
) WHERE "partner_id" IS NOT NULL;
