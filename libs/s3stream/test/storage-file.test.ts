import { FileObjectStore } from "@cirrus/object-store";
import { tempDir } from "./helpers/temp-dir.ts";
import { storageSuite } from "./storage-suite.ts";

storageSuite("file://", async () => new FileObjectStore(await tempDir("objects")));
