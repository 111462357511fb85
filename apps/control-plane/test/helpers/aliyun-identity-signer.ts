// Signs instance identity content the way Alibaba's metadata service does (PKCS#7 SignedData, detached, SHA-256,
// signed attributes), by OpenSSL (`openssl smime -sign`, independent of the control plane's verifier), with the
// test key and certificate of test/auth/fixtures standing in for Alibaba's; as bare base64, as it is served.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const fixture = (name: string) => fileURLToPath(new URL(`../auth/fixtures/${name}`, import.meta.url));

export async function aliyunPkcs7Of(content: string): Promise<string> {
  const args = ["smime", "-sign", "-binary", "-md", "sha256", "-outform", "PEM"];
  args.push(
    "-signer",
    fixture("aliyun-identity-test-cert.pem"),
    "-inkey",
    fixture("aliyun-identity-test-key.pem"),
  );
  const child = promisify(execFile)("openssl", args);
  child.child.stdin?.end(content);
  const { stdout } = await child;
  return stdout.replace(/-----(BEGIN|END) PKCS7-----|\s+/g, "");
}
