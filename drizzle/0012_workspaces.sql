-- Workspaces: one installation, many businesses. Every table gains workspace_id (what it held moves to the
-- `default` workspace), every key and unique constraint leads with it, and row-level security lets a
-- transaction that set app.workspace_id (src/db/workspace.ts) see and write only that workspace's rows. The
-- application's statements run as the role touchpoint_app, which is not the tables' owner and has no
-- BYPASSRLS; migrations and the few installation-wide lookups (an API key by its hash, a tracked message
-- by its id) run as the owner.
CREATE TABLE "api_keys" (
	"workspace_id" text DEFAULT current_setting('app.workspace_id') NOT NULL,
	"id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"hash" text NOT NULL,
	"scopes" text[] NOT NULL,
	"created_by" text,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "api_keys_workspace_id_id_pk" PRIMARY KEY("workspace_id","id"),
	CONSTRAINT "api_keys_hash_unique" UNIQUE("hash"),
	CONSTRAINT "api_keys_prefix_unique" UNIQUE("prefix")
);
--> statement-breakpoint
CREATE TABLE "workspaces" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
INSERT INTO "workspaces" ("id", "name") VALUES ('default', 'Default');
--> statement-breakpoint
ALTER TABLE "coupons" ADD COLUMN "workspace_id" text NOT NULL DEFAULT 'default';
--> statement-breakpoint
ALTER TABLE "coupons" ALTER COLUMN "workspace_id" SET DEFAULT current_setting('app.workspace_id');
--> statement-breakpoint
ALTER TABLE "crm_tasks" ADD COLUMN "workspace_id" text NOT NULL DEFAULT 'default';
--> statement-breakpoint
ALTER TABLE "crm_tasks" ALTER COLUMN "workspace_id" SET DEFAULT current_setting('app.workspace_id');
--> statement-breakpoint
ALTER TABLE "customer_category_days" ADD COLUMN "workspace_id" text NOT NULL DEFAULT 'default';
--> statement-breakpoint
ALTER TABLE "customer_category_days" ALTER COLUMN "workspace_id" SET DEFAULT current_setting('app.workspace_id');
--> statement-breakpoint
ALTER TABLE "customer_insights" ADD COLUMN "workspace_id" text NOT NULL DEFAULT 'default';
--> statement-breakpoint
ALTER TABLE "customer_insights" ALTER COLUMN "workspace_id" SET DEFAULT current_setting('app.workspace_id');
--> statement-breakpoint
ALTER TABLE "customer_order_hours" ADD COLUMN "workspace_id" text NOT NULL DEFAULT 'default';
--> statement-breakpoint
ALTER TABLE "customer_order_hours" ALTER COLUMN "workspace_id" SET DEFAULT current_setting('app.workspace_id');
--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "workspace_id" text NOT NULL DEFAULT 'default';
--> statement-breakpoint
ALTER TABLE "customers" ALTER COLUMN "workspace_id" SET DEFAULT current_setting('app.workspace_id');
--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "workspace_id" text NOT NULL DEFAULT 'default';
--> statement-breakpoint
ALTER TABLE "events" ALTER COLUMN "workspace_id" SET DEFAULT current_setting('app.workspace_id');
--> statement-breakpoint
ALTER TABLE "flow_versions" ADD COLUMN "workspace_id" text NOT NULL DEFAULT 'default';
--> statement-breakpoint
ALTER TABLE "flow_versions" ALTER COLUMN "workspace_id" SET DEFAULT current_setting('app.workspace_id');
--> statement-breakpoint
ALTER TABLE "flows" ADD COLUMN "workspace_id" text NOT NULL DEFAULT 'default';
--> statement-breakpoint
ALTER TABLE "flows" ALTER COLUMN "workspace_id" SET DEFAULT current_setting('app.workspace_id');
--> statement-breakpoint
ALTER TABLE "intelligence_settings" ADD COLUMN "workspace_id" text NOT NULL DEFAULT 'default';
--> statement-breakpoint
ALTER TABLE "intelligence_settings" ALTER COLUMN "workspace_id" SET DEFAULT current_setting('app.workspace_id');
--> statement-breakpoint
ALTER TABLE "item_similarity" ADD COLUMN "workspace_id" text NOT NULL DEFAULT 'default';
--> statement-breakpoint
ALTER TABLE "item_similarity" ALTER COLUMN "workspace_id" SET DEFAULT current_setting('app.workspace_id');
--> statement-breakpoint
ALTER TABLE "journey_configs" ADD COLUMN "workspace_id" text NOT NULL DEFAULT 'default';
--> statement-breakpoint
ALTER TABLE "journey_configs" ALTER COLUMN "workspace_id" SET DEFAULT current_setting('app.workspace_id');
--> statement-breakpoint
ALTER TABLE "journey_runs" ADD COLUMN "workspace_id" text NOT NULL DEFAULT 'default';
--> statement-breakpoint
ALTER TABLE "journey_runs" ALTER COLUMN "workspace_id" SET DEFAULT current_setting('app.workspace_id');
--> statement-breakpoint
ALTER TABLE "marketing_campaigns" ADD COLUMN "workspace_id" text NOT NULL DEFAULT 'default';
--> statement-breakpoint
ALTER TABLE "marketing_campaigns" ALTER COLUMN "workspace_id" SET DEFAULT current_setting('app.workspace_id');
--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "workspace_id" text NOT NULL DEFAULT 'default';
--> statement-breakpoint
ALTER TABLE "messages" ALTER COLUMN "workspace_id" SET DEFAULT current_setting('app.workspace_id');
--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "workspace_id" text NOT NULL DEFAULT 'default';
--> statement-breakpoint
ALTER TABLE "orders" ALTER COLUMN "workspace_id" SET DEFAULT current_setting('app.workspace_id');
--> statement-breakpoint
ALTER TABLE "segment_members" ADD COLUMN "workspace_id" text NOT NULL DEFAULT 'default';
--> statement-breakpoint
ALTER TABLE "segment_members" ALTER COLUMN "workspace_id" SET DEFAULT current_setting('app.workspace_id');
--> statement-breakpoint
ALTER TABLE "segments" ADD COLUMN "workspace_id" text NOT NULL DEFAULT 'default';
--> statement-breakpoint
ALTER TABLE "segments" ALTER COLUMN "workspace_id" SET DEFAULT current_setting('app.workspace_id');
--> statement-breakpoint
ALTER TABLE "suppressions" ADD COLUMN "workspace_id" text NOT NULL DEFAULT 'default';
--> statement-breakpoint
ALTER TABLE "suppressions" ALTER COLUMN "workspace_id" SET DEFAULT current_setting('app.workspace_id');
--> statement-breakpoint
ALTER TABLE "templates" ADD COLUMN "workspace_id" text NOT NULL DEFAULT 'default';
--> statement-breakpoint
ALTER TABLE "templates" ALTER COLUMN "workspace_id" SET DEFAULT current_setting('app.workspace_id');
--> statement-breakpoint
ALTER TABLE "upgrade_history" ADD COLUMN "workspace_id" text NOT NULL DEFAULT 'default';
--> statement-breakpoint
ALTER TABLE "upgrade_history" ALTER COLUMN "workspace_id" SET DEFAULT current_setting('app.workspace_id');
--> statement-breakpoint
ALTER TABLE "coupons" DROP CONSTRAINT "coupons_idempotency_key_unique";
--> statement-breakpoint
ALTER TABLE "crm_tasks" DROP CONSTRAINT "crm_tasks_idempotency_key_unique";
--> statement-breakpoint
ALTER TABLE "flows" DROP CONSTRAINT "flows_name_unique";
--> statement-breakpoint
ALTER TABLE "messages" DROP CONSTRAINT "messages_idempotency_key_unique";
--> statement-breakpoint
ALTER TABLE "upgrade_history" DROP CONSTRAINT "upgrade_history_idempotency_key_unique";
--> statement-breakpoint
DROP INDEX "crm_tasks_customer_idx";
--> statement-breakpoint
DROP INDEX "customer_insights_segment_idx";
--> statement-breakpoint
DROP INDEX "customers_churn_sweep_idx";
--> statement-breakpoint
DROP INDEX "events_customer_time_idx";
--> statement-breakpoint
DROP INDEX "flows_trigger_idx";
--> statement-breakpoint
DROP INDEX "journey_runs_customer_idx";
--> statement-breakpoint
DROP INDEX "journey_runs_journey_idx";
--> statement-breakpoint
DROP INDEX "marketing_campaigns_status_idx";
--> statement-breakpoint
DROP INDEX "messages_customer_idx";
--> statement-breakpoint
DROP INDEX "messages_journey_idx";
--> statement-breakpoint
DROP INDEX "messages_campaign_idx";
--> statement-breakpoint
DROP INDEX "messages_campaign_customer_idx";
--> statement-breakpoint
DROP INDEX "orders_customer_time_idx";
--> statement-breakpoint
DROP INDEX "upgrade_history_customer_idx";
--> statement-breakpoint
ALTER TABLE "customer_category_days" DROP CONSTRAINT "customer_category_days_customer_id_category_day_pk";
--> statement-breakpoint
ALTER TABLE "customer_order_hours" DROP CONSTRAINT "customer_order_hours_customer_id_day_hour_pk";
--> statement-breakpoint
ALTER TABLE "flow_versions" DROP CONSTRAINT "flow_versions_flow_id_version_pk";
--> statement-breakpoint
ALTER TABLE "item_similarity" DROP CONSTRAINT "item_similarity_item_other_pk";
--> statement-breakpoint
ALTER TABLE "journey_configs" DROP CONSTRAINT "journey_configs_key_version_pk";
--> statement-breakpoint
ALTER TABLE "segment_members" DROP CONSTRAINT "segment_members_segment_id_customer_id_pk";
--> statement-breakpoint
ALTER TABLE "suppressions" DROP CONSTRAINT "suppressions_channel_address_pk";
--> statement-breakpoint
ALTER TABLE "coupons" DROP CONSTRAINT "coupons_pkey";
--> statement-breakpoint
ALTER TABLE "crm_tasks" DROP CONSTRAINT "crm_tasks_pkey";
--> statement-breakpoint
ALTER TABLE "customer_insights" DROP CONSTRAINT "customer_insights_pkey";
--> statement-breakpoint
ALTER TABLE "customers" DROP CONSTRAINT "customers_pkey";
--> statement-breakpoint
ALTER TABLE "events" DROP CONSTRAINT "events_pkey";
--> statement-breakpoint
ALTER TABLE "flows" DROP CONSTRAINT "flows_pkey";
--> statement-breakpoint
ALTER TABLE "intelligence_settings" DROP CONSTRAINT "intelligence_settings_pkey";
--> statement-breakpoint
ALTER TABLE "journey_runs" DROP CONSTRAINT "journey_runs_pkey";
--> statement-breakpoint
ALTER TABLE "marketing_campaigns" DROP CONSTRAINT "marketing_campaigns_pkey";
--> statement-breakpoint
ALTER TABLE "messages" DROP CONSTRAINT "messages_pkey";
--> statement-breakpoint
ALTER TABLE "orders" DROP CONSTRAINT "orders_pkey";
--> statement-breakpoint
ALTER TABLE "segments" DROP CONSTRAINT "segments_pkey";
--> statement-breakpoint
ALTER TABLE "templates" DROP CONSTRAINT "templates_pkey";
--> statement-breakpoint
ALTER TABLE "upgrade_history" DROP CONSTRAINT "upgrade_history_pkey";
--> statement-breakpoint
ALTER TABLE "coupons" ADD CONSTRAINT "coupons_workspace_id_code_pk" PRIMARY KEY("workspace_id","code");
--> statement-breakpoint
ALTER TABLE "crm_tasks" ADD CONSTRAINT "crm_tasks_workspace_id_id_pk" PRIMARY KEY("workspace_id","id");
--> statement-breakpoint
ALTER TABLE "customer_category_days" ADD CONSTRAINT "customer_category_days_workspace_id_customer_id_category_day_pk" PRIMARY KEY("workspace_id","customer_id","category","day") INCLUDE ("items");
--> statement-breakpoint
ALTER TABLE "customer_insights" ADD CONSTRAINT "customer_insights_workspace_id_customer_id_pk" PRIMARY KEY("workspace_id","customer_id");
--> statement-breakpoint
ALTER TABLE "customer_order_hours" ADD CONSTRAINT "customer_order_hours_workspace_id_customer_id_day_hour_pk" PRIMARY KEY("workspace_id","customer_id","day","hour") INCLUDE ("orders", "amount", "first_at", "last_at");
--> statement-breakpoint
ALTER TABLE "customers" ADD CONSTRAINT "customers_workspace_id_id_pk" PRIMARY KEY("workspace_id","id");
--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_workspace_id_id_pk" PRIMARY KEY("workspace_id","id");
--> statement-breakpoint
ALTER TABLE "flow_versions" ADD CONSTRAINT "flow_versions_workspace_id_flow_id_version_pk" PRIMARY KEY("workspace_id","flow_id","version");
--> statement-breakpoint
ALTER TABLE "flows" ADD CONSTRAINT "flows_workspace_id_id_pk" PRIMARY KEY("workspace_id","id");
--> statement-breakpoint
ALTER TABLE "intelligence_settings" ADD CONSTRAINT "intelligence_settings_workspace_id_key_pk" PRIMARY KEY("workspace_id","key");
--> statement-breakpoint
ALTER TABLE "item_similarity" ADD CONSTRAINT "item_similarity_workspace_id_item_other_pk" PRIMARY KEY("workspace_id","item","other");
--> statement-breakpoint
ALTER TABLE "journey_configs" ADD CONSTRAINT "journey_configs_workspace_id_key_version_pk" PRIMARY KEY("workspace_id","key","version");
--> statement-breakpoint
ALTER TABLE "journey_runs" ADD CONSTRAINT "journey_runs_workspace_id_workflow_id_pk" PRIMARY KEY("workspace_id","workflow_id");
--> statement-breakpoint
ALTER TABLE "marketing_campaigns" ADD CONSTRAINT "marketing_campaigns_workspace_id_id_pk" PRIMARY KEY("workspace_id","id");
--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_workspace_id_id_pk" PRIMARY KEY("workspace_id","id");
--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_workspace_id_id_pk" PRIMARY KEY("workspace_id","id");
--> statement-breakpoint
ALTER TABLE "segment_members" ADD CONSTRAINT "segment_members_workspace_id_segment_id_customer_id_pk" PRIMARY KEY("workspace_id","segment_id","customer_id");
--> statement-breakpoint
ALTER TABLE "segments" ADD CONSTRAINT "segments_workspace_id_id_pk" PRIMARY KEY("workspace_id","id");
--> statement-breakpoint
ALTER TABLE "suppressions" ADD CONSTRAINT "suppressions_workspace_id_channel_address_pk" PRIMARY KEY("workspace_id","channel","address");
--> statement-breakpoint
ALTER TABLE "templates" ADD CONSTRAINT "templates_workspace_id_id_pk" PRIMARY KEY("workspace_id","id");
--> statement-breakpoint
ALTER TABLE "upgrade_history" ADD CONSTRAINT "upgrade_history_workspace_id_id_pk" PRIMARY KEY("workspace_id","id");
--> statement-breakpoint
CREATE INDEX "messages_id_idx" ON "messages" USING btree ("id");
--> statement-breakpoint
CREATE INDEX "crm_tasks_customer_idx" ON "crm_tasks" USING btree ("workspace_id","customer_id","created_at");
--> statement-breakpoint
CREATE INDEX "customer_insights_segment_idx" ON "customer_insights" USING btree ("workspace_id","segment");
--> statement-breakpoint
CREATE INDEX "customers_churn_sweep_idx" ON "customers" USING btree ("workspace_id","last_activity_at") WHERE "customers"."churn_run_id" is null and "customers"."erased_at" is null;
--> statement-breakpoint
CREATE INDEX "events_customer_time_idx" ON "events" USING btree ("workspace_id","customer_id","occurred_at");
--> statement-breakpoint
CREATE INDEX "flows_trigger_idx" ON "flows" USING btree ("workspace_id","trigger_event") WHERE "flows"."active";
--> statement-breakpoint
CREATE INDEX "journey_runs_customer_idx" ON "journey_runs" USING btree ("workspace_id","customer_id");
--> statement-breakpoint
CREATE INDEX "journey_runs_journey_idx" ON "journey_runs" USING btree ("workspace_id","journey_key","started_at");
--> statement-breakpoint
CREATE INDEX "marketing_campaigns_status_idx" ON "marketing_campaigns" USING btree ("workspace_id","status","created_at");
--> statement-breakpoint
CREATE INDEX "messages_customer_idx" ON "messages" USING btree ("workspace_id","customer_id","created_at");
--> statement-breakpoint
CREATE INDEX "messages_journey_idx" ON "messages" USING btree ("workspace_id","journey_key","status");
--> statement-breakpoint
CREATE INDEX "messages_campaign_idx" ON "messages" USING btree ("workspace_id","campaign_id","status");
--> statement-breakpoint
CREATE INDEX "messages_campaign_customer_idx" ON "messages" USING btree ("workspace_id","campaign_id","customer_id") WHERE "messages"."campaign_id" is not null;
--> statement-breakpoint
CREATE INDEX "orders_customer_time_idx" ON "orders" USING btree ("workspace_id","customer_id","occurred_at");
--> statement-breakpoint
CREATE INDEX "upgrade_history_customer_idx" ON "upgrade_history" USING btree ("workspace_id","customer_id","created_at");
--> statement-breakpoint
ALTER TABLE "coupons" ADD CONSTRAINT "coupons_idempotency_key_unique" UNIQUE("workspace_id","idempotency_key");
--> statement-breakpoint
ALTER TABLE "crm_tasks" ADD CONSTRAINT "crm_tasks_idempotency_key_unique" UNIQUE("workspace_id","idempotency_key");
--> statement-breakpoint
ALTER TABLE "flows" ADD CONSTRAINT "flows_name_unique" UNIQUE("workspace_id","name");
--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_idempotency_key_unique" UNIQUE("workspace_id","idempotency_key");
--> statement-breakpoint
ALTER TABLE "upgrade_history" ADD CONSTRAINT "upgrade_history_idempotency_key_unique" UNIQUE("workspace_id","idempotency_key");
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "count_order_category_days"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO "customer_category_days" AS d ("workspace_id", "customer_id", "category", "day", "items")
	SELECT o."workspace_id", o."customer_id", coalesce(e ->> 'category', ''), (o."occurred_at" AT TIME ZONE 'UTC')::date, sum(coalesce((e ->> 'quantity')::float8, 1))
	FROM "new_orders" o
	CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(o."items") = 'array' THEN o."items" ELSE '[]'::jsonb END) e
	GROUP BY 1, 2, 3, 4
	-- In key order: concurrent batches lock the rows they share in the same order, so they cannot deadlock.
	ORDER BY 1, 2, 3, 4
	ON CONFLICT ("workspace_id", "customer_id", "category", "day") DO UPDATE SET "items" = d."items" + excluded."items";
	RETURN NULL;
END $$;
--> statement-breakpoint
DROP FUNCTION "customer_order_hours_of"(text[]);
--> statement-breakpoint
CREATE FUNCTION "customer_order_hours_of"("workspace" text, "orders_of" text[]) RETURNS void LANGUAGE sql AS $$
	INSERT INTO "customer_order_hours" ("workspace_id", "customer_id", "day", "hour", "orders", "amount", "first_at", "last_at")
	SELECT o."workspace_id", o."customer_id", (o."occurred_at" AT TIME ZONE 'UTC')::date,
		"order_local_hour"(o."occurred_at", c."timezone"),
		count(*), sum(o."amount"), min(o."occurred_at"), max(o."occurred_at")
	FROM "orders" o
	LEFT JOIN "customers" c ON c."workspace_id" = o."workspace_id" AND c."id" = o."customer_id"
	WHERE o."workspace_id" = "workspace" AND o."customer_id" = ANY ("orders_of")
	GROUP BY 1, 2, 3, 4
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "count_order_hours"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM 1 FROM "customers" WHERE ("workspace_id", "id") IN (SELECT "workspace_id", "customer_id" FROM "new_orders")
		ORDER BY "workspace_id", "id" FOR SHARE;
	INSERT INTO "customer_order_hours" AS h ("workspace_id", "customer_id", "day", "hour", "orders", "amount", "first_at", "last_at")
	SELECT o."workspace_id", o."customer_id", (o."occurred_at" AT TIME ZONE 'UTC')::date,
		"order_local_hour"(o."occurred_at", c."timezone"),
		count(*), sum(o."amount"), min(o."occurred_at"), max(o."occurred_at")
	FROM "new_orders" o
	LEFT JOIN "customers" c ON c."workspace_id" = o."workspace_id" AND c."id" = o."customer_id"
	GROUP BY 1, 2, 3, 4
	-- In key order: concurrent batches lock the rows they share in the same order, so they cannot deadlock.
	ORDER BY 1, 2, 3, 4
	ON CONFLICT ("workspace_id", "customer_id", "day", "hour") DO UPDATE SET "orders" = h."orders" + excluded."orders",
		"amount" = h."amount" + excluded."amount", "first_at" = least(h."first_at", excluded."first_at"),
		"last_at" = greatest(h."last_at", excluded."last_at");
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "recount_customer_order_hours"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	ids text[];
	workspace text;
BEGIN
	IF TG_OP = 'INSERT' THEN ids := ARRAY[NEW."id"]; workspace := NEW."workspace_id";
	ELSIF TG_OP = 'DELETE' THEN ids := ARRAY[OLD."id"]; workspace := OLD."workspace_id";
	ELSE ids := ARRAY[OLD."id", NEW."id"]; workspace := NEW."workspace_id";
	END IF;
	-- A time zone PostgreSQL does not know fails here, when it is set, even without orders yet — not later
	-- in the statement that inserts the customer's first order.
	IF TG_OP <> 'DELETE' AND NEW."timezone" IS NOT NULL THEN
		PERFORM now() AT TIME ZONE NEW."timezone";
	END IF;
	DELETE FROM "customer_order_hours" WHERE "workspace_id" = workspace AND "customer_id" = ANY (ids);
	PERFORM "customer_order_hours_of"(workspace, ids);
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION "recount_all_order_hours"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	TRUNCATE "customer_order_hours";
	INSERT INTO "customer_order_hours" ("workspace_id", "customer_id", "day", "hour", "orders", "amount", "first_at", "last_at")
	SELECT "workspace_id", "customer_id", ("occurred_at" AT TIME ZONE 'UTC')::date, "order_local_hour"("occurred_at", NULL),
		count(*), sum("amount"), min("occurred_at"), max("occurred_at")
	FROM "orders"
	GROUP BY 1, 2, 3, 4;
	RETURN NULL;
END $$;
--> statement-breakpoint
DO $$
BEGIN
	CREATE ROLE "touchpoint_app" NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
	-- Roles belong to the cluster: another database of it created the role already.
	NULL;
END $$;
--> statement-breakpoint
GRANT "touchpoint_app" TO CURRENT_USER;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO "touchpoint_app";
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "touchpoint_app";
--> statement-breakpoint
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "touchpoint_app";
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "touchpoint_app";
--> statement-breakpoint
ALTER TABLE "coupons" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "workspace_isolation" ON "coupons" USING ("workspace_id" = current_setting('app.workspace_id', true)) WITH CHECK ("workspace_id" = current_setting('app.workspace_id', true));
--> statement-breakpoint
ALTER TABLE "crm_tasks" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "workspace_isolation" ON "crm_tasks" USING ("workspace_id" = current_setting('app.workspace_id', true)) WITH CHECK ("workspace_id" = current_setting('app.workspace_id', true));
--> statement-breakpoint
ALTER TABLE "customer_category_days" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "workspace_isolation" ON "customer_category_days" USING ("workspace_id" = current_setting('app.workspace_id', true)) WITH CHECK ("workspace_id" = current_setting('app.workspace_id', true));
--> statement-breakpoint
ALTER TABLE "customer_insights" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "workspace_isolation" ON "customer_insights" USING ("workspace_id" = current_setting('app.workspace_id', true)) WITH CHECK ("workspace_id" = current_setting('app.workspace_id', true));
--> statement-breakpoint
ALTER TABLE "customer_order_hours" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "workspace_isolation" ON "customer_order_hours" USING ("workspace_id" = current_setting('app.workspace_id', true)) WITH CHECK ("workspace_id" = current_setting('app.workspace_id', true));
--> statement-breakpoint
ALTER TABLE "customers" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "workspace_isolation" ON "customers" USING ("workspace_id" = current_setting('app.workspace_id', true)) WITH CHECK ("workspace_id" = current_setting('app.workspace_id', true));
--> statement-breakpoint
ALTER TABLE "events" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "workspace_isolation" ON "events" USING ("workspace_id" = current_setting('app.workspace_id', true)) WITH CHECK ("workspace_id" = current_setting('app.workspace_id', true));
--> statement-breakpoint
ALTER TABLE "flow_versions" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "workspace_isolation" ON "flow_versions" USING ("workspace_id" = current_setting('app.workspace_id', true)) WITH CHECK ("workspace_id" = current_setting('app.workspace_id', true));
--> statement-breakpoint
ALTER TABLE "flows" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "workspace_isolation" ON "flows" USING ("workspace_id" = current_setting('app.workspace_id', true)) WITH CHECK ("workspace_id" = current_setting('app.workspace_id', true));
--> statement-breakpoint
ALTER TABLE "intelligence_settings" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "workspace_isolation" ON "intelligence_settings" USING ("workspace_id" = current_setting('app.workspace_id', true)) WITH CHECK ("workspace_id" = current_setting('app.workspace_id', true));
--> statement-breakpoint
ALTER TABLE "item_similarity" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "workspace_isolation" ON "item_similarity" USING ("workspace_id" = current_setting('app.workspace_id', true)) WITH CHECK ("workspace_id" = current_setting('app.workspace_id', true));
--> statement-breakpoint
ALTER TABLE "journey_configs" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "workspace_isolation" ON "journey_configs" USING ("workspace_id" = current_setting('app.workspace_id', true)) WITH CHECK ("workspace_id" = current_setting('app.workspace_id', true));
--> statement-breakpoint
ALTER TABLE "journey_runs" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "workspace_isolation" ON "journey_runs" USING ("workspace_id" = current_setting('app.workspace_id', true)) WITH CHECK ("workspace_id" = current_setting('app.workspace_id', true));
--> statement-breakpoint
ALTER TABLE "marketing_campaigns" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "workspace_isolation" ON "marketing_campaigns" USING ("workspace_id" = current_setting('app.workspace_id', true)) WITH CHECK ("workspace_id" = current_setting('app.workspace_id', true));
--> statement-breakpoint
ALTER TABLE "messages" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "workspace_isolation" ON "messages" USING ("workspace_id" = current_setting('app.workspace_id', true)) WITH CHECK ("workspace_id" = current_setting('app.workspace_id', true));
--> statement-breakpoint
ALTER TABLE "orders" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "workspace_isolation" ON "orders" USING ("workspace_id" = current_setting('app.workspace_id', true)) WITH CHECK ("workspace_id" = current_setting('app.workspace_id', true));
--> statement-breakpoint
ALTER TABLE "segment_members" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "workspace_isolation" ON "segment_members" USING ("workspace_id" = current_setting('app.workspace_id', true)) WITH CHECK ("workspace_id" = current_setting('app.workspace_id', true));
--> statement-breakpoint
ALTER TABLE "segments" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "workspace_isolation" ON "segments" USING ("workspace_id" = current_setting('app.workspace_id', true)) WITH CHECK ("workspace_id" = current_setting('app.workspace_id', true));
--> statement-breakpoint
ALTER TABLE "suppressions" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "workspace_isolation" ON "suppressions" USING ("workspace_id" = current_setting('app.workspace_id', true)) WITH CHECK ("workspace_id" = current_setting('app.workspace_id', true));
--> statement-breakpoint
ALTER TABLE "templates" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "workspace_isolation" ON "templates" USING ("workspace_id" = current_setting('app.workspace_id', true)) WITH CHECK ("workspace_id" = current_setting('app.workspace_id', true));
--> statement-breakpoint
ALTER TABLE "upgrade_history" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "workspace_isolation" ON "upgrade_history" USING ("workspace_id" = current_setting('app.workspace_id', true)) WITH CHECK ("workspace_id" = current_setting('app.workspace_id', true));
--> statement-breakpoint
ALTER TABLE "api_keys" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "workspace_isolation" ON "api_keys" USING ("workspace_id" = current_setting('app.workspace_id', true)) WITH CHECK ("workspace_id" = current_setting('app.workspace_id', true));
--> statement-breakpoint
ALTER TABLE "workspaces" ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY "workspace_isolation" ON "workspaces" USING ("id" = current_setting('app.workspace_id', true)) WITH CHECK ("id" = current_setting('app.workspace_id', true));
