/**
 * RFC 4180 CSV for bulk inventory import/export (SIM cards, devices, IP blocks). The parser is a
 * single pass over the text with charCodeAt/indexOf and slices, so 100,000-line files parse in a
 * few hundred milliseconds inside a Worker; the writer guards against spreadsheet formula
 * injection because exported files are opened in Excel/LibreOffice by back-office staff.
 */

const QUOTE = 0x22; // "
const COMMA = 0x2c; // ,
const LF = 0x0a;
const CR = 0x0d;
const BOM = 0xfeff;

/**
 * A malformed CSV file. `line` is the 1-based physical line of the file (every line break counts,
 * including those inside quoted fields) where the problem starts, so users can find it in an
 * editor; `record` is the 1-based number of the record (row) being read.
 */
export class CsvError extends Error {
  override readonly name = "CsvError";
  constructor(
    readonly line: number,
    readonly record: number,
    message: string,
  ) {
    super(`CSV line ${line}: ${message}`);
  }
}

/** Number of LF characters in text[from, to). */
function countLf(text: string, from: number, to: number): number {
  let count = 0;
  let at = text.indexOf("\n", from);
  while (at !== -1 && at < to) {
    count++;
    at = text.indexOf("\n", at + 1);
  }
  return count;
}

/** Position of `search` in text at or after `from`, or `n` (the text length) when absent. */
function indexOr(text: string, search: string, from: number, n: number): number {
  const at = text.indexOf(search, from);
  return at === -1 ? n : at;
}

/**
 * Parses CSV text into records of string fields. Comma separator; fields may be quoted with `"`
 * (`""` inside quotes is a literal quote, quoted fields may span commas and CR/LF). Records end
 * with LF or CRLF; a final line break does not add an empty record; a leading UTF-8 BOM is
 * dropped. Unquoted fields are taken verbatim (a stray `"` or lone CR inside them is data).
 * Throws {@link CsvError} for a quote that never closes or text between a closing quote and the
 * next separator.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === BOM ? 1 : 0;
  if (i >= n) return rows;
  let line = 1;
  let row: string[] = [];
  let nextComma = -1;
  let nextLf = -1;

  for (;;) {
    // Start of a field.
    if (i >= n) {
      // The text ended right after a comma: the last field is empty.
      row.push("");
      rows.push(row);
      return rows;
    }
    if (text.charCodeAt(i) === QUOTE) {
      const openLine = line;
      let value = "";
      let from = i + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q === -1) throw new CsvError(openLine, rows.length + 1, "quoted field is never closed (missing closing quote)");
        line += countLf(text, from, q);
        if (text.charCodeAt(q + 1) === QUOTE) {
          value += text.slice(from, q + 1);
          from = q + 2;
          continue;
        }
        value += text.slice(from, q);
        i = q + 1;
        break;
      }
      row.push(value);
      if (i >= n) {
        rows.push(row);
        return rows;
      }
      const c = text.charCodeAt(i);
      if (c === COMMA) {
        i++;
        continue;
      }
      if (c === LF || (c === CR && text.charCodeAt(i + 1) === LF)) {
        i += c === LF ? 1 : 2;
        rows.push(row);
        row = [];
        line++;
        if (i >= n) return rows;
        continue;
      }
      throw new CsvError(
        line,
        rows.length + 1,
        `unexpected character ${JSON.stringify(text[i] ?? "")} after a closing quote (expected a comma or a line break)`,
      );
    }

    // Unquoted field: runs to the next comma or LF. Both positions are found with indexOf and kept
    // until passed, so each character is scanned natively about twice in all.
    if (nextComma < i) nextComma = indexOr(text, ",", i, n);
    if (nextLf < i) nextLf = indexOr(text, "\n", i, n);
    const end = Math.min(nextComma, nextLf);
    if (end >= n) {
      row.push(text.slice(i, n));
      rows.push(row);
      return rows;
    }
    if (end === nextComma) {
      row.push(text.slice(i, end));
      i = end + 1;
      continue;
    }
    // LF: a CR just before it belongs to the line ending.
    row.push(text.slice(i, end > i && text.charCodeAt(end - 1) === CR ? end - 1 : end));
    rows.push(row);
    row = [];
    line++;
    i = end + 1;
    if (i >= n) return rows;
  }
}

/** A value `toCsv` can write; null and undefined become empty fields. */
export type CsvValue = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/;
const NEEDS_QUOTES = /[",\r\n]|^ | $/;

/** One field as CSV text: formula-injection guard first, then RFC 4180 quoting. */
function field(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  // A leading = + - @ tab or CR makes spreadsheets evaluate the cell; a leading apostrophe keeps it
  // text. Plain numbers (phone numbers like +336…, negative amounts) are left alone.
  if (typeof value === "string" && FORMULA_START.test(text) && !PLAIN_NUMBER.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Writes records as CSV text with CRLF line endings (every record, including the last, ends with
 * CRLF). Fields containing `,` `"` CR or LF, or starting/ending with a space, are quoted with
 * doubled inner quotes. String values that a spreadsheet would run as a formula (leading `=`, `+`,
 * `-`, `@`, tab or CR) get a leading `'` unless they are plain numbers such as `-12.5` or
 * `+33612345678`.
 */
export function toCsv(rows: readonly (readonly CsvValue[])[]): string {
  let out = "";
  for (const row of rows) {
    out += `${row.map(field).join(",")}\r\n`;
  }
  return out;
}
