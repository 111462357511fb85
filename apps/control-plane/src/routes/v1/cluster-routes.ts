import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import {
  Cluster,
  CreateClusterRequest,
  DeleteClusterQuery,
  UpdateClusterRequest,
} from "../../api-schemas/clusters.ts";
import { IdPath, Page, PageQuery, withProblems } from "../../api-schemas/common.ts";
import { OperationView } from "../../api-schemas/operations.ts";
import type { AppContext } from "../../app-context.ts";
import {
  ProvisioningError,
  ProvisioningErrorCode,
} from "../../controllers/provisioner/provisioning-error.ts";
import { decodeCursor, pageOf } from "../../http/cursor.ts";
import { problemBody, sendProblem } from "../../http/problem-handler.ts";
import type { TypeBoxTypeProvider } from "../../http/typebox.ts";
import {
  createCluster,
  deleteCluster,
  getCluster,
  listClusters,
  updateCluster,
} from "../../services/clusters.ts";

const CreatedCluster = Type.Object({
  cluster: Cluster,
  operation: OperationView,
  /** The cluster's broker credential for /internal/v1, shown once. */
  brokerToken: Type.String(),
});
const ClusterChange = Type.Object({ cluster: Cluster, operation: Type.Union([OperationView, Type.Null()]) });
const ClusterDeletion = Type.Object({ cluster: Cluster, operation: OperationView });

const CREDENTIALS_MISSING_TITLE = "The control plane has no credentials for this cloud";

/** POST /v1/clusters for a cloud the control plane has no credentials for (422, the code names it). */
function isCloudProviderUnusable(error: unknown): error is ProvisioningError {
  return error instanceof ProvisioningError && error.code === ProvisioningErrorCode.CREDENTIALS_MISSING;
}

export function clusterRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const { db } = ctx.database;
    const tags = ["clusters"];

    r.post(
      "/clusters",
      {
        config: { scope: "admin" },
        schema: {
          tags,
          summary: "Create a cluster (202: provisioning runs as an operation)",
          body: CreateClusterRequest,
          response: withProblems({ 202: CreatedCluster }),
        },
      },
      async (request, reply) => {
        try {
          const created = await createCluster(db, request.body, request.principal!.tokenId, {
            checkCredentials: ctx.checkCredentials,
          });
          return reply.code(202).send(created);
        } catch (error) {
          if (!isCloudProviderUnusable(error)) throw error;
          // Checked before anything is stored: a cluster this control plane could neither create nor delete.
          return sendProblem(
            reply,
            problemBody(422, error.code, CREDENTIALS_MISSING_TITLE, error.message, request.url),
          );
        }
      },
    );

    r.get(
      "/clusters",
      {
        config: { scope: "viewer" },
        schema: {
          tags,
          summary: "List clusters, newest first",
          querystring: PageQuery,
          response: withProblems({ 200: Page(Cluster) }),
        },
      },
      async (request) => {
        const rows = await listClusters(db, request.query.limit + 1, decodeCursor(request.query.cursor));
        return pageOf(rows, request.query.limit);
      },
    );

    r.get(
      "/clusters/:id",
      {
        config: { scope: "viewer" },
        schema: { tags, summary: "Get a cluster", params: IdPath, response: withProblems({ 200: Cluster }) },
      },
      async (request) => getCluster(db, request.params.id),
    );

    r.patch(
      "/clusters/:id",
      {
        config: { scope: "operator" },
        schema: {
          tags,
          summary: "Update a cluster (optimistic: send the version you read)",
          params: IdPath,
          body: UpdateClusterRequest,
          response: withProblems({ 200: ClusterChange, 202: ClusterChange }),
        },
      },
      async (request, reply) => {
        const change = await updateCluster(db, request.params.id, request.body, request.principal!.tokenId);
        return reply.code(change.operation ? 202 : 200).send(change);
      },
    );

    r.delete(
      "/clusters/:id",
      {
        config: { scope: "admin" },
        schema: {
          tags,
          summary:
            "Delete a cluster: drains it, keeps object data unless purge=true; abandon=true forgets what the cloud does not let it delete",
          params: IdPath,
          querystring: DeleteClusterQuery,
          response: withProblems({ 202: ClusterDeletion }),
        },
      },
      async (request, reply) => {
        const deletion = await deleteCluster(
          db,
          request.params.id,
          request.query.purge,
          request.principal!.tokenId,
          { abandon: request.query.abandon },
        );
        return reply.code(202).send(deletion);
      },
    );
  };
}
