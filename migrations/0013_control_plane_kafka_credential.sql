CREATE TABLE "control_plane_kafka_credentials" (
	"cluster_id" text PRIMARY KEY NOT NULL,
	"secret" text NOT NULL,
	"scram" jsonb NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "control_plane_kafka_credentials" ADD CONSTRAINT "control_plane_kafka_credentials_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;