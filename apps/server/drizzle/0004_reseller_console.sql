CREATE TABLE "customer_health" (
	"customer_id" uuid PRIMARY KEY NOT NULL,
	"seats_assigned" integer DEFAULT 0 NOT NULL,
	"licensed_users" integer DEFAULT 0 NOT NULL,
	"protected_users" integer DEFAULT 0 NOT NULL,
	"last_success_at" timestamp with time zone,
	"finished_24h" integer DEFAULT 0 NOT NULL,
	"succeeded_24h" integer DEFAULT 0 NOT NULL,
	"storage_bytes" bigint DEFAULT 0 NOT NULL,
	"window_expires_at" timestamp with time zone,
	"change_seq" bigint DEFAULT 0 NOT NULL,
	"clean_seq" bigint DEFAULT -1 NOT NULL,
	"refreshed_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "customer_health" ADD CONSTRAINT "customer_health_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "customer_health_changed_idx" ON "customer_health" USING btree ("customer_id") WHERE "customer_health"."change_seq" <> "customer_health"."clean_seq";--> statement-breakpoint
CREATE INDEX "customer_health_window_idx" ON "customer_health" USING btree ("window_expires_at");--> statement-breakpoint
CREATE INDEX "backup_runs_customer_finished_idx" ON "backup_runs" USING btree ("customer_id","finished_at");