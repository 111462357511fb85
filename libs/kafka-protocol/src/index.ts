// @cirrus/kafka-protocol: the Kafka wire codec. Free of I/O; imports nothing of ours.
export { ApiKey, type ApiName, apiName } from "./api-keys.ts";
export {
  type ApiVersionRange,
  type DecodedRequest,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  encodeResponseChunks,
  encodeUnsupportedApiVersionsResponse,
  type RequestHeader,
  type ResponseHeader,
  supportedApiVersions,
} from "./codec.ts";
export { ErrorCode, type ErrorName, errorName } from "./error-codes.ts";
export {
  isProtocolError,
  type PartialRequestHeader,
  ProtocolError,
  ProtocolErrorCode,
} from "./errors.ts";
export { defaultMaxFrameBytes, FrameDecoder, type FrameDecoderOptions } from "./frame-decoder.ts";
export * from "./messages/index.ts";
export * from "./records/index.ts";
export * from "./sasl/scram.ts";
export type { EncodableStructOf, RecordsChunks, StructOf, UnknownTaggedField } from "./schema/types.ts";
