CREATE TABLE "google_quota_callers" (
	"api" text NOT NULL,
	"key" text NOT NULL,
	"caller" text NOT NULL,
	"until" timestamp with time zone NOT NULL,
	CONSTRAINT "google_quota_callers_api_key_caller_pk" PRIMARY KEY("api","key","caller")
);
