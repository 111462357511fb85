// The ACL, SCRAM user and client quota APIs, merged into the broker's handlers by src/index.ts.
import { ApiKey } from "@cirrus/kafka-protocol";
import {
  createAclsError,
  deleteAclsError,
  describeAclsError,
  handleCreateAcls,
  handleDeleteAcls,
  handleDescribeAcls,
} from "./acl-handlers.ts";
import { describeClientQuotasError, handleDescribeClientQuotas } from "./client-quotas-handler.ts";
import { type HandlerMap, handlerMap } from "./handler.ts";
import {
  alterUserScramCredentialsError,
  describeUserScramCredentialsError,
  handleAlterUserScramCredentials,
  handleDescribeUserScramCredentials,
} from "./scram-credential-handlers.ts";

export const securityHandlers: HandlerMap = handlerMap({
  [ApiKey.DescribeAcls]: { handle: handleDescribeAcls, errorResponse: describeAclsError },
  [ApiKey.CreateAcls]: { handle: handleCreateAcls, errorResponse: createAclsError },
  [ApiKey.DeleteAcls]: { handle: handleDeleteAcls, errorResponse: deleteAclsError },
  [ApiKey.DescribeClientQuotas]: {
    handle: handleDescribeClientQuotas,
    errorResponse: describeClientQuotasError,
  },
  [ApiKey.DescribeUserScramCredentials]: {
    handle: handleDescribeUserScramCredentials,
    errorResponse: describeUserScramCredentialsError,
  },
  [ApiKey.AlterUserScramCredentials]: {
    handle: handleAlterUserScramCredentials,
    errorResponse: alterUserScramCredentialsError,
  },
});
