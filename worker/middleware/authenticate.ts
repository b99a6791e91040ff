import { eq } from "drizzle-orm";
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { findApiKeyPrincipal, findSessionPrincipal } from "../db/queries/auth";
import { getSettings } from "../db/queries/settings";
import { sessions } from "../db/schema";
import { hashKeySecret, parseApiKey, touchApiKey } from "../domain/auth/api-keys";
import type { Principal } from "../domain/auth/principal";
import { lifetimes } from "../domain/auth/sessions";
import type { AppEnv } from "../env";
import { safeEqual, sha256Hex } from "../lib/crypto";
import { verifyAccessToken } from "../lib/jwt";

export const SESSION_COOKIE = "__Host-obss_session";

/**
 * Principals of recently seen access tokens and API keys, per isolate, for a few seconds: most API
 * calls then need no database read before their own. Signing out evicts the entry in this isolate
 * at once; elsewhere a revoked session or key, a disabled user or a changed role takes effect
 * within PRINCIPAL_TTL_MS.
 */
export const PRINCIPAL_TTL_MS = 5_000;
const MAX_CACHED = 10_000;
const principals = new Map<string, { principal: Principal; until: number; check: string }>();

/** Forgets a cached principal (sign-out, revocation). */
export function forgetPrincipal(key: string): void {
  principals.delete(key);
}

function remember(key: string, principal: Principal, check: string, now: number): Principal {
  if (principals.size >= MAX_CACHED) principals.clear();
  principals.set(key, { principal, until: now + PRINCIPAL_TTL_MS, check });
  return principal;
}

function cached(key: string, check: string, now: number): Principal | null | undefined {
  const entry = principals.get(key);
  if (!entry || entry.until <= now) return undefined;
  return entry.check === check ? entry.principal : null;
}

async function principalForSession(c: Context<AppEnv>, claims: { sid: string; sub: string; cid: string | null }): Promise<Principal | null> {
  const now = Date.now();
  const check = `${claims.sub}|${claims.cid ?? ""}`;
  const hit = cached(`s:${claims.sid}`, check, now);
  if (hit !== undefined) return hit;
  const found = await findSessionPrincipal(c.get("db"), { sessionId: claims.sid }, new Date(now).toISOString());
  // The token's subject and customer must be the session's: a token never widens its scope.
  if (found?.kind !== "api" || found.principal.id !== claims.sub || found.principal.customerId !== claims.cid) return null;
  return remember(`s:${claims.sid}`, found.principal, check, now);
}

async function principalForApiKey(c: Context<AppEnv>, value: string): Promise<Principal | null> {
  const parsed = parseApiKey(value);
  if (!parsed) return null;
  const now = Date.now();
  const hash = await hashKeySecret(parsed.secret);
  const hit = cached(`k:${parsed.prefix}`, hash, now);
  if (hit !== undefined) return hit;
  const db = c.get("db");
  const key = await findApiKeyPrincipal(db, parsed.prefix, new Date(now).toISOString());
  if (!key || !safeEqual(key.secretHash, hash)) return null;
  const principal: Principal = {
    type: "api_key",
    id: key.id,
    email: key.name,
    name: key.name,
    sessionId: null,
    permissions: new Set(key.permissions),
    customerId: null,
    mustEnrollTwoFactor: false,
  };
  // Last use (time and IP) is written at most once a minute per key, off the request path.
  if (!key.lastUsedAt || now - Date.parse(key.lastUsedAt) > 60_000) {
    const ip = c.req.header("cf-connecting-ip") ?? null;
    c.executionCtx.waitUntil(
      touchApiKey({ db, actor: { type: "api_key", id: key.id, label: key.name }, requestId: null, now: new Date(now).toISOString() }, key.id, ip),
    );
  }
  return remember(`k:${parsed.prefix}`, principal, hash, now);
}

/**
 * API callers: `Authorization: Bearer <access JWT | API key>`. Sets `principal` (or null);
 * `can()` decides what it may do.
 */
export function authenticateBearer(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set("principal", null);
    const token = c.req.header("authorization")?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (token?.startsWith("ocrm_")) c.set("principal", await principalForApiKey(c, token));
    else if (token) {
      const claims = await verifyAccessToken(c.env.AUTH_SECRET, token);
      if (claims) c.set("principal", await principalForSession(c, claims));
    }
    await next();
  };
}

/**
 * Pages: the session cookie (web sessions only). Idle and absolute timeouts come from the security
 * settings; activity is recorded at most once a minute.
 */
export function authenticateCookie(cookieName = SESSION_COOKIE): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set("principal", null);
    const token = getCookie(c, cookieName);
    if (token) {
      const now = new Date();
      const db = c.get("db");
      const found = await findSessionPrincipal(db, { tokenHash: await sha256Hex(token) }, now.toISOString());
      if (found && found.kind === "web") {
        const settings = c.get("settings") ?? (await getSettings(db)).data;
        const idle = now.getTime() - Date.parse(found.lastSeenAt);
        if (idle < lifetimes(settings, found.remember).idleMs) {
          c.set("principal", found.principal);
          if (idle > 60_000 && found.principal.sessionId) {
            await db.update(sessions).set({ lastSeenAt: now.toISOString() }).where(eq(sessions.id, found.principal.sessionId));
          }
        }
      }
    }
    await next();
  };
}
