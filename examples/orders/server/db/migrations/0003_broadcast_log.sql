-- The broadcast log (issue 16): the outbox and the history of every broadcast, written in the
-- change's own transaction (see broadcast-log.ts of @pattern-stack/backend-patterns/events).
CREATE TABLE "broadcast_channels" (
	"channel" text PRIMARY KEY NOT NULL,
	"position" bigint NOT NULL,
	"pruned_through" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "broadcast_log" (
	"channel" text NOT NULL,
	"position" bigint NOT NULL,
	"event" text NOT NULL,
	"payload" jsonb NOT NULL,
	"origin" text,
	"committed_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL,
	"published_at" timestamp with time zone,
	CONSTRAINT "broadcast_log_channel_position_pk" PRIMARY KEY("channel","position")
);
--> statement-breakpoint
CREATE INDEX "broadcast_log_unpublished_idx" ON "broadcast_log" USING btree ("committed_at") WHERE "broadcast_log"."published_at" IS NULL;
