// The emulated aws region's STS: moto (an AWS emulator written by others), started for a test. Instances' role
// credentials come from its AssumeRole, as EC2 gets an instance profile's, and the control plane sends the
// brokers' signed GetCallerIdentity there to learn who signed it.
import {
  instanceRoleCredentials,
  type MotoServer,
  motoBinary,
  startMotoServer,
} from "@cirrus/cloud/emulators";
import type { MetadataEmulatorOptions } from "./metadata-emulator.ts";

/** moto's default account: the one its AssumeRole and GetCallerIdentity name. */
export const REGION_STS_ACCOUNT = "123456789012";

/** Starts moto as the region's STS; an error naming the install script when moto_server is not installed. */
export async function startRegionSts(): Promise<MotoServer> {
  const binary = motoBinary();
  if (!binary)
    throw new Error("moto_server is not installed (run `bash .ci/install-moto.sh`): the region's STS");
  return startMotoServer(binary);
}

/**
 * The instance profile role `name` (in moto's account) as the metadata emulator serves it: each instance's
 * credentials from moto's AssumeRole, the session named for the instance as EC2 names it.
 */
export function instanceRoleOn(
  sts: MotoServer,
  name: string,
): NonNullable<MetadataEmulatorOptions["instanceRole"]> {
  const arn = `arn:aws:iam::${REGION_STS_ACCOUNT}:role/${name}`;
  return { name, credentials: (instanceId) => instanceRoleCredentials(sts.endpoint, arn, instanceId) };
}
