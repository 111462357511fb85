// The AWS half of an instance proof that cannot be replayed, as Vault's aws "iam" auth and Teleport's IAM join
// method do it: the broker signs (SigV4, with its instance role's credentials from IMDS) an
// sts:GetCallerIdentity request carrying the control plane's one-time challenge in a signed header, and sends the
// signed request's parts, never the credentials. The control plane checks what it can itself (the challenge
// header is signed, the request goes to its region's STS endpoint and nowhere else, it is GetCallerIdentity and
// nothing else, it was signed minutes ago), then forwards it to STS, which checks the signature and answers who
// signed it: `arn:aws:sts::<account>:assumed-role/<role>/<session>`, the session of an EC2 instance role being the
// instance id. The challenge and the caller's account, role and instance are checked by the caller
// (services/aws-instance-proof.ts).
import { CHALLENGE_HEADER, GET_CALLER_IDENTITY_BODY, type SignedCallerIdentity } from "@cirrus/broker-api";
import { ApiError } from "../errors.ts";

/** The one action the control plane forwards. */
const ACTION = Object.fromEntries(new URLSearchParams(GET_CALLER_IDENTITY_BODY));

/** How far X-Amz-Date may be from the control plane's clock (STS itself allows 15 minutes). */
export const MAX_SIGNATURE_AGE_MS = 5 * 60_000;

/** A signed POST the broker made and did not send: the URL, every header it signed (and Authorization), the body. */
export type SignedCallerIdentityRequest = Readonly<SignedCallerIdentity>;

/** Who STS says signed the request, when it was an assumed role (an EC2 instance role is one). */
export interface AssumedRoleCaller {
  readonly arn: string;
  readonly accountId: string;
  readonly roleName: string;
  /** The role session name: the instance id for an EC2 instance role. */
  readonly sessionName: string;
}

const refuse = (why: string) => new ApiError("UNAUTHORIZED", `instance identity refused: ${why}`);

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/\s]+)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=[0-9a-f]{64}$/;
/** Headers fetch (undici) throws on rather than send. */
const UNFORWARDABLE = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "expect"]);
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/**
 * Checks what the control plane can check of the signed request without STS, and returns the challenge it carries
 * and the headers to forward. UNAUTHORIZED (401) saying why: another host or path than `stsUrl`, another action,
 * no SigV4 Authorization, a scope of another region or service, the challenge header missing or not signed, an
 * X-Amz-Date more than MAX_SIGNATURE_AGE_MS away from `now`.
 */
export function checkSignedCallerIdentity(
  request: SignedCallerIdentityRequest,
  expected: { readonly stsUrl: string; readonly region: string },
  now = Date.now(),
): { challenge: string; headers: Record<string, string> } {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    throw refuse("the signed request's URL does not parse");
  }
  // The only place this request may go: a broker naming any other host would make us its proxy (SSRF).
  if (url.href !== expected.stsUrl) {
    throw refuse(
      `the signed request is for ${url.origin}${url.pathname}${url.search}, not ${expected.stsUrl}`,
    );
  }
  const form = new URLSearchParams(request.body);
  const fields = [...form.keys()];
  if (fields.length !== 2 || form.get("Action") !== ACTION.Action || form.get("Version") !== ACTION.Version) {
    throw refuse(
      "the signed request is not sts:GetCallerIdentity (Action=GetCallerIdentity&Version=2011-06-15)",
    );
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    const lower = name.toLowerCase();
    if (lower in headers) throw refuse(`the signed request has header ${lower} twice`);
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(lower) || !/^[\t\x20-\x7e]*$/.test(value)) {
      throw refuse(
        `the signed request's header ${JSON.stringify(name).slice(0, 80)} cannot be sent over HTTP`,
      );
    }
    headers[lower] = value;
  }
  const auth = AUTHORIZATION.exec(headers.authorization ?? "");
  if (!auth) throw refuse("the request carries no AWS4-HMAC-SHA256 Authorization header");
  const [, , scopeDate, scopeRegion, scopeService, signedList] = auth as unknown as string[];
  if (scopeService !== "sts" || scopeRegion !== expected.region) {
    throw refuse(
      `the request is signed for ${scopeService} in ${scopeRegion}, not sts in ${expected.region}`,
    );
  }
  const signed = new Set((signedList as string).split(";"));
  const challenge = headers[CHALLENGE_HEADER];
  if (challenge === undefined) throw refuse(`the request carries no ${CHALLENGE_HEADER} header`);
  if (!signed.has(CHALLENGE_HEADER)) {
    throw refuse(`the ${CHALLENGE_HEADER} header is not among the SignedHeaders: it could have been swapped`);
  }
  // The host STS checks the signature against is the one we send to, so it must be the one signed.
  if (!signed.has("host") || (headers.host !== undefined && headers.host !== url.host)) {
    throw refuse(`the request must be signed for host ${url.host}`);
  }
  const date = AMZ_DATE.exec(headers["x-amz-date"] ?? "");
  if (!date || !signed.has("x-amz-date")) throw refuse("the request has no signed X-Amz-Date");
  const [, y, mo, d, h, mi, s] = date.map(Number) as number[];
  const signedAt = Date.UTC(y as number, (mo as number) - 1, d, h, mi, s);
  if (`${date[1]}${date[2]}${date[3]}` !== scopeDate)
    throw refuse("X-Amz-Date is not the credential scope's date");
  if (Math.abs(now - signedAt) > MAX_SIGNATURE_AGE_MS) {
    throw refuse(
      `the request was signed at ${new Date(signedAt).toISOString()}, more than ${MAX_SIGNATURE_AGE_MS / 60_000} minutes from now: sign a fresh one`,
    );
  }
  // Only what the signature covers, and the signature: nothing else of the broker's reaches STS. fetch sets Host
  // from the URL (checked above) and Content-Length from the body.
  const forward: Record<string, string> = { authorization: headers.authorization as string };
  for (const name of signed) {
    // fetch refuses to send these (they are the connection's, not the request's): a TypeError that would read as
    // STS being out of reach (503, retry) when the request itself is bad.
    if (UNFORWARDABLE.has(name))
      throw refuse(`the signed header ${name} cannot be forwarded: do not sign it`);
    const value = headers[name];
    if (value !== undefined && name !== "host" && name !== "content-length") forward[name] = value;
  }
  return { challenge, headers: forward };
}

/** Sends a checked request to STS; who signed it. Refusals of STS are 401, STS out of reach is 503 (retriable). */
export async function callerOfSignedRequest(
  request: SignedCallerIdentityRequest,
  headers: Record<string, string>,
  options: { readonly fetch?: typeof fetch; readonly timeoutMs?: number } = {},
): Promise<AssumedRoleCaller> {
  let status: number;
  let text: string;
  try {
    const response = await (options.fetch ?? fetch)(request.url, {
      method: "POST",
      headers,
      body: request.body,
      redirect: "error",
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    status = response.status;
    text = await response.text();
  } catch (cause) {
    throw new ApiError("UNAVAILABLE", "STS cannot be reached to check the instance's signed request: retry", {
      cause,
    });
  }
  if (status >= 500) throw new ApiError("UNAVAILABLE", `STS answered HTTP ${status}: retry`);
  if (status !== 200) {
    const code = xmlText(text, "Code") ?? `HTTP ${status}`;
    throw refuse(`STS refused the signed request: ${code}: ${xmlText(text, "Message") ?? ""}`.trimEnd());
  }
  const arn = xmlText(text, "Arn");
  if (!arn) throw new ApiError("UNAVAILABLE", "STS answered GetCallerIdentity without an Arn: retry");
  return parseAssumedRoleArn(arn);
}

const ASSUMED_ROLE = /^arn:aws[a-z-]*:sts::(\d{12}):assumed-role\/([\w+=,.@-]+)\/([\w+=,.@-]+)$/;

/** `arn:aws:sts::<account>:assumed-role/<role>/<session>`; UNAUTHORIZED for any other caller (a user, a root). */
export function parseAssumedRoleArn(arn: string): AssumedRoleCaller {
  const match = ASSUMED_ROLE.exec(arn);
  if (!match) throw refuse(`the request was signed by ${arn}, not an instance role's session`);
  const [, accountId, roleName, sessionName] = match as unknown as string[];
  return {
    arn,
    accountId: accountId as string,
    roleName: roleName as string,
    sessionName: sessionName as string,
  };
}

/** The text of the first <name> element (STS's XML answers have no attributes or nesting there). */
function xmlText(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return match?.[1]?.trim();
}
