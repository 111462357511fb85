CREATE SEQUENCE "public"."object_order_seq" INCREMENT BY 1 MINVALUE 0 MAXVALUE 9223372036854775807 START WITH 0 CACHE 1;--> statement-breakpoint
CREATE TABLE "api_tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"scope" text NOT NULL,
	"hash" text NOT NULL,
	"created_at" bigint NOT NULL,
	"last_used_at" bigint,
	"revoked_at" bigint,
	CONSTRAINT "api_tokens_hash_unique" UNIQUE("hash")
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" bigint NOT NULL,
	"token_id" text,
	"action" text NOT NULL,
	"resource" text NOT NULL,
	"status" integer NOT NULL,
	"request_id" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "brokers" (
	"cluster_id" text NOT NULL,
	"broker_id" integer NOT NULL,
	"instance_id" text NOT NULL,
	"zone" text NOT NULL,
	"host" text NOT NULL,
	"port" integer NOT NULL,
	"volume_id" text,
	"spot" boolean DEFAULT false NOT NULL,
	"epoch" bigint NOT NULL,
	"state" text NOT NULL,
	"lease_until" bigint NOT NULL,
	"assignment_version" bigint DEFAULT 0 NOT NULL,
	"bytes_in_per_sec" double precision DEFAULT 0 NOT NULL,
	"bytes_out_per_sec" double precision DEFAULT 0 NOT NULL,
	"registered_at" bigint NOT NULL,
	CONSTRAINT "brokers_cluster_id_broker_id_pk" PRIMARY KEY("cluster_id","broker_id")
);
--> statement-breakpoint
CREATE TABLE "clusters" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"spec" jsonb NOT NULL,
	"state" text NOT NULL,
	"conditions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"version" integer DEFAULT 1 NOT NULL,
	"deletion_protection" boolean DEFAULT true NOT NULL,
	"broker_token_hash" text NOT NULL,
	"bootstrap" text,
	"metadata_version" bigint DEFAULT 0 NOT NULL,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	CONSTRAINT "clusters_name_unique" UNIQUE("name"),
	CONSTRAINT "clusters_broker_token_hash_unique" UNIQUE("broker_token_hash")
);
--> statement-breakpoint
CREATE TABLE "counters" (
	"name" text PRIMARY KEY NOT NULL,
	"next" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"token_id" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"status_code" integer NOT NULL,
	"response" jsonb,
	"created_at" bigint NOT NULL,
	CONSTRAINT "idempotency_keys_token_id_key_pk" PRIMARY KEY("token_id","key")
);
--> statement-breakpoint
CREATE TABLE "metric_samples" (
	"cluster_id" text NOT NULL,
	"broker_id" integer NOT NULL,
	"at" bigint NOT NULL,
	"bytes_in_per_sec" double precision NOT NULL,
	"bytes_out_per_sec" double precision NOT NULL,
	CONSTRAINT "metric_samples_cluster_id_broker_id_at_pk" PRIMARY KEY("cluster_id","broker_id","at")
);
--> statement-breakpoint
CREATE TABLE "object_ranges" (
	"stream_id" bigint NOT NULL,
	"object_id" bigint NOT NULL,
	"stream_epoch" bigint NOT NULL,
	"start_offset" bigint NOT NULL,
	"end_offset" bigint NOT NULL,
	"position" bigint NOT NULL,
	"length" bigint NOT NULL,
	CONSTRAINT "object_ranges_stream_id_start_offset_object_id_pk" PRIMARY KEY("stream_id","start_offset","object_id")
);
--> statement-breakpoint
CREATE TABLE "objects" (
	"id" bigint PRIMARY KEY NOT NULL,
	"cluster_id" text NOT NULL,
	"state" text NOT NULL,
	"type" text,
	"object_size" bigint DEFAULT 0 NOT NULL,
	"node_id" integer DEFAULT -1 NOT NULL,
	"order_id" bigint DEFAULT 0 NOT NULL,
	"prepared_until" bigint NOT NULL,
	"committed_at" bigint DEFAULT 0 NOT NULL,
	"unreferenced_since" bigint
);
--> statement-breakpoint
CREATE TABLE "operations" (
	"id" text PRIMARY KEY NOT NULL,
	"cluster_id" text,
	"type" text NOT NULL,
	"status" text NOT NULL,
	"input" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"steps" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"progress" double precision DEFAULT 0 NOT NULL,
	"error" jsonb,
	"attempts" integer DEFAULT 0 NOT NULL,
	"created_by" text,
	"created_at" bigint NOT NULL,
	"updated_at" bigint NOT NULL,
	"finished_at" bigint
);
--> statement-breakpoint
CREATE TABLE "partitions" (
	"topic_id" text NOT NULL,
	"partition" integer NOT NULL,
	"cluster_id" text NOT NULL,
	"stream_id" bigint NOT NULL,
	"leader_broker_id" integer DEFAULT -1 NOT NULL,
	"leader_epoch" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "partitions_topic_id_partition_pk" PRIMARY KEY("topic_id","partition")
);
--> statement-breakpoint
CREATE TABLE "streams" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"cluster_id" text NOT NULL,
	"epoch" bigint DEFAULT 0 NOT NULL,
	"start_offset" bigint DEFAULT 0 NOT NULL,
	"end_offset" bigint DEFAULT 0 NOT NULL,
	"state" text DEFAULT 'CLOSED' NOT NULL,
	"node_id" integer DEFAULT -1 NOT NULL,
	"tags" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"deleted" boolean DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE TABLE "topics" (
	"id" text PRIMARY KEY NOT NULL,
	"cluster_id" text NOT NULL,
	"name" text NOT NULL,
	"configs" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "volumes" (
	"id" text PRIMARY KEY NOT NULL,
	"cluster_id" text NOT NULL,
	"zone" text NOT NULL,
	"size_gib" integer NOT NULL,
	"owner_broker_id" integer DEFAULT -1 NOT NULL,
	"owner_epoch" bigint DEFAULT 0 NOT NULL,
	"recovering_broker_id" integer DEFAULT -1 NOT NULL,
	"state" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "brokers" ADD CONSTRAINT "brokers_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "partitions" ADD CONSTRAINT "partitions_topic_id_topics_id_fk" FOREIGN KEY ("topic_id") REFERENCES "public"."topics"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "topics" ADD CONSTRAINT "topics_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "volumes" ADD CONSTRAINT "volumes_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_at_index" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE UNIQUE INDEX "brokers_cluster_id_instance_id_index" ON "brokers" USING btree ("cluster_id","instance_id");--> statement-breakpoint
CREATE INDEX "object_ranges_object_id_index" ON "object_ranges" USING btree ("object_id");--> statement-breakpoint
CREATE INDEX "objects_cluster_id_state_node_id_index" ON "objects" USING btree ("cluster_id","state","node_id");--> statement-breakpoint
CREATE INDEX "objects_state_unreferenced_since_index" ON "objects" USING btree ("state","unreferenced_since");--> statement-breakpoint
CREATE INDEX "operations_status_type_index" ON "operations" USING btree ("status","type");--> statement-breakpoint
CREATE INDEX "operations_cluster_id_created_at_index" ON "operations" USING btree ("cluster_id","created_at");--> statement-breakpoint
CREATE INDEX "partitions_cluster_id_leader_broker_id_index" ON "partitions" USING btree ("cluster_id","leader_broker_id");--> statement-breakpoint
CREATE INDEX "streams_cluster_id_node_id_state_index" ON "streams" USING btree ("cluster_id","node_id","state");--> statement-breakpoint
CREATE UNIQUE INDEX "topics_cluster_id_name_index" ON "topics" USING btree ("cluster_id","name");