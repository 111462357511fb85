// SASL SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802 / RFC 7677), server side: client-first → server-first (nonce,
// salt, iterations) → client-final (proof) → server-final (signature). Credentials come from a configured
// password (derived once per user) or from the cluster's stored credentials (AlterUserScramCredentials sends the
// salted password, from which only StoredKey and ServerKey are kept). Channel binding is not offered ("n" only).
// The arithmetic and the message syntax are @cirrus/kafka-protocol's (sasl/scram.ts), shared with the client.

import { randomBytes, timingSafeEqual } from "node:crypto";
import {
  decodeSaslName,
  type ScramCredential,
  type ScramHash,
  scramAttributes,
  scramDigest,
  scramHmac,
  xorBytes,
} from "@cirrus/kafka-protocol";
import type { SaslOutcome } from "./sasl-plain.ts";

export type ScramStep =
  | { readonly kind: "challenge"; readonly message: Buffer }
  | { readonly kind: "done"; readonly outcome: SaslOutcome; readonly message: Buffer };

/** One SCRAM exchange (one connection). Each step gets the client's message. */
export class ScramServer {
  readonly #credentials: (user: string) => ScramCredential | undefined;
  readonly #hash: ScramHash;
  #state: "first" | "final" | "done" = "first";
  #user = "";
  #nonce = "";
  #gs2Header = "";
  #clientFirstBare = "";
  #serverFirst = "";
  #credential: ScramCredential | undefined;

  constructor(credentials: (user: string) => ScramCredential | undefined, hash: ScramHash = "sha256") {
    this.#credentials = credentials;
    this.#hash = hash;
  }

  step(message: Buffer): ScramStep {
    if (this.#state === "first") return this.#first(message.toString("utf8"));
    if (this.#state === "final") return this.#final(message.toString("utf8"));
    return this.#fail("exchange already finished");
  }

  #fail(reason: string): ScramStep {
    this.#state = "done";
    return { kind: "done", outcome: { ok: false, reason }, message: Buffer.alloc(0) };
  }

  #first(text: string): ScramStep {
    // gs2-header = cbind-flag "," [authzid] ","
    const firstComma = text.indexOf(",");
    const secondComma = text.indexOf(",", firstComma + 1);
    if (firstComma < 0 || secondComma < 0) return this.#fail("malformed client-first message");
    const flag = text.slice(0, firstComma);
    if (flag !== "n" && flag !== "y") return this.#fail("channel binding is not supported");
    this.#gs2Header = text.slice(0, secondComma + 1);
    this.#clientFirstBare = text.slice(secondComma + 1);
    const attrs = scramAttributes(this.#clientFirstBare);
    const user = decodeSaslName(attrs.get("n") ?? "");
    const clientNonce = attrs.get("r") ?? "";
    if (!user || clientNonce.length === 0 || attrs.has("m"))
      return this.#fail("malformed client-first message");
    const authzid = this.#gs2Header.slice(firstComma + 1, -1);
    if (authzid !== "" && authzid !== `a=${user}`) return this.#fail("authorization id differs from user");
    this.#credential = this.#credentials(user);
    if (!this.#credential) return this.#fail("Invalid username or password");
    this.#user = user;
    this.#nonce = clientNonce + randomBytes(18).toString("base64");
    this.#serverFirst = `r=${this.#nonce},s=${this.#credential.salt.toString("base64")},i=${this.#credential.iterations}`;
    this.#state = "final";
    return { kind: "challenge", message: Buffer.from(this.#serverFirst, "utf8") };
  }

  #final(text: string): ScramStep {
    const proofAt = text.lastIndexOf(",p=");
    if (proofAt < 0) return this.#fail("client-final message without proof");
    const withoutProof = text.slice(0, proofAt);
    const attrs = scramAttributes(text);
    if (attrs.get("c") !== Buffer.from(this.#gs2Header, "utf8").toString("base64")) {
      return this.#fail("channel binding data does not match");
    }
    if (attrs.get("r") !== this.#nonce) return this.#fail("nonce does not match");
    const proof = Buffer.from(attrs.get("p") ?? "", "base64");
    const credential = this.#credential!;
    const authMessage = `${this.#clientFirstBare},${this.#serverFirst},${withoutProof}`;
    const signature = scramHmac(this.#hash, credential.storedKey, authMessage);
    if (proof.length !== signature.length) return this.#fail("Invalid username or password");
    const derived = scramDigest(this.#hash, xorBytes(proof, signature));
    if (derived.length !== credential.storedKey.length || !timingSafeEqual(derived, credential.storedKey))
      return this.#fail("Invalid username or password");
    this.#state = "done";
    const serverSignature = scramHmac(this.#hash, credential.serverKey, authMessage).toString("base64");
    return {
      kind: "done",
      outcome: { ok: true, user: this.#user },
      message: Buffer.from(`v=${serverSignature}`, "utf8"),
    };
  }
}
