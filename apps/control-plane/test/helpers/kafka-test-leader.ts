// A partition leader for the control plane's route tests that read records through the Kafka protocol (the
// message browser): it speaks the wire protocol with @cirrus/kafka-protocol's codec and answers ListOffsets
// (earliest, latest, by timestamp: the first record at or after it, else offset -1, as Kafka and our broker do)
// and Fetch from an in-memory log of record batches. It records every ListOffsets timestamp asked, so a test can
// check what the control plane resolved a time to. The real broker's answers are tested in apps/broker and, through
// the console, in e2e/test/console.test.ts.
import { createServer, type Server, type Socket } from "node:net";
import {
  decodeRequest,
  ErrorCode,
  encodeRecordBatch,
  encodeResponse,
  FrameDecoder,
  type RecordInput,
} from "@cirrus/kafka-protocol";

interface StoredBatch {
  baseOffset: bigint;
  records: { offset: bigint; timestamp: bigint }[];
  bytes: Buffer;
}

export class KafkaTestLeader {
  readonly #server: Server = createServer((socket) => this.#serve(socket));
  readonly #sockets = new Set<Socket>();
  readonly #batches: StoredBatch[] = [];
  /** Every timestamp a ListOffsets asked for, in order (-2 earliest, -1 latest, or a time). */
  readonly asked: bigint[] = [];
  port = 0;

  readonly topic: string;
  readonly partition: number;

  constructor(topic: string, partition: number) {
    this.topic = topic;
    this.partition = partition;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    const address = this.#server.address();
    if (address === null || typeof address === "string") throw new Error("no address");
    this.port = address.port;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  get endOffset(): bigint {
    const last = this.#batches.at(-1);
    return last ? last.baseOffset + BigInt(last.records.length) : 0n;
  }

  /** Appends one batch of `records` (each with its own timestamp) at the end; returns its base offset. */
  append(records: (RecordInput & { timestamp: bigint })[]): bigint {
    const baseOffset = this.endOffset;
    this.#batches.push({
      baseOffset,
      records: records.map((r, i) => ({ offset: baseOffset + BigInt(i), timestamp: r.timestamp })),
      bytes: encodeRecordBatch({ baseOffset, records }),
    });
    return baseOffset;
  }

  #offsetAt(timestamp: bigint): bigint {
    if (timestamp === -2n) return 0n;
    if (timestamp === -1n) return this.endOffset;
    for (const b of this.#batches) for (const r of b.records) if (r.timestamp >= timestamp) return r.offset;
    return -1n;
  }

  #serve(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on("close", () => this.#sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    const decoder = new FrameDecoder();
    socket.on("data", (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) socket.write(this.#answer(Buffer.from(frame)));
    });
  }

  #answer(frame: Buffer): Buffer {
    const request = decodeRequest(frame);
    const { header } = request;
    const reply = { apiVersion: header.apiVersion, correlationId: header.correlationId };
    if (request.apiKey === 2) {
      return encodeResponse(
        { ...reply, apiKey: 2 },
        {
          throttleTimeMs: 0,
          topics: request.body.topics.map((t) => ({
            name: t.name,
            partitions: t.partitions.map((p) => {
              const ours = t.name === this.topic && p.partitionIndex === this.partition;
              if (ours) this.asked.push(p.timestamp);
              return {
                partitionIndex: p.partitionIndex,
                errorCode: ours ? ErrorCode.NONE : ErrorCode.NOT_LEADER_OR_FOLLOWER,
                timestamp: -1n,
                offset: ours ? this.#offsetAt(p.timestamp) : -1n,
                leaderEpoch: 0,
              };
            }),
          })),
        },
      );
    }
    if (request.apiKey === 17) {
      // As a broker without SASL answers the control plane's SaslHandshake: no mechanism offered.
      return encodeResponse(
        { ...reply, apiKey: 17 },
        { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: [] },
      );
    }
    if (request.apiKey === 1) {
      return encodeResponse(
        { ...reply, apiKey: 1 },
        {
          throttleTimeMs: 0,
          errorCode: ErrorCode.NONE,
          sessionId: 0,
          responses: request.body.topics.map((t) => ({
            topic: t.topic,
            topicId: t.topicId,
            partitions: t.partitions.map((p) => ({
              partitionIndex: p.partition,
              errorCode: ErrorCode.NONE,
              highWatermark: this.endOffset,
              lastStableOffset: this.endOffset,
              logStartOffset: 0n,
              abortedTransactions: null,
              records: Buffer.concat(
                this.#batches
                  .filter((b) => b.baseOffset + BigInt(b.records.length) > p.fetchOffset)
                  .map((b) => b.bytes),
              ),
            })),
          })),
        },
      );
    }
    throw new Error(
      `the test leader answers SaslHandshake, ListOffsets and Fetch only, not api key ${header.apiKey}`,
    );
  }
}
