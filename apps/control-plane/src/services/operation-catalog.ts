// Every operation the control plane runs, in one place: its type, its steps in order, and the input it is
// created with. createOperation takes the steps from here (so a stored row always names the steps its handler
// runs), and ControllerRunner.addOperationHandler refuses, at start-up, a handler whose steps are not exactly
// its type's steps here. Handlers are typed by it too: OperationHandler<"broker.failover"> only accepts the
// step names listed for broker.failover, so a typo fails typecheck before it could leave a step PENDING.
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";

const BrokerId = Type.Integer({ minimum: 0 });
/** Inputs may gain fields while the operation runs (notes a step leaves for the next): extra keys are fine. */
const input = <T extends Parameters<typeof Type.Object>[0]>(properties: T) =>
  Type.Object(properties, { additionalProperties: true });
const Spec = Type.Object({}, { additionalProperties: true });

export const OPERATION_CATALOG = {
  "cluster.create": {
    steps: ["provision-resources", "wait-for-brokers"],
    input: input({ spec: Spec }),
  },
  "cluster.update": {
    steps: ["apply-spec", "wait-for-brokers"],
    input: input({ spec: Spec, previous: Spec }),
  },
  "cluster.delete": {
    steps: ["drain-brokers", "fence-brokers", "deprovision-resources", "release-streams", "remove-metadata"],
    input: input({ purge: Type.Boolean(), abandon: Type.Optional(Type.Boolean()) }),
  },
  "cluster.rebalance": {
    steps: ["release-partitions", "wait-for-close"],
    input: input({
      moves: Type.Array(
        Type.Object({
          topicId: Type.String(),
          topic: Type.String(),
          partition: Type.Integer({ minimum: 0 }),
          from: BrokerId,
          to: BrokerId,
          goal: Type.Optional(Type.String()),
          reason: Type.Optional(Type.String()),
        }),
      ),
      // The balancer's plan the moves come from (services/rebalance.ts): loads before/after, goals, progress.
      before: Type.Optional(Type.Array(Type.Unknown())),
      after: Type.Optional(Type.Array(Type.Unknown())),
      goals: Type.Optional(Type.Array(Type.Unknown())),
      settings: Type.Optional(Type.Unknown()),
      plannedAt: Type.Optional(Type.Integer()),
      movesFinished: Type.Optional(Type.Integer({ minimum: 0 })),
    }),
  },
  "broker.drain": {
    steps: ["stop-assigning", "move-partitions", "wait-for-close"],
    input: input({ brokerId: BrokerId }),
  },
  "broker.replace": {
    steps: ["drain", "launch-replacement", "terminate-instance"],
    input: input({ brokerId: BrokerId }),
  },
  "broker.failover": {
    steps: ["attach-volume", "replay-wal", "reassign-partitions"],
    input: input({
      brokerId: BrokerId,
      epoch: Type.Integer({ minimum: 0 }),
      volumeId: Type.String({ minLength: 1 }),
    }),
  },
  // Created by the autoscaler (controllers/autoscaler): `decision` holds the metric values and thresholds.
  "cluster.scale-out": {
    steps: ["raise-capacity", "wait-for-brokers"],
    input: input({ from: Type.Integer({ minimum: 0 }), to: Type.Integer({ minimum: 1 }), decision: Spec }),
  },
  "cluster.scale-in": {
    steps: ["choose-brokers", "drain-brokers", "terminate-instances"],
    input: input({ from: Type.Integer({ minimum: 1 }), to: Type.Integer({ minimum: 1 }), decision: Spec }),
  },
} as const satisfies Record<string, { steps: readonly string[]; input: TSchema }>;

/**
 * Operations that are recorded, never run (`cluster.scale-hold`: a scaling the autoscaler wanted and did not do,
 * with why, see controllers/autoscaler). `cluster.repair` is written once, finished, by the provisioner's
 * steady loop (one step per action it took), so it has no handler and no fixed steps.
 */
export const RECORDED_OPERATIONS = ["cluster.repair", "cluster.scale-hold"] as const;

export type OperationType = keyof typeof OPERATION_CATALOG;
export type StepName<T extends OperationType> = (typeof OPERATION_CATALOG)[T]["steps"][number];
export type OperationInput<T extends OperationType> = Static<(typeof OPERATION_CATALOG)[T]["input"]>;

export function isOperationType(type: string): type is OperationType {
  return Object.hasOwn(OPERATION_CATALOG, type);
}

/** The steps of `type`, in order (a fresh array: callers may keep it). */
export function stepsOf(type: OperationType): string[] {
  return [...OPERATION_CATALOG[type].steps];
}

/** Throws, naming the type and what is wrong, unless `input` fits the type's input schema. */
export function assertOperationInput(type: OperationType, value: unknown): void {
  const schema = OPERATION_CATALOG[type].input;
  if (Value.Check(schema, value)) return;
  const first = Value.Errors(schema, value).First();
  throw new Error(
    `${type}: input ${JSON.stringify(value)} does not fit the catalog` +
      (first ? ` (${first.path || "/"}: ${first.message})` : ""),
  );
}
