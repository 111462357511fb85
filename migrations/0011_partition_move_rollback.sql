ALTER TABLE "partition_moves" ADD COLUMN "rolled_back_at" bigint;--> statement-breakpoint
ALTER TABLE "partition_moves" ADD COLUMN "rolled_back_to" integer;--> statement-breakpoint
ALTER TABLE "partition_moves" ADD COLUMN "failure" text;--> statement-breakpoint
CREATE INDEX "partitions_stream_id_index" ON "partitions" USING btree ("stream_id");