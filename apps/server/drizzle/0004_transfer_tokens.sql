CREATE TABLE "transfer_tokens" (
	"id" uuid PRIMARY KEY NOT NULL,
	"customer_id" uuid NOT NULL,
	"token_hash" text NOT NULL,
	"last4" text NOT NULL,
	"created_by_member_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"used_by_partner_id" uuid,
	"used_by_user_id" uuid,
	"revoked_at" timestamp with time zone,
	"revoked_reason" text
);
--> statement-breakpoint
ALTER TABLE "transfer_tokens" ADD CONSTRAINT "transfer_tokens_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transfer_tokens" ADD CONSTRAINT "transfer_tokens_created_by_member_id_customer_members_id_fk" FOREIGN KEY ("created_by_member_id") REFERENCES "public"."customer_members"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transfer_tokens" ADD CONSTRAINT "transfer_tokens_used_by_partner_id_partners_id_fk" FOREIGN KEY ("used_by_partner_id") REFERENCES "public"."partners"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transfer_tokens" ADD CONSTRAINT "transfer_tokens_used_by_user_id_staff_users_id_fk" FOREIGN KEY ("used_by_user_id") REFERENCES "public"."staff_users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "transfer_tokens_hash_key" ON "transfer_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "transfer_tokens_one_live_key" ON "transfer_tokens" USING btree ("customer_id") WHERE "transfer_tokens"."used_at" is null and "transfer_tokens"."revoked_at" is null;