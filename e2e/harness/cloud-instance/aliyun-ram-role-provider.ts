// `@alicloud/credentials`' own ECS RAM role provider (IMDSv2 only) pointed at a MetadataEmulator. The provider's
// metadata host is fixed (100.100.100.200, no setting moves it), so its request function — the one seam the
// package keeps for this ("for mock") — is wrapped to send the same request to the emulator instead.
import assert from "node:assert/strict";
import { ECSRAMRoleCredentialsProvider } from "@alicloud/credentials";
import type { MetadataEmulator } from "./metadata-emulator.ts";

export type RamRoleProvider = ReturnType<ReturnType<typeof ECSRAMRoleCredentialsProvider.builder>["build"]>;

export function ramRoleProviderOn(emulator: MetadataEmulator): RamRoleProvider {
  const provider = ECSRAMRoleCredentialsProvider.builder().withDisableIMDSv1(true).build();
  const seam = provider as unknown as { doRequest: (request: { host: string }) => Promise<unknown> };
  const send = seam.doRequest;
  const host = new URL(emulator.url).host;
  seam.doRequest = (request) => {
    assert.equal(request.host, "100.100.100.200", "the provider asks ECS's metadata address");
    request.host = host;
    return send(request);
  };
  return provider;
}
