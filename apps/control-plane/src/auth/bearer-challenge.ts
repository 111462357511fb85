/** The protection space every 401 names (RFC 6750 §3: the same for the public and the internal API). */
export const REALM = "cirrus";

/**
 * The `WWW-Authenticate` value of a 401 (RFC 6750 §3): the bare challenge when the request carried no
 * bearer token, `error="invalid_token"` when it carried one that was refused (unknown, revoked, expired or
 * malformed). The reason stays out of the header: the problem+json body says it.
 */
export function bearerChallenge(authorization: string | undefined): string {
  const presented = authorization !== undefined && /^Bearer(\s|$)/i.test(authorization);
  return presented ? `Bearer realm="${REALM}", error="invalid_token"` : `Bearer realm="${REALM}"`;
}
