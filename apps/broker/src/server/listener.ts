// The Kafka listener: accepts TCP connections up to a limit and gives each its own Connection.
import { createServer, type Server, type Socket } from "node:net";
import { Connection, type ConnectionOptions, type FrameSplitter, type RequestHandler } from "./connection.ts";

export interface ListenerOptions extends Omit<ConnectionOptions, "onClose"> {
  readonly host: string;
  /** 0 picks an ephemeral port. */
  readonly port: number;
  readonly maxConnections: number;
  readonly newFrameSplitter: () => FrameSplitter;
  readonly handler: RequestHandler;
  readonly onConnectionsChanged?: (open: number) => void;
  readonly onConnectionError?: (connection: Connection, error: Error) => void;
}

export class KafkaListener {
  readonly #options: ListenerOptions;
  readonly #server: Server;
  readonly #connections = new Set<Connection>();
  #nextId = 1;

  constructor(options: ListenerOptions) {
    this.#options = options;
    this.#server = createServer({ noDelay: true, pauseOnConnect: false }, (socket) => this.#accept(socket));
    // Over the limit, node closes new sockets itself before they reach #accept.
    this.#server.maxConnections = options.maxConnections;
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Resolves with the bound port once accepting connections. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen({ host: this.#options.host, port: this.#options.port, backlog: 4096 }, () => {
        this.#server.off("error", reject);
        const address = this.#server.address();
        resolve(typeof address === "object" && address ? address.port : this.#options.port);
      });
    });
  }

  /** Stops accepting, closes every open connection, resolves when the server is closed. */
  close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const connection of this.#connections) connection.close();
    return closed;
  }

  #accept(socket: Socket): void {
    const connection = new Connection(
      this.#nextId++,
      socket,
      this.#options.newFrameSplitter(),
      this.#options.handler,
      {
        maxInflightBytes: this.#options.maxInflightBytes,
        maxInflightRequests: this.#options.maxInflightRequests,
        idleMs: this.#options.idleMs,
        onBytesIn: this.#options.onBytesIn,
        onBytesOut: this.#options.onBytesOut,
        onClose: (closed, error) => {
          this.#connections.delete(closed);
          this.#options.onConnectionsChanged?.(this.#connections.size);
          if (error) this.#options.onConnectionError?.(closed, error);
        },
      },
    );
    this.#connections.add(connection);
    this.#options.onConnectionsChanged?.(this.#connections.size);
  }
}
