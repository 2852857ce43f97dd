ALTER TABLE "customer_insights" ADD COLUMN "historic_clv" numeric(14, 2);--> statement-breakpoint
ALTER TABLE "customer_insights" ADD COLUMN "clv_frequency" integer;--> statement-breakpoint
ALTER TABLE "customer_insights" ADD COLUMN "clv_recency_days" integer;--> statement-breakpoint
ALTER TABLE "customer_insights" ADD COLUMN "clv_age_days" integer;--> statement-breakpoint
ALTER TABLE "customer_insights" ADD COLUMN "expected_purchases_12m" double precision;--> statement-breakpoint
ALTER TABLE "customer_insights" ADD COLUMN "p_alive" double precision;--> statement-breakpoint
ALTER TABLE "customer_insights" ADD COLUMN "expected_order_value" double precision;--> statement-breakpoint
ALTER TABLE "customer_insights" ADD COLUMN "predicted_clv_12m" double precision;