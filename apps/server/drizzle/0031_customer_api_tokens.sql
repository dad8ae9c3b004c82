CREATE TABLE "customer_api_tokens" (
	"id" uuid PRIMARY KEY NOT NULL,
	"customer_id" uuid NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"last4" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "customer_api_tokens" ADD CONSTRAINT "customer_api_tokens_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "customer_api_tokens_token_hash_key" ON "customer_api_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "customer_api_tokens_live_name_key" ON "customer_api_tokens" USING btree ("customer_id","name") WHERE "customer_api_tokens"."revoked_at" is null;--> statement-breakpoint
CREATE INDEX "customer_api_tokens_customer_idx" ON "customer_api_tokens" USING btree ("customer_id");