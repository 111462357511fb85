// The admin port: Prometheus /metrics, /healthz (the process answers) and /readyz (the broker can take
// traffic: listening, registered, lease valid, not shutting down). Plain node:http, nothing else served.
import { createServer, type Server } from "node:http";

export interface ReadinessReport {
  ready: boolean;
  /** Why not ready, for humans reading the probe output. */
  reasons: string[];
}

export interface AdminServerOptions {
  readonly host: string;
  readonly port: number;
  readonly scrape: () => Promise<string>;
  readonly readiness: () => ReadinessReport;
  readonly contentType: string;
}

export class AdminServer {
  readonly #server: Server;
  readonly #options: AdminServerOptions;

  constructor(options: AdminServerOptions) {
    this.#options = options;
    this.#server = createServer((req, res) => {
      const path = (req.url ?? "/").split("?")[0];
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { allow: "GET, HEAD" }).end();
        return;
      }
      if (path === "/healthz") {
        res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      } else if (path === "/readyz") {
        const report = options.readiness();
        res
          .writeHead(report.ready ? 200 : 503, { "content-type": "application/json" })
          .end(`${JSON.stringify(report)}\n`);
      } else if (path === "/metrics") {
        options.scrape().then(
          (text) => res.writeHead(200, { "content-type": options.contentType }).end(text),
          (error: unknown) => res.writeHead(500, { "content-type": "text/plain" }).end(`${String(error)}\n`),
        );
      } else {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      }
    });
    this.#server.keepAliveTimeout = 5_000;
    this.#server.requestTimeout = 10_000;
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen({ host: this.#options.host, port: this.#options.port }, () => {
        this.#server.off("error", reject);
        const address = this.#server.address();
        resolve(typeof address === "object" && address ? address.port : this.#options.port);
      });
    });
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
