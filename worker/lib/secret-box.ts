import { fromBase64Url, toBase64Url } from "./crypto";

/**
 * Encryption at rest for small secrets (TOTP seeds): AES-256-GCM with a key derived (HKDF-SHA256)
 * from the ENCRYPTION_KEY secret. Output: `v1.<iv>.<ciphertext>` in base64url; a changed key or a
 * tampered value fails to open.
 */
const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function keyFor(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle
      .importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"])
      .then((material) =>
        crypto.subtle.deriveKey(
          { name: "HKDF", hash: "SHA-256", salt: encoder.encode("open-bss secret-box"), info: encoder.encode("v1") },
          material,
          { name: "AES-GCM", length: 256 },
          false,
          ["encrypt", "decrypt"],
        ),
      );
    keys.set(secret, key);
  }
  return key;
}

export async function seal(secret: string, plaintext: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await keyFor(secret), encoder.encode(plaintext));
  return `v1.${toBase64Url(iv)}.${toBase64Url(ciphertext)}`;
}

export async function open(secret: string, sealed: string): Promise<string | null> {
  const [version, iv, data] = sealed.split(".");
  if (version !== "v1" || !iv || !data) return null;
  try {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64Url(iv) }, await keyFor(secret), fromBase64Url(data));
    return new TextDecoder().decode(plain);
  } catch {
    return null;
  }
}
