CREATE TABLE "restore_items" (
	"restore_id" uuid NOT NULL,
	"customer_id" uuid NOT NULL,
	"item_key" text NOT NULL,
	"version" integer NOT NULL,
	"phase" integer DEFAULT 0 NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"target_id" text,
	"reason" text,
	"updated_at" timestamp with time zone,
	CONSTRAINT "restore_items_restore_id_item_key_pk" PRIMARY KEY("restore_id","item_key")
);
--> statement-breakpoint
CREATE TABLE "restores" (
	"id" uuid PRIMARY KEY NOT NULL,
	"customer_id" uuid NOT NULL,
	"source_id" uuid NOT NULL,
	"service" text NOT NULL,
	"from_email" text NOT NULL,
	"to_email" text NOT NULL,
	"point_run_id" uuid NOT NULL,
	"as_of" timestamp with time zone NOT NULL,
	"selection" jsonb NOT NULL,
	"in_place" boolean DEFAULT false NOT NULL,
	"container_name" text NOT NULL,
	"restore_permissions" boolean DEFAULT false NOT NULL,
	"planned" boolean DEFAULT false NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"total" integer DEFAULT 0 NOT NULL,
	"restored" integer DEFAULT 0 NOT NULL,
	"skipped" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"error" text,
	"notes" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"requested_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "restore_items" ADD CONSTRAINT "restore_items_restore_id_restores_id_fk" FOREIGN KEY ("restore_id") REFERENCES "public"."restores"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "restores" ADD CONSTRAINT "restores_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "restores" ADD CONSTRAINT "restores_source_id_backup_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."backup_sources"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "restore_items_status_idx" ON "restore_items" USING btree ("restore_id","status","phase");--> statement-breakpoint
CREATE INDEX "restore_items_target_idx" ON "restore_items" USING btree ("restore_id","target_id");--> statement-breakpoint
CREATE INDEX "restores_customer_idx" ON "restores" USING btree ("customer_id","created_at");