// The envelope every stored secret goes through: a round trip, and each way a value must refuse to open (another
// row's AAD, an altered byte anywhere, a key that is not configured, garbage), plus rotation by old keys.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import {
  isSealed,
  rowAad,
  SecretBox,
  SecretBoxError,
  SecretBoxErrorCode,
  secretKeyId,
} from "../../src/secrets/secret-box.ts";

const key = () => randomBytes(32);
const aad = rowAad("control_plane_kafka_credentials", "cluster-a");
const refusal = (code: string) => (e: unknown) => e instanceof SecretBoxError && e.code === code;

describe("SecretBox", () => {
  it("opens what it sealed, with a fresh IV each time and no plaintext in the stored value", () => {
    const box = new SecretBox(key());
    const secret = randomBytes(32).toString("base64url");
    const a = box.seal(secret, aad);
    const b = box.seal(secret, aad);
    assert.notEqual(a, b);
    assert.ok(isSealed(a) && !a.includes(secret));
    assert.ok(a.startsWith(`sealed:v1:${box.currentKeyId}:`), a);
    assert.equal(box.open(a, aad), secret);
    assert.equal(box.open(b, aad), secret);
    assert.equal(box.open(box.seal("", aad), aad), "");
    assert.equal(box.open(box.seal("ünïcødé ✓", aad), aad), "ünïcødé ✓");
  });

  it("refuses a value copied to another row or table (AAD mismatch)", () => {
    const box = new SecretBox(key());
    const sealed = box.seal("s3cret", aad);
    assert.throws(
      () => box.open(sealed, rowAad("control_plane_kafka_credentials", "cluster-b")),
      refusal(SecretBoxErrorCode.TAMPERED),
    );
    assert.throws(
      () => box.open(sealed, rowAad("idempotency_keys", "cluster-a")),
      refusal(SecretBoxErrorCode.TAMPERED),
    );
  });

  it("refuses a value with any part altered", () => {
    const box = new SecretBox(key());
    const sealed = box.seal("a secret of some length", aad);
    const [format, version, keyId, iv, ciphertext, tag] = sealed.split(":") as string[];
    const flip = (b64: string) => {
      const bytes = Buffer.from(b64, "base64url");
      bytes[0]! ^= 1;
      return bytes.toString("base64url");
    };
    for (const altered of [
      [format, version, keyId, flip(iv!), ciphertext, tag],
      [format, version, keyId, iv, flip(ciphertext!), tag],
      [format, version, keyId, iv, ciphertext, flip(tag!)],
    ]) {
      assert.throws(() => box.open(altered.join(":"), aad), refusal(SecretBoxErrorCode.TAMPERED));
    }
    // A truncated ciphertext or tag never opens either.
    const shortTag = [format, version, keyId, iv, ciphertext, tag!.slice(0, 10)].join(":");
    assert.throws(() => box.open(shortTag, aad), refusal(SecretBoxErrorCode.MALFORMED));
    const shortCiphertext = [format, version, keyId, iv, ciphertext!.slice(0, 4), tag].join(":");
    assert.throws(() => box.open(shortCiphertext, aad), refusal(SecretBoxErrorCode.TAMPERED));
  });

  it("refuses a value sealed under a key it does not have, naming the key ids", () => {
    const sealed = new SecretBox(key()).seal("s3cret", aad);
    const other = new SecretBox(key());
    assert.throws(
      () => other.open(sealed, aad),
      (e: unknown) =>
        e instanceof SecretBoxError &&
        e.code === SecretBoxErrorCode.UNKNOWN_KEY &&
        e.message.includes(sealed.split(":")[2]!) &&
        e.message.includes(other.currentKeyId),
    );
  });

  it("refuses a wrong key that claims the sealing key's id (the tag does not verify)", () => {
    const box = new SecretBox(key());
    const sealed = box.seal("s3cret", aad);
    const impostor = new SecretBox(key());
    const relabelled = sealed.replace(box.currentKeyId, impostor.currentKeyId);
    assert.throws(() => impostor.open(relabelled, aad), refusal(SecretBoxErrorCode.TAMPERED));
  });

  it("refuses values that are not sealed values", () => {
    const box = new SecretBox(key());
    for (const bad of [
      "",
      "clear-text-secret",
      "sealed:v2:0123456789abcdef:a:b:c",
      "sealed:v1:xyz:a:b:c",
      "sealed:v1:0123456789abcdef:a:b",
    ]) {
      assert.throws(() => box.open(bad, aad), refusal(SecretBoxErrorCode.MALFORMED), bad);
    }
    assert.equal(isSealed("clear-text-secret"), false);
  });

  it("rotates: new values under the new key, old values open while the old key is configured", () => {
    const oldKey = key();
    const newKey = key();
    const before = new SecretBox(oldKey);
    const sealedBefore = before.seal("kept", aad);
    const rotated = new SecretBox(newKey, [oldKey]);
    assert.equal(rotated.currentKeyId, secretKeyId(newKey));
    assert.deepEqual(rotated.keyIds, [secretKeyId(newKey), secretKeyId(oldKey)]);
    assert.equal(rotated.open(sealedBefore, aad), "kept");
    assert.equal(rotated.needsReseal(sealedBefore), true);
    const sealedAfter = rotated.seal("new", aad);
    assert.equal(rotated.keyIdOf(sealedAfter), secretKeyId(newKey));
    assert.equal(rotated.needsReseal(sealedAfter), false);
    // Once the old key is dropped from the configuration, what it sealed no longer opens.
    assert.throws(
      () => new SecretBox(newKey).open(sealedBefore, aad),
      refusal(SecretBoxErrorCode.UNKNOWN_KEY),
    );
  });

  it("takes 32-byte keys only", () => {
    assert.throws(() => new SecretBox(randomBytes(16)), RangeError);
    assert.throws(() => new SecretBox(key(), [randomBytes(31)]), RangeError);
  });
});
