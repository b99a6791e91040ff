/**
 * Cell broadcast text encoding (3GPP TS 23.038 and TS 23.041 §9.4.1.2): whether a text fits the GSM
 * 7-bit default alphabet or needs UCS-2, how many units it takes and how many 82-octet pages.
 *
 * A page holds 93 GSM 7-bit septets or 41 UCS-2 characters (UTF-16 code units); a message has at most
 * 15 pages. A character of the GSM extension table is sent as ESC + code, so it takes two septets; a
 * character outside the Basic Multilingual Plane (an emoji) takes two UTF-16 code units.
 *
 * Pages are filled greedily and a two-unit character is never split across two pages: handsets decode
 * each page on its own, so half an escape sequence or half a surrogate pair would show as garbage.
 * This only matters when such a character would straddle a page boundary (92 basic characters, then
 * "€", then 92 more take 3 pages, not 2).
 */

/**
 * The GSM 7-bit default alphabet in code order (0x00–0x7F). Code 0x1B is the escape to the extension
 * table, not a character: it is held here as U+001B and left out of {@link GSM7_BASIC}.
 */
const GSM7_BASIC_TABLE =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/** The characters of the GSM 7-bit default alphabet's basic set (127: every code but the escape 0x1B). Each takes one septet. */
export const GSM7_BASIC: ReadonlySet<string> = new Set([...GSM7_BASIC_TABLE].filter((c) => c !== "\u001b"));

/** The characters of the GSM 7-bit default alphabet's extension table: form feed and `^ { } \ [ ~ ] | €`. Each takes two septets (ESC + code). */
export const GSM7_EXTENSION: ReadonlySet<string> = new Set(["\f", "^", "{", "}", "\\", "[", "~", "]", "|", "€"]);

/** Octets in one cell broadcast page. */
export const CBS_PAGE_OCTETS = 82;
/** Most pages one cell broadcast message may have. */
export const CBS_MAX_PAGES = 15;
/** GSM 7-bit septets in one page (⌊82 × 8 / 7⌋). */
export const GSM7_PER_PAGE = 93;
/** UCS-2 characters (UTF-16 code units) in one page (⌊82 / 2⌋). */
export const UCS2_PER_PAGE = 41;

export type CbsEncoding = "gsm7" | "ucs2";

export interface CbsTextSize {
  /** GSM 7-bit when every character is in the default alphabet (basic set or extension table), else UCS-2. */
  encoding: CbsEncoding;
  /** Septets (gsm7) or UTF-16 code units (ucs2) the text takes. */
  units: number;
  /** Pages needed (at least 1, even for an empty text). May exceed 15: then `tooLong`. */
  pages: number;
  /** Units in one page: 93 (gsm7) or 41 (ucs2). */
  perPage: number;
  /** More than 15 pages. */
  tooLong: boolean;
}

/** Whether every character of `text` is in the GSM 7-bit default alphabet (basic set or extension table). */
export function isGsm7(text: string): boolean {
  for (const ch of text) if (!GSM7_BASIC.has(ch) && !GSM7_EXTENSION.has(ch)) return false;
  return true;
}

/** The encoding a cell broadcast text needs: GSM 7-bit when it can, UCS-2 otherwise. */
export function chooseEncoding(text: string): CbsEncoding {
  return isGsm7(text) ? "gsm7" : "ucs2";
}

/** Units each character takes in the given encoding, in order (1 or 2). */
function unitWidths(text: string, encoding: CbsEncoding): number[] {
  // Iterating a string yields code points, so a surrogate pair is one item of length 2.
  return [...text].map((ch) => (encoding === "gsm7" ? (GSM7_EXTENSION.has(ch) ? 2 : 1) : ch.length));
}

/** Pages needed for characters of the given widths, filling each page greedily without splitting a character. */
function countPages(widths: readonly number[], perPage: number): number {
  let pages = 1;
  let used = 0;
  for (const w of widths) {
    if (used + w > perPage) {
      pages++;
      used = 0;
    }
    used += w;
  }
  return pages;
}

/**
 * The encoding, size and page count of a cell broadcast text.
 * @example cbsTextSize("Flood warning") // { encoding: "gsm7", units: 13, pages: 1, perPage: 93, tooLong: false }
 */
export function cbsTextSize(text: string): CbsTextSize {
  const encoding = chooseEncoding(text);
  const widths = unitWidths(text, encoding);
  const units = widths.reduce((sum, w) => sum + w, 0);
  const perPage = encoding === "gsm7" ? GSM7_PER_PAGE : UCS2_PER_PAGE;
  const pages = countPages(widths, perPage);
  return { encoding, units, pages, perPage, tooLong: pages > CBS_MAX_PAGES };
}

export interface CbsCounter {
  encoding: CbsEncoding;
  /** Units typed so far. */
  used: number;
  /** Units the pages in use hold (pages × per page), capped at the 15-page maximum. */
  capacity: number;
  /** Pages in use. */
  pages: number;
  /** Most units the message may have in this encoding (15 pages). */
  max: number;
  tooLong: boolean;
}

/** The numbers of a form's live counter for a cell broadcast text ("123 / 186 characters, 2 pages"). */
export function cbsCounter(text: string): CbsCounter {
  const size = cbsTextSize(text);
  const max = size.perPage * CBS_MAX_PAGES;
  return { encoding: size.encoding, used: size.units, capacity: Math.min(size.pages * size.perPage, max), pages: size.pages, max, tooLong: size.tooLong };
}

/** The counter in English, e.g. "123 / 186 characters, 2 pages" (a UCS-2 text says so; views with i18n format {@link cbsCounter} themselves). */
export function cbsCounterText(text: string): string {
  const c = cbsCounter(text);
  const pages = `${c.pages} ${c.pages === 1 ? "page" : "pages"}`;
  const ucs2 = c.encoding === "ucs2" ? " (UCS-2)" : "";
  const over = c.tooLong ? ` — too long, at most ${CBS_MAX_PAGES} pages` : "";
  return `${c.used} / ${c.capacity} characters${ucs2}, ${pages}${over}`;
}
