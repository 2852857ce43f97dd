ALTER TABLE "customer_insights" ADD COLUMN "preferred_time_slots" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "customer_insights" ADD COLUMN "marketing_sent" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "customer_insights" ADD COLUMN "marketing_responded" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "customer_insights" ADD COLUMN "response_rate" numeric(5, 4);--> statement-breakpoint
ALTER TABLE "customer_insights" ADD COLUMN "churn_risk" numeric(5, 4);