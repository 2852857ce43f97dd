CREATE TABLE "holiday_campaigns" (
	"workspace_id" text DEFAULT current_setting('app.workspace_id') NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"holiday_id" text NOT NULL,
	"type" text NOT NULL,
	"target_tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"target_segment_id" text,
	"content_template_id" text,
	"content" jsonb,
	"send_time" text NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "holiday_campaigns_workspace_id_id_pk" PRIMARY KEY("workspace_id","id")
);
--> statement-breakpoint
CREATE TABLE "holidays" (
	"workspace_id" text DEFAULT current_setting('app.workspace_id') NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"month_day" text,
	"dates" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "holidays_workspace_id_id_pk" PRIMARY KEY("workspace_id","id"),
	CONSTRAINT "holidays_name_unique" UNIQUE("workspace_id","name")
);

--> statement-breakpoint
-- hand-written: row-level security
ALTER TABLE "holidays" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "workspace_isolation" ON "holidays" USING ("workspace_id" = current_setting('app.workspace_id', true)) WITH CHECK ("workspace_id" = current_setting('app.workspace_id', true));
--> statement-breakpoint
ALTER TABLE "holiday_campaigns" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "workspace_isolation" ON "holiday_campaigns" USING ("workspace_id" = current_setting('app.workspace_id', true)) WITH CHECK ("workspace_id" = current_setting('app.workspace_id', true));
