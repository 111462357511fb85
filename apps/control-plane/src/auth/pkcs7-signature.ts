// Verifies a PKCS#7 / CMS SignedData signature (RFC 5652) over a given content with a key the verifier
// trusts: what `openssl smime -verify -content <document> -certfile <cloud certificate> -noverify` checks for
// an instance identity (Alibaba Cloud's `instance-identity/pkcs7`). Certificates the signature carries are
// ignored: only the configured key counts. Detached signatures take the content given; an attached one must
// carry exactly that content. With signed attributes (the usual form), the content-type attribute must be
// id-data, the message-digest attribute must equal the content's digest, and the signature covers the
// attributes' DER encoding (RFC 5652 §5.4); without them it covers the content itself.
import { createHash, type KeyObject, timingSafeEqual, verify } from "node:crypto";
import { childrenOf, DerError, DerTag, expectTag, octetsOf, oidOf, readNode } from "./der-reader.ts";

const OID = {
  signedData: "1.2.840.113549.1.7.2",
  data: "1.2.840.113549.1.7.1",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
} as const;

/** Digest algorithms by OID, as node:crypto names them. */
const DIGESTS: Record<string, string> = {
  "1.3.14.3.2.26": "sha1",
  "2.16.840.1.101.3.4.2.1": "sha256",
  "2.16.840.1.101.3.4.2.2": "sha384",
  "2.16.840.1.101.3.4.2.3": "sha512",
};

/** Why a signature was refused (the caller turns it into its own error). */
export class Pkcs7Refused extends Error {}

/** The DER (or BER) bytes of a signature given as base64, with or without PEM armour and line breaks. */
export function pkcs7Bytes(signature: string): Buffer {
  const body = signature.replace(/-----(BEGIN|END) [A-Z0-9 ]+-----/g, "").replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]+=*$/.test(body)) throw new Pkcs7Refused("the signature is not base64");
  return Buffer.from(body, "base64");
}

/** Resolves when `signature` is a valid signature of `content` by `key`; throws Pkcs7Refused saying why. */
export function verifyPkcs7Signature(signature: string, content: Buffer, key: KeyObject): void {
  let signed: Buffer;
  let signer: ReturnType<typeof signerOf>;
  try {
    signer = signerOf(pkcs7Bytes(signature), content);
    signed = signedBytesOf(signer, content);
  } catch (error) {
    if (error instanceof DerError) throw new Pkcs7Refused(`the signature does not parse: ${error.message}`);
    throw error;
  }
  let valid: boolean;
  try {
    valid = verify(signer.digest, signed, key, signer.value);
  } catch (cause) {
    throw new Pkcs7Refused(`the signature cannot be checked with this key: ${(cause as Error).message}`);
  }
  if (!valid) throw new Pkcs7Refused("the signature does not match the document");
}

/** What the signer's signature covers: the DER of its signed attributes once they check out, or the content. */
function signedBytesOf(signer: ReturnType<typeof signerOf>, content: Buffer): Buffer {
  const { digest, signedAttrs } = signer;
  let signed = content;
  if (signedAttrs) {
    const attrs = new Map<string, Buffer>();
    for (const attr of childrenOf(signedAttrs)) {
      const [type, values] = childrenOf(expectTag(attr, DerTag.SEQUENCE, "attribute"));
      const first = childrenOf(expectTag(values, DerTag.SET, "attribute values"))[0];
      if (type && first) attrs.set(oidOf(type), first.raw);
    }
    const contentType = attrs.get(OID.contentType);
    if (!contentType || oidOf(readNode(contentType)) !== OID.data)
      throw new Pkcs7Refused("the signed content type is not data");
    const messageDigest = attrs.get(OID.messageDigest);
    if (!messageDigest) throw new Pkcs7Refused("the signed attributes carry no message digest");
    const expected = createHash(digest).update(content).digest();
    const given = octetsOf(readNode(messageDigest));
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new Pkcs7Refused("the signature is not of this document (message digest differs)");
    // Signed over the DER of the attributes as a SET OF, not their [0] IMPLICIT form.
    if (!signedAttrs.definite) throw new Pkcs7Refused("signed attributes must be DER (definite length)");
    signed = Buffer.concat([Buffer.from([DerTag.SET]), signedAttrs.raw.subarray(1)]);
  }
  return signed;
}

/** The one signer of a SignedData: its digest, signed attributes and signature value. */
function signerOf(
  der: Buffer,
  content: Buffer,
): { digest: string; signedAttrs: ReturnType<typeof readNode> | undefined; value: Buffer } {
  const [type, explicit] = childrenOf(expectTag(readNode(der), DerTag.SEQUENCE, "ContentInfo"));
  if (!type || oidOf(type) !== OID.signedData) throw new Pkcs7Refused("not a PKCS#7 SignedData");
  const [signedData] = childrenOf(expectTag(explicit, DerTag.CONTEXT_0, "SignedData"));
  const fields = childrenOf(expectTag(signedData, DerTag.SEQUENCE, "SignedData"));
  const encap = childrenOf(expectTag(fields[2], DerTag.SEQUENCE, "encapContentInfo"));
  if (!encap[0] || oidOf(encap[0]) !== OID.data) throw new Pkcs7Refused("the signed content is not data");
  if (encap[1]) {
    const carried = Buffer.concat(
      childrenOf(expectTag(encap[1], DerTag.CONTEXT_0, "eContent")).map((value) => octetsOf(value)),
    );
    if (!carried.equals(content)) throw new Pkcs7Refused("the signature carries another document");
  }
  const signerInfos = fields.at(-1);
  const signers = childrenOf(expectTag(signerInfos, DerTag.SET, "signerInfos"));
  if (signers.length !== 1) throw new Pkcs7Refused(`expected one signer, found ${signers.length}`);
  const parts = childrenOf(expectTag(signers[0], DerTag.SEQUENCE, "SignerInfo"));
  // version, sid, digestAlgorithm, [0] signedAttrs?, signatureAlgorithm, signature, [1] unsignedAttrs?
  const [digestAlgorithm] = childrenOf(expectTag(parts[2], DerTag.SEQUENCE, "digestAlgorithm"));
  const digest = digestAlgorithm ? DIGESTS[oidOf(digestAlgorithm)] : undefined;
  if (!digest) throw new Pkcs7Refused("the signature uses an unsupported digest algorithm");
  const signedAttrs = parts[3]?.tag === DerTag.CONTEXT_0 ? parts[3] : undefined;
  const value = parts[signedAttrs ? 5 : 4];
  return { digest, signedAttrs, value: octetsOf(expectTag(value, DerTag.OCTET_STRING, "signature")) };
}
