import {
  AlterScramCredentialsRequest,
  AlterScramCredentialsResponse,
  CreateAclsRequest,
  CreateAclsResponse,
  DeleteAclsRequest,
  DeleteAclsResponse,
  InterBrokerCredential,
  InternalRoutes,
  SecuritySnapshot,
  SecurityVersion,
} from "@cirrus/broker-api";
import type { FastifyInstance } from "fastify";
import { withProblems } from "../../api-schemas/common.ts";
import type { AppContext } from "../../app-context.ts";
import type { TypeBoxTypeProvider } from "../../http/typebox.ts";
import {
  alterScramCredentials,
  createAcls,
  deleteAcls,
  securitySnapshot,
  securityVersion,
} from "../../services/cluster-security.ts";
import {
  ensureControlPlaneKafkaCredential,
  interBrokerKafkaCredential,
} from "../../services/control-plane-kafka-credential.ts";

/**
 * The cluster's Kafka ACLs and SCRAM credentials for its brokers: read by every broker (authorization, SCRAM
 * authentication), changed by the broker that serves CreateAcls, DeleteAcls or AlterUserScramCredentials.
 */
export function securityRoutes(ctx: AppContext) {
  return async (app: FastifyInstance): Promise<void> => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    const { db } = ctx.database;

    r.get(
      InternalRoutes.security,
      {
        schema: {
          tags: ["internal"],
          summary: "The cluster's ACL bindings and SCRAM credentials",
          response: withProblems({ 200: SecuritySnapshot }),
        },
      },
      async (request) => {
        // A broker's first read creates the control plane's own credentials (its user, the inter-broker user), so
        // brokers know them before they are used.
        await ensureControlPlaneKafkaCredential(db, request.brokerClusterId!);
        return securitySnapshot(db, request.brokerClusterId!);
      },
    );

    r.get(
      InternalRoutes.securityVersion,
      {
        schema: {
          tags: ["internal"],
          summary: "The version of the cluster's ACLs and SCRAM credentials (grows with every change)",
          response: withProblems({ 200: SecurityVersion }),
        },
      },
      async (request) => ({ version: await securityVersion(db, request.brokerClusterId!) }),
    );

    r.get(
      InternalRoutes.interBrokerCredential,
      {
        schema: {
          tags: ["internal"],
          summary: "The credential brokers of this cluster authenticate to each other with (a super user)",
          response: withProblems({ 200: InterBrokerCredential }),
        },
      },
      // Only the cluster's brokers get it (their token names the cluster); sealed at rest like the control plane's.
      async (request) => interBrokerKafkaCredential(db, request.brokerClusterId!),
    );

    r.post(
      InternalRoutes.acls,
      {
        schema: {
          tags: ["internal"],
          summary: "Store ACL bindings (Kafka's CreateAcls); an outcome per binding",
          body: CreateAclsRequest,
          response: withProblems({ 200: CreateAclsResponse }),
        },
      },
      async (request) => createAcls(db, request.brokerClusterId!, request.body.acls),
    );

    r.post(
      InternalRoutes.deleteAcls,
      {
        schema: {
          tags: ["internal"],
          summary: "Delete the ACL bindings each filter matches (Kafka's DeleteAcls)",
          body: DeleteAclsRequest,
          response: withProblems({ 200: DeleteAclsResponse }),
        },
      },
      async (request) => deleteAcls(db, request.brokerClusterId!, request.body.filters),
    );

    r.post(
      InternalRoutes.scramCredentials,
      {
        schema: {
          tags: ["internal"],
          summary: "Delete and store SCRAM credentials (Kafka's AlterUserScramCredentials)",
          body: AlterScramCredentialsRequest,
          response: withProblems({ 200: AlterScramCredentialsResponse }),
        },
      },
      async (request) => alterScramCredentials(db, request.brokerClusterId!, request.body),
    );
  };
}
