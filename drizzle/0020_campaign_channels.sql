ALTER TABLE "marketing_campaigns" ADD COLUMN "channels" text[];--> statement-breakpoint
ALTER TABLE "marketing_campaigns" ADD COLUMN "channel_mode" text;--> statement-breakpoint
ALTER TABLE "marketing_campaigns" ADD COLUMN "send_at" jsonb;