// Topic ids travel on the Kafka wire as 16 bytes (the codec spells them as 32 lowercase hex digits) and in
// the control plane's metadata as RFC 4122 strings with dashes. Handlers convert at the edge.

export const ZERO_WIRE_TOPIC_ID = "00000000000000000000000000000000";

/** "0190a8f4-…" → "0190a8f4…" (32 hex). Anything unexpected maps to the zero id (unknown topic). */
export function toWireTopicId(uuid: string): string {
  const hex = uuid.replaceAll("-", "").toLowerCase();
  return /^[0-9a-f]{32}$/.test(hex) ? hex : ZERO_WIRE_TOPIC_ID;
}

/** 32 hex → "8-4-4-4-12" dashed form used by the control plane. */
export function fromWireTopicId(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
