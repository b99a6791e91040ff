/**
 * IPv4/IPv6 address and prefix arithmetic for IP address management (IPAM). Addresses are BigInt
 * so both families share one code path; prefixes are always stored by network address, and
 * allocation jumps over taken ranges instead of walking addresses, so a /8 with thousands of
 * assignments is searched in one sorted pass.
 */

/** An IP network: `start` is the network address (host bits zero), `length` the prefix length. */
export type Prefix = { family: 4 | 6; start: bigint; length: number };

/** An IP address with its family. */
export type IpAddress = { family: 4 | 6; value: bigint };

const bitsOf = (family: 4 | 6): number => (family === 4 ? 32 : 128);

const V4_OCTET = /^(0|[1-9]\d{0,2})$/;
const V6_GROUP = /^[0-9a-fA-F]{1,4}$/;
const PREFIX_LENGTH = /^(0|[1-9]\d{0,2})$/;

function parseV4(text: string): bigint | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const part of parts) {
    if (!V4_OCTET.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

/** 16-bit groups of one side of an IPv6 address; an IPv4 tail (last position only) counts as two groups. */
function v6Groups(text: string, allowV4Tail: boolean): number[] | null {
  if (text === "") return [];
  const parts = text.split(":");
  const groups: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? "";
    if (allowV4Tail && i === parts.length - 1 && part.includes(".")) {
      const v4 = parseV4(part);
      if (v4 === null) return null;
      groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
    } else if (V6_GROUP.test(part)) {
      groups.push(Number.parseInt(part, 16));
    } else {
      return null;
    }
  }
  return groups;
}

function parseV6(text: string): bigint | null {
  const gap = text.indexOf("::");
  let groups: number[];
  if (gap === -1) {
    const all = v6Groups(text, true);
    if (all === null || all.length !== 8) return null;
    groups = all;
  } else {
    if (text.indexOf("::", gap + 1) !== -1) return null;
    const tailText = text.slice(gap + 2);
    const head = v6Groups(text.slice(0, gap), false);
    const tail = v6Groups(tailText, true);
    if (head === null || tail === null || head.length + tail.length > 7) return null;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  let value = 0n;
  for (const group of groups) value = (value << 16n) | BigInt(group);
  return value;
}

/**
 * Parses an IPv4 (dotted quad, no leading zeros in octets) or IPv6 address (RFC 4291 text: `::`
 * compression and a trailing embedded IPv4 are accepted, zone ids are not). Null when invalid.
 */
export function parseIp(text: string): IpAddress | null {
  const s = text.trim();
  if (s.includes(":")) {
    const value = parseV6(s);
    return value === null ? null : { family: 6, value };
  }
  const value = parseV4(s);
  return value === null ? null : { family: 4, value };
}

/**
 * Parses CIDR notation (`10.0.0.0/24`, `2001:db8::/32`). Null when the address or length is
 * invalid, when the length is missing, or when host bits are set (`10.0.0.1/24`): a prefix is
 * always written by its network address.
 */
export function parseCidr(text: string): Prefix | null {
  const s = text.trim();
  const slash = s.indexOf("/");
  if (slash === -1) return null;
  const address = parseIp(s.slice(0, slash));
  const lengthText = s.slice(slash + 1);
  if (address === null || !PREFIX_LENGTH.test(lengthText)) return null;
  const length = Number(lengthText);
  const bits = bitsOf(address.family);
  if (length > bits) return null;
  const hostMask = (1n << BigInt(bits - length)) - 1n;
  if ((address.value & hostMask) !== 0n) return null;
  return { family: address.family, start: address.value, length };
}

/**
 * Canonical text of an address: dotted quad for IPv4; RFC 5952 for IPv6 (lowercase, no leading
 * zeros, the longest run of two or more zero groups compressed to `::`, the first one on ties).
 */
export function formatIp(family: 4 | 6, value: bigint): string {
  if (family === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join(".");
  }
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((value >> shift) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

/** Canonical CIDR text of a prefix, e.g. `10.0.0.0/24` or `2001:db8::/32` (see {@link formatIp}). */
export function formatPrefix(p: Prefix): string {
  return `${formatIp(p.family, p.start)}/${p.length}`;
}

/** Addresses in a prefix of each length, precomputed: prefix arithmetic runs over thousands of rows. */
const SIZES = { 4: Array.from({ length: 33 }, (_, l) => 1n << BigInt(32 - l)), 6: Array.from({ length: 129 }, (_, l) => 1n << BigInt(128 - l)) };

/** Number of addresses in a prefix of `length` bits in `family`. */
function sizeOf(family: 4 | 6, length: number): bigint {
  return SIZES[family][length] ?? 1n << BigInt(bitsOf(family) - length);
}

/** The last address of a prefix (the IPv4 broadcast address for IPv4 subnets). */
export function prefixEnd(p: Prefix): bigint {
  return p.start + sizeOf(p.family, p.length) - 1n;
}

/** Whether `inner` lies entirely within `outer` (same family; a prefix contains itself). */
export function contains(outer: Prefix, inner: Prefix): boolean {
  return outer.family === inner.family && outer.length <= inner.length && inner.start >= outer.start && prefixEnd(inner) <= prefixEnd(outer);
}

/** Whether two prefixes share at least one address (never across families). */
export function overlaps(a: Prefix, b: Prefix): boolean {
  return a.family === b.family && a.start <= prefixEnd(b) && b.start <= prefixEnd(a);
}

/**
 * Fixed-width (32 lowercase hex digits) key of an address, so that plain string comparison (SQL
 * `BETWEEN`, `ORDER BY` on TEXT) orders addresses numerically. Both families use the same width;
 * store the family alongside. Throws a RangeError when the value does not fit the family.
 */
export function toHexKey(family: 4 | 6, value: bigint): string {
  if (value < 0n || value >= 1n << BigInt(bitsOf(family))) throw new RangeError(`address value out of range for IPv${family}`);
  return value.toString(16).padStart(32, "0");
}

/**
 * The lowest-addressed free sub-prefix of `length` inside `block`: aligned on its own size and
 * overlapping none of `taken`. `taken` may be unsorted, mix lengths, and hold prefixes of another
 * family or outside the block (those are ignored). Null when the block is full or `length` is
 * shorter than the block's or longer than the family allows. One sort, then a single pass that
 * jumps to the next aligned start after each taken range.
 */
export function nextFreePrefix(block: Prefix, length: number, taken: readonly Prefix[]): Prefix | null {
  if (!Number.isInteger(length) || length < block.length || length > bitsOf(block.family)) return null;
  const size = sizeOf(block.family, length);
  const blockEnd = prefixEnd(block);
  // Taken ranges clipped to the block; prefixes of the other family or outside the block are ignored.
  const starts: bigint[] = [];
  const ends: bigint[] = [];
  for (const t of taken) {
    if (t.family !== block.family || t.start > blockEnd) continue;
    const end = prefixEnd(t);
    if (end < block.start) continue;
    if (t.start <= block.start && end >= blockEnd) return null;
    // Clip to the block (if statements: Math.max/min do not take BigInt).
    let start = t.start;
    if (start < block.start) start = block.start;
    let last = end;
    if (last > blockEnd) last = blockEnd;
    starts.push(start);
    ends.push(last);
  }
  const slots = 2 ** (length - block.length);
  if (blockEnd - block.start < 2n ** 53n) {
    const slot = firstFreeSlot(block.start, Number(size), starts, ends, slots);
    return slot === null ? null : { family: block.family, start: block.start + BigInt(slot) * size, length };
  }
  const order = starts
    .map((_, i) => i)
    .sort((a, b) => {
      const x = starts[a] ?? 0n;
      const y = starts[b] ?? 0n;
      return x < y ? -1 : x > y ? 1 : 0;
    });
  let candidate = block.start;
  for (const i of order) {
    const start = starts[i] ?? 0n;
    const end = ends[i] ?? 0n;
    if (end < candidate) continue;
    if (start > candidate + size - 1n) break;
    // Overlap: the next aligned start after this range (the block itself is aligned on a larger size).
    candidate = ((end + size) / size) * size;
    if (candidate + size - 1n > blockEnd) return null;
  }
  return candidate + size - 1n <= blockEnd ? { family: block.family, start: candidate, length } : null;
}

/**
 * Fast path of {@link nextFreePrefix} for blocks of at most 2^53 addresses (all of IPv4, IPv6 /75
 * and longer): offsets into the block are exact doubles, and dividing them by the power-of-two
 * `size` is exact too. Each taken range becomes the slot interval it touches; starts and ends are
 * sorted separately with native typed-array sorts, then a sweep finds the first slot no interval
 * covers (coverage can only drop to zero at slot 0 or just after an interval's end).
 */
function firstFreeSlot(blockStart: bigint, size: number, starts: readonly bigint[], ends: readonly bigint[], slots: number): number | null {
  const opens = new Float64Array(starts.length);
  const closes = new Float64Array(ends.length);
  for (let i = 0; i < starts.length; i++) {
    opens[i] = Math.floor(Number((starts[i] ?? blockStart) - blockStart) / size);
    closes[i] = Math.floor(Number((ends[i] ?? blockStart) - blockStart) / size) + 1;
  }
  opens.sort();
  closes.sort();
  let open = 0;
  let closed = 0;
  let candidate = 0;
  for (;;) {
    while (open < opens.length && (opens[open] ?? 0) <= candidate) open++;
    while (closed < closes.length && (closes[closed] ?? 0) <= candidate) closed++;
    if (open === closed) return candidate < slots ? candidate : null;
    // Still covered: the next point where coverage can drop is the next interval end.
    candidate = closes[closed] ?? slots;
    if (candidate >= slots) return null;
  }
}

/**
 * The lowest free single address (/32 or /128) in `block`. In IPv4 blocks of /30 or shorter the
 * network and broadcast addresses are never handed out; /31 (RFC 3021 point-to-point) and /32
 * blocks use every address, as do IPv6 blocks.
 */
export function nextFreeAddress(block: Prefix, taken: readonly Prefix[]): Prefix | null {
  const bits = bitsOf(block.family);
  if (block.family === 4 && block.length <= 30) {
    const reserved: Prefix[] = [
      { family: 4, start: block.start, length: bits },
      { family: 4, start: prefixEnd(block), length: bits },
    ];
    return nextFreePrefix(block, bits, [...taken, ...reserved]);
  }
  return nextFreePrefix(block, bits, taken);
}
