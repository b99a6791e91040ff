/** Prefixed, time-sortable identifiers (`cus_01j…`): 48-bit millisecond time + 80 random bits, Crockford base32. */
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

let lastTime = 0;
let lastRandom: Uint8Array = new Uint8Array(10);

function encode(bytes: Uint8Array, length: number): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out.slice(0, length);
}

function timePart(time: number): string {
  let out = "";
  let t = time;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

/** A new ULID-style id; monotonic within one isolate so ids created in the same millisecond still sort. */
export function ulid(now = Date.now()): string {
  if (now <= lastTime) {
    // Same millisecond: increment the random part so ordering is preserved.
    const next = lastRandom.slice();
    for (let i = next.length - 1; i >= 0; i--) {
      const byte = next[i] ?? 0;
      next[i] = byte === 255 ? 0 : byte + 1;
      if (byte !== 255) break;
    }
    lastRandom = next;
  } else {
    lastTime = now;
    lastRandom = crypto.getRandomValues(new Uint8Array(10));
  }
  return timePart(lastTime) + encode(lastRandom, 16);
}

export const ID_PREFIXES = {
  customer: "cus",
  contact: "con",
  site: "sit",
  user: "usr",
  role: "rol",
  session: "ses",
  activity: "act",
  tag: "tag",
  item: "inv",
  ipAllocation: "ipa",
  config: "cfg",
  import: "imp",
} as const;

export type EntityKind = keyof typeof ID_PREFIXES;

export function newId(kind: EntityKind): string {
  return `${ID_PREFIXES[kind]}_${ulid()}`;
}

/** A zod-friendly pattern for ids of one kind. */
export function idPattern(kind: EntityKind): RegExp {
  return new RegExp(`^${ID_PREFIXES[kind]}_[0-9a-z]{26}$`);
}
