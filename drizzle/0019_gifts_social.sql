CREATE TABLE "gifts" (
	"workspace_id" text DEFAULT current_setting('app.workspace_id') NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"idempotency_key" text NOT NULL,
	"customer_id" text NOT NULL,
	"source" text NOT NULL,
	"upgrade_id" uuid,
	"sku" text NOT NULL,
	"name" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"history" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"tracking_number" text,
	"webhook_delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "gifts_workspace_id_id_pk" PRIMARY KEY("workspace_id","id"),
	CONSTRAINT "gifts_idempotency_key_unique" UNIQUE("workspace_id","idempotency_key")
);
--> statement-breakpoint
CREATE TABLE "social_posts" (
	"workspace_id" text DEFAULT current_setting('app.workspace_id') NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"account" text NOT NULL,
	"text" text NOT NULL,
	"media_urls" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"link" text,
	"scheduled_at" timestamp with time zone NOT NULL,
	"status" text DEFAULT 'scheduled' NOT NULL,
	"claim_token" text,
	"publishing_at" timestamp with time zone,
	"provider_post_id" text,
	"error" text,
	"response" jsonb,
	"published_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "social_posts_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
ALTER TABLE "experiments" ADD COLUMN "kind" text DEFAULT 'ab_test' NOT NULL;--> statement-breakpoint
CREATE INDEX "gifts_customer_idx" ON "gifts" USING btree ("workspace_id","customer_id","created_at");--> statement-breakpoint
CREATE INDEX "gifts_status_idx" ON "gifts" USING btree ("workspace_id","status","created_at");--> statement-breakpoint
CREATE INDEX "social_posts_scheduled_idx" ON "social_posts" USING btree ("workspace_id","scheduled_at");--> statement-breakpoint
-- hand-written: the holiday campaigns' yearly one-arm experiments hold a send time
UPDATE "experiments" SET "kind" = 'send_time' WHERE "name" LIKE 'holiday/%' AND jsonb_array_length("variants") = 1;
--> statement-breakpoint
-- hand-written: row-level security
ALTER TABLE "gifts" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "workspace_isolation" ON "gifts" USING ("workspace_id" = current_setting('app.workspace_id', true)) WITH CHECK ("workspace_id" = current_setting('app.workspace_id', true));
--> statement-breakpoint
ALTER TABLE "social_posts" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "workspace_isolation" ON "social_posts" USING ("workspace_id" = current_setting('app.workspace_id', true)) WITH CHECK ("workspace_id" = current_setting('app.workspace_id', true));
