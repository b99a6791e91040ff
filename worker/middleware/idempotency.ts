import { and, eq, lt } from "drizzle-orm";
import type { MiddlewareHandler } from "hono";
import type { Db } from "../db/client";
import { idempotencyKeys } from "../db/schema";
import type { AppEnv } from "../env";
import { sha256Hex } from "../lib/crypto";
import { BadRequest, Conflict, Invalid } from "../lib/errors";
import { open, seal } from "../lib/secret-box";

export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;

/**
 * `Idempotency-Key` on POST: the first successful (2xx) response is stored (sealed with
 * ENCRYPTION_KEY: it may hold a secret shown once) for 24 hours and replayed
 * for a repeat with the same body; the same key with a different body is refused (422); a repeat
 * while the first is still running gets 409. Refused requests store nothing, so they can be fixed
 * and sent again with the same key. Keys are scoped to the caller.
 * @example api.use(idempotency())
 */
export function idempotency(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = c.req.header("idempotency-key");
    if (c.req.method !== "POST" || key === undefined) return next();
    if (!/^[\x21-\x7e]{1,255}$/.test(key)) {
      throw new BadRequest("Idempotency-Key must be 1–255 visible ASCII characters.", [{ path: "Idempotency-Key", message: "Invalid key" }]);
    }
    const principal = c.get("principal");
    if (!principal) return next(); // unauthenticated: the route refuses it anyway
    const db = c.get("db");
    const url = new URL(c.req.url);
    const path = url.pathname;
    // The query is part of the request (an import's type, mode and dry_run): a key reused with another one is refused.
    const requestHash = await sha256Hex(`${c.req.method} ${path}${url.search}\n${await c.req.text()}`);
    const now = new Date();
    const scope = `${principal.type}:${principal.id}`;
    const inserted = await db
      .insert(idempotencyKeys)
      .values({ principal: scope, key, method: c.req.method, path, requestHash, createdAt: now.toISOString() })
      .onConflictDoNothing()
      .run();
    if (inserted.meta.changes === 0) {
      const existing = await db
        .select()
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.principal, scope), eq(idempotencyKeys.key, key)))
        .get();
      if (existing && Date.parse(existing.createdAt) < now.getTime() - IDEMPOTENCY_TTL_MS) {
        // Expired but not yet purged: forget it and treat this as a first request.
        await db.delete(idempotencyKeys).where(and(eq(idempotencyKeys.principal, scope), eq(idempotencyKeys.key, key)));
        return idempotency()(c, next);
      }
      if (!existing) throw new Conflict("A request with this Idempotency-Key is being processed; retry shortly.");
      if (existing.requestHash !== requestHash) {
        throw new Invalid("This Idempotency-Key was already used with a different request.", [
          { path: "Idempotency-Key", message: "Reused with a different body or path" },
        ]);
      }
      if (existing.statusCode === null) throw new Conflict("A request with this Idempotency-Key is being processed; retry shortly.");
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
    const where = and(eq(idempotencyKeys.principal, scope), eq(idempotencyKeys.key, key));
    if (c.res.status >= 200 && c.res.status < 300) {
      await db
        .update(idempotencyKeys)
        // Sealed: first responses can hold secrets shown once (API keys, TOTP seeds, backup codes).
        .set({ statusCode: c.res.status, responseBody: await seal(c.env.ENCRYPTION_KEY, await c.res.clone().text()) })
        .where(where);
    } else {
      await db.delete(idempotencyKeys).where(where);
    }
  };
}

/** Removes keys older than the retention period (called by the scheduled handler). */
export async function purgeIdempotencyKeys(db: Db, now = Date.now()): Promise<void> {
  await db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, new Date(now - IDEMPOTENCY_TTL_MS).toISOString()));
}
