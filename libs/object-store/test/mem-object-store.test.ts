import { MemObjectStore } from "../src/mem-object-store.ts";
import { objectStoreSuite } from "./object-store-suite.ts";

objectStoreSuite("mem://", async () => new MemObjectStore());
