// Test helpers that speak Kafka's framing (int32 size + payload) on a raw socket.
import { connect, type Socket } from "node:net";

export function frame(payload: Buffer): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(payload.length, 0);
  return Buffer.concat([prefix, payload]);
}

export function connectTo(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port }, () => resolve(socket));
    socket.once("error", reject);
  });
}

/** Reads `count` frames from the socket (payloads without the size prefix). */
export function readFrames(socket: Socket, count: number, timeoutMs = 5_000): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    let pending = Buffer.alloc(0);
    const frames: Buffer[] = [];
    const timer = setTimeout(
      () => done(new Error(`timed out with ${frames.length}/${count} frames`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const size = pending.readInt32BE(0);
        frames.push(pending.subarray(4, 4 + size));
        pending = pending.subarray(4 + size);
      }
      if (frames.length >= count) done();
    };
    const onClose = () => done(new Error(`closed with ${frames.length}/${count} frames`));
    const done = (error?: Error) => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("close", onClose);
      if (error) reject(error);
      else resolve(frames);
    };
    socket.on("data", onData);
    socket.on("close", onClose);
  });
}

export function waitForClose(socket: Socket, timeoutMs = 5_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.destroyed) return resolve();
    const timer = setTimeout(() => reject(new Error("socket still open")), timeoutMs);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
    socket.resume();
  });
}
