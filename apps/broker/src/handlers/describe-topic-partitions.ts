// DescribeTopicPartitions v0 (KIP-966, API 75): what Kafka 3.7+ admin clients and `kafka-topics --describe` ask
// instead of Metadata, as Kafka's DescribeTopicPartitionsRequestHandler answers it. An empty topic list means
// every topic; the topics are answered in name order from the cursor's topic on (the cursor's topic from its
// partition), at most min(responsePartitionLimit, maxRequestPartitionSizeLimit) partitions (at least 1), and
// nextCursor says where the next request starts (topic-partition-page.ts).
// Authorization is the handler's own (its rule is "handler"): a topic the client may not DESCRIBE is left out
// before the page is cut; a named one is answered TOPIC_AUTHORIZATION_FAILED after the page (whether it exists
// is not disclosed), one of "every topic" silently left out. Every answered topic carries its KIP-430 bit field
// (the request has no flag to ask for it: Kafka always fills it).
import { type ApiKey, type DescribeTopicPartitionsRequest, ErrorCode } from "@cirrus/kafka-protocol";
import { authorizedOperationsOf, isAllowed } from "../security/request-authorization.ts";
import type { ErrorResponder, RequestContext, ResponseOf } from "./handler.ts";
import { liveBrokersOf } from "./live-brokers.ts";
import { metadataAgreeingWithServed } from "./metadata-staleness.ts";
import { ZERO_WIRE_TOPIC_ID } from "./topic-ids.ts";
import { type TopicAnswer, topicPartitionPage } from "./topic-partition-page.ts";

type DescribeTopicPartitionsResponse = ResponseOf<typeof ApiKey.DescribeTopicPartitions>;

const failedTopic = (name: string, errorCode: number): TopicAnswer => ({
  errorCode,
  name,
  topicId: ZERO_WIRE_TOPIC_ID,
  isInternal: false,
  partitions: [],
});

/** Kafka's DescribeTopicPartitionsRequest.getErrorResponse: every named topic with the code. */
function everyTopicFailed(request: DescribeTopicPartitionsRequest, errorCode: number) {
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((t) => failedTopic(t.name, errorCode)),
    nextCursor: null,
  };
}

/** Null for a request of every topic: an answer without topics would read as "there are none". */
export const describeTopicPartitionsError: ErrorResponder<75> = (request, errorCode) =>
  request.topics.length === 0 ? null : everyTopicFailed(request, errorCode);

export async function handleDescribeTopicPartitions(
  request: DescribeTopicPartitionsRequest,
  context: RequestContext,
): Promise<DescribeTopicPartitionsResponse> {
  const { services } = context;
  const { cursor } = request;
  const allTopics = request.topics.length === 0;
  // Kafka answers both as InvalidRequestException: the cursor's topic must be one of the named ones, and its
  // partition an index.
  if (!allTopics && cursor !== null && !request.topics.some((t) => t.name === cursor.topicName))
    return everyTopicFailed(request, ErrorCode.INVALID_REQUEST);
  if (cursor !== null && cursor.partitionIndex < 0)
    return everyTopicFailed(request, ErrorCode.INVALID_REQUEST);

  const asked = allTopics ? null : request.topics.map((t) => t.name);
  const metadata = await metadataAgreeingWithServed(services, asked);
  const from = cursor?.topicName ?? "";
  // String order is Java's String.compareTo (UTF-16 code units), as the client pages by.
  const names = [...new Set(asked ?? metadata.topics.map((t) => t.name))].filter((n) => n >= from).sort();
  const denied: string[] = [];
  const allowed = names.filter((name) => {
    const ok = isAllowed(context, "DESCRIBE", "TOPIC", name);
    if (!ok && !allTopics) denied.push(name);
    return ok;
  });
  const limit = Math.max(
    Math.min(services.config.maxRequestPartitionSizeLimit, request.responsePartitionLimit),
    1,
  );
  const page = topicPartitionPage(metadata, liveBrokersOf(metadata, services.brokerId()).ids, {
    names: allowed,
    startOf: (name) => (cursor !== null && name === cursor.topicName ? cursor.partitionIndex : 0),
    limit,
    skipUnknown: allTopics,
  });
  return {
    throttleTimeMs: 0,
    topics: [
      ...page.topics.map((t) => ({
        ...t,
        topicAuthorizedOperations: authorizedOperationsOf(context, "TOPIC", t.name as string),
      })),
      ...denied.map((name) => failedTopic(name, ErrorCode.TOPIC_AUTHORIZATION_FAILED)),
    ],
    nextCursor: page.nextCursor,
  };
}
