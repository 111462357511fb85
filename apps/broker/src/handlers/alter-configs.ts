// AlterConfigs v0–2 (33: a resource's whole config set is replaced) and IncrementalAlterConfigs v0–1 (44:
// SET/DELETE/APPEND/SUBTRACT per key). Topic configs are changed in the control plane, which applies the
// changes to the stored set under its cluster lock; the broker first checks them with the same function
// (@cirrus/broker-api's applyTopicConfigChanges) against its view, to answer in Kafka's error codes.
// Broker settings are static (environment and config file at start-up): a change to any of them is refused as
// Kafka refuses a read-only broker config ("Cannot update these configs dynamically"); deleting one, with no
// dynamic override to remove, changes nothing and succeeds.
import {
  applyTopicConfigChanges,
  type ClusterMetadata,
  checkTopicName,
  type TopicConfigChange,
} from "@cirrus/broker-api";
import {
  type AlterConfigsRequest,
  type ApiKey,
  ErrorCode,
  type IncrementalAlterConfigsRequest,
} from "@cirrus/kafka-protocol";
import { ConfigResourceType } from "./admin-topic-configs.ts";
import { controlPlaneError } from "./control-plane-errors.ts";
import type { ErrorResponder, RequestContext, ResponseOf } from "./handler.ts";
import { kafkaErrorCodeOfTopicRule } from "./kafka-error-codes.ts";

/** IncrementalAlterConfigs' configOperation values. */
const operations: Record<number, TopicConfigChange["op"]> = {
  0: "set",
  1: "delete",
  2: "append",
  3: "subtract",
};

interface ResourceChange {
  readonly resourceType: number;
  readonly resourceName: string;
  /** The changes, or why the request itself is malformed (an unknown operation). */
  readonly changes: TopicConfigChange[] | { errorCode: number; errorMessage: string };
}

interface ResourceAnswer {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
}

const ok = (errorCode: number = ErrorCode.NONE, errorMessage: string | null = null) => ({
  errorCode,
  errorMessage,
});

async function alterTopic(
  resource: ResourceChange,
  changes: TopicConfigChange[],
  replace: boolean,
  validateOnly: boolean,
  metadata: ClusterMetadata | null,
  context: RequestContext,
): Promise<{ errorCode: number; errorMessage: string | null }> {
  const name = resource.resourceName;
  const badName = checkTopicName(name);
  if (badName) return ok(ErrorCode.INVALID_TOPIC_EXCEPTION, badName.message);
  const topic = metadata?.topics.find((t) => t.name === name);
  if (metadata && !topic) return ok(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `no topic ${name}`);
  const checked = applyTopicConfigChanges(topic?.configs ?? {}, changes, replace);
  if ("rule" in checked) return ok(kafkaErrorCodeOfTopicRule(checked.rule), checked.message);
  try {
    await context.services.controlPlane.alterTopicConfigs(name, { changes, replace, validateOnly });
    return ok();
  } catch (error) {
    return controlPlaneError(error);
  }
}

function alterBroker(resource: ResourceChange, changes: TopicConfigChange[], context: RequestContext) {
  const self = String(context.services.brokerId());
  if (resource.resourceName !== "" && !/^\d+$/.test(resource.resourceName)) {
    return ok(ErrorCode.INVALID_REQUEST, `broker id must be a number, not '${resource.resourceName}'`);
  }
  // A DELETE removes a dynamic override, and a Cirrus broker has none: there is nothing to delete, which
  // Kafka answers with success (kafka-reassign-partitions --verify clears the replication throttles so).
  const altering = changes.filter((c) => c.op !== "delete");
  if (altering.length === 0) return ok();
  const names = altering.map((c) => c.name).join(", ");
  return ok(
    ErrorCode.INVALID_REQUEST,
    `Cannot update these configs dynamically: ${names} (Cirrus brokers take their settings at start-up; broker ${self} keeps its own)`,
  );
}

async function alterAll(
  resources: ResourceChange[],
  replace: boolean,
  validateOnly: boolean,
  context: RequestContext,
): Promise<ResourceAnswer[]> {
  const seen = new Map<string, number>();
  for (const r of resources) {
    const key = `${r.resourceType}/${r.resourceName}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  const needsMetadata = resources.some((r) => r.resourceType === ConfigResourceType.TOPIC);
  const metadata = needsMetadata ? await context.services.metadata(true).catch(() => null) : null;
  const answers = await Promise.all(
    resources.map(async (resource): Promise<ResourceAnswer> => {
      const answer = (result: { errorCode: number; errorMessage: string | null }) => ({
        ...result,
        resourceType: resource.resourceType,
        resourceName: resource.resourceName,
      });
      if ((seen.get(`${resource.resourceType}/${resource.resourceName}`) ?? 0) > 1) {
        return answer(ok(ErrorCode.INVALID_REQUEST, "Error due to duplicate resource in the request"));
      }
      if (!Array.isArray(resource.changes)) return answer(resource.changes);
      switch (resource.resourceType) {
        case ConfigResourceType.TOPIC:
          return answer(
            await alterTopic(resource, resource.changes, replace, validateOnly, metadata, context),
          );
        case ConfigResourceType.BROKER:
          return answer(alterBroker(resource, resource.changes, context));
        case ConfigResourceType.BROKER_LOGGER:
          return answer(
            ok(ErrorCode.INVALID_REQUEST, "broker log levels are not configurable through Kafka"),
          );
        default:
          return answer(
            ok(ErrorCode.INVALID_REQUEST, `resource type ${resource.resourceType} is not supported`),
          );
      }
    }),
  );
  if (!validateOnly && answers.some((a) => a.errorCode === ErrorCode.NONE)) {
    // This client's DescribeConfigs right after sees its change.
    await context.services.metadata(true).catch(() => {});
  }
  return answers;
}

export async function handleAlterConfigs(
  request: AlterConfigsRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.AlterConfigs>> {
  const resources = request.resources.map((r) => ({
    resourceType: r.resourceType,
    resourceName: r.resourceName,
    changes: r.configs.map((c) => ({ name: c.name, op: "set" as const, value: c.value })),
  }));
  return { throttleTimeMs: 0, responses: await alterAll(resources, true, request.validateOnly, context) };
}

export async function handleIncrementalAlterConfigs(
  request: IncrementalAlterConfigsRequest,
  context: RequestContext,
): Promise<ResponseOf<typeof ApiKey.IncrementalAlterConfigs>> {
  const resources = request.resources.map((r): ResourceChange => {
    const unknown = r.configs.find((c) => operations[c.configOperation] === undefined);
    return {
      resourceType: r.resourceType,
      resourceName: r.resourceName,
      changes: unknown
        ? ok(
            ErrorCode.INVALID_REQUEST,
            `unknown config operation ${unknown.configOperation} for ${unknown.name}`,
          )
        : r.configs.map((c) => ({ name: c.name, op: operations[c.configOperation]!, value: c.value })),
    } as ResourceChange;
  });
  return { throttleTimeMs: 0, responses: await alterAll(resources, false, request.validateOnly, context) };
}

const alterError = (
  request: { resources: readonly { resourceType: number; resourceName: string }[] },
  errorCode: number,
) => ({
  throttleTimeMs: 0,
  responses: request.resources.map((r) => ({
    errorCode,
    errorMessage: null,
    resourceType: r.resourceType,
    resourceName: r.resourceName,
  })),
});

export const alterConfigsError: ErrorResponder<33> = alterError;
export const incrementalAlterConfigsError: ErrorResponder<44> = alterError;
