// One Kafka-protocol connection from the control plane to a broker, on @cirrus/kafka-protocol's codec: the
// console's message browser and produce form use it (services/topic-messages.ts). One request at a time; every
// request has a deadline, and a connection that fails or times out is closed, never reused.
import { connect, type Socket } from "node:net";
import {
  decodeResponse,
  type EncodableRequestBodies,
  encodeRequest,
  FrameDecoder,
  type ResponseBodies,
} from "@cirrus/kafka-protocol";

export class KafkaConnectionError extends Error {
  override readonly name = "KafkaConnectionError";
}

const CLIENT_ID = "cirrus-control-plane";

export class KafkaConnection {
  readonly #socket: Socket;
  readonly #decoder = new FrameDecoder();
  #pending: { resolve: (frame: Buffer) => void; reject: (error: Error) => void } | undefined;
  #failure: Error | undefined;
  #nextCorrelationId = 1;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on("data", (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = this.#decoder.push(chunk);
      } catch (error) {
        this.#fail(new KafkaConnectionError(`bad frame from the broker: ${String(error)}`));
        return;
      }
      for (const frame of frames) {
        const pending = this.#pending;
        this.#pending = undefined;
        pending?.resolve(frame);
      }
    });
    socket.on("error", (error) =>
      this.#fail(new KafkaConnectionError(`broker connection: ${error.message}`)),
    );
    socket.on("close", () => this.#fail(new KafkaConnectionError("the broker closed the connection")));
  }

  /** Connects within `timeoutMs`, or throws KafkaConnectionError. */
  static open(host: string, port: number, timeoutMs: number): Promise<KafkaConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new KafkaConnectionError(`no connection to ${host}:${port} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve(new KafkaConnection(socket));
      });
      socket.once("error", (error) => {
        clearTimeout(timer);
        reject(new KafkaConnectionError(`cannot connect to ${host}:${port}: ${error.message}`));
      });
    });
  }

  /** Sends one request and decodes its answer; throws KafkaConnectionError (and closes) on any failure. */
  async request<K extends keyof EncodableRequestBodies & keyof ResponseBodies>(
    apiKey: K,
    apiVersion: number,
    body: EncodableRequestBodies[K],
    timeoutMs: number,
  ): Promise<ResponseBodies[K]> {
    if (this.#failure) throw this.#failure;
    if (this.#pending) throw new KafkaConnectionError("one request at a time");
    const correlationId = this.#nextCorrelationId++;
    const frame = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#fail(new KafkaConnectionError(`no answer from the broker within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending = {
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.#socket.write(encodeRequest({ apiKey, apiVersion, correlationId, clientId: CLIENT_ID }, body));
    });
    let answer: { correlationId: number; body: ResponseBodies[K] };
    try {
      answer = decodeResponse(apiKey, apiVersion, frame);
    } catch (error) {
      this.#fail(new KafkaConnectionError(`undecodable answer from the broker: ${String(error)}`));
      throw this.#failure;
    }
    if (answer.correlationId !== correlationId) {
      this.#fail(new KafkaConnectionError(`answer ${answer.correlationId} to request ${correlationId}`));
      throw this.#failure;
    }
    return answer.body;
  }

  close(): void {
    this.#fail(new KafkaConnectionError("closed"));
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    this.#socket.destroy();
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(this.#failure);
  }
}
