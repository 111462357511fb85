// POST /internal/v1/instance-credentials: a broker on a cloud instance trades the identity its cloud signed
// for a broker credential bound to that instance. POST /internal/v1/instance-challenges: the challenge it has
// its cloud sign into that identity first (aliyun's audience). Outside the broker-credential hook on purpose:
// the signed identity is the authentication (auth/instance-identity.ts).
import {
  InstanceChallengeRequest,
  InstanceChallengeResponse,
  InstanceCredentialRequest,
  InstanceCredentialResponse,
  InternalRoutes,
} from "@cirrus/broker-api";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import { problemResponse, withProblems } from "../../api-schemas/common.ts";
import type { AppContext } from "../../app-context.ts";
import { type IdentityKeyring, parseIdentityKeys } from "../../auth/instance-identity.ts";
import { awsAccountSource } from "../../auth/own-aws-account.ts";
import type { TypeBoxTypeProvider } from "../../http/typebox.ts";
import { CHALLENGE_LIMIT_FLOOR, issueInstanceChallenge } from "../../services/instance-challenges.ts";
import { issueInstanceCredential } from "../../services/instance-credentials.ts";

export function instanceCredentialRoutes(ctx: AppContext) {
  // Parsed once, at start: a bad certificate list stops the start instead of failing every broker.
  const { awsInstanceIdentityCertificates: aws, aliyunInstanceIdentityCertificates: aliyun } = ctx.config;
  const keys: IdentityKeyring = {
    ...(aws ? { aws: parseIdentityKeys(aws, "aws") } : {}),
    ...(aliyun ? { aliyun: parseIdentityKeys(aliyun, "aliyun") } : {}),
  };
  const { awsStsEndpoint: stsEndpoint, awsBrokerAccountId: configured } = ctx.config;
  const awsProof = { account: awsAccountSource({ configured, stsEndpoint }), stsEndpoint };
  return async (app: FastifyInstance): Promise<void> => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    r.post(
      InternalRoutes.instanceChallenge,
      {
        schema: {
          tags: ["internal"],
          summary: "A short-lived, single-use challenge a cloud instance signs into its identity proof",
          description: `Unauthenticated (the instance has no credential yet). A cluster holds at most 4 open (unexpired, unspent) challenges per broker of its brokers.max, at least ${CHALLENGE_LIMIT_FLOOR}; one more is answered 429 and writes nothing. An unknown cluster is 401.`,
          body: InstanceChallengeRequest,
          response: withProblems({
            200: InstanceChallengeResponse,
            429: problemResponse("The cluster holds as many open challenges as it may (code RATE_LIMITED)", {
              "Retry-After": Type.Integer({
                minimum: 1,
                description: "Seconds until the cluster's oldest open challenge expires and frees a slot",
              }),
            }),
          }),
        },
      },
      async (request) =>
        issueInstanceChallenge(ctx.database.db, request.body.clusterId, Date.now(), stsEndpoint),
    );
    r.post(
      InternalRoutes.instanceCredential,
      {
        schema: {
          tags: ["internal"],
          summary:
            "A broker credential for a cloud instance that proves its identity (no secret in user data)",
          body: InstanceCredentialRequest,
          response: withProblems({ 200: InstanceCredentialResponse }),
        },
      },
      async (request) =>
        issueInstanceCredential(
          ctx.database.db,
          keys,
          request.body,
          Date.now(),
          ctx.isFleetInstance,
          awsProof,
        ),
    );
  };
}
