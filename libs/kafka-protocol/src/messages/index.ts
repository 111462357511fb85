// Every message spec and its body types, one file per API.
export * from "./api-versions.ts";
export type {
  EncodableRequestBodies,
  EncodableResponseBodies,
  RequestBodies,
  ResponseBodies,
} from "./bodies.ts";
export * from "./fetch.ts";
export * from "./list-offsets.ts";
export * from "./metadata.ts";
export * from "./produce.ts";
export { type ApiSpec, apiSpec, apiSpecs } from "./registry.ts";
