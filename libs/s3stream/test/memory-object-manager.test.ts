import { MemoryObjectManager } from "../src/memory-object-manager.ts";
import { objectManagerContract } from "./object-manager-contract.ts";

objectManagerContract("MemoryObjectManager", async () => {
  let now = 1_000_000;
  return { manager: new MemoryObjectManager({ now: () => now }), advanceClock: (ms) => (now += ms) };
});
