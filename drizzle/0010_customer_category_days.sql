-- Edited after generation: INCLUDE ("items") on the primary key's index and the statistics below, which
-- drizzle cannot express (the refresh reads the window's counts from the index alone, in key order).
CREATE TABLE "customer_category_days" (
	"customer_id" text NOT NULL,
	"day" date NOT NULL,
	"category" text NOT NULL,
	"items" double precision NOT NULL,
	CONSTRAINT "customer_category_days_customer_id_category_day_pk" PRIMARY KEY("customer_id","category","day") INCLUDE ("items")
);
--> statement-breakpoint
-- How many (customer, category) pairs there are: without it the planner takes them for a fraction of the
-- real number, and hashes then sorts them instead of reading them in index order.
CREATE STATISTICS "customer_category_days_groups" (ndistinct) ON "customer_id", "category" FROM "customer_category_days";
--> statement-breakpoint
-- customer_category_days is kept by the statement that inserts orders (ingest's INSERT … ON CONFLICT DO
-- NOTHING, or any other): a statement trigger reads the rows actually inserted (its transition table holds
-- no row the conflict skipped), so a repeated order adds nothing. Orders are never updated or deleted; a
-- TRUNCATE of orders empties the counts with them.
CREATE FUNCTION "count_order_category_days"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO "customer_category_days" AS d ("customer_id", "category", "day", "items")
	SELECT o."customer_id", coalesce(e ->> 'category', ''), (o."occurred_at" AT TIME ZONE 'UTC')::date, sum(coalesce((e ->> 'quantity')::float8, 1))
	FROM "new_orders" o
	CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(o."items") = 'array' THEN o."items" ELSE '[]'::jsonb END) e
	GROUP BY 1, 2, 3
	-- In key order: concurrent batches lock the rows they share in the same order, so they cannot deadlock.
	ORDER BY 1, 2, 3
	ON CONFLICT ("customer_id", "category", "day") DO UPDATE SET "items" = d."items" + excluded."items";
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "orders_count_category_days" AFTER INSERT ON "orders" REFERENCING NEW TABLE AS "new_orders"
	FOR EACH STATEMENT EXECUTE FUNCTION "count_order_category_days"();
--> statement-breakpoint
CREATE FUNCTION "truncate_order_category_days"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	TRUNCATE "customer_category_days";
	RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER "orders_truncate_category_days" AFTER TRUNCATE ON "orders" FOR EACH STATEMENT EXECUTE FUNCTION "truncate_order_category_days"();
--> statement-breakpoint
-- The orders stored before this migration.
INSERT INTO "customer_category_days" ("customer_id", "category", "day", "items")
SELECT o."customer_id", coalesce(e ->> 'category', ''), (o."occurred_at" AT TIME ZONE 'UTC')::date, sum(coalesce((e ->> 'quantity')::float8, 1))
FROM "orders" o
CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(o."items") = 'array' THEN o."items" ELSE '[]'::jsonb END) e
GROUP BY 1, 2, 3;
