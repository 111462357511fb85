CREATE TABLE "kafka_acls" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"cluster_id" text NOT NULL,
	"resource_type" text NOT NULL,
	"resource_name" text NOT NULL,
	"pattern_type" text NOT NULL,
	"principal" text NOT NULL,
	"host" text NOT NULL,
	"operation" text NOT NULL,
	"permission" text NOT NULL,
	"created_at" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "scram_credentials" (
	"cluster_id" text NOT NULL,
	"user_name" text NOT NULL,
	"mechanism" text NOT NULL,
	"iterations" integer NOT NULL,
	"salt" text NOT NULL,
	"stored_key" text NOT NULL,
	"server_key" text NOT NULL,
	"updated_at" bigint NOT NULL,
	CONSTRAINT "scram_credentials_cluster_id_user_name_mechanism_pk" PRIMARY KEY("cluster_id","user_name","mechanism")
);
--> statement-breakpoint
ALTER TABLE "kafka_acls" ADD CONSTRAINT "kafka_acls_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "scram_credentials" ADD CONSTRAINT "scram_credentials_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "kafka_acls_binding" ON "kafka_acls" USING btree ("cluster_id","resource_type","resource_name","pattern_type","principal","host","operation","permission");