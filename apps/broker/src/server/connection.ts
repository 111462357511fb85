// One Kafka client connection: splits the byte stream into request frames, hands each frame to the
// dispatcher as soon as it is complete (pipelining), writes responses back in request order, and
// stops reading while too many request bytes are in flight or the client is not reading responses.
import type { Socket } from "node:net";
import { BrokerError, BrokerErrorCode } from "../errors.ts";
import { OrderedResponses, type ResponseChunks } from "./ordered-responses.ts";

/** Splits a byte stream into frames (the 4-byte size prefix removed); throws on a malformed size. */
export interface FrameSplitter {
  push(chunk: Buffer): Buffer[];
}

export interface ConnectionInfo {
  readonly id: number;
  readonly remoteAddress: string;
  /** Aborted when the connection closes: long polls stop waiting for a client that left. */
  readonly closed: AbortSignal;
}

/**
 * Handles one request frame (header + body, without the size prefix). Resolves with the response
 * frame, size prefix included, or null when the request has no response (produce acks=0).
 * The frame buffer is only valid until the returned promise settles unless the handler copies it.
 * Rejecting closes the connection: use it for malformed requests, answer everything else in Kafka.
 */
export type RequestHandler = (frame: Buffer, connection: ConnectionInfo) => Promise<ResponseChunks | null>;

export interface ConnectionOptions {
  readonly maxInflightBytes: number;
  readonly maxInflightRequests: number;
  readonly idleMs: number;
  readonly onBytesIn?: (bytes: number) => void;
  readonly onBytesOut?: (bytes: number) => void;
  /** Called once, when the connection is gone; `error` says why it was closed by us, if it was. */
  readonly onClose?: (connection: Connection, error?: Error) => void;
}

export class Connection implements ConnectionInfo {
  readonly id: number;
  readonly remoteAddress: string;
  readonly #socket: Socket;
  readonly #splitter: FrameSplitter;
  readonly #handler: RequestHandler;
  readonly #options: ConnectionOptions;
  readonly #responses: OrderedResponses;
  readonly #abort = new AbortController();
  #inflightBytes = 0;
  #awaitingDrain = false;
  #paused = false;
  #corked = false;
  #closeError: Error | undefined;

  constructor(
    id: number,
    socket: Socket,
    splitter: FrameSplitter,
    handler: RequestHandler,
    options: ConnectionOptions,
  ) {
    this.id = id;
    this.remoteAddress = `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? 0}`;
    this.#socket = socket;
    this.#splitter = splitter;
    this.#handler = handler;
    this.#options = options;
    this.#responses = new OrderedResponses({ emit: (response, bytes) => this.#write(response, bytes) });
    socket.setNoDelay(true);
    socket.setTimeout(options.idleMs, () =>
      this.close(new BrokerError(BrokerErrorCode.IDLE_TIMEOUT, "idle connection")),
    );
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    socket.on("drain", () => {
      this.#awaitingDrain = false;
      this.#updateReading();
    });
    socket.on("error", (error) => {
      this.#closeError ??= error;
    });
    socket.on("close", () => {
      this.#abort.abort();
      this.#options.onClose?.(this, this.#closeError);
    });
  }

  get closed(): AbortSignal {
    return this.#abort.signal;
  }

  get inflightBytes(): number {
    return this.#inflightBytes;
  }

  get readingPaused(): boolean {
    return this.#paused;
  }

  /** Closes the socket at once; responses not yet written are dropped. */
  close(error?: Error): void {
    this.#closeError ??= error;
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    this.#options.onBytesIn?.(chunk.length);
    let frames: Buffer[];
    try {
      frames = this.#splitter.push(chunk);
    } catch (cause) {
      this.close(new BrokerError(BrokerErrorCode.MALFORMED_REQUEST, "malformed frame", { cause }));
      return;
    }
    for (const frame of frames) this.#dispatch(frame);
    this.#updateReading();
  }

  #dispatch(frame: Buffer): void {
    if (this.#socket.destroyed) return;
    this.#inflightBytes += frame.length;
    const complete = this.#responses.reserve(frame.length);
    this.#handler(frame, this).then(complete, (error: unknown) => {
      const why = error instanceof Error ? error : new Error(String(error));
      this.close(why);
      complete(null);
    });
  }

  #write(response: ResponseChunks | null, requestBytes: number): void {
    this.#inflightBytes -= requestBytes;
    if (response !== null && !this.#socket.destroyed) {
      let size = 0;
      let flushed = true;
      this.#corkUntilTickEnds();
      for (const part of response) {
        size += part.length;
        flushed = this.#socket.write(part);
      }
      if (!flushed) this.#awaitingDrain = true;
      this.#options.onBytesOut?.(size);
    }
    this.#updateReading();
  }

  /**
   * Responses completed in the same tick (a WAL group commit acks many produces at once) leave in one writev
   * instead of one syscall each: the socket stays corked until the current tick's microtasks have run.
   */
  #corkUntilTickEnds(): void {
    if (this.#corked) return;
    this.#corked = true;
    this.#socket.cork();
    process.nextTick(this.#uncork);
  }

  readonly #uncork = (): void => {
    this.#corked = false;
    this.#socket.uncork();
  };

  #updateReading(): void {
    if (this.#socket.destroyed) return;
    const overloaded =
      this.#awaitingDrain ||
      this.#inflightBytes > this.#options.maxInflightBytes ||
      this.#responses.pending >= this.#options.maxInflightRequests;
    if (overloaded && !this.#paused) {
      this.#paused = true;
      this.#socket.pause();
    } else if (!overloaded && this.#paused) {
      this.#paused = false;
      this.#socket.resume();
    }
  }
}
