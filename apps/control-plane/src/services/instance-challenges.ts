// Short-lived challenges that bind an instance identity proof to this control plane, one cluster and a time.
// A broker asks for one (POST /internal/v1/instance-challenges), has its cloud sign the identity with the
// challenge as the audience (Alibaba's `instance-identity/pkcs7?audience=`), and sends the proof; the control
// plane accepts the audience only if it is a challenge it issued for that cluster, not expired, and not spent
// by an earlier proof. A proof copied from a log or another service is then worth nothing here. The nonce lives
// in the database (only its hash), so any replica can check it and it is spent exactly once.
// The route is unauthenticated (a broker has no credential yet when it asks), so each cluster holds at most
// challengeLimit(spec) open ones (unexpired, unspent): beyond, 429 with Retry-After, and nothing is written.
import { createHash, randomBytes } from "node:crypto";
import { stsUrlFor } from "@cirrus/broker-api";
import { and, asc, eq, gt, isNull, lt } from "drizzle-orm";
import type { ClusterSpec } from "../api-schemas/clusters.ts";
import type { Db } from "../db/database.ts";
import { clusters, instanceChallenges } from "../db/schema.ts";
import { inTransaction } from "../db/transaction.ts";
import { ApiError } from "../errors.ts";

/** How long a challenge can be signed and presented: enough for a metadata read and one request. */
export const CHALLENGE_TTL_MS = 5 * 60_000;

/** `cirrus:<cluster id>:<nonce>`; Alibaba allows an audience of letters, digits and `:_-` up to 256 characters. */
const AUDIENCE = /^cirrus:([A-Za-z0-9_-]{1,128}):([A-Za-z0-9_-]{43})$/;

const hashOf = (nonce: string) => createHash("sha256").update(nonce).digest("hex");

export interface InstanceChallenge {
  /** What the instance asks its cloud to sign as the audience (aws: sends in the signed x-cirrus-challenge header). */
  readonly audience: string;
  /** ms since the epoch; a proof presented later is refused. */
  readonly expiresAt: number;
  /** aws: the STS endpoint the instance signs its GetCallerIdentity for, the only one the control plane forwards to. */
  readonly stsUrl?: string;
}

/** Open challenges a cluster may hold whatever its size: a small fleet restarting at once, with retries. */
export const CHALLENGE_LIMIT_FLOOR = 16;

/**
 * Open (unexpired, unspent) challenges one cluster may hold: 4 per broker it may run (a broker uses one per
 * attempt and a failed attempt leaves its challenge open until it expires), at least CHALLENGE_LIMIT_FLOOR.
 */
export function challengeLimit(spec: Pick<ClusterSpec, "brokers">): number {
  return Math.max(CHALLENGE_LIMIT_FLOOR, 4 * spec.brokers.max);
}

/**
 * A fresh challenge for an instance of `clusterId`. UNAUTHORIZED for an unknown cluster (nothing leaks, nothing
 * is written); RATE_LIMITED (429, retryAfterSeconds: until its oldest open one expires) when the cluster already
 * holds challengeLimit open challenges.
 */
export async function issueInstanceChallenge(
  db: Db,
  clusterId: string,
  now = Date.now(),
  stsEndpoint?: string,
): Promise<InstanceChallenge> {
  return inTransaction(db, async (tx) => {
    // The cluster row's lock makes count and insert one step: of two callers racing for the last slot, the
    // second counts after the first committed. NO KEY UPDATE: the inserts' foreign-key checks do not wait on it.
    const [cluster] = await tx
      .select({ spec: clusters.spec })
      .from(clusters)
      .where(eq(clusters.id, clusterId))
      .for("no key update");
    if (!cluster) throw new ApiError("UNAUTHORIZED", `no instance challenge for cluster ${clusterId}`);
    // Spent and expired challenges are of no use any more: kept no longer than the next issue.
    await tx.delete(instanceChallenges).where(lt(instanceChallenges.expiresAt, now));
    const limit = challengeLimit(cluster.spec as ClusterSpec);
    const open = await tx
      .select({ expiresAt: instanceChallenges.expiresAt })
      .from(instanceChallenges)
      .where(
        and(
          eq(instanceChallenges.clusterId, clusterId),
          isNull(instanceChallenges.usedAt),
          gt(instanceChallenges.expiresAt, now),
        ),
      )
      .orderBy(asc(instanceChallenges.expiresAt))
      .limit(limit);
    if (open.length >= limit) {
      const oldest = (open[0] as { expiresAt: number }).expiresAt;
      throw new ApiError(
        "RATE_LIMITED",
        `cluster ${clusterId} has ${limit} open instance challenges, the most it may hold (4 per broker of brokers.max, at least ${CHALLENGE_LIMIT_FLOOR}): the oldest expires at ${new Date(oldest).toISOString()}`,
        { retryAfterSeconds: Math.max(1, Math.ceil((oldest - now) / 1000)) },
      );
    }
    const nonce = randomBytes(32).toString("base64url");
    const expiresAt = now + CHALLENGE_TTL_MS;
    await tx.insert(instanceChallenges).values({ nonceHash: hashOf(nonce), clusterId, expiresAt });
    const spec = cluster.spec as ClusterSpec;
    const audience = `cirrus:${clusterId}:${nonce}`;
    if (spec.provider !== "aws") return { audience, expiresAt };
    return { audience, expiresAt, stsUrl: stsUrlFor(spec.region, stsEndpoint) };
  });
}

const refuse = (why: string) => new ApiError("UNAUTHORIZED", `instance identity refused: ${why}`);

/**
 * Spends the challenge `audience` names, for `clusterId`, at most once; UNAUTHORIZED (401) saying why when it
 * is not this control plane's, is another cluster's, expired or already spent.
 */
export async function spendInstanceChallenge(
  db: Db,
  clusterId: string,
  audience: string,
  now = Date.now(),
): Promise<void> {
  const nonceHash = nonceHashOf(clusterId, audience);
  // One conditional update: of two proofs racing with the same challenge, exactly one spends it.
  const spent = await db
    .update(instanceChallenges)
    .set({ usedAt: now })
    .where(
      and(
        eq(instanceChallenges.nonceHash, nonceHash),
        eq(instanceChallenges.clusterId, clusterId),
        isNull(instanceChallenges.usedAt),
        gt(instanceChallenges.expiresAt, now),
      ),
    )
    .returning({ nonceHash: instanceChallenges.nonceHash });
  if (spent.length === 1) return;
  await checkInstanceChallengeOpen(db, clusterId, audience, now);
  // Open a moment ago, spent by a proof racing with this one.
  throw refuse("the proof's challenge was already used: ask for a new one");
}

/**
 * Refuses (UNAUTHORIZED, saying why, as spendInstanceChallenge) a challenge that could not be spent now, and
 * spends nothing: what the aws proof checks before it asks STS, so that a made-up or spent challenge costs the
 * control plane no request to STS (and cannot make it one: the challenge route's limit counts only issued ones).
 */
export async function checkInstanceChallengeOpen(
  db: Db,
  clusterId: string,
  audience: string,
  now = Date.now(),
): Promise<void> {
  const [row] = await db
    .select({ expiresAt: instanceChallenges.expiresAt, usedAt: instanceChallenges.usedAt })
    .from(instanceChallenges)
    .where(
      and(
        eq(instanceChallenges.nonceHash, nonceHashOf(clusterId, audience)),
        eq(instanceChallenges.clusterId, clusterId),
      ),
    );
  if (!row) throw refuse("the proof's challenge was not issued by this control plane (or is long expired)");
  if (row.usedAt !== null) throw refuse("the proof's challenge was already used: ask for a new one");
  if (row.expiresAt <= now) throw refuse("the proof's challenge expired: ask for a new one");
}

/** The stored hash of the nonce `audience` carries; UNAUTHORIZED when it is no challenge of `clusterId`. */
function nonceHashOf(clusterId: string, audience: string): string {
  const match = AUDIENCE.exec(audience);
  if (!match) throw refuse("the proof's audience is not a challenge of this control plane");
  if (match[1] !== clusterId) throw refuse(`the proof's challenge is for another cluster, not ${clusterId}`);
  return hashOf(match[2] as string);
}
