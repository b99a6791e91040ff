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

/** The subject and session id of a valid access token, or null for anything else. */
export async function verifyAccessToken(secret: string, token: string): Promise<{ sub: string; sid: string; cid: string | null } | null> {
  try {
    const { payload } = await jwtVerify(token, key(secret), { algorithms: ["HS256"], issuer: ISSUER, audience: AUDIENCE });
    if (payload.typ !== "access" || typeof payload.sub !== "string" || typeof payload.sid !== "string") return null;
    return { sub: payload.sub, sid: payload.sid, cid: typeof payload.cid === "string" ? payload.cid : null };
  } catch {
    return null;
  }
}
