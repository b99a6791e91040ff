import { eq } from "drizzle-orm";
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { findLiveSession, permissionsOf } from "../db/queries/auth";
import { sessions } from "../db/schema";
import type { Principal } from "../domain/auth/principal";
import type { AppEnv } from "../env";
import { sha256Hex } from "../lib/crypto";
import { verifyAccessToken } from "../lib/jwt";

export const SESSION_COOKIE = "__Host-obss_session";
/** Web sessions end after this much inactivity (sliding). */
const IDLE_MS = 2 * 3600_000;

async function principalFor(c: Context<AppEnv>, row: NonNullable<Awaited<ReturnType<typeof findLiveSession>>>): Promise<Principal> {
  return {
    type: "user",
    id: row.user.id,
    email: row.user.email,
    name: row.user.name,
    sessionId: row.session.id,
    permissions: await permissionsOf(c.get("db"), row.user.id),
  };
}

/** API callers: `Authorization: Bearer <access JWT>`. Sets `principal` (or null); `can()` decides. */
export function authenticateBearer(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set("principal", null);
    const header = c.req.header("authorization");
    const token = header?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (token) {
      const claims = await verifyAccessToken(c.env.AUTH_SECRET, token);
      if (claims) {
        const row = await findLiveSession(c.get("db"), null, claims.sid, new Date().toISOString());
        if (row && row.user.id === claims.sub) c.set("principal", await principalFor(c, row));
      }
    }
    await next();
  };
}

/** Pages: the session cookie. Idle sessions expire; activity is recorded at most once a minute. */
export function authenticateCookie(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set("principal", null);
    const token = getCookie(c, SESSION_COOKIE);
    if (token) {
      const now = new Date();
      const db = c.get("db");
      const row = await findLiveSession(db, await sha256Hex(token), null, now.toISOString());
      if (row && row.session.kind === "web" && now.getTime() - Date.parse(row.session.lastSeenAt) < IDLE_MS) {
        c.set("principal", await principalFor(c, row));
        if (now.getTime() - Date.parse(row.session.lastSeenAt) > 60_000) {
          await db.update(sessions).set({ lastSeenAt: now.toISOString() }).where(eq(sessions.id, row.session.id));
        }
      }
    }
    await next();
  };
}
