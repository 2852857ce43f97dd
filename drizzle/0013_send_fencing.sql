ALTER TABLE "messages" ADD COLUMN "claim_token" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "sending_at" timestamp with time zone;