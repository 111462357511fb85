// An idempotent producer that counts acknowledgements record by record, for durability tests: whatever happens to
// the brokers while it runs, `acked` holds exactly the records a send() resolved for (acks=all), and `unacked`
// those whose send() rejected (they may or may not have been stored).
// @platformatic/kafka, not kafkajs: kafkajs 2.2.4 resolves send() without sending the records of a partition whose
// leader moved to a broker that had already answered for other partitions of the same send (its per-broker
// response map survives retries: tulios/kafkajs#1303, fix proposed in #1798). We saw exactly that here: one batch
// per moved partition "acked" and never stored. A durability test must not count such acks.
import { execFile } from "node:child_process";
import { Producer, stringSerializers } from "@platformatic/kafka";
import type { ConsumedRecord } from "./workload.ts";
import { keyedRecords } from "./workload.ts";

export interface AckedProduction {
  /** Sequence numbers (record values) of acknowledged records. */
  acked: Set<number>;
  /** Sequence numbers of records whose send failed after the client's own retries. */
  unacked: Set<number>;
  errors: string[];
}

export interface AckedProducerOptions {
  bootstrap: string;
  topic: string;
  batch: number;
  /** Called before each send with what is acknowledged so far; false stops producing. */
  keepGoing: (acked: number) => boolean;
  /** Upper bound of the whole run. */
  timeoutMs: number;
  /** Sequence number of the first record (default 0): a second run continues where the first stopped. */
  from?: number;
  /** Wait between sends (default 0): a light load instead of as fast as the cluster takes it. */
  pauseMs?: number;
}

/** Sends keyed records 0, 1, 2, … in batches of `batch` (acks=all, idempotent, one request in flight). */
export async function produceCountingAcks(options: AckedProducerOptions): Promise<AckedProduction> {
  const producer = new Producer({
    clientId: "cirrus-e2e-durability",
    bootstrapBrokers: options.bootstrap.split(","),
    serializers: stringSerializers,
    idempotent: true,
    acks: -1,
    retries: 20,
    retryDelay: 250,
  });
  const production: AckedProduction = { acked: new Set(), unacked: new Set(), errors: [] };
  const deadline = Date.now() + options.timeoutMs;
  try {
    let next = options.from ?? 0;
    while (Date.now() < deadline && options.keepGoing(production.acked.size)) {
      const records = keyedRecords(next, options.batch);
      next += options.batch;
      try {
        await producer.send({
          messages: records.map((r) => ({ topic: options.topic, key: r.key, value: r.value })),
        });
        for (const r of records) production.acked.add(Number(r.value));
      } catch (error) {
        for (const r of records) production.unacked.add(Number(r.value));
        if (production.errors.length < 20) production.errors.push(String(error));
      }
      if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
    }
  } finally {
    await producer.close();
  }
  return production;
}

/** Reads every partition of `topic` from the beginning to its end with kcat (no group). */
export function readWholeTopic(
  bootstrap: string,
  topic: string,
  timeoutMs = 60_000,
): Promise<ConsumedRecord[]> {
  return new Promise((resolve, reject) => {
    execFile(
      "kcat",
      ["-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%p\t%o\t%k\t%s\n"],
      { timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`kcat -C ${topic}: ${error.message} ${stderr.slice(0, 2000)}`));
        const records: ConsumedRecord[] = [];
        for (const line of stdout.split("\n")) {
          if (!line) continue;
          const [p, o, k, v] = line.split("\t");
          if (!/^\d+$/.test(p ?? "") || !/^\d+$/.test(o ?? "") || v === undefined)
            return reject(
              new Error(`kcat -C ${topic}: unreadable line ${JSON.stringify(line.slice(0, 200))}`),
            );
          records.push({ partition: Number(p), offset: BigInt(o!), key: k ?? "", value: v, member: 0 });
        }
        resolve(records);
      },
    );
  });
}
