import { defineMessage, type MessageOf } from "../schema/types.ts";

// DescribeCluster (key 60). Flexible from v0; v1 endpointType (1 brokers, 2 controllers).
//
// DescribeClusterRequest => include_cluster_authorized_operations endpoint_type
// DescribeClusterResponse => throttle_time_ms error_code error_message endpoint_type cluster_id
//   controller_id [brokers broker_id host port rack] cluster_authorized_operations

export const DescribeClusterRequestSpec = defineMessage({
  name: "DescribeClusterRequest",
  apiKey: 60,
  type: "request",
  validVersions: "0-1",
  flexibleVersions: "0+",
  fields: [
    { name: "includeClusterAuthorizedOperations", type: "bool", versions: "0+" },
    { name: "endpointType", type: "int8", versions: "1+", default: 1 },
  ],
});

export const DescribeClusterResponseSpec = defineMessage({
  name: "DescribeClusterResponse",
  apiKey: 60,
  type: "response",
  validVersions: "0-1",
  flexibleVersions: "0+",
  fields: [
    { name: "throttleTimeMs", type: "int32", versions: "0+" },
    { name: "errorCode", type: "int16", versions: "0+" },
    { name: "errorMessage", type: "string", versions: "0+", nullableVersions: "0+", default: null },
    { name: "endpointType", type: "int8", versions: "1+", default: 1 },
    { name: "clusterId", type: "string", versions: "0+" },
    { name: "controllerId", type: "int32", versions: "0+", default: -1 },
    {
      name: "brokers",
      type: "[]",
      versions: "0+",
      fields: [
        { name: "brokerId", type: "int32", versions: "0+" },
        { name: "host", type: "string", versions: "0+" },
        { name: "port", type: "int32", versions: "0+" },
        { name: "rack", type: "string", versions: "0+", nullableVersions: "0+", default: null },
      ],
    },
    { name: "clusterAuthorizedOperations", type: "int32", versions: "0+", default: -2147483648 },
  ],
});

export type DescribeClusterRequest = MessageOf<typeof DescribeClusterRequestSpec>;
export type DescribeClusterResponse = MessageOf<typeof DescribeClusterResponseSpec>;
