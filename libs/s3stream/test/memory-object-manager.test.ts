import { MemoryObjectManager } from "../src/memory-object-manager.ts";
import { objectManagerContract } from "./object-manager-contract.ts";

objectManagerContract("MemoryObjectManager", async () => {
  let now = 1_000_000;
  const manager = new MemoryObjectManager({ now: () => now });
  return {
    manager,
    advanceClock: (ms) => (now += ms),
    nodes: {
      register: async (nodeId, epoch) => manager.registerNode(nodeId, epoch),
      fence: async (nodeId, epoch) => manager.fenceNode(nodeId, epoch),
    },
  };
});
