import { Type } from "@sinclair/typebox";

const BrokerCount = Type.Object({
  brokerId: Type.Integer({ minimum: 0 }),
  partitions: Type.Integer({ minimum: 0 }),
});

export const RebalancePlanView = Type.Object({
  before: Type.Array(BrokerCount),
  after: Type.Array(BrokerCount),
  moves: Type.Array(
    Type.Object({
      topicId: Type.String(),
      topic: Type.String(),
      partition: Type.Integer({ minimum: 0 }),
      from: Type.Integer({ minimum: 0 }),
      to: Type.Integer({ minimum: 0 }),
    }),
  ),
});
