import { eq } from "drizzle-orm";
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { findPrincipal } from "../db/queries/auth";
import { sessions } from "../db/schema";
import type { Principal } from "../domain/auth/principal";
import type { AppEnv } from "../env";
import { sha256Hex } from "../lib/crypto";
import { verifyAccessToken } from "../lib/jwt";

export const SESSION_COOKIE = "__Host-obss_session";
/** Web sessions end after this much inactivity (sliding). */
const IDLE_MS = 2 * 3600_000;

type Found = NonNullable<Awaited<ReturnType<typeof findPrincipal>>>;

function principalOf(found: Found): Principal {
  return { type: "user", id: found.userId, email: found.email, name: found.name, sessionId: found.sessionId, permissions: found.permissions };
}

/**
 * Principals of recently seen access tokens, per isolate, for a few seconds: most API calls then
 * need no database read before their own. Signing out evicts the entry in this isolate at once;
 * elsewhere a revoked session, a disabled user or a changed role takes effect within PRINCIPAL_TTL_MS.
 */
export const PRINCIPAL_TTL_MS = 5_000;
const MAX_CACHED = 10_000;
const principals = new Map<string, { principal: Principal; until: number }>();

/** Forgets a session's cached principal (sign-out, revocation). */
export function forgetPrincipal(sessionId: string): void {
  principals.delete(sessionId);
}

async function principalForSession(c: Context<AppEnv>, sessionId: string, userId: string): Promise<Principal | null> {
  const now = Date.now();
  const cached = principals.get(sessionId);
  if (cached && cached.until > now) return cached.principal.id === userId ? cached.principal : null;
  const found = await findPrincipal(c.get("db"), { sessionId }, new Date(now).toISOString());
  if (!found || found.userId !== userId) {
    principals.delete(sessionId);
    return null;
  }
  const principal = principalOf(found);
  if (principals.size >= MAX_CACHED) principals.clear();
  principals.set(sessionId, { principal, until: now + PRINCIPAL_TTL_MS });
  return principal;
}

/**
 * API callers: `Authorization: Bearer <access JWT>`. The token's session must still be live (see
 * the principal cache above). Sets `principal` (or null); `can()` decides.
 */
export function authenticateBearer(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set("principal", null);
    const token = c.req.header("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (token) {
      const claims = await verifyAccessToken(c.env.AUTH_SECRET, token);
      if (claims) c.set("principal", await principalForSession(c, claims.sid, claims.sub));
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
      const found = await findPrincipal(db, { tokenHash: await sha256Hex(token) }, now.toISOString());
      const idle = found ? now.getTime() - Date.parse(found.lastSeenAt) : Number.POSITIVE_INFINITY;
      if (found && found.kind === "web" && idle < IDLE_MS) {
        c.set("principal", principalOf(found));
        if (idle > 60_000) await db.update(sessions).set({ lastSeenAt: now.toISOString() }).where(eq(sessions.id, found.sessionId));
      }
    }
    await next();
  };
}
