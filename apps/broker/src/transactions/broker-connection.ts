// A Kafka-protocol connection from this broker to another one, for the few broker-to-broker requests
// (WriteTxnMarkers). Requests are pipelined and matched to responses by correlation id. A connection that
// fails or times out rejects everything in flight and is not reused (the caller opens a new one).
import { connect, type Socket } from "node:net";
import {
  decodeResponse,
  type EncodableRequestBodies,
  encodeRequest,
  FrameDecoder,
  type ResponseBodies,
} from "@cirrus/kafka-protocol";

interface InFlight {
  readonly resolve: (frame: Buffer) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export class BrokerConnection {
  readonly #socket: Socket;
  readonly #decoder = new FrameDecoder();
  readonly #inFlight = new Map<number, InFlight>();
  readonly #ready: Promise<void>;
  #nextCorrelationId = 1;
  #failure: Error | undefined;

  readonly clientId: string;

  constructor(host: string, port: number, clientId = "cirrus-broker") {
    this.clientId = clientId;
    this.#socket = connect({ host, port });
    this.#socket.setNoDelay(true);
    this.#ready = new Promise((resolve, reject) => {
      this.#socket.once("connect", () => resolve());
      this.#socket.once("error", reject);
    });
    this.#ready.catch(() => {});
    this.#socket.on("data", (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = this.#decoder.push(chunk);
      } catch (error) {
        this.#fail(error as Error);
        return;
      }
      for (const frame of frames) {
        const correlationId = frame.readInt32BE(0);
        const waiter = this.#inFlight.get(correlationId);
        if (!waiter) continue;
        this.#inFlight.delete(correlationId);
        clearTimeout(waiter.timer);
        waiter.resolve(frame);
      }
    });
    this.#socket.on("error", (error) => this.#fail(error));
    this.#socket.on("close", () => this.#fail(new Error(`connection to ${host}:${port} closed`)));
  }

  get failed(): boolean {
    return this.#failure !== undefined;
  }

  async request<K extends keyof EncodableRequestBodies & keyof ResponseBodies>(
    apiKey: K,
    apiVersion: number,
    body: EncodableRequestBodies[K],
    timeoutMs: number,
  ): Promise<ResponseBodies[K]> {
    await this.#ready;
    if (this.#failure) throw this.#failure;
    const correlationId = this.#nextCorrelationId++;
    const frame = encodeRequest({ apiKey, apiVersion, correlationId, clientId: this.clientId }, body);
    const response = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#fail(new Error(`request ${apiKey} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.#inFlight.set(correlationId, { resolve, reject, timer });
      this.#socket.write(frame);
    });
    return decodeResponse(apiKey, apiVersion, response).body;
  }

  close(): void {
    this.#fail(new Error("connection closed"));
  }

  #fail(error: Error): void {
    if (!this.#failure) this.#failure = error;
    for (const waiter of this.#inFlight.values()) {
      clearTimeout(waiter.timer);
      waiter.reject(this.#failure);
    }
    this.#inFlight.clear();
    this.#socket.destroy();
  }
}
