// The PKCS#7 verifier against signatures OpenSSL made (`openssl smime -sign`, fixtures): detached with signed
// attributes (Alibaba's instance identity form), without attributes, and attached in streamed BER with
// indefinite lengths; each refused once the document, the key or the bytes change.
import assert from "node:assert/strict";
import { generateKeyPairSync, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { Pkcs7Refused, pkcs7Bytes, verifyPkcs7Signature } from "../../src/auth/pkcs7-signature.ts";

const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url), "utf8");
const DOCUMENT = Buffer.from(fixture("aliyun-identity-document.txt"));
const KEY = new X509Certificate(fixture("aliyun-identity-test-cert.pem")).publicKey;
const SIGNED = fixture("aliyun-identity-pkcs7.pem");
const NO_ATTRS = fixture("aliyun-identity-pkcs7-noattr.pem");
const ATTACHED_BER = fixture("aliyun-identity-pkcs7-attached-ber.pem");

const refused = (pattern: RegExp) => (error: unknown) =>
  error instanceof Pkcs7Refused && pattern.test(error.message);

/** The base64 body alone, as the metadata service serves it (no PEM armour), on one line. */
const bare = (pem: string) => pkcs7Bytes(pem).toString("base64");

describe("verifyPkcs7Signature", () => {
  it("accepts OpenSSL's detached signature with signed attributes, armoured or bare", () => {
    verifyPkcs7Signature(SIGNED, DOCUMENT, KEY);
    verifyPkcs7Signature(bare(SIGNED), DOCUMENT, KEY);
  });

  it("accepts a signature without signed attributes, and an attached one in streamed BER", () => {
    verifyPkcs7Signature(NO_ATTRS, DOCUMENT, KEY);
    verifyPkcs7Signature(ATTACHED_BER, DOCUMENT, KEY);
  });

  it("refuses a changed document in each form", () => {
    const changed = Buffer.from(
      DOCUMENT.toString().replace("i-bp1a2b3c4d5e6f7g8h9i", "i-bp0000000000000000"),
    );
    assert.throws(() => verifyPkcs7Signature(SIGNED, changed, KEY), refused(/message digest differs/));
    assert.throws(() => verifyPkcs7Signature(NO_ATTRS, changed, KEY), refused(/does not match/));
    assert.throws(
      () => verifyPkcs7Signature(ATTACHED_BER, changed, KEY),
      refused(/carries another document/),
    );
  });

  it("refuses another key, even though the signature carries the signer's certificate", () => {
    const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    assert.throws(() => verifyPkcs7Signature(SIGNED, DOCUMENT, publicKey), refused(/does not match/));
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey;
    assert.throws(
      () => verifyPkcs7Signature(SIGNED, DOCUMENT, ec),
      refused(/does not match|cannot be checked/),
    );
  });

  it("refuses a flipped bit in the signature value and truncated or garbage bytes, never crashing", () => {
    const bytes = pkcs7Bytes(SIGNED);
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 5]! ^= 0x01;
    assert.throws(
      () => verifyPkcs7Signature(flipped.toString("base64"), DOCUMENT, KEY),
      refused(/does not match/),
    );
    for (const cut of [0, 1, 2, 10, 100, bytes.length - 1]) {
      assert.throws(
        () => verifyPkcs7Signature(bytes.subarray(0, cut).toString("base64") || "AA==", DOCUMENT, KEY),
        refused(/./),
        `cut at ${cut}`,
      );
    }
    assert.throws(() => verifyPkcs7Signature("not base64 at all!", DOCUMENT, KEY), refused(/not base64/));
    // Indefinite lengths nested 100,000 deep: refused as such, not a stack overflow.
    const nested = Buffer.concat([Buffer.alloc(200_000, Buffer.from([0x30, 0x80])), Buffer.alloc(200_000)]);
    assert.throws(
      () => verifyPkcs7Signature(nested.toString("base64"), DOCUMENT, KEY),
      refused(/nested too deeply/),
    );
    assert.throws(
      () => verifyPkcs7Signature(Buffer.from("0\x03\x06\x01\x00").toString("base64"), DOCUMENT, KEY),
      refused(/./),
    );
  });
});
