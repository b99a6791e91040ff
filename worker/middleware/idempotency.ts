/**
 * Idempotency: one mechanism, one key format, for the API and the admin pages.
 *
 * - **The client's key.** An API caller sends `Idempotency-Key`; an admin form carries a hidden
 *   `key` rendered with it (a ULID), so submitting the same rendered form twice is one submission.
 * - **The scope.** Keys belong to the caller: `<principal type>:<principal id>` (`user:usr_…`,
 *   `api_key:key_…`, `customer:acc_…`). Two callers never share a key.
 * - **The response store** (`idempotency_keys`, one row per scope and key, 24 hours): the first
 *   successful outcome is stored and a repeat gets it again, a repeat while the first still runs gets
 *   409, and a failed first request stores nothing (it can be fixed and sent again with the same key).
 *   The API stores the response (sealed: it may hold a secret shown once) and refuses the key with
 *   another request (422); a page stores where the form redirected.
 * - **The operation key** handed to a use case is `operationKey(c, clientKey)` =
 *   `<scope>:<client key>` for both. The ServiceState object keeps its own dedupe of operations on
 *   it (it must answer a replay even when D1 lags behind it), so routes that reach the object skip the
 *   response store (`idempotent: "domain"` on the API route) rather than keep two records.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { Db } from "../db/client";
import { claimKey, completeKey, findKey, purgeKeysBefore, releaseKey } from "../db/queries/idempotency";
import type { AppEnv } from "../env";
import { sha256Hex } from "../lib/crypto";
import { BadRequest, Conflict, Invalid } from "../lib/errors";
import { ulid } from "../lib/ids";
import { open, seal } from "../lib/secret-box";

export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;

/** The longest client key kept (Idempotency-Key allows 255; form keys are 26). */
const MAX_KEY = 255;

/** Whose keys these are: `<principal type>:<principal id>`, or `anon` before sign-in. */
function scopeOf(c: Context<AppEnv>): string {
  const principal = c.get("principal");
  return principal ? `${principal.type}:${principal.id}` : "anon";
}

/**
 * The key a use case applies once: the caller's scope and its client key. Without a client key the
 * operation gets a fresh one (it is then simply not deduplicated).
 */
export function operationKey(c: Context<AppEnv>, clientKey: string | null | undefined): string {
  return `${scopeOf(c)}:${(clientKey ?? `req_${ulid()}`).slice(0, MAX_KEY)}`;
}

type Claim<T> = { first: true } | { first: false; existing: T };

/**
 * Claims `key` for this caller, or finds the record of its first use. An expired record (older than
 * the retention period, not yet purged) is dropped and the key claimed again.
 */
async function claim(
  db: Db,
  scope: string,
  key: string,
  method: string,
  path: string,
  requestHash: string,
): Promise<Claim<Awaited<ReturnType<typeof findKey>>>> {
  const now = Date.now();
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await claimKey(db, { scope, key, method, path, requestHash, createdAt: new Date(now).toISOString() })) return { first: true };
    const existing = await findKey(db, scope, key);
    if (!existing || Date.parse(existing.createdAt) >= now - IDEMPOTENCY_TTL_MS) return { first: false, existing };
    await releaseKey(db, scope, key);
  }
  return { first: false, existing: await findKey(db, scope, key) };
}

const busy = () => new Conflict("A request with this Idempotency-Key is being processed; retry shortly.");

/**
 * `Idempotency-Key` on API POSTs (see the module comment): the first 2xx response is stored, sealed
 * with ENCRYPTION_KEY, and replayed for a repeat with the same method, path, query and body.
 * @example api.use(idempotency())
 */
export function idempotency(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = c.req.header("idempotency-key");
    if (c.req.method !== "POST" || key === undefined) return next();
    if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
      throw new BadRequest("Idempotency-Key must be 1–255 visible ASCII characters.", [{ path: "Idempotency-Key", message: "Invalid key" }]);
    }
    if (!c.get("principal")) return next(); // unauthenticated: the route refuses it anyway
    const db = c.get("db");
    const url = new URL(c.req.url);
    // The query is part of the request (an import's type, mode and dry_run): a key reused with another one is refused.
    const requestHash = await sha256Hex(`${c.req.method} ${url.pathname}${url.search}\n${await c.req.text()}`);
    const scope = scopeOf(c);
    const claimed = await claim(db, scope, key, c.req.method, url.pathname, requestHash);
    if (!claimed.first) {
      const { existing } = claimed;
      if (!existing) throw busy();
      if (existing.requestHash !== requestHash) {
        throw new Invalid("This Idempotency-Key was already used with a different request.", [
          { path: "Idempotency-Key", message: "Reused with a different body or path" },
        ]);
      }
      if (existing.statusCode === null) throw busy();
      const body = existing.responseBody?.startsWith("v1.") ? await open(c.env.ENCRYPTION_KEY, existing.responseBody) : existing.responseBody;
      if (body === null && existing.responseBody !== null) {
        throw new Conflict("The first response to this Idempotency-Key can no longer be read (the encryption key changed); use a new key.");
      }
      return new Response(body, {
        status: existing.statusCode,
        headers: { "Content-Type": "application/json", "Idempotent-Replayed": "true" },
      });
    }
    await next();
    if (c.res.status >= 200 && c.res.status < 300) {
      // Sealed: first responses can hold secrets shown once (API keys, TOTP seeds, backup codes).
      await completeKey(db, scope, key, c.res.status, await seal(c.env.ENCRYPTION_KEY, await c.res.clone().text()));
    } else {
      await releaseKey(db, scope, key);
    }
  };
}

/**
 * Runs a page action at most once per rendered form (its hidden `key`), in the same store as the
 * API's keys: a double submission gets the first outcome's redirect instead of doing the work again
 * (e.g. ordering twice); while the first still runs, it is sent back to the list it came from.
 */
export async function oncePerForm(c: Context<AppEnv>, key: string | null | undefined, run: () => Promise<string>): Promise<string> {
  if (!key || !c.get("principal")) return run();
  const db = c.get("db");
  const scope = scopeOf(c);
  const clientKey = key.slice(0, MAX_KEY);
  const path = new URL(c.req.url).pathname;
  const claimed = await claim(db, scope, clientKey, "POST", path, path);
  if (!claimed.first) return claimed.existing?.responseBody ?? path.replace(/\/[^/]+$/, "");
  try {
    const location = await run();
    await completeKey(db, scope, clientKey, 303, location);
    return location;
  } catch (error) {
    await releaseKey(db, scope, clientKey);
    throw error;
  }
}

/** Removes keys older than the retention period (called by the scheduled handler). */
export async function purgeIdempotencyKeys(db: Db, now = Date.now()): Promise<void> {
  await purgeKeysBefore(db, new Date(now - IDEMPOTENCY_TTL_MS).toISOString());
}
