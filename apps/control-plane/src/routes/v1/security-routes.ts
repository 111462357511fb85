import type { FastifyInstance } from "fastify";
import { IdPath, withProblems } from "../../api-schemas/common.ts";
import {
  AclBinding,
  AclBindingFilter,
  AclList,
  ClusterUserPath,
  DeleteAclsResult,
  KafkaUser,
  KafkaUserList,
  PutKafkaUserRequest,
} from "../../api-schemas/security.ts";
import type { AppContext } from "../../app-context.ts";
import { ApiError } from "../../errors.ts";
import type { TypeBoxTypeProvider } from "../../http/typebox.ts";
import {
  alterScramCredentials,
  createAcls,
  deleteAcls,
  deleteKafkaUser,
  listAcls,
  listKafkaUsers,
  scramCredentialOf,
} from "../../services/cluster-security.ts";
import { getCluster } from "../../services/clusters.ts";

/**
 * A cluster's Kafka ACLs and SCRAM users, the same store its brokers enforce (within their refresh, ~2 s). Reading
 * needs `viewer`; changing needs `admin` (who may grant anyone anything in the cluster).
 */
export function securityRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const { db } = ctx.database;
    const tags = ["security"];

    r.get(
      "/clusters/:id/acls",
      {
        config: { scope: "viewer" },
        schema: {
          tags,
          summary: "List the cluster's Kafka ACLs",
          params: IdPath,
          response: withProblems({ 200: AclList }),
        },
      },
      async (request) => {
        await getCluster(db, request.params.id);
        return { items: await listAcls(db, request.params.id) };
      },
    );

    r.post(
      "/clusters/:id/acls",
      {
        config: { scope: "admin" },
        schema: {
          tags,
          summary: "Add a Kafka ACL (adding one that exists is a success)",
          params: IdPath,
          body: AclBinding,
          response: withProblems({ 201: AclBinding }),
        },
      },
      async (request, reply) => {
        await getCluster(db, request.params.id);
        // createAcls checks the binding (Kafka's rules) and answers why it refused it.
        const [outcome] = (await createAcls(db, request.params.id, [request.body])).results;
        if (outcome?.error) throw new ApiError("INVALID_REQUEST", outcome.error);
        return reply.code(201).send(request.body);
      },
    );

    r.post(
      "/clusters/:id/acls/delete",
      {
        config: { scope: "admin" },
        schema: {
          tags,
          summary:
            "Delete the Kafka ACLs a filter matches (Kafka's DeleteAcls: null and ANY match everything)",
          params: IdPath,
          body: AclBindingFilter,
          response: withProblems({ 200: DeleteAclsResult }),
        },
      },
      async (request) => {
        await getCluster(db, request.params.id);
        const { results } = await deleteAcls(db, request.params.id, [request.body]);
        return { deleted: results[0]?.deleted ?? [] };
      },
    );

    r.get(
      "/clusters/:id/users",
      {
        config: { scope: "viewer" },
        schema: {
          tags,
          summary: "List the cluster's SCRAM users (mechanisms and iterations, no key material)",
          params: IdPath,
          response: withProblems({ 200: KafkaUserList }),
        },
      },
      async (request) => {
        await getCluster(db, request.params.id);
        return { items: await listKafkaUsers(db, request.params.id) };
      },
    );

    r.put(
      "/clusters/:id/users/:name",
      {
        config: { scope: "admin" },
        schema: {
          tags,
          summary:
            "Create a SCRAM user or set its password for one mechanism (default SCRAM-SHA-256, 8192 iterations)",
          params: ClusterUserPath,
          body: PutKafkaUserRequest,
          response: withProblems({ 200: KafkaUser }),
        },
      },
      async (request) => {
        const { id, name } = request.params;
        await getCluster(db, id);
        const { password, mechanism = "SCRAM-SHA-256", iterations = 8192 } = request.body;
        await alterScramCredentials(db, id, {
          deletions: [],
          upsertions: [scramCredentialOf(name, password, mechanism, iterations)],
        });
        const user = (await listKafkaUsers(db, id)).find((u) => u.name === name);
        return user ?? { name, credentials: [] };
      },
    );

    r.delete(
      "/clusters/:id/users/:name",
      {
        config: { scope: "admin" },
        schema: {
          tags,
          summary:
            "Delete a SCRAM user (every mechanism); answers what was deleted. Open connections stay until they close",
          params: ClusterUserPath,
          response: withProblems({ 200: KafkaUser }),
        },
      },
      async (request) => {
        const { id, name } = request.params;
        await getCluster(db, id);
        const user = (await listKafkaUsers(db, id)).find((u) => u.name === name);
        if (!user || !(await deleteKafkaUser(db, id, name)))
          throw new ApiError("NOT_FOUND", `no SCRAM user ${name}`);
        return user;
      },
    );
  };
}
