CREATE TABLE "pending_repository_deletions" (
	"location" text PRIMARY KEY NOT NULL,
	"locked_objects" integer NOT NULL,
	"retry_after" timestamp with time zone NOT NULL,
	"recorded_at" timestamp with time zone NOT NULL
);
