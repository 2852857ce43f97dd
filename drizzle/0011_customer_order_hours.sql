-- Edited after generation: INCLUDE (…) on the primary key's index, the triggers and the fill below, which
-- drizzle cannot express (the refresh reads the counts from the index alone, in key order).
CREATE TABLE "customer_order_hours" (
	"customer_id" text NOT NULL,
	"day" date NOT NULL,
	"hour" smallint NOT NULL,
	"orders" integer NOT NULL,
	"amount" numeric NOT NULL,
	"first_at" timestamp with time zone NOT NULL,
	"last_at" timestamp with time zone NOT NULL,
	CONSTRAINT "customer_order_hours_customer_id_day_hour_pk" PRIMARY KEY("customer_id","day","hour") INCLUDE ("orders", "amount", "first_at", "last_at")
);
--> statement-breakpoint
-- The hour (0–23) an order counts under: its hour on the clock of the customer's time zone, UTC when they
-- have none (or do not exist). The one definition: the triggers, the fills and the refresh's recount of the
-- window's first day (src/intelligence/sql.ts localHour) all call it; a plain SQL expression, so inlined.
CREATE FUNCTION "order_local_hour"("occurred_at" timestamp with time zone, "time_zone" text) RETURNS integer
	LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT date_part('hour', "occurred_at" AT TIME ZONE coalesce("time_zone", 'UTC'))::int $$;
--> statement-breakpoint
-- The rows of some orders: per customer, UTC day and hour in the customer's time zone (UTC when they have
-- none, or do not exist) — the refresh's night hour, src/intelligence/sql.ts localHour.
CREATE FUNCTION "customer_order_hours_of"("orders_of" text[]) RETURNS void LANGUAGE sql AS $$
	INSERT INTO "customer_order_hours" ("customer_id", "day", "hour", "orders", "amount", "first_at", "last_at")
	SELECT o."customer_id", (o."occurred_at" AT TIME ZONE 'UTC')::date,
		"order_local_hour"(o."occurred_at", c."timezone"),
		count(*), sum(o."amount"), min(o."occurred_at"), max(o."occurred_at")
	FROM "orders" o
	LEFT JOIN "customers" c ON c."id" = o."customer_id"
	WHERE o."customer_id" = ANY ("orders_of")
	GROUP BY 1, 2, 3
$$;
--> statement-breakpoint
-- customer_order_hours is kept by the statement that inserts orders (ingest's INSERT … ON CONFLICT DO
-- NOTHING, or any other): a statement trigger reads the rows actually inserted (its transition table holds
-- no row the conflict skipped), so a repeated order adds nothing. It first locks the customers' rows FOR
-- SHARE (in id order, as concurrent batches then cannot deadlock), so a time-zone change (below) waits for
-- it, or it for the change, and the hours are always those of the customer's current time zone. Orders are
-- never updated or deleted; a TRUNCATE of orders empties the counts with them.
CREATE FUNCTION "count_order_hours"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM 1 FROM "customers" WHERE "id" IN (SELECT "customer_id" FROM "new_orders") ORDER BY "id" FOR SHARE;
	INSERT INTO "customer_order_hours" AS h ("customer_id", "day", "hour", "orders", "amount", "first_at", "last_at")
	SELECT o."customer_id", (o."occurred_at" AT TIME ZONE 'UTC')::date,
		"order_local_hour"(o."occurred_at", c."timezone"),
		count(*), sum(o."amount"), min(o."occurred_at"), max(o."occurred_at")
	FROM "new_orders" o
	LEFT JOIN "customers" c ON c."id" = o."customer_id"
	GROUP BY 1, 2, 3
	-- In key order: concurrent batches lock the rows they share in the same order, so they cannot deadlock.
	ORDER BY 1, 2, 3
	ON CONFLICT ("customer_id", "day", "hour") DO UPDATE SET "orders" = h."orders" + excluded."orders",
		"amount" = h."amount" + excluded."amount", "first_at" = least(h."first_at", excluded."first_at"),
		"last_at" = greatest(h."last_at", excluded."last_at");
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "orders_count_hours" AFTER INSERT ON "orders" REFERENCING NEW TABLE AS "new_orders"
	FOR EACH STATEMENT EXECUTE FUNCTION "count_order_hours"();
--> statement-breakpoint
CREATE FUNCTION "truncate_order_hours"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	TRUNCATE "customer_order_hours";
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "orders_truncate_hours" AFTER TRUNCATE ON "orders" FOR EACH STATEMENT EXECUTE FUNCTION "truncate_order_hours"();
--> statement-breakpoint
-- A customer's hours follow their time zone: when it changes (or the customer is created with one after
-- their orders, deleted, or renamed), their rows are recounted from their orders. Rare, and one customer's
-- orders at a time (orders_customer_time_idx).
CREATE FUNCTION "recount_customer_order_hours"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	ids text[];
BEGIN
	IF TG_OP = 'INSERT' THEN ids := ARRAY[NEW."id"];
	ELSIF TG_OP = 'DELETE' THEN ids := ARRAY[OLD."id"];
	ELSE ids := ARRAY[OLD."id", NEW."id"];
	END IF;
	-- A time zone PostgreSQL does not know fails here, when it is set, even without orders yet — not later
	-- in the statement that inserts the customer's first order.
	IF TG_OP <> 'DELETE' AND NEW."timezone" IS NOT NULL THEN
		PERFORM now() AT TIME ZONE NEW."timezone";
	END IF;
	DELETE FROM "customer_order_hours" WHERE "customer_id" = ANY (ids);
	PERFORM "customer_order_hours_of"(ids);
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "customers_recount_order_hours_insert" AFTER INSERT ON "customers"
	FOR EACH ROW WHEN (NEW."timezone" IS NOT NULL) EXECUTE FUNCTION "recount_customer_order_hours"();
--> statement-breakpoint
CREATE TRIGGER "customers_recount_order_hours_update" AFTER UPDATE OF "id", "timezone" ON "customers"
	FOR EACH ROW WHEN (OLD."timezone" IS DISTINCT FROM NEW."timezone" OR OLD."id" <> NEW."id")
	EXECUTE FUNCTION "recount_customer_order_hours"();
--> statement-breakpoint
CREATE TRIGGER "customers_recount_order_hours_delete" AFTER DELETE ON "customers"
	FOR EACH ROW WHEN (OLD."timezone" IS NOT NULL) EXECUTE FUNCTION "recount_customer_order_hours"();
--> statement-breakpoint
-- Every customer gone: every order's hour is a UTC one again.
CREATE FUNCTION "recount_all_order_hours"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	TRUNCATE "customer_order_hours";
	INSERT INTO "customer_order_hours" ("customer_id", "day", "hour", "orders", "amount", "first_at", "last_at")
	SELECT "customer_id", ("occurred_at" AT TIME ZONE 'UTC')::date, "order_local_hour"("occurred_at", NULL),
		count(*), sum("amount"), min("occurred_at"), max("occurred_at")
	FROM "orders"
	GROUP BY 1, 2, 3;
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "customers_truncate_order_hours" AFTER TRUNCATE ON "customers" FOR EACH STATEMENT EXECUTE FUNCTION "recount_all_order_hours"();
--> statement-breakpoint
-- The orders stored before this migration.
INSERT INTO "customer_order_hours" ("customer_id", "day", "hour", "orders", "amount", "first_at", "last_at")
SELECT o."customer_id", (o."occurred_at" AT TIME ZONE 'UTC')::date,
	"order_local_hour"(o."occurred_at", c."timezone"),
	count(*), sum(o."amount"), min(o."occurred_at"), max(o."occurred_at")
FROM "orders" o
LEFT JOIN "customers" c ON c."id" = o."customer_id"
GROUP BY 1, 2, 3;
