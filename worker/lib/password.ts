import { fromBase64Url, hmacSha256, safeEqual, toBase64Url } from "./crypto";

/**
 * Password hashing: PBKDF2-SHA256 over HMAC(pepper, password).
 * 100,000 iterations is the ceiling deployed Workers accept; the algorithm and its parameters are
 * stored with each hash (`pbkdf2-sha256$<iterations>$<salt>$<hash>`) so they can be raised later
 * and old hashes upgraded at login (see `needsRehash`).
 */
export const PASSWORD_ITERATIONS = 100_000;
const encoder = new TextEncoder();

async function derive(password: string, pepper: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<string> {
  const peppered = await hmacSha256(pepper, password);
  const key = await crypto.subtle.importKey("raw", encoder.encode(peppered), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, 256);
  return toBase64Url(bits);
}

export async function hashPassword(password: string, pepper: string, iterations = PASSWORD_ITERATIONS): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return `pbkdf2-sha256$${iterations}$${toBase64Url(salt)}$${await derive(password, pepper, salt, iterations)}`;
}

export async function verifyPassword(password: string, pepper: string, stored: string): Promise<boolean> {
  const [algorithm, iterationsText, saltText, hash] = stored.split("$");
  const iterations = Number(iterationsText);
  if (algorithm !== "pbkdf2-sha256" || !Number.isInteger(iterations) || iterations < 1 || iterations > PASSWORD_ITERATIONS || !saltText || !hash) {
    return false;
  }
  return safeEqual(await derive(password, pepper, fromBase64Url(saltText), iterations), hash);
}

export function needsRehash(stored: string): boolean {
  const [algorithm, iterations] = stored.split("$");
  return algorithm !== "pbkdf2-sha256" || Number(iterations) !== PASSWORD_ITERATIONS;
}
