// Writes the control plane's OpenAPI document (what GET /openapi.json serves) to a file, without a server:
// the app is built on an in-memory database and asked for its document. The console generates its typed API
// client from this file (apps/console: `npm run build`), so the console cannot drift from the API.
//
// Usage: node scripts/write-openapi.ts OUT.json
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";

const out = process.argv[2];
if (!out) {
  process.stderr.write("usage: node scripts/write-openapi.ts OUT.json\n");
  process.exit(2);
}
const { build } = await import("../apps/control-plane/src/app.ts");
const { loadConfig } = await import("../apps/control-plane/src/config.ts");
const { openDatabase } = await import("../apps/control-plane/src/db/database.ts");

const database = await openDatabase({ url: "memory://" });
try {
  const app = await build({
    config: loadConfig({}, { databaseUrl: "memory://", logLevel: "silent" }),
    database,
  });
  writeFileSync(resolve(out), `${JSON.stringify(app.server.swagger(), null, 2)}\n`);
  await app.server.close();
} finally {
  await database.close();
}
