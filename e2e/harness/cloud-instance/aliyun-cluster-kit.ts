// The aliyun-cluster e2e test's kit: the emulated Alibaba Cloud region (EmulatedAliyunCloud) with its control
// plane (the real AliyunProvider over the region's ESS/ECS/CMS fakes), the aliyun cluster spec on it, and a
// test certificate standing in for Alibaba's instance-identity signer (made with OpenSSL, which also signs
// each instance's identity: the control plane verifies with its own PKCS#7 reader).
import { execFile } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { AliyunProvider } from "@cirrus/cloud";
import type { EmulatedCloudSeam } from "./control-plane-on-emulated-cloud.ts";
import { EmulatedAliyunCloud } from "./emulated-aliyun-cloud.ts";
import { type ControlPlaneChoice, EmulatedClusterKit } from "./emulated-cluster-kit.ts";

/** A self-signed RSA certificate and its key (PEM), standing in for Alibaba's identity signer. */
export async function identitySigner(dir: string): Promise<{ key: string; certificate: string }> {
  const [key, certificate] = [join(dir, "identity-key.pem"), join(dir, "identity-cert.pem")];
  const args = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-keyout", key, "-out"];
  args.push(certificate, "-subj", "/O=Cirrus emulated region/CN=instance identity");
  await promisify(execFile)("openssl", args);
  return { key: await readFile(key, "utf8"), certificate: await readFile(certificate, "utf8") };
}

/**
 * The emulated region (ECS convergence scaled down: a disk Creating 300 ms, a fresh id NotFound 150 ms,
 * DetachDisk and a release's detach 800 ms; 10% of ESS, ECS and CloudMonitor requests throttled with
 * `Throttling.User`, seeded), its control plane and the test's view of one cluster.
 */
export class EmulatedAliyunClusterKit extends EmulatedClusterKit<EmulatedAliyunCloud> {
  readonly identityCertificate: string;
  /** The region's identity signer (key and certificate), for a proof of an instance outside any fleet. */
  readonly signer: { key: string; certificate: string };
  protected readonly volumeIdPattern = /^d-[0-9a-z]+$/;

  private constructor(dir: string, signer: { key: string; certificate: string }) {
    super(
      dir,
      new EmulatedAliyunCloud({
        dir: join(dir, "cloud"),
        signingKey: signer.key,
        signingCertificate: signer.certificate,
        timing: { volumeCreatingMs: 300, newIdNotFoundMs: 150, detachingMs: 800, throttleRate: 0.1 },
        shutdownGraceMs: 3_000,
        volumeBytes: 64 * 1024 * 1024,
      }),
    );
    this.identityCertificate = signer.certificate;
    this.signer = signer;
  }

  static async open(options: ControlPlaneChoice = {}): Promise<EmulatedAliyunClusterKit> {
    const dir = await mkdtemp(join(tmpdir(), "cirrus-aliyun-cluster-"));
    const kit = new EmulatedAliyunClusterKit(dir, await identitySigner(dir));
    return EmulatedClusterKit.started(kit, options);
  }

  protected seam(): EmulatedCloudSeam {
    return {
      kind: "aliyun",
      region: this.cloud.account.regionId,
      identityCertificate: this.identityCertificate,
      provider: () =>
        new AliyunProvider({
          regionId: this.cloud.account.regionId,
          clients: this.cloud.clients(),
          pollIntervalMs: 300,
        }),
      // The emulated region takes any access key pair; the provider registry asks for one.
      env: {
        ALIBABA_CLOUD_ACCESS_KEY_ID: "LTAIemulatedregion01",
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: "emulated-region",
      },
    };
  }

  protected cloudSpec(): Record<string, unknown> {
    return {
      provider: "aliyun",
      region: this.cloud.account.regionId,
      zones: [...this.cloud.account.zones],
      instanceTypes: ["ecs.g7.large"],
      aliyun: {
        imageId: "aliyun_3_x64_20G_alibase_20240528.vhd",
        vSwitches: Object.fromEntries([...this.cloud.account.vSwitches].map(([vsw, zone]) => [zone, vsw])),
        securityGroupId: "sg-bp1emulatedregion01",
      },
    };
  }
}
