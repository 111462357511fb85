import { type Static, Type } from "@sinclair/typebox";

export const PartitionLoadView = Type.Object({
  topic: Type.String(),
  topicId: Type.String(),
  partition: Type.Integer({ minimum: 0 }),
  brokerId: Type.Integer({ description: "The leader that reported it" }),
  at: Type.Integer({ description: "When it was reported (ms since the epoch)" }),
  bytesInPerSec: Type.Number({ description: "Bytes in per second in the leader's last heartbeat" }),
  bytesOutPerSec: Type.Number(),
  avgBytesInPerSec: Type.Number({
    description: "Moving average of bytes in per second (time constant 60 s)",
  }),
  avgBytesOutPerSec: Type.Number(),
});
export type PartitionLoadView = Static<typeof PartitionLoadView>;
