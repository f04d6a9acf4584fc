-- A total can pass 2^31 cents: one line of 1000 × 1,000,000.00 alone is 10^11. bigint holds the
-- largest total the API allows (100 items × 1000 × 100,000,000 = 10^13), exactly, as a JSON number.
ALTER TABLE "orders" ALTER COLUMN "total" SET DATA TYPE bigint;
