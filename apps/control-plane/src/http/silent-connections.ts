// Connections that never sent a byte are closed when the server closes. Node's server.close() closes idle
// keep-alive connections, but one that has not sent a request yet is not idle to it, so close() waits for
// headersTimeout (60 s) plus its checking interval. Who leaves such a connection: a TCP health check, or an HTTP
// client reconnecting for a request it then dropped — in tests, each control plane closed after a broker took
// 70 s instead of milliseconds. Nothing is lost by dropping them: they carry no request.
import type { Socket } from "node:net";
import type { FastifyInstance } from "fastify";

export function closeSilentConnectionsOnClose(app: FastifyInstance): void {
  const sockets = new Set<Socket>();
  app.server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  app.addHook("preClose", (done) => {
    for (const socket of sockets) if (socket.bytesRead === 0) socket.destroy();
    done();
  });
}
