import type { Cluster, CreateClusterBody } from "../api/types.ts";

const MB = 1_000_000;

/** The form's values as typed (strings), so a half-typed number is kept as the person typed it. */
export interface Values {
  name: string;
  provider: "local" | "aws" | "aliyun";
  region: string;
  zones: string;
  instanceTypes: string;
  brokersMin: string;
  brokersMax: string;
  spotShare: string;
  onDemandBase: string;
  highMBps: string;
  lowMBps: string;
  cooldownSeconds: string;
  objectStoreUri: string;
  walVolumeGiB: string;
  deletionProtection: boolean;
}

export type Key = keyof Values;

/** Where each API field (a JSON pointer into the body) is shown: the longest matching prefix wins. */
const FIELD_OF_POINTER: [string, Key][] = [
  ["/name", "name"],
  ["/spec/provider", "provider"],
  ["/spec/region", "region"],
  ["/spec/zones", "zones"],
  ["/spec/instanceTypes", "instanceTypes"],
  ["/spec/brokers/min", "brokersMin"],
  ["/spec/brokers/max", "brokersMax"],
  ["/spec/brokers", "brokersMax"],
  ["/spec/spot/share", "spotShare"],
  ["/spec/spot/onDemandBase", "onDemandBase"],
  ["/spec/scaling/highWatermarkBytesPerSec", "highMBps"],
  ["/spec/scaling/lowWatermarkBytesPerSec", "lowMBps"],
  ["/spec/scaling/cooldownSeconds", "cooldownSeconds"],
  ["/spec/objectStore", "objectStoreUri"],
  ["/spec/walVolumeGiB", "walVolumeGiB"],
];

export function fieldOfPointer(pointer: string): Key | undefined {
  return FIELD_OF_POINTER.filter(([prefix]) => pointer === prefix || pointer.startsWith(`${prefix}/`)).sort(
    (a, b) => b[0].length - a[0].length,
  )[0]?.[1];
}

/** A folder for the new cluster's objects next to an existing local cluster's, else under /tmp. */
export function defaultObjectStore(existing: Cluster[], name: string): string {
  const local = existing.find((c) => c.spec.objectStore.uri.startsWith("file://"));
  const suffix = name || "cluster";
  if (local) return `${local.spec.objectStore.uri.replace(/\/+$/, "")}-${suffix}`;
  return `file:///tmp/cirrus/${suffix}/objects`;
}

const list = (text: string) =>
  text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** Numbers go to the API as typed: a value that is not a number reaches its validation and its message. */
const num = (text: string): number => (text.trim() === "" ? Number.NaN : Number(text));

export function toRequest(v: Values): CreateClusterBody {
  const high = num(v.highMBps) * MB;
  const low = num(v.lowMBps) * MB;
  return {
    name: v.name.trim(),
    deletionProtection: v.deletionProtection,
    spec: {
      provider: v.provider,
      region: v.region.trim(),
      zones: list(v.zones),
      instanceTypes: list(v.instanceTypes),
      brokers: { min: num(v.brokersMin), max: num(v.brokersMax) },
      spot: { share: num(v.spotShare), onDemandBase: num(v.onDemandBase) },
      scaling: {
        highWatermarkBytesPerSec: Number.isFinite(high) ? Math.round(high) : high,
        lowWatermarkBytesPerSec: Number.isFinite(low) ? Math.round(low) : low,
        cooldownSeconds: num(v.cooldownSeconds),
      },
      objectStore: { uri: v.objectStoreUri.trim() },
      walVolumeGiB: num(v.walVolumeGiB),
    },
  };
}

/** Checks the API does not make (it has no cross-field rules for these): said at the field before sending. */
export function localErrors(v: Values): Partial<Record<Key, string>> {
  const errors: Partial<Record<Key, string>> = {};
  if (num(v.brokersMax) < num(v.brokersMin)) errors.brokersMax = "Must be at least the minimum.";
  if (num(v.lowMBps) >= num(v.highMBps)) errors.lowMBps = "Must be below the high watermark.";
  return errors;
}
