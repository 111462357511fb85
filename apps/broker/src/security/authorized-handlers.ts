// Puts Kafka's per-API authorization in front of the broker's handlers (the broker wraps them only when
// config.authorizerEnabled; a wrapped handler still serves unchecked while services.security is absent). Each
// API's rule (authorization-rules.ts) answers what the client may not do and passes the rest on; an API served
// without a rule needs ALTER on the CLUSTER (a new API stays closed until someone writes its rule: the rules test
// lists them).
import { ErrorCode } from "@cirrus/kafka-protocol";
import type { AnyApiHandler, HandlerMap, RequestContext } from "../handlers/handler.ts";
import type { AuthorizationRule, AuthorizationRules } from "./authorization-rule.ts";
import { authorizationRules } from "./authorization-rules.ts";
import { authorizerEnabled, isClusterAllowed } from "./request-authorization.ts";

export function authorizedHandlers(
  handlers: HandlerMap,
  rules: AuthorizationRules = authorizationRules,
): HandlerMap {
  const out = new Map<number, AnyApiHandler>();
  for (const [key, handler] of handlers) {
    const rule = (rules as Record<number, AuthorizationRule<never> | "handler" | "open" | undefined>)[key];
    if (rule === "handler" || rule === "open") {
      out.set(key, handler);
      continue;
    }
    const serve = (request: never, context: RequestContext) => handler.handle(request, context);
    const deny = handler.errorResponse as (request: never, errorCode: number) => never;
    out.set(key, {
      errorResponse: handler.errorResponse,
      handle: async (request: never, context: RequestContext) => {
        if (!authorizerEnabled(context.services)) return serve(request, context);
        if (rule === undefined)
          return isClusterAllowed(context, "ALTER")
            ? serve(request, context)
            : deny(request, ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
        return rule(request, context, (r) => serve(r as never, context) as never, deny);
      },
    });
  }
  return out;
}
