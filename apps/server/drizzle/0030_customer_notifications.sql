CREATE TABLE "notification_settings" (
	"customer_id" uuid PRIMARY KEY NOT NULL,
	"status_email" text DEFAULT 'daily' NOT NULL,
	"status_weekday" integer DEFAULT 1 NOT NULL,
	"failure_alerts" boolean DEFAULT true NOT NULL,
	"notify_admins" boolean DEFAULT true NOT NULL,
	"extra_recipients" text[] DEFAULT '{}'::text[] NOT NULL,
	"last_status_sent_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "notification_unsubscribes" (
	"customer_id" uuid NOT NULL,
	"email" text NOT NULL,
	"kind" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "notification_unsubscribes_customer_id_email_kind_pk" PRIMARY KEY("customer_id","email","kind")
);
--> statement-breakpoint
CREATE TABLE "notified_causes" (
	"customer_id" uuid NOT NULL,
	"cause_key" text NOT NULL,
	"notified_at" timestamp with time zone NOT NULL,
	CONSTRAINT "notified_causes_customer_id_cause_key_pk" PRIMARY KEY("customer_id","cause_key")
);
--> statement-breakpoint
ALTER TABLE "notification_settings" ADD CONSTRAINT "notification_settings_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_unsubscribes" ADD CONSTRAINT "notification_unsubscribes_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notified_causes" ADD CONSTRAINT "notified_causes_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;