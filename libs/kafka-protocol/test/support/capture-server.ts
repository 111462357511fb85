import { createServer, type Server, type Socket } from "node:net";
import {
  type DecodedRequest,
  decodeRequest,
  encodeResponse,
  encodeUnsupportedApiVersionsResponse,
  FrameDecoder,
  ProtocolError,
  readRecordBatchHeader,
  setBaseOffset,
  splitRecordBatches,
} from "../../src/index.ts";
import { answer } from "./capture-answers.ts";

// A tiny Kafka "broker" for golden-byte tests: it records every request frame a real client
// sends and answers with THIS codec's encoder, keeping just enough state (topics, one log
// per partition, one group) for clients to walk through their whole request sequence.

export interface CapturedFrame {
  apiKey: number;
  apiVersion: number;
  clientId: string | null;
  frame: Buffer;
}

export interface PartitionLog {
  batches: Buffer[];
  nextOffset: bigint;
}

export class CaptureServer {
  readonly frames: CapturedFrame[] = [];
  readonly errors: unknown[] = [];
  readonly logs = new Map<string, PartitionLog>();
  readonly committed = new Map<string, bigint>();
  readonly topicIds = new Map<string, string>();
  host = "127.0.0.1";
  port = 0;
  private server: Server = createServer((socket) => this.serve(socket));
  private sockets = new Set<Socket>();

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    const address = this.server.address();
    if (address === null || typeof address === "string") throw new Error("no address");
    this.port = address.port;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  topicId(topic: string): string {
    let id = this.topicIds.get(topic);
    if (id === undefined) {
      id = Buffer.alloc(16, this.topicIds.size + 1).toString("hex");
      this.topicIds.set(topic, id);
    }
    return id;
  }

  topicById(id: string): string | undefined {
    for (const [name, tid] of this.topicIds) if (tid === id) return name;
    return undefined;
  }

  log(topic: string, partition: number): PartitionLog {
    const key = `${topic}/${partition}`;
    let log = this.logs.get(key);
    if (log === undefined) {
      log = { batches: [], nextOffset: 0n };
      this.logs.set(key, log);
    }
    return log;
  }

  append(topic: string, partition: number, records: Buffer): bigint {
    const log = this.log(topic, partition);
    const base = log.nextOffset;
    for (const batch of splitRecordBatches(records)) {
      const copy = Buffer.from(batch);
      setBaseOffset(copy, log.nextOffset);
      log.nextOffset += BigInt(readRecordBatchHeader(copy).lastOffsetDelta + 1);
      log.batches.push(copy);
    }
    return base;
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    const decoder = new FrameDecoder();
    let chain = Promise.resolve();
    socket.on("data", (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = decoder.push(chunk);
      } catch (err) {
        this.errors.push(err);
        socket.destroy();
        return;
      }
      for (const frame of frames) {
        // answers go out in request order, even when one of them waits (fetch long-poll)
        chain = chain.then(() => this.handle(socket, Buffer.from(frame)));
      }
    });
  }

  private async handle(socket: Socket, frame: Buffer): Promise<void> {
    let request: DecodedRequest;
    try {
      request = decodeRequest(frame);
    } catch (err) {
      if (err instanceof ProtocolError && err.code === "UNSUPPORTED_VERSION" && err.header?.apiKey === 18) {
        socket.write(encodeUnsupportedApiVersionsResponse(err.header.correlationId));
        return;
      }
      this.errors.push(err);
      socket.destroy();
      return;
    }
    const { header } = request;
    this.frames.push({
      apiKey: header.apiKey,
      apiVersion: header.apiVersion,
      clientId: header.clientId,
      frame,
    });
    if (header.apiKey === 0 && request.apiKey === 0 && request.body.acks === 0) {
      await answer(this, request);
      return;
    }
    const body = await answer(this, request);
    if (socket.destroyed) return;
    const out = encodeResponse(
      { apiKey: header.apiKey as 0, apiVersion: header.apiVersion, correlationId: header.correlationId },
      body as never,
    );
    socket.write(out);
  }
}
