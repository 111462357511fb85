// SCRAM's arithmetic against RFC 7677's SCRAM-SHA-256 example exchange (section 3), and the saslname and
// attribute syntax of RFC 5802, which the client, the broker and the control plane all use from here.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  clientKeyOf,
  credentialFromSaltedPassword,
  decodeSaslName,
  encodeSaslName,
  SCRAM_HASH_BYTES,
  saltedPasswordOf,
  scramAttributes,
  scramCredential,
  scramDigest,
  scramHmac,
  xorBytes,
} from "../../src/sasl/scram.ts";

const clientFirstBare = "n=user,r=rOprNGfwEbeRWgbNEkqO";
const serverFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
const clientFinalWithoutProof = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
const authMessage = `${clientFirstBare},${serverFirst},${clientFinalWithoutProof}`;
const expectedProof = "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
const expectedServerSignature = "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

describe("SCRAM arithmetic (RFC 7677 example)", () => {
  const server = scramAttributes(serverFirst);
  const salt = Buffer.from(server.get("s")!, "base64");
  const iterations = Number(server.get("i"));
  const salted = saltedPasswordOf("pencil", salt, iterations, "sha256");

  it("derives the client's proof and the server's signature of the example", () => {
    assert.equal(salted.length, SCRAM_HASH_BYTES.sha256);
    const credential = credentialFromSaltedPassword(salted, salt, iterations, "sha256");
    const clientKey = clientKeyOf("sha256", salted);
    const proof = xorBytes(clientKey, scramHmac("sha256", credential.storedKey, authMessage));
    assert.equal(proof.toString("base64"), expectedProof);
    assert.equal(
      scramHmac("sha256", credential.serverKey, authMessage).toString("base64"),
      expectedServerSignature,
    );
  });

  it("lets a server holding only StoredKey recover ClientKey from the proof", () => {
    const { storedKey } = scramCredential("pencil", salt, iterations, "sha256");
    const clientKey = xorBytes(
      Buffer.from(expectedProof, "base64"),
      scramHmac("sha256", storedKey, authMessage),
    );
    assert.deepEqual(scramDigest("sha256", clientKey), storedKey);
    const wrong = scramCredential("pencil!", salt, iterations, "sha256");
    assert.notDeepEqual(wrong.storedKey, storedKey);
  });

  it("salts with SHA-512 to 64 bytes", () => {
    assert.equal(saltedPasswordOf("pencil", salt, 4096, "sha512").length, SCRAM_HASH_BYTES.sha512);
  });
});

describe("SCRAM syntax", () => {
  it("escapes ',' and '=' in a saslname and reads them back; any other '=' is malformed", () => {
    assert.equal(encodeSaslName("a=b,c"), "a=3Db=2Cc");
    assert.equal(decodeSaslName("a=3Db=2Cc"), "a=b,c");
    assert.equal(decodeSaslName("a=b"), null);
  });

  it("reads one-letter attributes whose values hold '=', and skips malformed parts", () => {
    const attrs = scramAttributes("r=abc,s=W22ZaJ0SNY7soEsUEjb6gQ==,x,=y,i=4096");
    assert.equal(attrs.get("s"), "W22ZaJ0SNY7soEsUEjb6gQ==");
    assert.equal(attrs.get("i"), "4096");
    assert.equal(attrs.size, 3);
  });
});
