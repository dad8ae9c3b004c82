CREATE TABLE "backup_item_versions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"customer_id" uuid NOT NULL,
	"source_id" uuid NOT NULL,
	"item_key" text NOT NULL,
	"version" integer NOT NULL,
	"object_id" text NOT NULL,
	"content_hash" text NOT NULL,
	"size" bigint NOT NULL,
	"metadata" jsonb NOT NULL,
	"valid_from" timestamp with time zone NOT NULL,
	"valid_to" timestamp with time zone,
	"run_id" uuid NOT NULL,
	"closed_by_run_id" uuid
);
--> statement-breakpoint
CREATE TABLE "backup_run_errors" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"run_id" uuid NOT NULL,
	"customer_id" uuid NOT NULL,
	"item_key" text NOT NULL,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "backup_runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"customer_id" uuid NOT NULL,
	"source_id" uuid NOT NULL,
	"trigger" text NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"mode" text,
	"added" integer DEFAULT 0 NOT NULL,
	"changed" integer DEFAULT 0 NOT NULL,
	"deleted" integer DEFAULT 0 NOT NULL,
	"skipped" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"items" integer DEFAULT 0 NOT NULL,
	"bytes" bigint DEFAULT 0 NOT NULL,
	"error" text,
	"snapshot_id" text,
	"queued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"duration_ms" integer
);
--> statement-breakpoint
CREATE TABLE "backup_sources" (
	"id" uuid PRIMARY KEY NOT NULL,
	"customer_id" uuid NOT NULL,
	"subject_kind" text NOT NULL,
	"subject_id" text NOT NULL,
	"subject_email" text NOT NULL,
	"service" text NOT NULL,
	"cursor" jsonb,
	"cursor_updated_at" timestamp with time zone,
	"last_success_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "repository_blobs" (
	"customer_id" uuid NOT NULL,
	"blob_id" text NOT NULL,
	"pack" text NOT NULL,
	"type" integer NOT NULL,
	"offset" bigint NOT NULL,
	"length" integer NOT NULL,
	"raw_length" integer NOT NULL,
	CONSTRAINT "repository_blobs_customer_id_blob_id_pack_pk" PRIMARY KEY("customer_id","blob_id","pack")
);
--> statement-breakpoint
CREATE TABLE "repository_packs" (
	"customer_id" uuid NOT NULL,
	"name" text NOT NULL,
	"size" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "repository_packs_customer_id_name_pk" PRIMARY KEY("customer_id","name")
);
--> statement-breakpoint
CREATE TABLE "tenant_repository_keys" (
	"customer_id" uuid PRIMARY KEY NOT NULL,
	"wrapped_keys" text NOT NULL,
	"location" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "backup_item_versions" ADD CONSTRAINT "backup_item_versions_source_id_backup_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."backup_sources"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "backup_run_errors" ADD CONSTRAINT "backup_run_errors_run_id_backup_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."backup_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "backup_runs" ADD CONSTRAINT "backup_runs_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "backup_runs" ADD CONSTRAINT "backup_runs_source_id_backup_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."backup_sources"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "backup_sources" ADD CONSTRAINT "backup_sources_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "repository_packs" ADD CONSTRAINT "repository_packs_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tenant_repository_keys" ADD CONSTRAINT "tenant_repository_keys_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "backup_item_versions_version_key" ON "backup_item_versions" USING btree ("source_id","item_key","version");--> statement-breakpoint
CREATE UNIQUE INDEX "backup_item_versions_current_key" ON "backup_item_versions" USING btree ("source_id","item_key") WHERE "backup_item_versions"."valid_to" is null;--> statement-breakpoint
CREATE INDEX "backup_item_versions_run_idx" ON "backup_item_versions" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "backup_item_versions_hash_idx" ON "backup_item_versions" USING btree ("customer_id","content_hash");--> statement-breakpoint
CREATE INDEX "backup_run_errors_run_idx" ON "backup_run_errors" USING btree ("run_id");--> statement-breakpoint
CREATE INDEX "backup_runs_customer_idx" ON "backup_runs" USING btree ("customer_id","queued_at");--> statement-breakpoint
CREATE INDEX "backup_runs_source_idx" ON "backup_runs" USING btree ("source_id","queued_at");--> statement-breakpoint
CREATE UNIQUE INDEX "backup_sources_subject_key" ON "backup_sources" USING btree ("customer_id","subject_kind","subject_id","service");--> statement-breakpoint
CREATE INDEX "backup_sources_customer_idx" ON "backup_sources" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "repository_blobs_pack_idx" ON "repository_blobs" USING btree ("customer_id","pack");