CREATE TABLE "partition_load" (
	"cluster_id" text NOT NULL,
	"topic_id" text NOT NULL,
	"partition" integer NOT NULL,
	"broker_id" integer NOT NULL,
	"at" bigint NOT NULL,
	"bytes_in_per_sec" double precision NOT NULL,
	"bytes_out_per_sec" double precision NOT NULL,
	"avg_bytes_in_per_sec" double precision NOT NULL,
	"avg_bytes_out_per_sec" double precision NOT NULL,
	CONSTRAINT "partition_load_topic_id_partition_pk" PRIMARY KEY("topic_id","partition")
);
--> statement-breakpoint
CREATE INDEX "partition_load_cluster_id_index" ON "partition_load" USING btree ("cluster_id");