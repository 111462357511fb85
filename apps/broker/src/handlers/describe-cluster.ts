// DescribeCluster v0–1 (KIP-700): the cluster id, the live brokers and the controller as Metadata shows them,
// and on request the client's authorized operations on the cluster (KIP-430). A broker is a BROKER endpoint
// (v1 endpointType 1): a request for the controllers' endpoint (2) gets MISMATCHED_ENDPOINT_TYPE, any other
// type UNSUPPORTED_ENDPOINT_TYPE, as in Kafka's AuthHelper.computeDescribeClusterResponse.
import { type ApiKey, type DescribeClusterRequest, ErrorCode } from "@cirrus/kafka-protocol";
import { OPERATIONS_NOT_REQUESTED } from "../security/authorized-operations.ts";
import { clusterAuthorizedOperationsOf } from "../security/request-authorization.ts";
import type { ErrorResponder, RequestContext, ResponseOf } from "./handler.ts";
import { liveBrokersOf, rackOf } from "./live-brokers.ts";

const BROKER_ENDPOINT = 1;
const CONTROLLER_ENDPOINT = 2;

type DescribeClusterResponse = ResponseOf<typeof ApiKey.DescribeCluster>;

function failed(errorCode: number, errorMessage: string | null): DescribeClusterResponse {
  return {
    throttleTimeMs: 0,
    errorCode,
    errorMessage,
    endpointType: BROKER_ENDPOINT,
    clusterId: "",
    controllerId: -1,
    brokers: [],
    clusterAuthorizedOperations: OPERATIONS_NOT_REQUESTED,
  };
}

export const describeClusterError: ErrorResponder<60> = (_request, errorCode) => failed(errorCode, null);

export async function handleDescribeCluster(
  request: DescribeClusterRequest,
  context: RequestContext,
): Promise<DescribeClusterResponse> {
  if (request.endpointType === CONTROLLER_ENDPOINT)
    return failed(
      ErrorCode.MISMATCHED_ENDPOINT_TYPE,
      "The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER",
    );
  if (request.endpointType !== BROKER_ENDPOINT)
    return failed(ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, `Unsupported endpoint type ${request.endpointType}`);
  const { services } = context;
  const metadata = await services.metadata();
  const cluster = liveBrokersOf(metadata, services.brokerId());
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    endpointType: BROKER_ENDPOINT,
    clusterId: metadata.clusterId,
    controllerId: cluster.controllerId,
    brokers: cluster.brokers.map((b) => ({
      brokerId: b.brokerId,
      host: b.host,
      port: b.port,
      rack: rackOf(b),
    })),
    clusterAuthorizedOperations: request.includeClusterAuthorizedOperations
      ? clusterAuthorizedOperationsOf(context)
      : OPERATIONS_NOT_REQUESTED,
  };
}
