import type { Message } from "../api/types.ts";

export type Encoding = "text" | "json" | "hex";

/** Bytes as the reader chose to see them: text (UTF-8), pretty JSON (else the text), or hex. */
export function showBytes(bytes: Message["key"], encoding: Encoding): string {
  if (bytes === null) return "null";
  if (encoding === "hex" || bytes.text === null) {
    const raw = atob(bytes.base64);
    let hex = "";
    for (let i = 0; i < raw.length; i++) hex += `${raw.charCodeAt(i).toString(16).padStart(2, "0")} `;
    return hex.trimEnd();
  }
  if (encoding === "json") {
    try {
      return JSON.stringify(JSON.parse(bytes.text), null, 2);
    } catch {
      return bytes.text;
    }
  }
  return bytes.text;
}
