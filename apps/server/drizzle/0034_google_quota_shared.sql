CREATE TABLE "google_quota_backoffs" (
	"scope" text NOT NULL,
	"api" text NOT NULL,
	"key" text NOT NULL,
	"until" timestamp with time zone NOT NULL,
	CONSTRAINT "google_quota_backoffs_scope_api_key_pk" PRIMARY KEY("scope","api","key")
);
--> statement-breakpoint
CREATE TABLE "google_quota_buckets" (
	"scope" text NOT NULL,
	"api" text NOT NULL,
	"key" text NOT NULL,
	"tokens" double precision NOT NULL,
	"granted" double precision DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "google_quota_buckets_scope_api_key_pk" PRIMARY KEY("scope","api","key")
);
