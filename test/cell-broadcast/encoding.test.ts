import { describe, expect, it } from "vitest";
import {
  CBS_MAX_PAGES,
  cbsCounter,
  cbsCounterText,
  cbsTextSize,
  chooseEncoding,
  GSM7_BASIC,
  GSM7_EXTENSION,
  GSM7_PER_PAGE,
  isGsm7,
  UCS2_PER_PAGE,
} from "../../worker/lib/cell-broadcast/encoding";

const a = (n: number) => "a".repeat(n);
const zhe = (n: number) => "ж".repeat(n); // Cyrillic: outside GSM 7-bit, one UTF-16 unit
const grin = (n: number) => "😀".repeat(n); // outside the BMP: a surrogate pair

describe("the GSM 7-bit default alphabet (TS 23.038)", () => {
  it("has 127 basic characters (128 codes less the escape) and 10 in the extension table", () => {
    expect(GSM7_BASIC.size).toBe(127);
    expect(GSM7_EXTENSION.size).toBe(10);
    expect([...GSM7_EXTENSION].sort()).toEqual(["\f", "[", "\\", "]", "^", "{", "|", "}", "~", "€"].sort());
    expect([...GSM7_EXTENSION].some((c) => GSM7_BASIC.has(c))).toBe(false);
    expect(GSM7_BASIC.has("\u001b")).toBe(false);
  });

  // [text, GSM 7-bit?]
  const table: [string, boolean][] = [
    ["Flood warning: move to higher ground", true],
    ["@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ", true],
    ["¡¿ÄÖÑÜ§äöñüà¤", true],
    ["Grüße aus Köln", true],
    ["{[(€)]} ^~|\\", true],
    ["\f", true],
    ["façade", false], // lower-case ç is not in the alphabet (only Ç is)
    ["`backtick`", false],
    ["Привет", false],
    ["警报", false],
    ["Storm 😀", false],
    ["", true],
  ];
  it.each(table)("%j is GSM 7-bit: %s", (text, gsm) => {
    expect(isGsm7(text)).toBe(gsm);
    expect(chooseEncoding(text)).toBe(gsm ? "gsm7" : "ucs2");
  });
});

describe("cell broadcast pages (82 octets: 93 GSM septets or 41 UCS-2 characters, at most 15)", () => {
  // [case, text, encoding, units, pages, tooLong]
  const table: [string, string, "gsm7" | "ucs2", number, number, boolean][] = [
    ["empty text", "", "gsm7", 0, 1, false],
    ["1 GSM char", a(1), "gsm7", 1, 1, false],
    ["93 GSM chars", a(93), "gsm7", 93, 1, false],
    ["94 GSM chars", a(94), "gsm7", 94, 2, false],
    ["186 GSM chars", a(186), "gsm7", 186, 2, false],
    ["187 GSM chars", a(187), "gsm7", 187, 3, false],
    ["92 chars + € (94 septets)", `${a(92)}€`, "gsm7", 94, 2, false],
    ["91 chars + € (93 septets)", `${a(91)}€`, "gsm7", 93, 1, false],
    ["46 × € (92 septets)", "€".repeat(46), "gsm7", 92, 1, false],
    ["47 × € (94 septets)", "€".repeat(47), "gsm7", 94, 2, false],
    ["every extension char counts two", "^{}\\[~]|€\f", "gsm7", 20, 1, false],
    ["an escape sequence is never split: 92 + € + 92", `${a(92)}€${a(92)}`, "gsm7", 186, 3, false],
    ["1395 GSM chars (15 pages)", a(1395), "gsm7", 1395, 15, false],
    ["1396 GSM chars", a(1396), "gsm7", 1396, 16, true],
    ["1 UCS-2 char", zhe(1), "ucs2", 1, 1, false],
    ["41 UCS-2 chars", zhe(41), "ucs2", 41, 1, false],
    ["42 UCS-2 chars", zhe(42), "ucs2", 42, 2, false],
    ["82 UCS-2 chars", zhe(82), "ucs2", 82, 2, false],
    ["83 UCS-2 chars", zhe(83), "ucs2", 83, 3, false],
    ["615 UCS-2 chars (15 pages)", zhe(615), "ucs2", 615, 15, false],
    ["616 UCS-2 chars", zhe(616), "ucs2", 616, 16, true],
    ["one non-GSM char turns the whole text UCS-2", `${a(93)}ж`, "ucs2", 94, 3, false],
    ["an emoji counts two", grin(1), "ucs2", 2, 1, false],
    ["39 chars + emoji fill one page", `${zhe(39)}😀`, "ucs2", 41, 1, false],
    ["40 chars + emoji need two", `${zhe(40)}😀`, "ucs2", 42, 2, false],
    ["20 emoji (40 units)", grin(20), "ucs2", 40, 1, false],
    ["21 emoji (42 units)", grin(21), "ucs2", 42, 2, false],
    ["a surrogate pair is never split: 20 emoji a page", grin(300), "ucs2", 600, 15, false],
    ["301 emoji (602 units) need 16 pages", grin(301), "ucs2", 602, 16, true],
    ["GSM text with an emoji is UCS-2", `Storm ${grin(1)}`, "ucs2", 8, 1, false],
  ];
  it.each(table)("%s", (_case, text, encoding, units, pages, tooLong) => {
    const perPage = encoding === "gsm7" ? GSM7_PER_PAGE : UCS2_PER_PAGE;
    expect(cbsTextSize(text)).toEqual({ encoding, units, pages, perPage, tooLong });
  });

  it("uses 93 and 41 units a page, 15 pages at most", () => {
    expect([GSM7_PER_PAGE, UCS2_PER_PAGE, CBS_MAX_PAGES]).toEqual([93, 41, 15]);
  });
});

describe("the form's live counter", () => {
  // [text, counter text]
  const table: [string, string][] = [
    ["", "0 / 93 characters, 1 page"],
    [a(93), "93 / 93 characters, 1 page"],
    [a(123), "123 / 186 characters, 2 pages"],
    [`${a(92)}€`, "94 / 186 characters, 2 pages"],
    [zhe(42), "42 / 82 characters (UCS-2), 2 pages"],
    [a(1396), "1396 / 1395 characters, 16 pages — too long, at most 15 pages"],
  ];
  it.each(table)("%#: %s", (text, expected) => {
    expect(cbsCounterText(text)).toBe(expected);
  });

  it("gives the numbers for a view to format", () => {
    expect(cbsCounter(a(123))).toEqual({ encoding: "gsm7", used: 123, capacity: 186, pages: 2, max: 1395, tooLong: false });
    expect(cbsCounter(zhe(616))).toEqual({ encoding: "ucs2", used: 616, capacity: 615, pages: 16, max: 615, tooLong: true });
  });
});
