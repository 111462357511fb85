import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { Admin } from "@platformatic/kafka";
import { Kafka, logLevel } from "kafkajs";
import { decodeRequest } from "../../src/index.ts";
import { CaptureServer } from "../support/capture-server.ts";
import { assertByteIdentical, maybeWriteFixtures, seenApis } from "../support/golden.ts";

// SASL/PLAIN handshakes of all three clients: SaslHandshake and SaslAuthenticate requests
// must re-encode byte for byte and carry the PLAIN token ("\0user\0password").

const run = promisify(execFile);

function plainTokens(server: CaptureServer): string[] {
  return server.frames
    .filter((f) => f.apiKey === 36)
    .map((f) => {
      const req = decodeRequest(f.frame);
      return req.apiKey === 36 ? req.body.authBytes.toString("utf8") : "";
    });
}

describe("golden bytes: SASL/PLAIN", { timeout: 60_000 }, () => {
  const server = new CaptureServer();
  before(() => server.start());
  after(() => server.stop());

  it("kafkajs, kcat and @platformatic/kafka authenticate with byte-identical frames", async () => {
    const broker = `${server.host}:${server.port}`;
    const kafka = new Kafka({
      clientId: "golden-sasl",
      brokers: [broker],
      logLevel: logLevel.NOTHING,
      sasl: { mechanism: "plain", username: "alice", password: "secret" },
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.listTopics();
    await admin.disconnect();

    await run(
      "kcat",
      [
        "-b",
        broker,
        "-X",
        "security.protocol=SASL_PLAINTEXT",
        "-X",
        "sasl.mechanisms=PLAIN",
        "-X",
        "sasl.username=alice",
        "-X",
        "sasl.password=secret",
        "-L",
      ],
      { timeout: 20_000, killSignal: "SIGKILL" },
    );

    const pAdmin = new Admin({
      clientId: "golden-sasl",
      bootstrapBrokers: [broker],
      sasl: { mechanism: "PLAIN", username: "alice", password: "secret" },
    });
    await pAdmin.listTopics();
    await pAdmin.close();

    assert.deepEqual(server.errors, []);
    const apis = seenApis(server.frames);
    assert.ok(apis.has("SaslHandshake") && apis.has("SaslAuthenticate"));
    const tokens = plainTokens(server);
    assert.ok(tokens.length >= 3, `expected one PLAIN token per client, got ${tokens.length}`);
    for (const token of tokens) assert.equal(token, "\0alice\0secret");
    assertByteIdentical(server.frames);
    maybeWriteFixtures("sasl", server.frames);
    if (process.env.CIRRUS_GOLDEN_VERBOSE) {
      console.log(
        [...new Set(server.frames.map((f) => `${f.clientId}:${f.apiKey}v${f.apiVersion}`))].join(" "),
      );
    }
  });
});
