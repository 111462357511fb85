CREATE TABLE "instance_challenges" (
	"nonce_hash" text PRIMARY KEY NOT NULL,
	"cluster_id" text NOT NULL,
	"expires_at" bigint NOT NULL,
	"used_at" bigint
);
--> statement-breakpoint
ALTER TABLE "instance_challenges" ADD CONSTRAINT "instance_challenges_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;