import type { Db } from "../db/client";

/** Who performed a change, as recorded in the activity log. */
export type Actor = {
  type: "user" | "api_key" | "system" | "customer";
  id: string | null;
  label: string;
};

export const SYSTEM_ACTOR: Actor = { type: "system", id: null, label: "system" };

/** Everything a use case needs to change state: the database, the actor and the request it serves. */
export type WriteContext = {
  db: Db;
  actor: Actor;
  requestId: string | null;
  /** The clock of this request (UTC ISO 8601), one value for every row it writes. */
  now: string;
};
