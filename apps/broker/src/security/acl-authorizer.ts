// Kafka's ACL authorizer decision (AclAuthorizer / StandardAuthorizer), pure: given the cluster's bindings, may
// this principal from this host perform this operation on this resource? Rules, in order:
// 1. a super user may do everything;
// 2. a DENY binding that applies (same principal or User:*, same host or *, operation or ALL) wins;
// 3. an ALLOW binding that applies grants the operation; DESCRIBE is also granted by READ, WRITE, DELETE and
//    ALTER, DESCRIBE_CONFIGS by ALTER_CONFIGS;
// 4. when no binding at all names the resource, allowEveryoneIfNoAclFound decides; otherwise denied.
// A binding applies to a resource when it is LITERAL with the resource's name, LITERAL `*`, or PREFIXED with a
// prefix of the name.
import {
  type AclBinding,
  type AclOperation,
  type AclResourceType,
  CLUSTER_RESOURCE_NAME,
  WILDCARD,
} from "@cirrus/broker-api";

export { CLUSTER_RESOURCE_NAME };

export interface AuthorizerSettings {
  /** Kafka's super.users (`User:<name>`). */
  readonly superUsers: readonly string[];
  /** Kafka's allow.everyone.if.no.acl.found. */
  readonly allowEveryoneIfNoAclFound: boolean;
}

/** Who is asking: principal `User:<name>` (`User:ANONYMOUS` without SASL) and the client's address. */
export interface RequestIdentity {
  readonly principal: string;
  readonly host: string;
}

const IMPLIED: Partial<Record<AclOperation, readonly AclOperation[]>> = {
  DESCRIBE: ["DESCRIBE", "READ", "WRITE", "DELETE", "ALTER"],
  DESCRIBE_CONFIGS: ["DESCRIBE_CONFIGS", "ALTER_CONFIGS"],
};

interface TypeIndex {
  readonly literal: Map<string, AclBinding[]>;
  readonly wildcard: AclBinding[];
  readonly prefixed: AclBinding[];
}

/** The bindings of one snapshot, indexed by resource for the checks every request makes. */
export class AclAuthorizer {
  readonly #byType = new Map<AclResourceType, TypeIndex>();
  readonly #superUsers: ReadonlySet<string>;
  readonly #allowIfNoAcl: boolean;

  constructor(acls: readonly AclBinding[], settings: AuthorizerSettings) {
    this.#superUsers = new Set(settings.superUsers);
    this.#allowIfNoAcl = settings.allowEveryoneIfNoAclFound;
    for (const acl of acls) {
      let index = this.#byType.get(acl.resourceType);
      if (!index) {
        index = { literal: new Map(), wildcard: [], prefixed: [] };
        this.#byType.set(acl.resourceType, index);
      }
      if (acl.patternType === "PREFIXED") index.prefixed.push(acl);
      else if (acl.resourceName === WILDCARD) index.wildcard.push(acl);
      else {
        const list = index.literal.get(acl.resourceName);
        if (list) list.push(acl);
        else index.literal.set(acl.resourceName, [acl]);
      }
    }
  }

  isSuperUser(principal: string): boolean {
    return this.#superUsers.has(principal);
  }

  /**
   * Kafka's Authorizer.authorize for one action. Runs for each topic of every produce and fetch: it walks the
   * bindings of the resource where they are indexed and allocates nothing.
   */
  authorize(who: RequestIdentity, operation: AclOperation, type: AclResourceType, name: string): boolean {
    if (this.isSuperUser(who.principal)) return true;
    const index = this.#byType.get(type);
    if (!index) return this.#allowIfNoAcl;
    const found =
      verdictOf(index.literal.get(name), who, operation, undefined) |
      verdictOf(index.wildcard, who, operation, undefined) |
      verdictOf(index.prefixed, who, operation, name);
    if ((found & APPLIES) === 0) return this.#allowIfNoAcl;
    if ((found & DENIES) !== 0) return false;
    return (found & ALLOWS) !== 0;
  }

  /**
   * Kafka's authorizeByResourceType (KIP-679, the idempotent producer's check): may the principal perform the
   * operation on at least one resource of the type? True for a super user; for an ALLOW binding of the principal
   * (or User:*) and host that no DENY of the same principal on a wildcard, or on a prefix of it, cancels; and,
   * with allowEveryoneIfNoAclFound, when no binding of the type exists at all.
   */
  authorizeAny(who: RequestIdentity, operation: AclOperation, type: AclResourceType): boolean {
    if (this.isSuperUser(who.principal)) return true;
    const index = this.#byType.get(type);
    if (!index) return this.#allowIfNoAcl;
    const all = [...index.wildcard, ...index.prefixed, ...[...index.literal.values()].flat()];
    const ops = (acl: AclBinding) => acl.operation === "ALL" || acl.operation === operation;
    const denies = all.filter((acl) => acl.permission === "DENY" && ops(acl) && appliesTo(acl, who));
    if (denies.some((acl) => acl.patternType === "LITERAL" && acl.resourceName === WILDCARD)) return false;
    return all.some(
      (acl) =>
        acl.permission === "ALLOW" &&
        ops(acl) &&
        appliesTo(acl, who) &&
        !denies.some(
          (deny) => deny.patternType === "PREFIXED" && acl.resourceName.startsWith(deny.resourceName),
        ),
    );
  }
}

/** verdictOf's flags: a binding names the resource; one of the principal's denies; one of its allows. */
const APPLIES = 1;
const DENIES = 2;
const ALLOWS = 4;

/**
 * What `acls` say of `operation` by `who`, as APPLIES | DENIES | ALLOWS flags. `prefixOf`: the bindings are
 * PREFIXED ones, and only those whose name is a prefix of it name the resource.
 */
function verdictOf(
  acls: readonly AclBinding[] | undefined,
  who: RequestIdentity,
  operation: AclOperation,
  prefixOf: string | undefined,
): number {
  let flags = 0;
  if (!acls) return flags;
  for (const acl of acls) {
    if (prefixOf !== undefined && !prefixOf.startsWith(acl.resourceName)) continue;
    flags |= APPLIES;
    if (!appliesTo(acl, who)) continue;
    if (acl.permission === "DENY") {
      if (acl.operation === "ALL" || acl.operation === operation) flags |= DENIES;
    } else if (
      acl.operation === "ALL" ||
      acl.operation === operation ||
      IMPLIED[operation]?.includes(acl.operation)
    )
      flags |= ALLOWS;
  }
  return flags;
}

function appliesTo(acl: AclBinding, who: RequestIdentity): boolean {
  const principalMatches = acl.principal === who.principal || acl.principal === "User:*";
  return principalMatches && (acl.host === WILDCARD || acl.host === who.host);
}

/** The client's address as Kafka compares it with an ACL's host: the IP without port (IPv4 not IPv6-mapped). */
export function hostOf(remoteAddress: string): string {
  const colon = remoteAddress.lastIndexOf(":");
  const ip = colon < 0 ? remoteAddress : remoteAddress.slice(0, colon);
  return ip.startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip;
}
