// One Kafka-protocol client connection on this codec: the broker's broker-to-broker requests
// (WriteTxnMarkers) and the control plane's calls to brokers (console browser, consumer groups) use it.
// Requests may be pipelined; each answer is matched to its request by correlation id. Connecting and every
// request have a deadline. A connection that fails, times out or receives a frame it cannot decode rejects
// everything in flight with a KafkaConnectionError and is closed, never reused (the caller opens a new one).
// The only I/O in this package, exported apart (`@cirrus/kafka-protocol/client`) so the codec stays I/O-free.
import { connect, type Socket } from "node:net";
import { decodeResponse, encodeRequest } from "../codec.ts";
import { FrameDecoder } from "../frame-decoder.ts";
import type { EncodableRequestBodies, ResponseBodies } from "../messages/index.ts";

export class KafkaConnectionError extends Error {
  override readonly name = "KafkaConnectionError";
}

export interface KafkaClientConnectionOptions {
  /** Sent in every request header. */
  readonly clientId: string;
  /** The connection fails when the TCP connection is not up within this. */
  readonly connectTimeoutMs: number;
}

interface InFlight {
  readonly resolve: (frame: Buffer) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export class KafkaClientConnection {
  readonly #socket: Socket;
  readonly #address: string;
  readonly #clientId: string;
  readonly #decoder = new FrameDecoder();
  readonly #inFlight = new Map<number, InFlight>();
  readonly #ready: Promise<void>;
  #nextCorrelationId = 1;
  #failure: KafkaConnectionError | undefined;

  /** Starts connecting; requests wait for the connection (or fail with it). */
  constructor(host: string, port: number, options: KafkaClientConnectionOptions) {
    this.#address = `${host}:${port}`;
    this.#clientId = options.clientId;
    this.#socket = connect({ host, port, noDelay: true });
    this.#socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    this.#socket.on("error", (error) => this.#fail(`connection to ${this.#address}: ${error.message}`));
    this.#socket.on("close", () => this.#fail(`connection to ${this.#address} closed`));
    // Registered after the handlers above, so #failure is set when this one sees the close.
    this.#ready = new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => this.#fail(`no connection to ${this.#address} within ${options.connectTimeoutMs} ms`),
        options.connectTimeoutMs,
      );
      this.#socket.once("connect", () => {
        clearTimeout(timer);
        resolve();
      });
      this.#socket.once("close", () => {
        clearTimeout(timer);
        reject(this.#failure);
      });
    });
    this.#ready.catch(() => {});
  }

  /** Connects within `connectTimeoutMs`, or throws KafkaConnectionError. */
  static async open(
    host: string,
    port: number,
    options: KafkaClientConnectionOptions,
  ): Promise<KafkaClientConnection> {
    const connection = new KafkaClientConnection(host, port, options);
    await connection.#ready;
    return connection;
  }

  /** True once the connection has failed or been closed: open a new one. */
  get failed(): boolean {
    return this.#failure !== undefined;
  }

  /** Sends one request and decodes its answer; throws KafkaConnectionError (and closes) on any failure. */
  async request<K extends keyof EncodableRequestBodies & keyof ResponseBodies>(
    apiKey: K,
    apiVersion: number,
    body: EncodableRequestBodies[K],
    timeoutMs: number,
  ): Promise<ResponseBodies[K]> {
    await this.#ready;
    if (this.#failure) throw this.#failure;
    const correlationId = this.#nextCorrelationId++;
    const frame = encodeRequest({ apiKey, apiVersion, correlationId, clientId: this.#clientId }, body);
    const answer = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(
        () => this.#fail(`no answer from ${this.#address} within ${timeoutMs} ms`),
        timeoutMs,
      );
      this.#inFlight.set(correlationId, { resolve, reject, timer });
      this.#socket.write(frame);
    });
    try {
      return decodeResponse(apiKey, apiVersion, answer).body;
    } catch (error) {
      this.#fail(`undecodable answer from ${this.#address}: ${String(error)}`);
      throw this.#failure;
    }
  }

  close(): void {
    this.#fail(`connection to ${this.#address} closed`);
  }

  #onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.#decoder.push(chunk);
    } catch (error) {
      this.#fail(`bad frame from ${this.#address}: ${String(error)}`);
      return;
    }
    for (const frame of frames) {
      const correlationId = frame.length >= 4 ? frame.readInt32BE(0) : -1;
      const waiter = this.#inFlight.get(correlationId);
      if (!waiter) {
        this.#fail(`answer from ${this.#address} to no request (correlation id ${correlationId})`);
        return;
      }
      this.#inFlight.delete(correlationId);
      clearTimeout(waiter.timer);
      waiter.resolve(frame);
    }
  }

  #fail(message: string): void {
    this.#failure ??= new KafkaConnectionError(message);
    for (const waiter of this.#inFlight.values()) {
      clearTimeout(waiter.timer);
      waiter.reject(this.#failure);
    }
    this.#inFlight.clear();
    this.#socket.destroy();
  }
}
