ALTER TABLE "control_plane_kafka_credentials" ADD COLUMN "user_name" text DEFAULT 'cirrus-control-plane' NOT NULL;--> statement-breakpoint
ALTER TABLE "control_plane_kafka_credentials" DROP CONSTRAINT "control_plane_kafka_credentials_pkey";--> statement-breakpoint
ALTER TABLE "control_plane_kafka_credentials" ADD CONSTRAINT "control_plane_kafka_credentials_cluster_id_user_name_pk" PRIMARY KEY("cluster_id","user_name");
