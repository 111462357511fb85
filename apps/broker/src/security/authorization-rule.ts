// The shape of one API's authorization (Kafka's per-API checks in KafkaApis), and the helpers the rules share.
// A rule runs only on a broker with an authorizer (authorized-handlers.ts): it answers what the client may not
// do with Kafka's authorization error codes (built by the API's own error responder), and hands the rest of
// the request to the handler. Nothing denied ever reaches a handler, so nothing denied is written or read.
import type { AclOperation, AclResourceType } from "@cirrus/broker-api";
import type {
  ErrorResponder,
  KafkaApiKey,
  RequestContext,
  RequestOf,
  ResponseOf,
} from "../handlers/handler.ts";
import { isAllowed } from "./request-authorization.ts";

export type Served<K extends KafkaApiKey> = ResponseOf<K> | null;

export type AuthorizationRule<K extends KafkaApiKey> = (
  request: RequestOf<K>,
  context: RequestContext,
  serve: (request: RequestOf<K>) => Promise<Served<K>>,
  deny: ErrorResponder<K>,
) => Promise<Served<K>>;

/** Rules by API key; "handler": the handler authorizes itself; "open": Kafka checks nothing (ApiVersions, SASL). */
export type AuthorizationRules = { readonly [K in KafkaApiKey]?: AuthorizationRule<K> | "handler" | "open" };

/** Items the predicate allows, and the others. */
export function partition<T>(items: readonly T[], allowed: (item: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const item of items) (allowed(item) ? yes : no).push(item);
  return [yes, no];
}

export const can =
  (context: RequestContext, operation: AclOperation, type: AclResourceType) =>
  (name: string): boolean =>
    isAllowed(context, operation, type, name);

/**
 * The request split by a list field: the allowed part is served, the denied part answered with `errorCode`,
 * and the answers' list fields concatenated. When nothing is denied the request is served as it came.
 */
export async function serveAllowedItems<K extends KafkaApiKey, T>(
  request: RequestOf<K>,
  items: readonly T[],
  allowed: (item: T) => boolean,
  withItems: (items: T[]) => RequestOf<K>,
  errorCode: number,
  serve: (request: RequestOf<K>) => Promise<Served<K>>,
  deny: ErrorResponder<K>,
  merge: (served: ResponseOf<K>, denied: ResponseOf<K>) => ResponseOf<K>,
): Promise<Served<K>> {
  const [yes, no] = partition(items, allowed);
  if (no.length === 0) return serve(request);
  const denied = deny(withItems(no), errorCode);
  if (yes.length === 0) return denied;
  const served = await serve(withItems(yes));
  if (served === null || denied === null) return served;
  return merge(served, denied);
}

/** Concatenates one list field of two answers (the rest of the first answer is kept). */
export function concatField<R extends object>(field: string) {
  return (served: R, denied: R): R => {
    const a = (served as Record<string, unknown>)[field];
    const b = (denied as Record<string, unknown>)[field];
    return { ...served, [field]: [...((a as unknown[]) ?? []), ...((b as unknown[]) ?? [])] } as R;
  };
}
