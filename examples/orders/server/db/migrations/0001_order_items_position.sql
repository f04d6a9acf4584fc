-- Items are listed in insertion order. created_at cannot give it: PGlite's clock has millisecond
-- resolution, so items inserted in one statement tie. Existing rows are numbered as they are read.
ALTER TABLE "order_items" ADD COLUMN "position" bigint GENERATED ALWAYS AS IDENTITY NOT NULL;
--> statement-breakpoint
-- The index serves "this order's items, in order", so it follows the new sort key.
DROP INDEX "order_items_order_idx";
--> statement-breakpoint
CREATE INDEX "order_items_order_idx" ON "order_items" USING btree ("order_id","position");
