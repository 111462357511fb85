CREATE TABLE "partition_moves" (
	"operation_id" text NOT NULL,
	"cluster_id" text NOT NULL,
	"topic_id" text NOT NULL,
	"partition" integer NOT NULL,
	"from_broker" integer NOT NULL,
	"to_broker" integer NOT NULL,
	"requested_at" bigint NOT NULL,
	"closed_at" bigint,
	"assigned_at" bigint,
	"opened_at" bigint,
	CONSTRAINT "partition_moves_operation_id_topic_id_partition_pk" PRIMARY KEY("operation_id","topic_id","partition")
);
--> statement-breakpoint
ALTER TABLE "partition_moves" ADD CONSTRAINT "partition_moves_operation_id_operations_id_fk" FOREIGN KEY ("operation_id") REFERENCES "public"."operations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "partition_moves_cluster_id_opened_at_index" ON "partition_moves" USING btree ("cluster_id","opened_at");--> statement-breakpoint
CREATE INDEX "partition_moves_topic_id_partition_index" ON "partition_moves" USING btree ("topic_id","partition");