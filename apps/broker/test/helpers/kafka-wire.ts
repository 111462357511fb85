// A minimal Kafka client over a raw socket, on the codec: one request at a time or pipelined, responses
// decoded by API and version. For tests that need exact control over what goes on the wire.
import type { Socket } from "node:net";
import {
  decodeResponse,
  type EncodableRequestBodies,
  encodeRequest,
  FrameDecoder,
  type ResponseBodies,
} from "@cirrus/kafka-protocol";
import { connectTo } from "./length-prefixed.ts";

export class KafkaWire {
  readonly socket: Socket;
  readonly #decoder = new FrameDecoder();
  readonly #frames: Buffer[] = [];
  #waiting: (() => void) | undefined;
  #closed = false;
  #nextCorrelationId = 1;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.#frames.push(...this.#decoder.push(chunk));
      this.#waiting?.();
    });
    socket.on("close", () => {
      this.#closed = true;
      this.#waiting?.();
    });
    socket.on("error", () => {});
  }

  static async connect(port: number): Promise<KafkaWire> {
    return new KafkaWire(await connectTo(port));
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Sends a request and returns its correlation id (responses are read with `response`). */
  send<K extends keyof EncodableRequestBodies>(
    apiKey: K,
    apiVersion: number,
    body: EncodableRequestBodies[K],
  ): number {
    const correlationId = this.#nextCorrelationId++;
    this.socket.write(encodeRequest({ apiKey, apiVersion, correlationId, clientId: "kafka-wire" }, body));
    return correlationId;
  }

  async response<K extends keyof ResponseBodies>(
    apiKey: K,
    apiVersion: number,
    timeoutMs = 10_000,
  ): Promise<{ correlationId: number; body: ResponseBodies[K] }> {
    const frame = await this.#nextFrame(timeoutMs);
    return decodeResponse(apiKey, apiVersion, frame);
  }

  async request<K extends keyof EncodableRequestBodies & keyof ResponseBodies>(
    apiKey: K,
    apiVersion: number,
    body: EncodableRequestBodies[K],
    timeoutMs = 10_000,
  ): Promise<ResponseBodies[K]> {
    const id = this.send(apiKey, apiVersion, body);
    const answer = await this.response(apiKey, apiVersion, timeoutMs);
    if (answer.correlationId !== id)
      throw new Error(`correlation id ${answer.correlationId}, expected ${id}`);
    return answer.body;
  }

  async #nextFrame(timeoutMs: number): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.#frames.length === 0) {
      if (this.#closed) throw new Error("connection closed");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("timed out waiting for a response");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiting = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#waiting = undefined;
    }
    return this.#frames.shift()!;
  }

  close(): void {
    this.socket.destroy();
  }
}

/**
 * A sessionless Fetch (by topic name, v4–v12) of one partition from `fetchOffset`; by default it answers at once
 * with what is there, 1 MiB at most.
 */
export function fetchOneBody(
  topic: string,
  partition: number,
  fetchOffset: bigint,
  options: { maxWaitMs?: number; minBytes?: number; partitionMaxBytes?: number; maxBytes?: number } = {},
): EncodableRequestBodies[1] {
  return {
    maxWaitMs: options.maxWaitMs ?? 0,
    minBytes: options.minBytes ?? 0,
    maxBytes: options.maxBytes ?? 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic,
        partitions: [{ partition, fetchOffset, partitionMaxBytes: options.partitionMaxBytes ?? 1 << 20 }],
      },
    ],
    forgottenTopicsData: [],
    rackId: "",
  };
}
