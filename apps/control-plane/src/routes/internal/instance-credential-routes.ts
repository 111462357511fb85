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
import type { FastifyInstance } from "fastify";
import { withProblems } from "../../api-schemas/common.ts";
import type { AppContext } from "../../app-context.ts";
import { type IdentityKeyring, parseIdentityKeys } from "../../auth/instance-identity.ts";
import type { TypeBoxTypeProvider } from "../../http/typebox.ts";
import { issueInstanceChallenge } from "../../services/instance-challenges.ts";
import { issueInstanceCredential } from "../../services/instance-credentials.ts";

export function instanceCredentialRoutes(ctx: AppContext) {
  // Parsed once, at start: a bad certificate list stops the start instead of failing every broker.
  const { awsInstanceIdentityCertificates: aws, aliyunInstanceIdentityCertificates: aliyun } = ctx.config;
  const keys: IdentityKeyring = {
    ...(aws ? { aws: parseIdentityKeys(aws, "aws") } : {}),
    ...(aliyun ? { aliyun: parseIdentityKeys(aliyun, "aliyun") } : {}),
  };
  return async (app: FastifyInstance): Promise<void> => {
    const r = app.withTypeProvider<TypeBoxTypeProvider>();
    r.post(
      InternalRoutes.instanceChallenge,
      {
        schema: {
          tags: ["internal"],
          summary: "A short-lived, single-use challenge a cloud instance signs into its identity proof",
          body: InstanceChallengeRequest,
          response: withProblems({ 200: InstanceChallengeResponse }),
        },
      },
      async (request) => issueInstanceChallenge(ctx.database.db, request.body.clusterId),
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
        issueInstanceCredential(ctx.database.db, keys, request.body, Date.now(), ctx.isFleetInstance),
    );
  };
}
