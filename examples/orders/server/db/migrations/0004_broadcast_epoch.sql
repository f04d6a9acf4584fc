-- History epochs (issue 16): each channel's counter row draws a random epoch when created, so a
-- log that starts over (a database reset, the tables recreated) is told apart from the old one by
-- clients remembering its positions. Existing rows each get one now.
ALTER TABLE "broadcast_channels" ADD COLUMN "epoch" text DEFAULT gen_random_uuid()::text NOT NULL;
