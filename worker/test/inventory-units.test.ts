import { describe, expect, it } from "vitest";
import { CsvError, parseCsv, toCsv } from "../lib/csv";
import { diffStats, lineDiff } from "../lib/diff";
import { luhnCheckDigit, luhnValid, normalizeE164, normalizeMac, validIccid, validImsi } from "../lib/identifiers";
import { contains, formatIp, formatPrefix, nextFreeAddress, nextFreePrefix, overlaps, type Prefix, parseCidr, parseIp, prefixEnd, toHexKey } from "../lib/ip";

/** Parses a CIDR that the test knows to be valid. */
function cidr(text: string): Prefix {
  const p = parseCidr(text);
  if (p === null) throw new Error(`test fixture ${text} is not a valid CIDR`);
  return p;
}

describe("identifiers", () => {
  it("checks Luhn digits", () => {
    expect(luhnValid("79927398713")).toBe(true);
    expect(luhnValid("79927398710")).toBe(false);
    expect(luhnCheckDigit("7992739871")).toBe("3");
    expect(luhnValid("")).toBe(false);
    expect(luhnValid("7992739871a")).toBe(false);
    expect(() => luhnCheckDigit("12a")).toThrow(RangeError);
    for (const partial of ["894450123456789012", "8933150319000121", "0", "123456789"]) {
      expect(luhnValid(partial + luhnCheckDigit(partial))).toBe(true);
    }
  });

  it.each([
    ["8944501234567890124", true], // 19 digits, computed check digit
    ["89014103211118510720", true], // 20 digits, widely published sample
    [`8933150319000121${luhnCheckDigit("8933150319000121")}`, false], // 17 digits: too short
    ["8944501234567890125", false], // bad check digit
    ["89014103211118510721", false], // bad check digit
    ["9944501234567890126", false], // does not start with 89
    ["894450123456789012a", false],
    ["890141032111185107201", false], // 21 digits
  ])("validates ICCID %s → %s", (iccid, valid) => {
    expect(validIccid(iccid)).toBe(valid);
  });

  it("validates IMSI length", () => {
    expect(validImsi("208150123456789")).toBe(true);
    expect(validImsi("20815012345678")).toBe(false);
    expect(validImsi("2081501234567890")).toBe(false);
    expect(validImsi("20815012345678x")).toBe(false);
  });

  it.each([
    ["aa:bb:cc:dd:ee:ff", "aa:bb:cc:dd:ee:ff"],
    ["AA-BB-CC-DD-EE-FF", "aa:bb:cc:dd:ee:ff"],
    ["aabb.ccdd.eeff", "aa:bb:cc:dd:ee:ff"],
    ["AABBCCDDEEFF", "aa:bb:cc:dd:ee:ff"],
    [" 00:1A:2b:3C:4d:5E ", "00:1a:2b:3c:4d:5e"],
    ["aa:bb-cc:dd:ee:ff", null],
    ["aa:bb:cc:dd:ee", null],
    ["aa:bb:cc:dd:ee:fg", null],
    ["aabbccddeeff00", null],
    ["aab.bccd.deeff", null],
    ["", null],
  ])("normalises MAC %j → %j", (input, expected) => {
    expect(normalizeMac(input)).toBe(expected);
  });

  it.each([
    ["+33 6 12 34 56 78", "+33612345678"],
    ["+1 (415) 555-0100", "+14155550100"],
    ["+44.20.7946.0958", "+442079460958"],
    ["+33612345678", "+33612345678"],
    ["0612345678", null],
    ["+0612345678", null],
    ["+123456", null], // too short
    ["+1234567890123456", null], // 16 digits: too long
    ["+33 6 12 34 56 7x", null],
  ])("normalises E.164 %j → %j", (input, expected) => {
    expect(normalizeE164(input)).toBe(expected);
  });
});

describe("IP prefixes", () => {
  it.each([
    ["10.0.0.0/24", 4, 0x0a000000n, 24],
    ["0.0.0.0/0", 4, 0n, 0],
    ["192.168.1.7/32", 4, 0xc0a80107n, 32],
    ["2001:db8::/32", 6, 0x20010db8n << 96n, 32],
    ["::/0", 6, 0n, 0],
    ["::1/128", 6, 1n, 128],
    ["2001:DB8:0:0:0:0:0:0/48", 6, 0x20010db8n << 96n, 48],
    ["::ffff:192.0.2.0/120", 6, (0xffffn << 32n) | 0xc0000200n, 120],
  ])("parses %s", (text, family, start, length) => {
    expect(parseCidr(text)).toEqual({ family, start, length });
  });

  it.each([
    "10.0.0.1/24", // host bits set
    "2001:db8::1/32", // host bits set
    "10.0.0.0/33",
    "2001:db8::/129",
    "10.0.0.0/-1",
    "10.0.0.0/024",
    "10.0.0.0/",
    "10.0.0.0",
    "010.0.0.0/8", // leading zero in an octet
    "10.0.0.256/32",
    "10.0.0/24",
    "10.0.0.0.0/32",
    "2001:db8:::/32",
    "2001::db8::/32",
    "2001:db8:0:0:0:0:0:0:0/32",
    "2001:db8:0:0:0:0:0/32",
    "12345::/16",
    "fe80::1%eth0/128",
    "1.2.3.4::/128",
    "abc/8",
  ])("rejects %s", (text) => {
    expect(parseCidr(text)).toBeNull();
  });

  it("parses addresses of both families", () => {
    expect(parseIp("192.0.2.1")).toEqual({ family: 4, value: 0xc0000201n });
    expect(parseIp("::ffff:192.0.2.1")).toEqual({ family: 6, value: (0xffffn << 32n) | 0xc0000201n });
    expect(parseIp("1:2:3:4:5:6:7:8")).toEqual({ family: 6, value: 0x00010002000300040005000600070008n });
    expect(parseIp("1::")).toEqual({ family: 6, value: 1n << 112n });
    expect(parseIp("01.2.3.4")).toBeNull();
    expect(parseIp(":1::")).toBeNull();
  });

  it.each([
    ["2001:0DB8:0000:0000:0000:0000:0000:0000/32", "2001:db8::/32"],
    ["2001:db8:0:0:1:0:0:1/128", "2001:db8::1:0:0:1/128"], // first of two equal runs is compressed
    ["2001:0:0:1:0:0:0:1/128", "2001:0:0:1::1/128"], // the longer run is compressed
    ["2001:db8:0:1:0:0:0:0/64", "2001:db8:0:1::/64"], // longest run wins over an earlier single zero
    ["2001:db8:0:1:1:1:1:1/128", "2001:db8:0:1:1:1:1:1/128"], // a single zero group is never compressed
    ["0:0:0:0:0:0:0:0/0", "::/0"],
    ["0:0:0:0:0:0:0:1/128", "::1/128"],
    ["1:0:0:0:0:0:0:0/16", "1::/16"],
    ["fe80:0:0:0:0:0:0:0/10", "fe80::/10"],
    ["10.0.0.0/8", "10.0.0.0/8"],
    ["192.168.100.0/22", "192.168.100.0/22"],
  ])("formats %s as %s", (input, expected) => {
    const p = cidr(input);
    expect(formatPrefix(p)).toBe(expected);
    expect(parseCidr(formatPrefix(p))).toEqual(p);
  });

  it("computes ends, containment and overlap", () => {
    expect(prefixEnd(cidr("10.0.0.0/24"))).toBe(0x0a0000ffn);
    expect(prefixEnd(cidr("2001:db8::/64"))).toBe((0x20010db8n << 96n) | 0xffffffffffffffffn);
    expect(contains(cidr("10.0.0.0/8"), cidr("10.1.2.0/24"))).toBe(true);
    expect(contains(cidr("10.0.0.0/24"), cidr("10.0.0.0/24"))).toBe(true);
    expect(contains(cidr("10.1.2.0/24"), cidr("10.0.0.0/8"))).toBe(false);
    expect(contains(cidr("10.0.0.0/24"), cidr("10.0.1.0/24"))).toBe(false);
    expect(contains(cidr("::/0"), cidr("10.0.0.0/8"))).toBe(false);
    expect(overlaps(cidr("10.0.0.0/8"), cidr("10.1.2.0/24"))).toBe(true);
    expect(overlaps(cidr("10.1.2.0/24"), cidr("10.0.0.0/8"))).toBe(true);
    expect(overlaps(cidr("10.0.0.0/25"), cidr("10.0.0.128/25"))).toBe(false);
    expect(overlaps(cidr("::/0"), cidr("0.0.0.0/0"))).toBe(false);
  });

  it("makes fixed-width hex keys that sort like addresses", () => {
    expect(toHexKey(4, 0x0a000001n)).toBe("0000000000000000000000000a000001");
    expect(toHexKey(6, (1n << 128n) - 1n)).toBe("f".repeat(32));
    const values = [0n, 1n, 255n, 256n, 0x0a000000n, 0xffffffffn];
    const keys = values.map((v) => toHexKey(4, v));
    expect([...keys].sort()).toEqual(keys);
    expect(() => toHexKey(4, 1n << 32n)).toThrow(RangeError);
    expect(() => toHexKey(6, -1n)).toThrow(RangeError);
  });

  it("finds the first free sub-prefix", () => {
    const block = cidr("10.0.0.0/24");
    const text = (p: Prefix | null) => (p === null ? null : formatPrefix(p));
    expect(text(nextFreePrefix(block, 30, []))).toBe("10.0.0.0/30");
    expect(text(nextFreePrefix(block, 24, []))).toBe("10.0.0.0/24");
    // Skips taken /30s given in any order.
    expect(text(nextFreePrefix(block, 30, [cidr("10.0.0.4/30"), cidr("10.0.0.0/30"), cidr("10.0.0.12/30")]))).toBe("10.0.0.8/30");
    // Mixed lengths: a single taken address blocks its whole /30; a /26 blocks four /28s.
    expect(text(nextFreePrefix(block, 30, [cidr("10.0.0.2/32")]))).toBe("10.0.0.4/30");
    expect(text(nextFreePrefix(block, 28, [cidr("10.0.0.0/26"), cidr("10.0.0.65/32")]))).toBe("10.0.0.80/28");
    expect(text(nextFreePrefix(block, 26, [cidr("10.0.0.8/29")]))).toBe("10.0.0.64/26");
    // Taken prefixes outside the block or of the other family are ignored.
    expect(text(nextFreePrefix(block, 30, [cidr("10.0.1.0/30"), cidr("9.0.0.0/8"), cidr("::/0")]))).toBe("10.0.0.0/30");
    // A taken prefix covering the whole block, or a full block, leaves nothing.
    expect(nextFreePrefix(block, 30, [cidr("10.0.0.0/16")])).toBeNull();
    expect(nextFreePrefix(block, 25, [cidr("10.0.0.0/25"), cidr("10.0.0.128/26"), cidr("10.0.0.192/26")])).toBeNull();
    expect(text(nextFreePrefix(block, 26, [cidr("10.0.0.0/25"), cidr("10.0.0.128/26")]))).toBe("10.0.0.192/26");
    // Lengths outside [block length, 32] are refused.
    expect(nextFreePrefix(block, 23, [])).toBeNull();
    expect(nextFreePrefix(block, 33, [])).toBeNull();
  });

  it("allocates IPv6 /64s from a /48", () => {
    const block = cidr("2001:db8:abcd::/48");
    const taken = [cidr("2001:db8:abcd::/64"), cidr("2001:db8:abcd:1::/64"), cidr("2001:db8:abcd:3::/64")];
    expect(formatPrefix(nextFreePrefix(block, 64, []) ?? block)).toBe("2001:db8:abcd::/64");
    expect(formatPrefix(nextFreePrefix(block, 64, taken) ?? block)).toBe("2001:db8:abcd:2::/64");
    expect(formatPrefix(nextFreePrefix(block, 56, taken) ?? block)).toBe("2001:db8:abcd:100::/56");
    expect(nextFreePrefix(block, 129, [])).toBeNull();
  });

  it("skips thousands of taken prefixes in one pass", () => {
    const block = cidr("10.0.0.0/8");
    const taken: Prefix[] = [];
    // Every /30 of the first 16 /16s except one, shuffled by a fixed stride.
    const count = 16 * 16384;
    const hole = 200_001;
    for (let i = 0; i < count; i++) {
      const j = (i * 7919) % count;
      if (j !== hole) taken.push({ family: 4, start: 0x0a000000n + BigInt(j) * 4n, length: 30 });
    }
    expect(nextFreePrefix(block, 30, taken)).toEqual({ family: 4, start: 0x0a000000n + BigInt(hole) * 4n, length: 30 });
    expect(nextFreePrefix(block, 24, taken)).toEqual(cidr("10.16.0.0/24"));
  });

  it("agrees with a brute-force search, on both the IPv4 and the wide IPv6 code paths", () => {
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const v4Block = cidr("10.0.0.0/24");
    const v6Block = cidr("2001:db8::/64");
    // A v4 offset o and length L map to v6 offset o·2^56 and length L + 40 in the /64 (span 2^64).
    const toV6 = (p: Prefix): Prefix => ({ family: 6, start: v6Block.start + ((p.start - v4Block.start) << 56n), length: p.length + 40 });
    for (let round = 0; round < 200; round++) {
      const taken: Prefix[] = [];
      for (let i = random(40); i > 0; i--) {
        const length = 26 + random(7);
        const size = 2 ** (32 - length);
        taken.push({ family: 4, start: v4Block.start + BigInt(random(256 / size) * size), length });
      }
      const length = 24 + random(9);
      let expected: Prefix | null = null;
      for (let start = 0; start < 256 && expected === null; start += 2 ** (32 - length)) {
        const candidate: Prefix = { family: 4, start: v4Block.start + BigInt(start), length };
        if (!taken.some((t) => overlaps(t, candidate))) expected = candidate;
      }
      expect(nextFreePrefix(v4Block, length, taken)).toEqual(expected);
      expect(nextFreePrefix(v6Block, length + 40, taken.map(toV6))).toEqual(expected === null ? null : toV6(expected));
    }
  });

  it("allocates single IPv6 addresses past taken ones", () => {
    const block = cidr("2001:db8:1:2::/64");
    const taken = [cidr("2001:db8:1:2::/126"), cidr("2001:db8:1:2::4/128"), cidr("2001:db8:1:1::/64")];
    expect(formatPrefix(nextFreeAddress(block, taken) ?? block)).toBe("2001:db8:1:2::5/128");
    expect(nextFreeAddress(block, [cidr("2001:db8::/32")])).toBeNull();
  });

  it("never hands out IPv4 network and broadcast addresses as single addresses", () => {
    const text = (p: Prefix | null) => (p === null ? null : formatPrefix(p));
    expect(text(nextFreeAddress(cidr("192.0.2.0/24"), []))).toBe("192.0.2.1/32");
    expect(text(nextFreeAddress(cidr("192.0.2.0/30"), [cidr("192.0.2.1/32")]))).toBe("192.0.2.2/32");
    expect(nextFreeAddress(cidr("192.0.2.0/30"), [cidr("192.0.2.1/32"), cidr("192.0.2.2/32")])).toBeNull();
    expect(text(nextFreeAddress(cidr("192.0.2.0/31"), []))).toBe("192.0.2.0/32");
    expect(text(nextFreeAddress(cidr("192.0.2.0/31"), [cidr("192.0.2.0/32")]))).toBe("192.0.2.1/32");
    expect(text(nextFreeAddress(cidr("192.0.2.9/32"), []))).toBe("192.0.2.9/32");
    expect(text(nextFreeAddress(cidr("2001:db8::/64"), []))).toBe("2001:db8::/128");
    expect(formatIp(6, (nextFreeAddress(cidr("2001:db8::/126"), [cidr("2001:db8::/127")]) ?? cidr("::/0")).start)).toBe("2001:db8::2");
  });
});

describe("CSV", () => {
  it("parses quoted fields, escaped quotes, embedded newlines, CRLF and a BOM", () => {
    expect(parseCsv('\uFEFFiccid,label\r\n8901,"Hello, ""world"""\r\n8902,"two\r\nlines"\r\n')).toEqual([
      ["iccid", "label"],
      ["8901", 'Hello, "world"'],
      ["8902", "two\r\nlines"],
    ]);
    expect(parseCsv("a,b\nc,d")).toEqual([
      ["a", "b"],
      ["c", "d"],
    ]);
    expect(parseCsv("a,,\n,\n\nx")).toEqual([["a", "", ""], ["", ""], [""], ["x"]]);
    expect(parseCsv('"",""\n"a"')).toEqual([["", ""], ["a"]]);
    expect(parseCsv("a,")).toEqual([["a", ""]]);
    expect(parseCsv("")).toEqual([]);
    expect(parseCsv("\uFEFF")).toEqual([]);
    expect(parseCsv("a\n")).toEqual([["a"]]);
    expect(parseCsv("a\r\n\r\n")).toEqual([["a"], [""]]);
  });

  it.each([
    ['a,b\n"unterminated,c\nd,e\n', 2, "never closed"],
    ['a,b\nc,d\n"x"y,z\n', 3, "after a closing quote"],
    ['"multi\nline" ,x\n', 2, "after a closing quote"],
    ['a\n"multi\nline"\n"open\n', 4, "never closed"],
  ])("reports malformed CSV with its line number (%j)", (text, line, message) => {
    let error: unknown;
    try {
      parseCsv(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CsvError);
    expect(error).toMatchObject({ line, name: "CsvError" });
    expect((error as CsvError).message).toContain(message);
  });

  it("writes CSV that parses back to the same values", () => {
    const rows = [
      ["id", "label", "note"],
      ["1", 'say "hi"', "a,b"],
      ["2", "line\nbreak", "crlf\r\ninside"],
      ["3", " padded ", ""],
    ];
    const text = toCsv(rows);
    expect(text).toBe('id,label,note\r\n1,"say ""hi""","a,b"\r\n2,"line\nbreak","crlf\r\ninside"\r\n3," padded ",\r\n');
    expect(parseCsv(text)).toEqual(rows);
    expect(parseCsv(`\uFEFF${text}`)).toEqual(rows);
    expect(toCsv([[1, 2.5, true, false, null, undefined, -3]])).toBe("1,2.5,true,false,,,-3\r\n");
    expect(toCsv([])).toBe("");
  });

  it.each([
    ["=SUM(A1:A2)", "'=SUM(A1:A2)"],
    ["+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"],
    ["-2+3", "'-2+3"],
    ["@SUM(1)", "'@SUM(1)"],
    ["\t=1", "'\t=1"],
    ["\r=1", '"\'\r=1"'],
    ['=HYPERLINK("x")', '"\'=HYPERLINK(""x"")"'],
    ["-12.5", "-12.5"],
    ["+33612345678", "+33612345678"],
    ["-7", "-7"],
    ["a=b", "a=b"],
    ["", ""],
  ])("guards against formula injection: %j → %j", (value, expected) => {
    expect(toCsv([[value]])).toBe(`${expected}\r\n`);
  });

  it("parses a 100,000-line file", () => {
    const lines: string[] = ["iccid,imsi,msisdn,status,label,batch,pin,puk,ki,note"];
    for (let i = 0; i < 100_000; i++) {
      const quoted = i % 10 === 0 ? '"with, comma ""q"""' : "plain";
      lines.push(
        `8933${String(i).padStart(15, "0")},20815${String(i).padStart(10, "0")},+3361${String(i).padStart(7, "0")},available,${quoted},B${i % 97},1234,12345678,00112233445566778899aabbccddeeff,x`,
      );
    }
    const rows = parseCsv(`${lines.join("\r\n")}\r\n`);
    expect(rows.length).toBe(100_001);
    expect(rows[10]?.[4]).toBe("plain");
    expect(rows[11]?.[4]).toBe('with, comma "q"');
    expect(rows.every((r) => r.length === 10)).toBe(true);
  });
});

describe("line diff", () => {
  it("diffs small texts with line numbers", () => {
    expect(lineDiff("a\nb\nc\n", "a\nx\nc\nd\n")).toEqual([
      { op: "same", text: "a", oldLine: 1, newLine: 1 },
      { op: "del", text: "b", oldLine: 2, newLine: null },
      { op: "add", text: "x", oldLine: null, newLine: 2 },
      { op: "same", text: "c", oldLine: 3, newLine: 3 },
      { op: "add", text: "d", oldLine: null, newLine: 4 },
    ]);
    expect(lineDiff("", "")).toEqual([]);
    expect(lineDiff("", "a\nb")).toEqual([
      { op: "add", text: "a", oldLine: null, newLine: 1 },
      { op: "add", text: "b", oldLine: null, newLine: 2 },
    ]);
    expect(lineDiff("a\r\nb\r\n", "a\nb")).toEqual([
      { op: "same", text: "a", oldLine: 1, newLine: 1 },
      { op: "same", text: "b", oldLine: 2, newLine: 2 },
    ]);
    expect(diffStats(lineDiff("a\nb\nc\nd", "b\nc\ne\nf"))).toEqual({ added: 2, removed: 2 });
    expect(diffStats(lineDiff("x\ny", ""))).toEqual({ added: 0, removed: 2 });
  });

  it("finds a shortest edit script (matches LCS length on small cases)", () => {
    const cases: [string[], string[]][] = [
      [
        ["a", "b", "c", "a", "b", "b", "a"],
        ["c", "b", "a", "b", "a", "c"],
      ],
      [
        ["x", "a", "y", "b", "z"],
        ["a", "q", "b", "r"],
      ],
      [["a", "a", "a"], ["a"]],
    ];
    for (const [before, after] of cases) {
      const d = lineDiff(before.join("\n"), after.join("\n"));
      const lcs = lcsLength(before, after);
      expect(diffStats(d)).toEqual({ added: after.length - lcs, removed: before.length - lcs });
      expect(d.filter((l) => l.op !== "add").map((l) => l.text)).toEqual(before);
      expect(d.filter((l) => l.op !== "del").map((l) => l.text)).toEqual(after);
    }
  });

  it("diffs a 3,000-line file with a few edits", () => {
    const before = Array.from({ length: 3000 }, (_, i) => `interface ge-0/0/${i} description port-${i}`);
    const after = [...before];
    after[10] = "interface ge-0/0/10 description uplink";
    after.splice(1500, 2);
    after.splice(2500, 0, "new line a", "new line b", "new line c");
    after.push("commit");
    const d = lineDiff(before.join("\n"), after.join("\n"));
    expect(diffStats(d)).toEqual({ added: 5, removed: 3 });
    expect(d.filter((l) => l.op !== "add").map((l) => l.text)).toEqual(before);
    expect(d.filter((l) => l.op !== "del").map((l) => l.text)).toEqual(after);
    expect(d.find((l) => l.op === "del" && l.text.endsWith("port-10"))).toEqual({
      op: "del",
      text: "interface ge-0/0/10 description port-10",
      oldLine: 11,
      newLine: null,
    });
    expect(d.at(-1)).toEqual({ op: "add", text: "commit", oldLine: null, newLine: 3002 });
  });

  it("falls back to a block replacement for completely different large files", () => {
    const before = Array.from({ length: 5000 }, (_, i) => `old ${i}`).join("\n");
    const after = Array.from({ length: 5000 }, (_, i) => `new ${i}`).join("\n");
    const d = lineDiff(before, after);
    expect(diffStats(d)).toEqual({ added: 5000, removed: 5000 });
    expect(d[0]?.op).toBe("del");
    expect(d[5000]).toEqual({ op: "add", text: "new 0", oldLine: null, newLine: 1 });
  });
});

/** Reference LCS length by dynamic programming, for small inputs. */
function lcsLength(a: string[], b: string[]): number {
  let prev = new Array<number>(b.length + 1).fill(0);
  for (const x of a) {
    const row = [0];
    for (let j = 0; j < b.length; j++) row.push(x === b[j] ? (prev[j] ?? 0) + 1 : Math.max(prev[j + 1] ?? 0, row[j] ?? 0));
    prev = row;
  }
  return prev[b.length] ?? 0;
}
