CREATE TABLE "backup_tenant_state" (
	"customer_id" uuid PRIMARY KEY NOT NULL,
	"retention_days" integer,
	"last_retention_at" timestamp with time zone,
	"last_gc_at" timestamp with time zone,
	"last_gc_report" jsonb,
	"verify_cursor" text,
	"last_verify_at" timestamp with time zone,
	"damage" jsonb,
	"damage_detected_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "backup_runs" ADD COLUMN "notified_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "backup_tenant_state" ADD CONSTRAINT "backup_tenant_state_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;