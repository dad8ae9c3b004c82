CREATE TABLE "customer_connections" (
	"customer_id" uuid PRIMARY KEY NOT NULL,
	"admin_email" text NOT NULL,
	"client_id" text NOT NULL,
	"authorization_status" text DEFAULT 'authorized' NOT NULL,
	"missing_scopes" text[] DEFAULT '{}'::text[] NOT NULL,
	"authorization_changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"auto_assign_licenses" boolean DEFAULT false NOT NULL,
	"last_sync_started_at" timestamp with time zone,
	"last_sync_completed_at" timestamp with time zone,
	"last_sync_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "directory_org_units" (
	"customer_id" uuid NOT NULL,
	"org_unit_path" text NOT NULL,
	"name" text NOT NULL,
	"parent_org_unit_path" text,
	"google_id" text,
	CONSTRAINT "directory_org_units_customer_id_org_unit_path_pk" PRIMARY KEY("customer_id","org_unit_path")
);
--> statement-breakpoint
CREATE TABLE "directory_users" (
	"id" uuid PRIMARY KEY NOT NULL,
	"customer_id" uuid NOT NULL,
	"google_id" text NOT NULL,
	"primary_email" text NOT NULL,
	"full_name" text DEFAULT '' NOT NULL,
	"is_admin" boolean DEFAULT false NOT NULL,
	"suspended" boolean DEFAULT false NOT NULL,
	"archived" boolean DEFAULT false NOT NULL,
	"org_unit_path" text DEFAULT '/' NOT NULL,
	"deleted_at" timestamp with time zone,
	"google_created_at" timestamp with time zone,
	"last_login_at" timestamp with time zone,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_synced_at" timestamp with time zone NOT NULL,
	"license" text,
	"licensed_at" timestamp with time zone,
	"purge_after" timestamp with time zone,
	"purged_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "customer_connections" ADD CONSTRAINT "customer_connections_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "directory_org_units" ADD CONSTRAINT "directory_org_units_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "directory_users" ADD CONSTRAINT "directory_users_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "directory_users_google_id_key" ON "directory_users" USING btree ("customer_id","google_id");--> statement-breakpoint
CREATE INDEX "directory_users_email_idx" ON "directory_users" USING btree ("customer_id",lower("primary_email"),"id");--> statement-breakpoint
CREATE INDEX "directory_users_license_idx" ON "directory_users" USING btree ("customer_id","license");--> statement-breakpoint
CREATE INDEX "directory_users_org_unit_idx" ON "directory_users" USING btree ("customer_id","org_unit_path");--> statement-breakpoint
CREATE INDEX "directory_users_purge_idx" ON "directory_users" USING btree ("purge_after") WHERE "directory_users"."purge_after" is not null and "directory_users"."purged_at" is null;