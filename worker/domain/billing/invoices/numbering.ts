/**
 * Gap-free invoice numbers: `<series>-<year>-<sequence>` (`INV-2026-00042`, `CN-2026-00003`), one
 * sequence per series and year. A number is taken in the same D1 transaction as the change that
 * issues the document, and only if that change happens (the increment is conditional on it), so a
 * refused or concurrent issue never burns a number and two documents never share one.
 */
export const INVOICE_SERIES = "INV";
export const CREDIT_NOTE_SERIES = "CN";

/** Digits of the sequence part (more than 99,999 documents a year still sort, just wider). */
const WIDTH = 5;

/**
 * Statements (in order, inside one batch) that give `documentId` the next number of `series` for
 * `year` when `condition` (SQL over the document, with `?1` = its id) holds, and set it `issued`.
 */
export function numberingStatements(
  d1: D1Database,
  p: { documentId: string; series: string; year: number; condition: string; set: string; params: unknown[] },
) {
  return [
    d1.prepare("INSERT INTO invoice_sequences (series, year, last) VALUES (?1, ?2, 0) ON CONFLICT DO NOTHING").bind(p.series, p.year),
    d1
      .prepare(
        `UPDATE invoice_sequences SET last = last + 1 WHERE series = ?2 AND year = ?3 AND EXISTS (SELECT 1 FROM invoices WHERE id = ?1 AND ${p.condition})`,
      )
      .bind(p.documentId, p.series, p.year),
    d1
      .prepare(
        `UPDATE invoices SET number = ?2 || '-' || printf('%d', ?3) || '-' || printf('%0${WIDTH}d', (SELECT last FROM invoice_sequences WHERE series = ?2 AND year = ?3)), ${p.set}
         WHERE id = ?1 AND ${p.condition}`,
      )
      .bind(p.documentId, p.series, p.year, ...p.params),
  ];
}
