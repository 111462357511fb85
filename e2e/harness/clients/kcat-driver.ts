// kcat (librdkafka 2.0.2, Debian) as a ClientDriver: one process per producer run and per group member.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import type { ClientDriver } from "./driver.ts";
import { FETCH_MAX_WAIT_MS } from "./driver.ts";
import { groupStarter } from "./group-members.ts";
import type { KeyedRecord } from "./workload.ts";

/** kcat cannot create topics: the driver asks `createTopic` (the control plane's REST API, or another client). */
export function kcatDriver(
  bootstrap: string,
  createTopic: (topic: string, partitions: number) => Promise<void>,
): ClientDriver {
  return {
    name: "kcat",
    idempotent: true,
    createTopic,
    async produce(topic: string, records: KeyedRecord[]) {
      const child = spawn(
        "kcat",
        [
          "-P",
          "-b",
          bootstrap,
          "-t",
          topic,
          "-K",
          "\t",
          "-X",
          "enable.idempotence=true",
          "-X",
          "acks=all",
          "-X",
          "linger.ms=5",
        ],
        { stdio: ["pipe", "ignore", "pipe"] },
      );
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      const lines = records.map((r) => `${r.key}\t${r.value}\n`).join("");
      child.stdin.end(lines);
      const [code] = await once(child, "exit");
      if (code !== 0 || /error|fail/i.test(stderr))
        throw new Error(`kcat producer exited ${code}: ${stderr.slice(0, 2000)}`);
    },
    startGroup: groupStarter<ChildProcess>("kcat", {
      async startMember({ topic, groupId, sink }, m, report) {
        const child = spawn(
          "kcat",
          [
            "-b",
            bootstrap,
            "-G",
            groupId,
            topic,
            "-f",
            "%p\t%o\t%k\t%s\n",
            "-u",
            "-X",
            "auto.offset.reset=earliest",
            "-X",
            "auto.commit.interval.ms=200",
            "-X",
            "session.timeout.ms=10000",
            "-X",
            "heartbeat.interval.ms=500",
            "-X",
            `fetch.wait.max.ms=${FETCH_MAX_WAIT_MS}`,
          ],
          { stdio: ["ignore", "pipe", "pipe"] },
        );
        createInterface({ input: child.stdout }).on("line", (line) => {
          const [p, o, k, v] = line.split("\t");
          sink({
            partition: Number(p),
            offset: BigInt(o ?? "-1"),
            key: k ?? "",
            value: v ?? "",
            member: m,
          });
        });
        // kcat reports each rebalance on stderr: "% Group <g> rebalanced (memberid ...): assigned: t [0], t [3], ..."
        let generation = 0;
        createInterface({ input: child.stderr }).on("line", (line) => {
          if (/rebalanced.*assigned/.test(line)) {
            generation++;
            report(0, (line.match(/\[\d+\]/g) ?? []).length);
          } else if (/rebalanced.*revoked/.test(line)) {
            report(generation, 0);
          }
        });
        return child;
      },
      async stopMembers(children) {
        await Promise.all(
          children.map(async (c) => {
            if (c.exitCode !== null) return;
            c.kill("SIGINT"); // kcat closes the consumer on SIGINT: final offset commit, LeaveGroup
            await once(c, "exit");
          }),
        );
      },
    }),
  };
}
