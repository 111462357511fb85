import createClient, { type Middleware } from "openapi-fetch";
import { signOutFor } from "./problem.ts";
import type { paths } from "./schema.d.ts";
import { currentToken, endsSessionOnceSettled, refusalEndsSession } from "./session.ts";

/** The typed client of the control plane's API, generated from its /openapi.json (see schema.d.ts). */
export const api = createClient<paths>({ baseUrl: globalThis.location?.origin ?? "" });

const bearer: Middleware = {
  onRequest({ request }) {
    const token = currentToken();
    if (token) request.headers.set("authorization", `Bearer ${token}`);
    return request;
  },
  async onResponse({ request, response }) {
    // A revoked, unknown or expired token ends the session: the app shows the login page again, saying why.
    const sent = request.headers.get("authorization")?.replace(/^Bearer /, "") ?? null;
    // A refusal met during a renewal waits for it, except the renewal's own answer (it would wait for itself).
    const ends = (used: string | null) =>
      new URL(request.url).pathname.endsWith("/renew")
        ? refusalEndsSession(used)
        : endsSessionOnceSettled(used);
    if (response.status === 401 && (await ends(sent))) {
      const problem = await response
        .clone()
        .json()
        .catch(() => undefined);
      signOutFor(problem);
    }
    return response;
  },
};
api.use(bearer);
