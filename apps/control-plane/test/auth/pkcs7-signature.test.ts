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

/** A DER identifier and definite length for `n` octets of contents. */
function header(tag: number, n: number): Buffer {
  const octets: number[] = [];
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  return Buffer.from([tag, ...(n < 128 ? [n] : [0x80 | octets.length, ...octets])]);
}

const der = (tag: number, contents: Buffer) => Buffer.concat([header(tag, contents.length), contents]);

/**
 * A SignedData whose attached content is an OCTET STRING in constructed (chunked) form, each chunk again
 * constructed, `depth` deep, with definite lengths: no indefinite length anywhere for readNode to refuse.
 */
function chunkedContentNestedDeep(depth: number): Buffer {
  // Built inside out, each level's header in front of what it holds, without re-copying the inner bytes.
  const parts: Buffer[] = [der(0x04, Buffer.from("x"))];
  let size = parts[0]!.length;
  for (let i = 0; i < depth; i++) {
    const chunk = header(0x24, size);
    parts.unshift(chunk);
    size += chunk.length;
  }
  const oid = (dotted: string) => {
    const [a, b, ...rest] = dotted.split(".").map(Number);
    const bytes = [a! * 40 + b!];
    for (const arc of rest) {
      const groups = [arc & 0x7f];
      for (let v = arc >> 7; v > 0; v >>= 7) groups.unshift(0x80 | (v & 0x7f));
      bytes.push(...groups);
    }
    return der(0x06, Buffer.from(bytes));
  };
  const encap = der(0x30, Buffer.concat([oid("1.2.840.113549.1.7.1"), der(0xa0, Buffer.concat(parts))]));
  const signedData = der(
    0x30,
    Buffer.concat([der(0x02, Buffer.from([1])), der(0x31, Buffer.alloc(0)), encap]),
  );
  return der(0x30, Buffer.concat([oid("1.2.840.113549.1.7.2"), der(0xa0, signedData)]));
}

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
    // Chunks of chunks of an attached content, 20,000 deep with definite lengths (about 80 KB, inside the
    // request body limit): refused as such, not a stack overflow (which the route would answer with a 500).
    assert.throws(
      () => verifyPkcs7Signature(chunkedContentNestedDeep(20_000).toString("base64"), DOCUMENT, KEY),
      refused(/nested too deeply/),
    );
    assert.throws(
      () => verifyPkcs7Signature(Buffer.from("0\x03\x06\x01\x00").toString("base64"), DOCUMENT, KEY),
      refused(/./),
    );
  });
});
