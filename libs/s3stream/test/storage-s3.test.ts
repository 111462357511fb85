import { after, before } from "node:test";
import { S3ObjectStore } from "@cirrus/object-store";
import { type RunningS3Server, startS3Server } from "../../object-store/test/helpers/s3-server.ts";
import { storageSuite } from "./storage-suite.ts";

let server: RunningS3Server;
let counter = 0;
before(async () => {
  server = await startS3Server("s3stream-test");
});
after(async () => {
  await server.stop();
});

storageSuite(
  "s3:// (s3rver)",
  async () =>
    new S3ObjectStore({
      bucket: server.bucket,
      prefix: `suite-${counter++}`,
      endpoint: server.endpoint,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: server.credentials,
      maxAttempts: 2,
    }),
);
