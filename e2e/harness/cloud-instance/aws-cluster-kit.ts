// The aws-cluster e2e tests' kit: the emulated AWS region (EmulatedAwsCloud) with its control plane, and the
// aws cluster spec on it; the rest is EmulatedClusterKit's. The region's STS is moto (an AWS emulator written by
// others): each instance's role credentials come from its AssumeRole, and the control plane sends the brokers'
// signed GetCallerIdentity there.
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AwsProvider } from "@cirrus/cloud";
import type { MotoServer } from "@cirrus/cloud/emulators";
import type { EmulatedCloudSeam } from "./control-plane-on-emulated-cloud.ts";
import { EmulatedAwsCloud } from "./emulated-aws-cloud.ts";
import { type ControlPlaneChoice, EmulatedClusterKit } from "./emulated-cluster-kit.ts";
import { instanceRoleOn, REGION_STS_ACCOUNT, startRegionSts } from "./region-sts.ts";

export {
  type BrokerView,
  bootstrapOf,
  type ClusterSpecBody,
  type ClusterView,
  consume,
  type OperationView,
  produce,
} from "./emulated-cluster-kit.ts";

/** The instance profile's role every broker instance runs with (moto's default account). */
const INSTANCE_ROLE = "cirrus-broker";

/**
 * The emulated region (EBS convergence scaled down: creating 300 ms, a fresh id NotFound 150 ms, detach 800
 * ms; 10% of all requests throttled, seeded), its control plane, and the test's view of one cluster. AWS
 * credentials for the SDK's default chain (POST /v1/clusters asks for them) are set while it is open.
 */
export class EmulatedAwsClusterKit extends EmulatedClusterKit<EmulatedAwsCloud> {
  readonly identityCertificate: string;
  protected readonly volumeIdPattern = /^vol-[0-9a-f]+$/;
  readonly #savedEnv: Record<string, string | undefined>;

  /** The region's STS: instance role credentials (AssumeRole per instance) and the control plane's checks. */
  readonly #moto: MotoServer;

  private constructor(dir: string, moto: MotoServer) {
    const regionKey = generateKeyPairSync("rsa", { modulusLength: 2048 });
    super(
      dir,
      new EmulatedAwsCloud({
        dir: join(dir, "cloud"),
        signingKey: regionKey.privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
        instanceRole: instanceRoleOn(moto, INSTANCE_ROLE),
        timing: {
          volumeCreatingMs: 300,
          newIdNotFoundMs: 150,
          detachingMs: 800,
          throttleRate: 0.1,
        },
        shutdownGraceMs: 3_000,
        volumeBytes: 64 * 1024 * 1024,
        // The brokers sign their proof only for the region's STS or this one (the control plane forwards to it).
        machineEnv: { CIRRUS_AWS_STS_ENDPOINT: moto.endpoint },
      }),
    );
    this.#moto = moto;
    this.identityCertificate = regionKey.publicKey.export({ type: "spki", format: "pem" }).toString();
    this.#savedEnv = {
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY,
    };
    // The emulated region takes any credentials; the SDK's chain finds these.
    process.env.AWS_ACCESS_KEY_ID = "AKIAEMULATEDREGION01";
    process.env.AWS_SECRET_ACCESS_KEY = "emulated-region";
  }

  static async open(options: ControlPlaneChoice = {}): Promise<EmulatedAwsClusterKit> {
    const moto = await startRegionSts();
    let kit: EmulatedAwsClusterKit;
    try {
      kit = new EmulatedAwsClusterKit(await mkdtemp(join(tmpdir(), "cirrus-aws-cluster-")), moto);
    } catch (error) {
      await moto.stop();
      throw error;
    }
    return EmulatedClusterKit.started(kit, options);
  }

  protected seam(): EmulatedCloudSeam {
    return {
      kind: "aws",
      region: "us-east-1",
      identityCertificate: this.identityCertificate,
      provider: () =>
        new AwsProvider({ region: "us-east-1", clients: this.cloud.clients(), pollIntervalMs: 300 }),
      // The account brokers must be in is the control plane's own: moto's GetCallerIdentity names 123456789012.
      config: { awsStsEndpoint: this.#moto.endpoint },
    };
  }

  override async close(): Promise<void> {
    await super.close();
    await this.#moto.stop();
    for (const [name, value] of Object.entries(this.#savedEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }

  protected cloudSpec(): Record<string, unknown> {
    return {
      provider: "aws",
      region: "us-east-1",
      zones: [...this.cloud.account.zones],
      instanceTypes: ["m6i.large"],
      aws: {
        imageId: "ami-0123456789abcdef0",
        subnets: Object.fromEntries([...this.cloud.account.subnets].map(([subnet, zone]) => [zone, subnet])),
        securityGroupIds: ["sg-0123456789abcdef0"],
        instanceProfileArn: `arn:aws:iam::${REGION_STS_ACCOUNT}:instance-profile/${INSTANCE_ROLE}`,
        instanceRoleName: INSTANCE_ROLE,
      },
    };
  }
}
