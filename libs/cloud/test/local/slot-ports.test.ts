import assert from "node:assert/strict";
import { connect, createServer, type Server } from "node:net";
import { afterEach, describe, it } from "node:test";
import type { LocalProvider } from "../../src/local/local-provider.ts";
import { eventually } from "../conformance/eventually.ts";
import { openLocal, teardown, tempDataDir, tinyFleet } from "./local-harness.ts";

type Ports = { kafka: number; admin: number };

describe("local provider: fixed ports per broker slot", { timeout: 60_000 }, () => {
  let provider: LocalProvider | undefined;
  let dataDir = "";
  const servers: Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
    if (provider) await teardown(provider, dataDir);
    provider = undefined;
  });

  async function runningPorts(name: string, n: number): Promise<Map<string, Ports>> {
    return eventually(
      `${n} running in ${name}`,
      async () => {
        const list = (await provider!.listInstances(name)).filter((i) => i.state === "running");
        return list.length === n ? new Map(list.map((i) => [i.id, i.ports!])) : undefined;
      },
      10_000,
    );
  }

  const sorted = (ports: Iterable<Ports>) => [...ports].map((p) => `${p.kafka}/${p.admin}`).sort();

  it("gives a replaced broker its slot's ports back", async () => {
    dataDir = tempDataDir();
    provider = openLocal(dataDir);
    await provider.createFleet(tinyFleet("slots", { desiredCapacity: 2 }));
    const before = await runningPorts("slots", 2);
    const [victim, victimPorts] = [...before][0]!;
    await provider.terminateInstance("slots", victim, { decrementCapacity: false });
    const after = await eventually(
      "a replacement",
      async () => {
        const now = await runningPorts("slots", 2);
        return now.has(victim) ? undefined : now;
      },
      10_000,
    );
    assert.deepEqual(sorted(after.values()), sorted(before.values()));
    const replacement = [...after].find(([id]) => !before.has(id))!;
    assert.deepEqual(replacement[1], victimPorts, "the replacement holds the freed slot's ports");
  });

  it("keeps the ports of a data folder across a provider restart and a scale-in and back out", async () => {
    dataDir = tempDataDir();
    provider = openLocal(dataDir);
    await provider.createFleet(tinyFleet("keep", { desiredCapacity: 2 }));
    const first = sorted((await runningPorts("keep", 2)).values());
    const bootstrap = provider.bootstrapAddress("keep");
    assert.ok(bootstrap);
    await provider.setDesiredCapacity("keep", 0);
    await runningPorts("keep", 0);
    await eventually(
      "brokers gone",
      async () => ((await provider!.listInstances("keep")).length === 0 ? true : undefined),
      10_000,
    );
    await provider.close();
    provider = openLocal(dataDir);
    assert.equal(provider.bootstrapAddress("keep"), bootstrap);
    await provider.setDesiredCapacity("keep", 2);
    assert.deepEqual(sorted((await runningPorts("keep", 2)).values()), first);
  });

  it("fails the launch of a slot whose port another process holds, naming the port", async () => {
    dataDir = tempDataDir();
    provider = openLocal(dataDir);
    await provider.createFleet(tinyFleet("held", { desiredCapacity: 1 }));
    const [ports] = [...(await runningPorts("held", 1)).values()];
    await provider.setDesiredCapacity("held", 0);
    await eventually(
      "broker gone",
      async () => ((await provider!.listInstances("held")).length === 0 ? true : undefined),
      10_000,
    );
    // Someone else takes the slot's Kafka port while the broker is down.
    const squatter = createServer();
    servers.push(squatter);
    await new Promise<void>((resolve) => squatter.listen(ports!.kafka, "127.0.0.1", resolve));
    await provider.setDesiredCapacity("held", 1);
    await eventually("a failed launch", async () => (provider!.lastLaunchError ? true : undefined), 10_000);
    assert.match(String(provider.lastLaunchError), new RegExp(`port ${ports!.kafka} .*taken`));
    const launched = (await provider.listInstances("held")).filter((i) => i.state === "running");
    assert.deepEqual(launched, [], "no broker on another port");
  });

  it("forwards its one bootstrap port to a live broker, bytes untouched", async () => {
    dataDir = tempDataDir();
    provider = openLocal(dataDir);
    // An echo server on the broker's Kafka port: what comes back proves the bytes went through.
    const echo =
      "require('node:net').createServer((s) => s.pipe(s)).listen(+process.env.CIRRUS_KAFKA_PORT, '127.0.0.1')";
    await provider.createFleet(
      tinyFleet("fwd", { launch: { command: process.execPath, args: ["-e", echo], env: {} } }),
    );
    await runningPorts("fwd", 1);
    const [host, port] = provider.bootstrapAddress("fwd")!.split(":");
    const answer = await eventually(
      "an echo through the bootstrap port",
      () =>
        new Promise<string | undefined>((resolve) => {
          const socket = connect({ host: host!, port: Number(port) });
          socket.setTimeout(1000, () => socket.destroy());
          socket.once("error", () => resolve(undefined));
          socket.once("close", () => resolve(undefined));
          socket.once("data", (data) => {
            resolve(data.toString());
            socket.destroy();
          });
          socket.once("connect", () => socket.write("metadata?"));
        }),
      10_000,
    );
    assert.equal(answer, "metadata?");
  });
});
