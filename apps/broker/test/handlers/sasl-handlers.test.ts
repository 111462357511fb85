import assert from "node:assert/strict";
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { ApiKey, ErrorCode } from "@cirrus/kafka-protocol";
import { saslAllows, saslUser } from "../../src/handlers/sasl-handlers.ts";
import { verifyPlain } from "../../src/handlers/sasl-plain.ts";
import { connection, type HandlerBroker, startHandlerBroker } from "./group-handlers-kit.ts";

// biome-ignore lint/suspicious/noExplicitAny: decoded bodies are checked field by field
type Any = Record<string, any>;

const users = new Map([
  ["alice", "s3cret"],
  ["bob", "pa:ss"],
]);

/** The client side of SCRAM-SHA-256 (RFC 5802), written from the RFC independently of the server. */
function scramClient(user: string, password: string) {
  const nonce = randomBytes(12).toString("base64");
  const first = `n,,n=${user},r=${nonce}`;
  let expectedServerSignature = "";
  return {
    first: Buffer.from(first),
    final(serverFirst: Buffer): Buffer {
      const text = serverFirst.toString();
      const attrs = new Map(text.split(",").map((p) => [p[0]!, p.slice(2)]));
      const salted = pbkdf2Sync(
        password,
        Buffer.from(attrs.get("s")!, "base64"),
        Number(attrs.get("i")),
        32,
        "sha256",
      );
      const clientKey = createHmac("sha256", salted).update("Client Key").digest();
      const storedKey = createHash("sha256").update(clientKey).digest();
      const withoutProof = `c=${Buffer.from("n,,").toString("base64")},r=${attrs.get("r")}`;
      const authMessage = `${first.slice(3)},${text},${withoutProof}`;
      const signature = createHmac("sha256", storedKey).update(authMessage).digest();
      const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!));
      const serverKey = createHmac("sha256", salted).update("Server Key").digest();
      expectedServerSignature = `v=${createHmac("sha256", serverKey).update(authMessage).digest("base64")}`;
      return Buffer.from(`${withoutProof},p=${proof.toString("base64")}`);
    },
    expectedServerFinal: () => expectedServerSignature,
  };
}

describe("SASL PLAIN parsing", () => {
  it("accepts the right password only, and an authzid only when it names the user", () => {
    const msg = (s: string) => Buffer.from(s);
    assert.deepEqual(verifyPlain(msg("\0alice\0s3cret"), users), { ok: true, user: "alice" });
    assert.deepEqual(verifyPlain(msg("alice\0alice\0s3cret"), users), { ok: true, user: "alice" });
    assert.deepEqual(verifyPlain(msg("\0bob\0pa:ss"), users), { ok: true, user: "bob" });
    for (const bad of [
      "\0alice\0wrong",
      "\0mallory\0s3cret",
      "bob\0alice\0s3cret",
      "alice s3cret",
      "\0\0x",
      "",
    ]) {
      assert.equal(verifyPlain(msg(bad), users).ok, false, JSON.stringify(bad));
    }
  });
});

describe("SASL handlers", () => {
  let broker: HandlerBroker;
  before(async () => {
    broker = await startHandlerBroker({ saslMechanisms: ["PLAIN", "SCRAM-SHA-256"], saslUsers: users });
  });
  after(() => broker.close());

  it("PLAIN: handshake, authenticate, then other APIs are allowed on that connection only", async () => {
    const conn = connection(10);
    assert.equal(saslAllows(broker.services, conn, ApiKey.Metadata), false);
    assert.equal(saslAllows(broker.services, conn, ApiKey.ApiVersions), true);
    const early = await broker.call<Any>(
      ApiKey.SaslAuthenticate,
      2,
      { authBytes: Buffer.from("\0alice\0s3cret") },
      conn,
    );
    assert.equal(early.errorCode, ErrorCode.ILLEGAL_SASL_STATE);
    const hs = await broker.call<Any>(ApiKey.SaslHandshake, 1, { mechanism: "PLAIN" }, conn);
    assert.deepEqual([hs.errorCode, hs.mechanisms], [0, ["PLAIN", "SCRAM-SHA-256"]]);
    const auth = await broker.call<Any>(
      ApiKey.SaslAuthenticate,
      1,
      { authBytes: Buffer.from("\0alice\0s3cret") },
      conn,
    );
    assert.equal(auth.errorCode, ErrorCode.NONE);
    assert.equal(saslUser(conn), "alice");
    assert.equal(saslAllows(broker.services, conn, ApiKey.Metadata), true);
    assert.equal(saslAllows(broker.services, connection(11), ApiKey.Metadata), false);
    const again = await broker.call<Any>(ApiKey.SaslHandshake, 1, { mechanism: "PLAIN" }, conn);
    assert.equal(again.errorCode, ErrorCode.ILLEGAL_SASL_STATE);
  });

  it("PLAIN with a wrong password fails and the connection stays unauthenticated", async () => {
    const conn = connection(12);
    await broker.call(ApiKey.SaslHandshake, 0, { mechanism: "PLAIN" }, conn);
    const auth = await broker.call<Any>(
      ApiKey.SaslAuthenticate,
      0,
      { authBytes: Buffer.from("\0alice\0nope") },
      conn,
    );
    assert.equal(auth.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
    assert.match(auth.errorMessage, /Authentication failed/);
    assert.equal(saslAllows(broker.services, conn, ApiKey.Fetch), false);
    const retry = await broker.call<Any>(
      ApiKey.SaslAuthenticate,
      0,
      { authBytes: Buffer.from("\0alice\0s3cret") },
      conn,
    );
    assert.equal(retry.errorCode, ErrorCode.ILLEGAL_SASL_STATE, "no second try on a failed connection");
  });

  it("answers UNSUPPORTED_SASL_MECHANISM with the offered list", async () => {
    const r = await broker.call<Any>(ApiKey.SaslHandshake, 1, { mechanism: "GSSAPI" }, connection(13));
    assert.deepEqual(
      [r.errorCode, r.mechanisms],
      [ErrorCode.UNSUPPORTED_SASL_MECHANISM, ["PLAIN", "SCRAM-SHA-256"]],
    );
  });

  it("SCRAM-SHA-256: a full exchange proves both sides; a wrong password fails", async () => {
    const conn = connection(14);
    await broker.call(ApiKey.SaslHandshake, 1, { mechanism: "SCRAM-SHA-256" }, conn);
    const client = scramClient("alice", "s3cret");
    const serverFirst = await broker.call<Any>(ApiKey.SaslAuthenticate, 2, { authBytes: client.first }, conn);
    assert.equal(serverFirst.errorCode, 0);
    assert.match(serverFirst.authBytes.toString(), /^r=.+,s=.+,i=4096$/);
    const serverFinal = await broker.call<Any>(
      ApiKey.SaslAuthenticate,
      2,
      { authBytes: client.final(serverFirst.authBytes) },
      conn,
    );
    assert.equal(serverFinal.errorCode, 0);
    assert.equal(
      serverFinal.authBytes.toString(),
      client.expectedServerFinal(),
      "the server proved it knows the key",
    );
    assert.equal(saslUser(conn), "alice");

    const wrong = connection(15);
    await broker.call(ApiKey.SaslHandshake, 1, { mechanism: "SCRAM-SHA-256" }, wrong);
    const liar = scramClient("alice", "guess");
    const first = await broker.call<Any>(ApiKey.SaslAuthenticate, 2, { authBytes: liar.first }, wrong);
    const final = await broker.call<Any>(
      ApiKey.SaslAuthenticate,
      2,
      { authBytes: liar.final(first.authBytes) },
      wrong,
    );
    assert.equal(final.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED);
    assert.equal(saslUser(wrong), null);

    for (const garbage of ["", "p=,,n=alice,r=x", "n,,r=x", "n,,n=al=ice,r=x"]) {
      const c = connection(16);
      await broker.call(ApiKey.SaslHandshake, 1, { mechanism: "SCRAM-SHA-256" }, c);
      const r = await broker.call<Any>(ApiKey.SaslAuthenticate, 2, { authBytes: Buffer.from(garbage) }, c);
      assert.equal(r.errorCode, ErrorCode.SASL_AUTHENTICATION_FAILED, JSON.stringify(garbage));
    }
  });
});

describe("without SASL configured", () => {
  it("allows every API and offers no mechanism", async () => {
    const broker = await startHandlerBroker();
    try {
      assert.equal(saslAllows(broker.services, connection(20), ApiKey.Produce), true);
      const r = await broker.call<Any>(ApiKey.SaslHandshake, 1, { mechanism: "PLAIN" }, connection(20));
      assert.deepEqual([r.errorCode, r.mechanisms], [ErrorCode.UNSUPPORTED_SASL_MECHANISM, []]);
    } finally {
      await broker.close();
    }
  });
});
