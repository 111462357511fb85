import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./schema.d.ts";
import { currentToken, setToken } from "./session.ts";

/** The typed client of the control plane's API, generated from its /openapi.json (see schema.d.ts). */
export const api = createClient<paths>({ baseUrl: globalThis.location?.origin ?? "" });

const bearer: Middleware = {
  onRequest({ request }) {
    const token = currentToken();
    if (token) request.headers.set("authorization", `Bearer ${token}`);
    return request;
  },
  onResponse({ response }) {
    // A revoked or unknown token ends the session: the app shows the login page again.
    if (response.status === 401 && currentToken()) setToken(null);
    return response;
  },
};
api.use(bearer);
