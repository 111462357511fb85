import { connect, createServer, type Server, type Socket } from "node:net";

/** How long one broker may take to accept before the next one is tried. */
const CONNECT_TIMEOUT_MS = 1_000;

/**
 * The local stand-in for the network load balancer a cloud puts in front of a fleet: one fixed TCP port
 * that forwards each connection, bytes untouched, to a live broker. A Kafka client uses its bootstrap
 * address only to fetch Metadata and then connects to the addresses brokers advertise, so this port plus the
 * brokers' fixed slot ports keep clients working across replacements and restarts.
 *
 * Connections are spread over the targets (round robin); a target that refuses or does not accept within a
 * second is skipped for that connection. With no target reachable the client's connection is closed, which
 * every Kafka client retries. Lives as long as the process that owns the provider (npm start).
 */
export class BootstrapForwarder {
  readonly port: number;
  readonly #targets: () => readonly number[];
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #starting: Promise<void> | undefined;
  #next = 0;
  #closed = false;
  /** Why the port could not be opened (EADDRINUSE: another process has it); retried by ensureListening(). */
  lastError: unknown;

  /** `targets`: the Kafka ports on 127.0.0.1 of the fleet's live brokers, read at each connection. */
  constructor(port: number, targets: () => readonly number[]) {
    this.port = port;
    this.#targets = targets;
  }

  get listening(): boolean {
    return this.#server?.listening ?? false;
  }

  /** Opens the port if it is not open (again after a failure). Never throws: see lastError. */
  ensureListening(): Promise<void> {
    if (this.#closed || this.listening) return Promise.resolve();
    this.#starting ??= new Promise<void>((resolve) => {
      const server = createServer((client) => this.#forward(client));
      server.once("error", (error) => {
        this.lastError = error;
        server.close();
        resolve();
      });
      server.listen({ port: this.port, host: "127.0.0.1", exclusive: true }, () => {
        this.lastError = undefined;
        this.#server = server;
        if (this.#closed) server.close();
        resolve();
      });
    }).finally(() => {
      this.#starting = undefined;
    });
    return this.#starting;
  }

  /** Stops accepting and cuts the connections it forwards. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#starting;
    for (const socket of this.#sockets) socket.destroy();
    const server = this.#server;
    this.#server = undefined;
    if (server?.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #forward(client: Socket): void {
    this.#track(client);
    client.pause();
    const targets = [...this.#targets()];
    const first = targets.length === 0 ? 0 : this.#next++ % targets.length;
    const order = [...targets.slice(first), ...targets.slice(0, first)];
    const tryNext = (): void => {
      const port = order.shift();
      if (port === undefined || client.destroyed) {
        client.destroy();
        return;
      }
      const upstream = connect({ host: "127.0.0.1", port });
      let failed = false;
      const fail = () => {
        upstream.destroy();
        if (failed) return;
        failed = true;
        tryNext();
      };
      upstream.setTimeout(CONNECT_TIMEOUT_MS, fail);
      upstream.once("error", fail);
      upstream.once("connect", () => {
        upstream.removeListener("error", fail);
        upstream.setTimeout(0);
        this.#track(upstream);
        upstream.on("error", () => client.destroy());
        client.on("error", () => upstream.destroy());
        upstream.once("close", () => client.destroy());
        client.once("close", () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    client.on("error", () => {}); // a reset before the upstream is chosen: close ends it
    tryNext();
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once("close", () => this.#sockets.delete(socket));
  }
}
