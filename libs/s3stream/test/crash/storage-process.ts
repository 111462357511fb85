// A child process for crash and failover tests. Modes (argv[2]):
//   write   open Storage on the WAL (argv[3]) and object folder (argv[4]) as node argv[5], append to the streams
//           listed in argv[6] (comma-separated ids, opened at epoch 1) until killed, uploading every argv[7]
//           bytes (default 512 KiB); report every ack to the parent as { kind: "ack", streamId, baseOffset,
//           count } once it is durable.
//   recover run recoverForeignWal on the WAL argv[3] as node argv[5]; send { kind: "report", ... } and exit.
import { FileObjectStore } from "@cirrus/object-store";
import { recoverForeignWal } from "../../src/recover-foreign-wal.ts";
import { Storage } from "../../src/storage.ts";
import { ipcObjectManager } from "../helpers/ipc-object-manager.ts";
import { payloadFor } from "../helpers/records.ts";

const [mode, walPath, objectsDir, nodeArg, streamsArg, uploadArg] = process.argv.slice(2);
const objectStore = new FileObjectStore(objectsDir!);
const objectManager = ipcObjectManager();
const nodeId = Number(nodeArg);

if (mode === "write") {
  const storage = await Storage.open({
    walPath: walPath!,
    walCapacity: 8 * 1024 * 1024,
    objectStore,
    objectManager,
    nodeId,
    nodeEpoch: 1,
    // By default uploads happen while writing: a kill finds both uploaded and WAL-only data.
    uploadThresholdBytes: uploadArg ? Number(uploadArg) : 512 * 1024,
  });
  const streams = await Promise.all(streamsArg!.split(",").map((id) => storage.openStream(Number(id), 1)));
  process.send!({ kind: "ready" });
  let i = 0;
  // Keep a bounded number of appends in flight, of varied sizes, across streams.
  const inFlight = new Set<Promise<unknown>>();
  for (;;) {
    const stream = streams[i % streams.length]!;
    const baseOffset = stream.nextOffset;
    const count = 1 + (i % 5);
    const size = 100 + ((i * 7919) % 3000);
    const ack = stream.append({ payload: payloadFor(stream.streamId, baseOffset, size), count }).then(() => {
      process.send!({ kind: "ack", streamId: stream.streamId, baseOffset, count });
    });
    inFlight.add(ack);
    void ack.finally(() => inFlight.delete(ack));
    if (inFlight.size >= 64) await Promise.race(inFlight);
    i++;
  }
} else if (mode === "recover") {
  const report = await recoverForeignWal(walPath!, { objectStore, objectManager, nodeId, nodeEpoch: 1 });
  process.send!({
    kind: "report",
    endOffsets: [...report.endOffsets],
    recoveredRecords: report.recoveredRecords,
    deadNodeId: report.deadNodeId,
    closedStreams: report.closedStreams,
    stop: report.stop,
  });
  process.disconnect();
}
