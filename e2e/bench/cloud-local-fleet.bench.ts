// Local provider timings, with a stand-in broker (libs/cloud/test/fixtures/tiny-broker.ts: listens on its
// Kafka and admin ports): fleet of 3 from createFleet to every Kafka port accepting (reference: the
// 15 s budget issue 6 gives a whole 3-broker cluster to be produce-able), replacement of a SIGKILLed
// broker, lateness of a simulated spot reclaim's hard kill against its deadline (reference: the
// provider's tick), and a WAL volume move (detach + attach). Medians over the rounds. One JSON line.
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Instance, LocalProvider } from "@cirrus/cloud";

const quick = process.env.CIRRUS_BENCH_QUICK === "1";
const rounds = quick ? 2 : 5;
const tickMs = 100;
const fixture = join(import.meta.dirname, "..", "..", "libs", "cloud", "test", "fixtures", "tiny-broker.ts");

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out");
    await sleep(10);
  }
}

async function listening(
  provider: LocalProvider,
  fleet: string,
  n: number,
  exclude: Set<string> = new Set(),
): Promise<Instance[]> {
  return until(async () => {
    const list = (await provider.listInstances(fleet)).filter(
      (i) => i.state === "running" && !exclude.has(i.id),
    );
    if (list.length !== n) return undefined;
    const up = await Promise.all(list.map((i) => accepts(i.ports!.kafka)));
    return up.every(Boolean) ? list : undefined;
  });
}

const converge: number[] = [];
const replace: number[] = [];
const reclaimLateness: number[] = [];
const volumeMove: number[] = [];
const dataDir = mkdtempSync(join(tmpdir(), "cirrus-bench-cloud-"));
const provider = new LocalProvider({ dataDir, tickMs, stopGraceMs: 1000, metricsIntervalMs: 1000 });
try {
  for (let r = 0; r < rounds; r++) {
    const name = `bench-${r}`;
    const started = performance.now();
    await provider.createFleet({
      name,
      minSize: 0,
      maxSize: 4,
      desiredCapacity: 3,
      zones: ["local-a"],
      instanceTypes: ["local.small"],
      onDemandBaseCapacity: 0,
      onDemandPercentageAboveBase: 0,
      capacityRebalance: false,
      launch: { command: process.execPath, args: [fixture], env: {} },
    });
    const brokers = await listening(provider, name, 3);
    converge.push(performance.now() - started);

    const victim = brokers[0]!;
    const killedAt = performance.now();
    process.kill(provider.pidOf(victim.id)!, "SIGKILL");
    await listening(provider, name, 3, new Set([victim.id]));
    replace.push(performance.now() - killedAt);

    const spot = (await provider.listInstances(name)).find((i) => i.state === "running")!;
    const pid = provider.pidOf(spot.id)!;
    const deadline = Date.now() + 500;
    await provider.simulateSpotReclaim(spot.id, 500);
    await until(async () => {
      try {
        process.kill(pid, 0);
        return undefined;
      } catch {
        return true;
      }
    });
    reclaimLateness.push(Date.now() - deadline);

    const [a, b] = await listening(provider, name, 3);
    const vol = await provider.createVolume({
      zone: "local-a",
      sizeGiB: 1,
      type: "file",
      multiAttach: false,
      clientToken: `v${r}`,
    });
    await provider.attachVolume(vol.id, a!.id);
    const moveStart = performance.now();
    await provider.detachVolume(vol.id, a!.id, { force: true });
    await provider.attachVolume(vol.id, b!.id);
    volumeMove.push(performance.now() - moveStart);
    await provider.detachVolume(vol.id, b!.id);
    await provider.deleteVolume(vol.id);
    await provider.deleteFleet(name);
  }
} finally {
  const deadline = Date.now() + 10_000;
  while (provider.fleetNames().length > 0 && Date.now() < deadline) {
    await sleep(50);
    await provider.reconcileNow();
  }
  await provider.close();
  rmSync(dataDir, { recursive: true, force: true });
}

const round1 = (x: number) => Math.round(x * 10) / 10;
console.log(
  JSON.stringify({
    bench: "cloud-local-fleet",
    quick,
    rounds,
    fleet3ReadyMsMedian: round1(median(converge)),
    fleet3ReadyCeilingMs: 15_000,
    fleet3ReadyShareOfCeiling: Math.round((median(converge) / 15_000) * 1000) / 1000,
    replaceAfterKillMsMedian: round1(median(replace)),
    spotKillLatenessMsMedian: round1(median(reclaimLateness)),
    spotKillLatenessReferenceTickMs: tickMs,
    volumeMoveMsMedian: round1(median(volumeMove)),
  }),
);
