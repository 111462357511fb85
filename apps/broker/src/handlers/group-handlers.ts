// The handlers of consumer groups, offsets, admin, InitProducerId and SASL by API key, merged into the
// broker's registry by handlers/registry.ts. Their state (coordinator, producer ids, SASL config) hangs off
// the BrokerServices of each request: see group-services.ts.
import { ApiKey } from "@cirrus/kafka-protocol";
import { handleCreatePartitions, handleCreateTopics, handleDeleteTopics } from "./admin-topics.ts";
import {
  alterConfigsError,
  handleAlterConfigs,
  handleIncrementalAlterConfigs,
  incrementalAlterConfigsError,
} from "./alter-configs.ts";
import { deleteRecordsError, handleDeleteRecords } from "./delete-records.ts";
import { handleDescribeConfigs } from "./describe-configs.ts";
import { handleDescribeGroups, handleListGroups } from "./describe-groups.ts";
import {
  createPartitionsError,
  createTopicsError,
  deleteTopicsError,
  describeConfigsError,
  describeGroupsError,
  findCoordinatorError,
  heartbeatError,
  initProducerIdError,
  joinGroupError,
  leaveGroupError,
  listGroupsError,
  offsetCommitError,
  offsetFetchError,
  saslAuthenticateError,
  saslHandshakeError,
  syncGroupError,
} from "./error-responses.ts";
import { handleFindCoordinator } from "./find-coordinator.ts";
import {
  deleteGroupsError,
  handleDeleteGroups,
  handleOffsetDelete,
  offsetDeleteError,
} from "./group-admin-handlers.ts";
import {
  handleHeartbeat,
  handleJoinGroup,
  handleLeaveGroup,
  handleSyncGroup,
} from "./group-membership-handlers.ts";
import { type HandlerMap, handlerMap } from "./handler.ts";
import { handleInitProducerId } from "./init-producer-id.ts";
import { handleOffsetCommit } from "./offset-commit.ts";
import { handleOffsetFetch } from "./offset-fetch.ts";
import {
  alterPartitionReassignmentsError,
  handleAlterPartitionReassignments,
  handleListPartitionReassignments,
  listPartitionReassignmentsError,
} from "./partition-reassignments.ts";
import { handleSaslAuthenticate, handleSaslHandshake } from "./sasl-handlers.ts";

export const groupHandlers: HandlerMap = handlerMap({
  [ApiKey.FindCoordinator]: { handle: handleFindCoordinator, errorResponse: findCoordinatorError },
  [ApiKey.JoinGroup]: { handle: handleJoinGroup, errorResponse: joinGroupError },
  [ApiKey.SyncGroup]: { handle: handleSyncGroup, errorResponse: syncGroupError },
  [ApiKey.Heartbeat]: { handle: handleHeartbeat, errorResponse: heartbeatError },
  [ApiKey.LeaveGroup]: { handle: handleLeaveGroup, errorResponse: leaveGroupError },
  [ApiKey.OffsetCommit]: { handle: handleOffsetCommit, errorResponse: offsetCommitError },
  [ApiKey.OffsetFetch]: { handle: handleOffsetFetch, errorResponse: offsetFetchError },
  [ApiKey.DescribeGroups]: { handle: handleDescribeGroups, errorResponse: describeGroupsError },
  [ApiKey.ListGroups]: { handle: handleListGroups, errorResponse: listGroupsError },
  [ApiKey.DeleteGroups]: { handle: handleDeleteGroups, errorResponse: deleteGroupsError },
  [ApiKey.OffsetDelete]: { handle: handleOffsetDelete, errorResponse: offsetDeleteError },
  [ApiKey.InitProducerId]: { handle: handleInitProducerId, errorResponse: initProducerIdError },
  [ApiKey.CreateTopics]: { handle: handleCreateTopics, errorResponse: createTopicsError },
  [ApiKey.DeleteTopics]: { handle: handleDeleteTopics, errorResponse: deleteTopicsError },
  [ApiKey.CreatePartitions]: { handle: handleCreatePartitions, errorResponse: createPartitionsError },
  [ApiKey.DescribeConfigs]: { handle: handleDescribeConfigs, errorResponse: describeConfigsError },
  [ApiKey.AlterConfigs]: { handle: handleAlterConfigs, errorResponse: alterConfigsError },
  [ApiKey.DeleteRecords]: { handle: handleDeleteRecords, errorResponse: deleteRecordsError },
  [ApiKey.IncrementalAlterConfigs]: {
    handle: handleIncrementalAlterConfigs,
    errorResponse: incrementalAlterConfigsError,
  },
  [ApiKey.AlterPartitionReassignments]: {
    handle: handleAlterPartitionReassignments,
    errorResponse: alterPartitionReassignmentsError,
  },
  [ApiKey.ListPartitionReassignments]: {
    handle: handleListPartitionReassignments,
    errorResponse: listPartitionReassignmentsError,
  },
  [ApiKey.SaslHandshake]: { handle: handleSaslHandshake, errorResponse: saslHandshakeError },
  [ApiKey.SaslAuthenticate]: { handle: handleSaslAuthenticate, errorResponse: saslAuthenticateError },
});
