CREATE TABLE "cloud_notices" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"fleet" text NOT NULL,
	"instance_id" text NOT NULL,
	"deadline" bigint,
	"lifecycle" jsonb,
	"received_at" bigint NOT NULL,
	"drain_operation_id" text,
	"heartbeat_at" bigint,
	"handled_at" bigint,
	"outcome" text
);
