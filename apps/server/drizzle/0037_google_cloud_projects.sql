CREATE TABLE "google_project_usage" (
	"project" text NOT NULL,
	"api" text NOT NULL,
	"day" text NOT NULL,
	"units" double precision DEFAULT 0 NOT NULL,
	"minute_start" timestamp with time zone NOT NULL,
	"minute_units" double precision DEFAULT 0 NOT NULL,
	CONSTRAINT "google_project_usage_project_api_day_pk" PRIMARY KEY("project","api","day")
);
--> statement-breakpoint
ALTER TABLE "customer_connections" ADD COLUMN "google_project" text;