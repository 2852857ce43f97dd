CREATE TABLE "customer_insights" (
	"customer_id" text PRIMARY KEY NOT NULL,
	"recency_days" integer,
	"frequency" integer DEFAULT 0 NOT NULL,
	"monetary" numeric(14, 2) DEFAULT 0 NOT NULL,
	"r_score" integer NOT NULL,
	"f_score" integer NOT NULL,
	"m_score" integer NOT NULL,
	"rfm_method" text NOT NULL,
	"segment" text NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"evidence" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "intelligence_settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "item_similarity" (
	"item" text NOT NULL,
	"other" text NOT NULL,
	"score" numeric(8, 6) NOT NULL,
	"together" integer NOT NULL,
	CONSTRAINT "item_similarity_item_other_pk" PRIMARY KEY("item","other")
);
--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "converted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "revenue" numeric(14, 2);--> statement-breakpoint
ALTER TABLE "segments" ADD COLUMN "description" text;--> statement-breakpoint
ALTER TABLE "segments" ADD COLUMN "member_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "segments" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
CREATE INDEX "customer_insights_segment_idx" ON "customer_insights" USING btree ("segment");