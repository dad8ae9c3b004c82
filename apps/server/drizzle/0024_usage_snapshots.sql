CREATE TABLE "usage_months" (
	"partner_id" uuid NOT NULL,
	"month" date NOT NULL,
	"customer_id" uuid NOT NULL,
	"days" integer NOT NULL,
	"seat_days" bigint NOT NULL,
	"peak_seats" integer NOT NULL,
	"peak_standard" integer NOT NULL,
	"peak_archived" integer NOT NULL,
	"last_day" date NOT NULL,
	"last_storage_bytes" bigint NOT NULL,
	CONSTRAINT "usage_months_partner_id_month_customer_id_pk" PRIMARY KEY("partner_id","month","customer_id")
);
--> statement-breakpoint
CREATE TABLE "usage_snapshots" (
	"customer_id" uuid NOT NULL,
	"day" date NOT NULL,
	"partner_id" uuid,
	"standard_seats" integer NOT NULL,
	"archived_seats" integer NOT NULL,
	"storage_bytes" bigint NOT NULL,
	"taken_at" timestamp with time zone NOT NULL,
	CONSTRAINT "usage_snapshots_customer_id_day_pk" PRIMARY KEY("customer_id","day")
);
--> statement-breakpoint
ALTER TABLE "customer_health" ADD COLUMN "standard_seats" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "customer_health" ADD COLUMN "archived_seats" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "usage_months" ADD CONSTRAINT "usage_months_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_snapshots" ADD CONSTRAINT "usage_snapshots_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "usage_months_customer_idx" ON "usage_months" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "usage_snapshots_day_idx" ON "usage_snapshots" USING btree ("day");--> statement-breakpoint
-- The new seat columns are computed by the next refresh: mark every health row stale (clean_seq lags change_seq).
UPDATE "customer_health" SET "clean_seq" = -1;