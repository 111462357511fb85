// The coordinator's error codes live in the package's one errors.ts (STYLE.md). This module only keeps
// the old import path working until its importers (groups/*, producers/*) import ../errors.ts directly.
export { CoordinatorError, CoordinatorErrorCode, isCoordinatorError } from "../errors.ts";
