CREATE TABLE "instance_credentials" (
	"cluster_id" text NOT NULL,
	"instance_id" text NOT NULL,
	"token_hash" text NOT NULL,
	"issued_at" bigint NOT NULL,
	CONSTRAINT "instance_credentials_cluster_id_instance_id_pk" PRIMARY KEY("cluster_id","instance_id"),
	CONSTRAINT "instance_credentials_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
ALTER TABLE "instance_credentials" ADD CONSTRAINT "instance_credentials_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;