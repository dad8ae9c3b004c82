CREATE TABLE "shared_drives" (
	"customer_id" uuid NOT NULL,
	"drive_id" text NOT NULL,
	"name" text NOT NULL,
	"protected" boolean NOT NULL,
	"first_seen_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone NOT NULL,
	CONSTRAINT "shared_drives_customer_id_drive_id_pk" PRIMARY KEY("customer_id","drive_id")
);
--> statement-breakpoint
ALTER TABLE "backup_runs" ADD COLUMN "stored_bytes" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "backup_tenant_state" ADD COLUMN "protect_new_shared_drives" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "shared_drives" ADD CONSTRAINT "shared_drives_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Each source's latest backup point gets its bytes now (later runs record their own).
UPDATE "backup_runs" AS "run" SET "stored_bytes" = "current"."bytes"
FROM (
  SELECT "source_id", coalesce(sum("size"), 0)::bigint AS "bytes"
  FROM "backup_item_versions" WHERE "valid_to" IS NULL GROUP BY "source_id"
) AS "current"
WHERE "run"."source_id" = "current"."source_id"
  AND "run"."id" = (
    SELECT "latest"."id" FROM "backup_runs" AS "latest"
    WHERE "latest"."source_id" = "run"."source_id" AND "latest"."status" IN ('success', 'partial')
    ORDER BY "latest"."queued_at" DESC, "latest"."id" DESC LIMIT 1
  );--> statement-breakpoint
-- Drives backed up before protection existed were all backed up: they stay protected.
INSERT INTO "shared_drives" ("customer_id", "drive_id", "name", "protected", "first_seen_at", "last_seen_at")
SELECT "customer_id", "subject_id", "subject_id", true, min("created_at"), min("created_at")
FROM "backup_sources" WHERE "subject_kind" = 'shared_drive'
GROUP BY "customer_id", "subject_id"
ON CONFLICT DO NOTHING;
