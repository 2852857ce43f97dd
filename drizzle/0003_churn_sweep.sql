ALTER TABLE "customers" ADD COLUMN "last_activity_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "churn_run_id" text;--> statement-breakpoint
CREATE INDEX "customers_churn_sweep_idx" ON "customers" USING btree ("last_activity_at") WHERE "customers"."churn_run_id" is null and "customers"."erased_at" is null;