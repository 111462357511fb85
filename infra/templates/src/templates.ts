import { controlPlaneStack } from "./aws/control-plane-stack.ts";

/** Every template this package emits, by its file name under generated/ (what customers apply). */
export function templates(): Record<string, unknown> {
  return {
    "aws-control-plane.json": controlPlaneStack(),
  };
}

/** A template as written to generated/: two-space JSON and a final newline. */
export function templateText(template: unknown): string {
  return `${JSON.stringify(template, null, 2)}\n`;
}
