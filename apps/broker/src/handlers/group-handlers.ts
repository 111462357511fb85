// The handlers of consumer groups, offsets, admin, InitProducerId and SASL by API key, merged into the
// broker's registry by handlers/registry.ts. Their state (coordinator, producer ids, SASL config) hangs off
// the BrokerServices of each request: see group-services.ts.
import { ApiKey } from "@cirrus/kafka-protocol";
import { handleCreatePartitions, handleCreateTopics, handleDeleteTopics } from "./admin-topics.ts";
import { handleDescribeConfigs } from "./describe-configs.ts";
import { handleDescribeGroups, handleListGroups } from "./describe-groups.ts";
import { handleFindCoordinator } from "./find-coordinator.ts";
import {
  handleHeartbeat,
  handleJoinGroup,
  handleLeaveGroup,
  handleSyncGroup,
} from "./group-membership-handlers.ts";
import type { HandlerMap, KafkaApiHandler } from "./handler.ts";
import { handleInitProducerId } from "./init-producer-id.ts";
import { handleOffsetCommit } from "./offset-commit.ts";
import { handleOffsetFetch } from "./offset-fetch.ts";
import { handleSaslAuthenticate, handleSaslHandshake } from "./sasl-handlers.ts";

export const groupHandlers: HandlerMap = new Map<number, KafkaApiHandler>([
  [ApiKey.FindCoordinator, handleFindCoordinator],
  [ApiKey.JoinGroup, handleJoinGroup],
  [ApiKey.SyncGroup, handleSyncGroup],
  [ApiKey.Heartbeat, handleHeartbeat],
  [ApiKey.LeaveGroup, handleLeaveGroup],
  [ApiKey.OffsetCommit, handleOffsetCommit],
  [ApiKey.OffsetFetch, handleOffsetFetch],
  [ApiKey.DescribeGroups, handleDescribeGroups],
  [ApiKey.ListGroups, handleListGroups],
  [ApiKey.InitProducerId, handleInitProducerId],
  [ApiKey.CreateTopics, handleCreateTopics],
  [ApiKey.DeleteTopics, handleDeleteTopics],
  [ApiKey.CreatePartitions, handleCreatePartitions],
  [ApiKey.DescribeConfigs, handleDescribeConfigs],
  [ApiKey.SaslHandshake, handleSaslHandshake],
  [ApiKey.SaslAuthenticate, handleSaslAuthenticate],
]);
