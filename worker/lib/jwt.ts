import { jwtVerify, SignJWT } from "jose";

/** Access tokens: HS256 only (algorithm allowlist), fixed issuer and audience, typ "access", 15 minutes. */
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
const ISSUER = "open-bss";
const AUDIENCE = "open-bss-api";
const encoder = new TextEncoder();

function key(secret: string): Uint8Array {
  return encoder.encode(`access-jwt:${secret}`);
}

/** Customer tokens also carry `cid`, the customer every query of theirs is scoped to. */
export async function signAccessToken(secret: string, claims: { sub: string; sid: string; cid?: string | null }, nowSeconds = Math.floor(Date.now() / 1000)) {
  return new SignJWT({ sid: claims.sid, typ: "access", ...(claims.cid ? { cid: claims.cid } : {}) })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(claims.sub)
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + ACCESS_TOKEN_TTL_SECONDS)
    .sign(key(secret));
}

type AccessClaims = { sub: string; sid: string; cid: string | null };

/**
 * Tokens already verified in this isolate, until they expire: a client sends the same token on every
 * call, and checking its signature again (key import and HMAC) was a tenth of a top-up's CPU. Keyed
 * by the whole token and the secret it was checked with, so nothing but that exact token under that
 * secret hits; revocation is the session's business (authenticate.ts), as it always was.
 */
const MAX_VERIFIED = 10_000;
const verified = new Map<string, { claims: AccessClaims; secret: string; expiresAt: number }>();

/** The subject and session id of a valid access token, or null for anything else. */
export async function verifyAccessToken(secret: string, token: string, now = Date.now()): Promise<AccessClaims | null> {
  const hit = verified.get(token);
  if (hit && hit.secret === secret && hit.expiresAt > now) return hit.claims;
  try {
    const { payload } = await jwtVerify(token, key(secret), { algorithms: ["HS256"], issuer: ISSUER, audience: AUDIENCE, currentDate: new Date(now) });
    if (payload.typ !== "access" || typeof payload.sub !== "string" || typeof payload.sid !== "string") return null;
    const claims = { sub: payload.sub, sid: payload.sid, cid: typeof payload.cid === "string" ? payload.cid : null };
    if (typeof payload.exp === "number") {
      if (verified.size >= MAX_VERIFIED) verified.clear();
      verified.set(token, { claims, secret, expiresAt: payload.exp * 1000 });
    }
    return claims;
  } catch {
    return null;
  }
}
