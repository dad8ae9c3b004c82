CREATE TABLE "customer_health" (
	"customer_id" uuid PRIMARY KEY NOT NULL,
	"partner_id" uuid,
	"domain" text DEFAULT '' NOT NULL,
	"name" text DEFAULT '' NOT NULL,
	"status" text DEFAULT 'trial' NOT NULL,
	"trial_ends_at" timestamp with time zone,
	"seats_purchased" integer DEFAULT 0 NOT NULL,
	"seats_assigned" integer DEFAULT 0 NOT NULL,
	"licensed_users" integer DEFAULT 0 NOT NULL,
	"protected_users" integer DEFAULT 0 NOT NULL,
	"coverage" double precision,
	"last_success_at" timestamp with time zone,
	"finished_24h" integer DEFAULT 0 NOT NULL,
	"succeeded_24h" integer DEFAULT 0 NOT NULL,
	"success_rate_24h" double precision,
	"failures_24h" integer DEFAULT 0 NOT NULL,
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
CREATE INDEX "customer_health_sort_domain_idx" ON "customer_health" USING btree ("partner_id","domain","customer_id");--> statement-breakpoint
CREATE INDEX "customer_health_sort_status_idx" ON "customer_health" USING btree ("partner_id","status","domain","customer_id");--> statement-breakpoint
CREATE INDEX "customer_health_sort_seats_purchased_idx" ON "customer_health" USING btree ("partner_id","seats_purchased","domain","customer_id");--> statement-breakpoint
CREATE INDEX "customer_health_sort_seats_assigned_idx" ON "customer_health" USING btree ("partner_id","seats_assigned","domain","customer_id");--> statement-breakpoint
CREATE INDEX "customer_health_sort_failures_24h_idx" ON "customer_health" USING btree ("partner_id","failures_24h","domain","customer_id");--> statement-breakpoint
CREATE INDEX "customer_health_sort_storage_bytes_idx" ON "customer_health" USING btree ("partner_id","storage_bytes","domain","customer_id");--> statement-breakpoint
CREATE INDEX "customer_health_sort_trial_ends_at_idx" ON "customer_health" USING btree ("partner_id","trial_ends_at","domain","customer_id");--> statement-breakpoint
CREATE INDEX "customer_health_sort_trial_ends_at_desc_idx" ON "customer_health" USING btree ("partner_id","trial_ends_at" DESC NULLS LAST,"domain" DESC NULLS LAST,"customer_id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "customer_health_sort_coverage_idx" ON "customer_health" USING btree ("partner_id","coverage","domain","customer_id");--> statement-breakpoint
CREATE INDEX "customer_health_sort_coverage_desc_idx" ON "customer_health" USING btree ("partner_id","coverage" DESC NULLS LAST,"domain" DESC NULLS LAST,"customer_id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "customer_health_sort_last_success_at_idx" ON "customer_health" USING btree ("partner_id","last_success_at","domain","customer_id");--> statement-breakpoint
CREATE INDEX "customer_health_sort_last_success_at_desc_idx" ON "customer_health" USING btree ("partner_id","last_success_at" DESC NULLS LAST,"domain" DESC NULLS LAST,"customer_id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "customer_health_sort_success_rate_24h_idx" ON "customer_health" USING btree ("partner_id","success_rate_24h","domain","customer_id");--> statement-breakpoint
CREATE INDEX "customer_health_sort_success_rate_24h_desc_idx" ON "customer_health" USING btree ("partner_id","success_rate_24h" DESC NULLS LAST,"domain" DESC NULLS LAST,"customer_id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "backup_runs_customer_finished_idx" ON "backup_runs" USING btree ("customer_id","finished_at");