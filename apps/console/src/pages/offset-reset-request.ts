// The offset reset form's fields → the API's request body, or a message for the field that is wrong.
import type { OffsetResetBody } from "../api/types.ts";

export type ResetFields = {
  target: "earliest" | "latest" | "timestamp" | "offset";
  /** A datetime-local value (the browser's local time), for a timestamp target. */
  when: string;
  offset: string;
  /** "" for every partition the group committed, else one topic. */
  topic: string;
};

export type ResetRequestOrError =
  | { body: OffsetResetBody }
  | { error: { field: "when" | "offset"; message: string } };

export function resetRequest(fields: ResetFields, dryRun: boolean): ResetRequestOrError {
  let target: OffsetResetBody["target"];
  switch (fields.target) {
    case "earliest":
    case "latest":
      target = { type: fields.target };
      break;
    case "timestamp": {
      const at = fields.when.trim() === "" ? Number.NaN : new Date(fields.when).getTime();
      if (!Number.isFinite(at) || at < 0)
        return { error: { field: "when", message: "Choose a date and time." } };
      target = { type: "timestamp", timestamp: at };
      break;
    }
    case "offset": {
      const offset = fields.offset.trim() === "" ? Number.NaN : Number(fields.offset);
      if (!Number.isSafeInteger(offset) || offset < 0)
        return { error: { field: "offset", message: "An offset is a whole number, 0 or more." } };
      target = { type: "offset", offset };
      break;
    }
  }
  return { body: { target, dryRun, ...(fields.topic ? { topics: [fields.topic] } : {}) } };
}
