-- Items are listed in insertion order. created_at cannot give it: PGlite's clock has millisecond
-- resolution, so items inserted in one statement tie. Existing rows are numbered as they are read.
ALTER TABLE "order_items" ADD COLUMN "position" bigint GENERATED ALWAYS AS IDENTITY NOT NULL;
