// Kafka's authorization of the producer and transaction APIs (KafkaApis): WRITE on the transactional id for
// InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn, TxnOffsetCommit and transactional Produce
// (TRANSACTIONAL_ID_AUTHORIZATION_FAILED); an idempotent producer needs IDEMPOTENT_WRITE on the cluster or WRITE on
// some topic (KIP-679); READ on the group whose offsets a transaction commits; CLUSTER_ACTION for the
// broker-to-broker WriteTxnMarkers and batched AddPartitionsToTxn (v4+); the admin APIs need DESCRIBE on the
// ids, READ on the topics (DescribeProducers).
import { ErrorCode } from "@cirrus/kafka-protocol";
import { type AuthorizationRule, concatField, serveAllowedItems } from "./authorization-rule.ts";
import { isAllowed, isAllowedOnAny, isClusterAllowed } from "./request-authorization.ts";
import { topicsRule } from "./topic-rules.ts";

const TXN_DENIED = ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
const writeTxn = (context: Parameters<typeof isAllowed>[0], id: string) =>
  isAllowed(context, "WRITE", "TRANSACTIONAL_ID", id);

export const initProducerIdRule: AuthorizationRule<22> = async (request, context, serve, deny) => {
  if (request.transactionalId !== null)
    return writeTxn(context, request.transactionalId) ? serve(request) : deny(request, TXN_DENIED);
  const idempotent =
    isClusterAllowed(context, "IDEMPOTENT_WRITE") || isAllowedOnAny(context, "WRITE", "TOPIC");
  return idempotent ? serve(request) : deny(request, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
};

/**
 * AddPartitionsToTxn v0–3 (clients): WRITE on the id, then on every topic; when a topic is denied nothing is
 * added: denied partitions get TOPIC_AUTHORIZATION_FAILED, the others OPERATION_NOT_ATTEMPTED (as Kafka).
 */
export const addPartitionsToTxnRule: AuthorizationRule<24> = async (request, context, serve, deny) => {
  if (request.transactions.length > 0)
    return isClusterAllowed(context, "CLUSTER_ACTION")
      ? serve(request)
      : deny(request, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  if (!writeTxn(context, request.v3AndBelowTransactionalId)) return deny(request, TXN_DENIED);
  const write = (name: string) => isAllowed(context, "WRITE", "TOPIC", name);
  if (request.v3AndBelowTopics.every((t) => write(t.name))) return serve(request);
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    resultsByTransaction: [],
    resultsByTopicV3AndBelow: request.v3AndBelowTopics.map((t) => ({
      name: t.name,
      resultsByPartition: t.partitions.map((partitionIndex) => ({
        partitionIndex,
        partitionErrorCode: write(t.name)
          ? ErrorCode.OPERATION_NOT_ATTEMPTED
          : ErrorCode.TOPIC_AUTHORIZATION_FAILED,
      })),
    })),
  };
};

export const addOffsetsToTxnRule: AuthorizationRule<25> = async (request, context, serve, deny) => {
  if (!writeTxn(context, request.transactionalId)) return deny(request, TXN_DENIED);
  if (!isAllowed(context, "READ", "GROUP", request.groupId))
    return deny(request, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  return serve(request);
};

export const endTxnRule: AuthorizationRule<26> = async (request, context, serve, deny) =>
  writeTxn(context, request.transactionalId) ? serve(request) : deny(request, TXN_DENIED);

export const writeTxnMarkersRule: AuthorizationRule<27> = async (request, context, serve, deny) =>
  isClusterAllowed(context, "CLUSTER_ACTION")
    ? serve(request)
    : deny(request, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);

const readTopics = topicsRule<28>("READ", "topics");
export const txnOffsetCommitRule: AuthorizationRule<28> = async (request, context, serve, deny) => {
  if (!writeTxn(context, request.transactionalId)) return deny(request, TXN_DENIED);
  if (!isAllowed(context, "READ", "GROUP", request.groupId))
    return deny(request, ErrorCode.GROUP_AUTHORIZATION_FAILED);
  return readTopics(request, context, serve, deny);
};

export const describeProducersRule = topicsRule<61>("READ", "topics");

export const describeTransactionsRule: AuthorizationRule<65> = (request, context, serve, deny) =>
  serveAllowedItems(
    request,
    request.transactionalIds,
    (id) => isAllowed(context, "DESCRIBE", "TRANSACTIONAL_ID", id),
    (transactionalIds) => ({ ...request, transactionalIds }),
    TXN_DENIED,
    serve,
    deny,
    concatField("transactionStates"),
  );

export const listTransactionsRule: AuthorizationRule<66> = async (request, context, serve) => {
  const served = await serve(request);
  if (served === null) return served;
  return {
    ...served,
    transactionStates: (served.transactionStates ?? []).filter((s) =>
      isAllowed(context, "DESCRIBE", "TRANSACTIONAL_ID", s.transactionalId),
    ),
  };
};
