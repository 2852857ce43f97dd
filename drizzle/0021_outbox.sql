DROP INDEX "events_undispatched_idx";--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "seq" bigserial NOT NULL;--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "task_queue" text;--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "ends_run" text;--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "dispatch_owner" text;--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "dispatch_lease_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "dispatch_attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "dispatch_error" text;--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "trace_parent" text;--> statement-breakpoint
CREATE INDEX "events_outbox_idx" ON "events" USING btree ("seq") WHERE "events"."dispatched_at" is null;--> statement-breakpoint
CREATE INDEX "events_outbox_customer_idx" ON "events" USING btree ("workspace_id","customer_id","seq") WHERE "events"."dispatched_at" is null;--> statement-breakpoint
-- hand-written: the application's role inserts events, so it takes numbers from their new sequence (events keeps its row-level security policy)
GRANT USAGE, SELECT ON SEQUENCE "events_seq_seq" TO "touchpoint_app";
