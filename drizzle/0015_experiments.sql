CREATE TABLE "experiment_assignments" (
	"workspace_id" text DEFAULT current_setting('app.workspace_id') NOT NULL,
	"experiment_id" text NOT NULL,
	"customer_id" text NOT NULL,
	"variant" text NOT NULL,
	"phase" text DEFAULT 'test' NOT NULL,
	"assigned_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "experiment_assignments_workspace_id_experiment_id_customer_id_pk" PRIMARY KEY("workspace_id","experiment_id","customer_id")
);
--> statement-breakpoint
CREATE TABLE "experiments" (
	"workspace_id" text DEFAULT current_setting('app.workspace_id') NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"status" text DEFAULT 'draft' NOT NULL,
	"campaign_id" text,
	"journey_key" text,
	"flow_id" text,
	"step_key" text,
	"variants" jsonb NOT NULL,
	"holdout" double precision DEFAULT 0 NOT NULL,
	"goal" text NOT NULL,
	"guard_metrics" text[] DEFAULT '{}'::text[] NOT NULL,
	"mode" text DEFAULT 'fixed' NOT NULL,
	"alpha" double precision DEFAULT 0.05 NOT NULL,
	"power" double precision DEFAULT 0.8 NOT NULL,
	"minimum_detectable_effect" double precision,
	"test_fraction" double precision,
	"winner_wait_seconds" integer,
	"winner_variant" text,
	"winner_reason" text,
	"decided_at" timestamp with time zone,
	"started_at" timestamp with time zone,
	"stopped_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "experiments_workspace_id_id_pk" PRIMARY KEY("workspace_id","id"),
	CONSTRAINT "experiments_name_unique" UNIQUE("workspace_id","name")
);
--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "experiment_id" text;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "variant" text;--> statement-breakpoint
CREATE INDEX "experiment_assignments_variant_idx" ON "experiment_assignments" USING btree ("workspace_id","experiment_id","phase","variant");--> statement-breakpoint
CREATE INDEX "experiments_campaign_idx" ON "experiments" USING btree ("workspace_id","campaign_id") WHERE "experiments"."campaign_id" is not null;--> statement-breakpoint
CREATE INDEX "experiments_step_idx" ON "experiments" USING btree ("workspace_id","journey_key","flow_id","step_key") WHERE "experiments"."step_key" is not null;--> statement-breakpoint
CREATE INDEX "messages_experiment_idx" ON "messages" USING btree ("workspace_id","experiment_id","variant") WHERE "messages"."experiment_id" is not null;
--> statement-breakpoint
ALTER TABLE "experiments" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "workspace_isolation" ON "experiments" USING ("workspace_id" = current_setting('app.workspace_id', true)) WITH CHECK ("workspace_id" = current_setting('app.workspace_id', true));
--> statement-breakpoint
ALTER TABLE "experiment_assignments" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "workspace_isolation" ON "experiment_assignments" USING ("workspace_id" = current_setting('app.workspace_id', true)) WITH CHECK ("workspace_id" = current_setting('app.workspace_id', true));
