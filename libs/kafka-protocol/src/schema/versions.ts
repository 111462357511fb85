import { ProtocolError } from "../errors.ts";

/** An inclusive version range; `hi` is Infinity for open ranges ("3+"). Empty when lo > hi. */
export interface VersionRange {
  lo: number;
  hi: number;
}

/** Parses Kafka's version range spelling: "0+", "3-7", "5", "none". */
export function parseVersions(spec: string): VersionRange {
  if (spec === "none") return { lo: 1, hi: 0 };
  const plus = /^(\d+)\+$/.exec(spec);
  if (plus) return { lo: Number(plus[1]), hi: Number.POSITIVE_INFINITY };
  const range = /^(\d+)-(\d+)$/.exec(spec);
  if (range) return { lo: Number(range[1]), hi: Number(range[2]) };
  if (/^\d+$/.test(spec)) return { lo: Number(spec), hi: Number(spec) };
  throw new ProtocolError("INVALID_VALUE", `bad version range ${JSON.stringify(spec)}`);
}

/** Parsed ranges by spelling: inVersions runs per request (supportsVersion), the spellings are few. */
const parsedRanges = new Map<string, VersionRange>();

export function inVersions(spec: string | undefined, version: number): boolean {
  if (spec === undefined) return false;
  let range = parsedRanges.get(spec);
  if (range === undefined) {
    range = parseVersions(spec);
    parsedRanges.set(spec, range);
  }
  return version >= range.lo && version <= range.hi;
}
