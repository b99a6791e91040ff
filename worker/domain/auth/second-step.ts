/**
 * The proof, between the two steps of a browser sign-in, that the password was right: the page that
 * asks for the code holds it (in a cookie) instead of the password. Signed with AUTH_SECRET, valid
 * five minutes, and bound to the kind of account, so a staff proof never opens the portal's second
 * step nor the reverse.
 */
import { hmacSha256, safeEqual } from "../../lib/crypto";

export const SECOND_STEP_WINDOW_MS = 5 * 60_000;

export type PendingSignIn = { type: "user" | "customer"; id: string; remember: boolean };

const mac = (secret: string, type: PendingSignIn["type"], body: string) => hmacSha256(secret, `mfa:${type}:${body}`);

/** `<id>.<expiry>.<remember>.<hmac>`: the account, until when, and the "keep me signed in" choice. */
export async function signPendingSignIn(secret: string, pending: PendingSignIn, now = Date.now()): Promise<string> {
  const body = `${pending.id}.${now + SECOND_STEP_WINDOW_MS}.${pending.remember ? 1 : 0}`;
  return `${body}.${await mac(secret, pending.type, body)}`;
}

/** The pending sign-in of this kind of account, or null when the proof is missing, forged or too old. */
export async function readPendingSignIn(
  secret: string,
  type: PendingSignIn["type"],
  value: string | undefined,
  now = Date.now(),
): Promise<PendingSignIn | null> {
  const [id, expiry, remember, sent, ...rest] = value?.split(".") ?? [];
  if (!id || !expiry || !sent || rest.length > 0 || !(Number(expiry) >= now)) return null;
  return safeEqual(sent, await mac(secret, type, `${id}.${expiry}.${remember}`)) ? { type, id, remember: remember === "1" } : null;
}
