import { MemObjectStore } from "@cirrus/object-store";
import { storageSuite } from "./storage-suite.ts";

storageSuite("mem://", async () => new MemObjectStore());
