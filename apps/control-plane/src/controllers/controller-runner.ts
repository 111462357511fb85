import { CloudErrorCode, isCloudError } from "@cirrus/cloud";
import type { Db } from "../db/database.ts";
import {
  isOperationType,
  type OperationType,
  type StepName,
  stepsOf,
} from "../services/operation-catalog.ts";
import {
  type Operation,
  OperationStatus,
  saveOperation,
  unfinishedOperations,
} from "../services/operations.ts";

/** What a step or a reconcile loop gets to work with. */
export interface ControllerContext {
  db: Db;
  now(): number;
  log(message: string, fields?: Record<string, unknown>): void;
}

/**
 * A reconcile loop over database state, run by the leader every interval. Must be safe to run again
 * after a crash at any point (read the state, act, write the state).
 */
export interface Controller {
  name: string;
  reconcile(ctx: ControllerContext): Promise<void>;
}

/** What a step returns when it is not done yet (waiting on brokers, the cloud…): run it again next pass. */
export const STEP_WAIT = "wait";

/** One step of an operation. Must be idempotent: after a crash the interrupted step runs again. */
export interface OperationStepHandler<Name extends string = string> {
  /** One of its operation type's steps in the catalog (services/operation-catalog.ts). */
  name: Name;
  /** Resolves when done, or with STEP_WAIT to be called again on the next pass (not an error). */
  run(ctx: ControllerContext, op: Operation): Promise<undefined | typeof STEP_WAIT>;
}

/**
 * How to carry out operations of one `type` (e.g. "cluster.delete"); steps run in order and are exactly
 * the type's steps in the operation catalog (typechecked through the type parameter, checked again when
 * the handler is added).
 */
export interface OperationHandler<T extends OperationType = OperationType> {
  type: T;
  steps: OperationStepHandler<StepName<T>>[];
  /** Failed attempts of a step before the operation is FAILED. Default 5. */
  maxAttempts?: number;
}

/** Errors with `retriable: false` fail the operation at once; others are retried up to maxAttempts. */
function isRetriable(error: unknown): boolean {
  return (error as { retriable?: unknown })?.retriable !== false;
}

/**
 * The cloud asked us to slow down (its API throttled the call, after the SDK's own retries), here or in a
 * cause: the step runs again on a later pass without spending an attempt, as a wait would. Throttling says
 * nothing about the step, and a burst of it must not fail a create that was converging.
 */
function isThrottled(error: unknown): boolean {
  let current = error;
  for (let depth = 0; current && depth < 5; depth++) {
    if (isCloudError(current, CloudErrorCode.THROTTLED)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** Where a runner stopped for a test (`haltAfterStep`): the operation and the step whose SUCCEEDED it wrote. */
export interface HaltPoint {
  operationId: string;
  type: string;
  step: string;
}

/**
 * `<operation type>:<step>` (config `testHaltAfterStep`) as a type and one of its catalog steps; throws on a
 * type or step the catalog does not have, so a misspelt cut fails the start instead of never happening.
 */
export function parseHaltAfterStep(value: string): { type: OperationType; step: string } {
  const [type = "", step = ""] = value.split(":");
  if (!isOperationType(type)) throw new Error(`halt after step ${value}: no operation type ${type}`);
  if (!stepsOf(type).includes(step))
    throw new Error(`halt after step ${value}: ${type} has steps [${stepsOf(type).join(", ")}]`);
  return { type, step };
}

/**
 * Runs controllers and operations on the leader. Every operation step's start, end, timing and error
 * is written to its row before the next one starts, so a restarted leader resumes where it stopped.
 */
export class ControllerRunner {
  readonly #ctx: ControllerContext;
  readonly #intervalMs: number;
  readonly #controllers: Controller[] = [];
  readonly #handlers = new Map<string, OperationHandler>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;
  #inPass = false;
  /** wake() was called during a pass: the next one starts right after it. */
  #again = false;
  /** Set by stop(): a pass in progress ends after its current step. */
  #halting = false;
  readonly #haltAfter: { type: OperationType; step: string } | undefined;
  #haltedAt: HaltPoint | undefined;
  readonly #halted = Promise.withResolvers<HaltPoint>();

  /**
   * `haltAfterStep` (tests only, see config `testHaltAfterStep`): once a step of that name of an operation of
   * that type has its SUCCEEDED written, the runner stops for good (start() no longer starts it) and
   * `halted()` resolves: the next step has not started, nothing else runs after it.
   */
  constructor(ctx: ControllerContext, options: { intervalMs: number; haltAfterStep?: string }) {
    this.#ctx = ctx;
    this.#intervalMs = options.intervalMs;
    this.#haltAfter =
      options.haltAfterStep === undefined ? undefined : parseHaltAfterStep(options.haltAfterStep);
  }

  /** Resolves when the runner stopped at its `haltAfterStep` (never, without one). */
  halted(): Promise<HaltPoint> {
    return this.#halted.promise;
  }

  /** Where it stopped at its `haltAfterStep`; undefined until then. */
  get haltedAt(): HaltPoint | undefined {
    return this.#haltedAt;
  }

  addController(controller: Controller): void {
    this.#controllers.push(controller);
  }

  /** Throws unless the handler's steps are exactly its type's steps in the catalog, in order. */
  addOperationHandler(handler: OperationHandler): void {
    if (this.#handlers.has(handler.type))
      throw new Error(`operation type ${handler.type} already has a handler`);
    if (!isOperationType(handler.type))
      throw new Error(`operation type ${handler.type} is not in the operation catalog`);
    const expected = stepsOf(handler.type);
    const names = handler.steps.map((step) => step.name as string);
    if (names.join("\n") !== expected.join("\n")) {
      throw new Error(
        `the ${handler.type} handler runs steps [${names.join(", ")}], the catalog says [${expected.join(", ")}]`,
      );
    }
    this.#handlers.set(handler.type, handler);
  }

  hasOperationHandler(type: string): boolean {
    return this.#handlers.has(type);
  }

  /** Starts the loop (the caller is the leader). */
  start(): void {
    // A runner halted for a test stays halted: a leader election's onChange(true) must not undo the cut.
    if (!this.#stopped || this.#haltedAt) return;
    this.#stopped = false;
    this.#halting = false;
    this.#schedule(0);
  }

  /** Stops the loop and waits for the pass in progress to end. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#halting = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** One pass: every controller, then every unfinished operation that has a handler. */
  async runOnce(): Promise<void> {
    for (const controller of this.#controllers) {
      if (this.#halting) return;
      try {
        await controller.reconcile(this.#ctx);
      } catch (error) {
        this.#ctx.log(`controller ${controller.name} failed`, { error: String(error) });
      }
    }
    const ops = await unfinishedOperations(this.#ctx.db, [...this.#handlers.keys()]);
    for (const op of ops) {
      if (this.#halting) return;
      await this.#advance(op);
    }
  }

  /**
   * Runs a pass now instead of at the next interval (an operation was started, a move finished): right away
   * if the loop is waiting, right after the current pass if one is running. No-op when stopped.
   */
  wake(): void {
    if (this.#stopped) return;
    if (this.#inPass) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#schedule(0);
  }

  #halt(at: HaltPoint): void {
    this.#haltedAt = at;
    this.#stopped = true;
    this.#halting = true;
    clearTimeout(this.#timer);
    this.#ctx.log("controller runner halted after a step (testHaltAfterStep)", { ...at });
    this.#halted.resolve(at);
  }

  #schedule(delay: number): void {
    this.#timer = setTimeout(() => {
      this.#inPass = true;
      this.#again = false;
      this.#running = this.runOnce()
        .catch((error: unknown) => this.#ctx.log("controller pass failed", { error: String(error) }))
        .finally(() => {
          this.#inPass = false;
          if (!this.#stopped) this.#schedule(this.#again ? 0 : this.#intervalMs);
        });
    }, delay);
  }

  async #advance(op: Operation): Promise<void> {
    const handler = this.#handlers.get(op.type)!;
    const maxAttempts = handler.maxAttempts ?? 5;
    op.status = OperationStatus.RUNNING;
    for (const stepHandler of handler.steps) {
      let step = op.steps.find((s) => s.name === stepHandler.name);
      if (!step) {
        step = {
          name: stepHandler.name,
          status: OperationStatus.PENDING,
          startedAt: null,
          finishedAt: null,
          error: null,
        };
        op.steps.push(step);
      }
      if (step.status === OperationStatus.SUCCEEDED) continue;
      if (this.#halting) return;
      step.status = OperationStatus.RUNNING;
      step.startedAt ??= this.#ctx.now();
      await saveOperation(this.#ctx.db, op);
      let outcome: undefined | typeof STEP_WAIT;
      try {
        outcome = await stepHandler.run(this.#ctx, op);
      } catch (error) {
        const throttled = isThrottled(error);
        if (!throttled) op.attempts++;
        step.error = String((error as Error)?.message ?? error);
        const code = String((error as { code?: unknown })?.code ?? "STEP_FAILED");
        op.error = { code, message: `${step.name}: ${step.error}` };
        if (!throttled && (!isRetriable(error) || op.attempts >= maxAttempts)) {
          step.status = OperationStatus.FAILED;
          step.finishedAt = this.#ctx.now();
          op.status = OperationStatus.FAILED;
          op.finishedAt = this.#ctx.now();
        }
        await saveOperation(this.#ctx.db, op);
        return;
      }
      if (outcome === STEP_WAIT) return;
      step.status = OperationStatus.SUCCEEDED;
      step.finishedAt = this.#ctx.now();
      step.error = null;
      op.progress = op.steps.filter((s) => s.status === OperationStatus.SUCCEEDED).length / op.steps.length;
      await saveOperation(this.#ctx.db, op);
      if (this.#haltAfter?.type === op.type && this.#haltAfter.step === step.name) {
        this.#halt({ operationId: op.id, type: op.type, step: step.name });
        return;
      }
    }
    // A stored step no handler step ran (a row from an older catalog) would otherwise stay PENDING forever.
    const unknown = op.steps.filter((s) => s.status !== OperationStatus.SUCCEEDED).map((s) => s.name);
    if (unknown.length > 0) {
      op.status = OperationStatus.FAILED;
      op.error = {
        code: "OPERATION_STEPS_UNKNOWN",
        message: `${op.type} has no handler step for [${unknown.join(", ")}]`,
      };
      op.finishedAt = this.#ctx.now();
      await saveOperation(this.#ctx.db, op);
      return;
    }
    op.status = OperationStatus.SUCCEEDED;
    op.error = null;
    op.progress = 1;
    op.finishedAt = this.#ctx.now();
    await saveOperation(this.#ctx.db, op);
  }
}
