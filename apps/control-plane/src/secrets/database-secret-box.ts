// The secret box a database's sealed values open with, bound once per database handle when the app is built
// (app.ts), so that services reached with just `db` (every Kafka call to a broker) seal and open with the
// control plane's key without each caller carrying it. A database without a bound box has no way to read or
// write a secret: that is an error, never a fallback to clear text.
import type { Db } from "../db/database.ts";
import type { SecretBox } from "./secret-box.ts";

const boxes = new WeakMap<Db, SecretBox>();

/** Binds `box` to `db` (another one replaces it). */
export function bindSecretBox(db: Db, box: SecretBox): void {
  boxes.set(db, box);
}

/** The box bound to `db`, if any. */
export function boundSecretBox(db: Db): SecretBox | undefined {
  return boxes.get(db);
}

/** The box bound to `db`; throws when none is (a programming error: build() binds one). */
export function secretBoxOf(db: Db): SecretBox {
  const box = boxes.get(db);
  if (!box) throw new Error("no secret box bound to this database (build() binds the control plane's)");
  return box;
}
