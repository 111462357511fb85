import { defineMessage, type MessageOf } from "../schema/types.ts";

// SaslHandshake (key 17): v0 is followed by raw (unframed by Kafka headers) SASL tokens;
// v1 by SaslAuthenticate requests. SaslAuthenticate (key 36): v1 sessionLifetimeMs
// (KIP-368); v2 is flexible.
//
// SaslHandshakeRequest => mechanism
// SaslHandshakeResponse => error_code [mechanisms]
// SaslAuthenticateRequest => auth_bytes
// SaslAuthenticateResponse => error_code error_message auth_bytes session_lifetime_ms

export const SaslHandshakeRequestSpec = defineMessage({
  name: "SaslHandshakeRequest",
  apiKey: 17,
  type: "request",
  validVersions: "0-1",
  flexibleVersions: "none",
  fields: [{ name: "mechanism", type: "string", versions: "0+" }],
});

export const SaslHandshakeResponseSpec = defineMessage({
  name: "SaslHandshakeResponse",
  apiKey: 17,
  type: "response",
  validVersions: "0-1",
  flexibleVersions: "none",
  fields: [
    { name: "errorCode", type: "int16", versions: "0+" },
    { name: "mechanisms", type: "[]string", versions: "0+" },
  ],
});

export const SaslAuthenticateRequestSpec = defineMessage({
  name: "SaslAuthenticateRequest",
  apiKey: 36,
  type: "request",
  validVersions: "0-2",
  flexibleVersions: "2+",
  fields: [{ name: "authBytes", type: "bytes", versions: "0+" }],
});

export const SaslAuthenticateResponseSpec = defineMessage({
  name: "SaslAuthenticateResponse",
  apiKey: 36,
  type: "response",
  validVersions: "0-2",
  flexibleVersions: "2+",
  fields: [
    { name: "errorCode", type: "int16", versions: "0+" },
    { name: "errorMessage", type: "string", versions: "0+", nullableVersions: "0+" },
    { name: "authBytes", type: "bytes", versions: "0+" },
    { name: "sessionLifetimeMs", type: "int64", versions: "1+", default: 0 },
  ],
});

export type SaslHandshakeRequest = MessageOf<typeof SaslHandshakeRequestSpec>;
export type SaslHandshakeResponse = MessageOf<typeof SaslHandshakeResponseSpec>;
export type SaslAuthenticateRequest = MessageOf<typeof SaslAuthenticateRequestSpec>;
export type SaslAuthenticateResponse = MessageOf<typeof SaslAuthenticateResponseSpec>;
