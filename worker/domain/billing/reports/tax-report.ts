/**
 * The tax report: for documents issued in a period, net, tax and gross per currency and rate.
 * Invoice lines count at their own rate. A credit note holds one line for its whole amount; its net
 * and tax are split over the rates of the invoice it credits, in proportion to that invoice's tax
 * and net per rate (half-even, the remainder to the largest share), so the report says how much of
 * each rate was given back.
 */
import type { Db } from "../../../db/client";
import { toCsv } from "../../../lib/csv";
import { Invalid } from "../../../lib/errors";
import { divideHalfEven } from "../../../lib/money";

export type TaxReportRow = {
  currency: string;
  rate_bp: number;
  names: string;
  net_amount: number;
  tax_amount: number;
  gross_amount: number;
  documents: number;
};
export type TaxReport = {
  period_start: string;
  period_end: string;
  rows: TaxReportRow[];
  totals: { currency: string; net_amount: number; tax_amount: number; gross_amount: number }[];
};

/** Splits `total` over `weights` in proportion, half-even, the remainder going to the largest weight. */
export function allocate(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0 || weights.length === 0) return weights.map((_, i) => (i === 0 ? total : 0));
  const parts = weights.map((w) => Number(divideHalfEven(BigInt(total) * BigInt(w), BigInt(sum))));
  const rest = total - parts.reduce((a, b) => a + b, 0);
  const largest = weights.indexOf(Math.max(...weights));
  parts[largest] = (parts[largest] ?? 0) + rest;
  return parts;
}

export function checkPeriod(start: string | undefined, end: string | undefined): { start: string; end: string } {
  const day = /^\d{4}-\d{2}-\d{2}$/;
  if (!start || !day.test(start) || Number.isNaN(Date.parse(start)))
    throw new Invalid("A period is needed.", [{ path: "period_start", message: "A date as YYYY-MM-DD" }]);
  if (!end || !day.test(end) || Number.isNaN(Date.parse(end)))
    throw new Invalid("A period is needed.", [{ path: "period_end", message: "A date as YYYY-MM-DD" }]);
  if (end < start) throw new Invalid("The period ends before it starts.", [{ path: "period_end", message: "Must not be before period_start" }]);
  return { start, end };
}

export async function taxReport(db: Db, period: { start: string; end: string }): Promise<TaxReport> {
  const d1 = db.$client;
  const from = `${period.start}T00:00:00.000Z`;
  const to = new Date(Date.parse(`${period.end}T00:00:00Z`) + 86_400_000).toISOString();
  const [lines, notes, names] = await Promise.all([
    d1
      .prepare(
        `SELECT i.currency, l.tax_rate_bp AS rate, sum(l.amount) AS net, sum(l.tax_amount) AS tax, count(DISTINCT i.id) AS docs
         FROM invoices i JOIN invoice_lines l ON l.invoice_id = i.id AND l.active = 1
         WHERE i.kind = 'invoice' AND i.status IN ('issued', 'paid') AND i.issued_at >= ?1 AND i.issued_at < ?2
         GROUP BY i.currency, l.tax_rate_bp`,
      )
      .bind(from, to)
      .all<{ currency: string; rate: number; net: number; tax: number; docs: number }>(),
    d1
      .prepare(
        `SELECT n.id, n.currency, n.subtotal_amount AS net, n.tax_amount AS tax,
                (SELECT json_group_array(json_object('rate', r.rate, 'net', r.net, 'tax', r.tax))
                 FROM (SELECT tax_rate_bp AS rate, sum(amount) AS net, sum(tax_amount) AS tax FROM invoice_lines
                       WHERE invoice_id = n.credits_invoice_id AND active = 1 GROUP BY tax_rate_bp ORDER BY tax_rate_bp) r) AS rates
         FROM invoices n WHERE n.kind = 'credit_note' AND n.status IN ('issued', 'paid') AND n.issued_at >= ?1 AND n.issued_at < ?2`,
      )
      .bind(from, to)
      .all<{ id: string; currency: string; net: number; tax: number; rates: string }>(),
    d1.prepare("SELECT rate_bp AS rate, group_concat(name, ', ') AS names FROM tax_rates GROUP BY rate_bp").all<{ rate: number; names: string }>(),
  ]);
  const byKey = new Map<string, TaxReportRow>();
  const nameOf = new Map(names.results.map((n) => [n.rate, n.names]));
  const row = (currency: string, rate: number) => {
    const key = `${currency}|${rate}`;
    let r = byKey.get(key);
    if (!r) {
      r = { currency, rate_bp: rate, names: nameOf.get(rate) ?? "", net_amount: 0, tax_amount: 0, gross_amount: 0, documents: 0 };
      byKey.set(key, r);
    }
    return r;
  };
  for (const l of lines.results) {
    const r = row(l.currency, l.rate);
    r.net_amount += l.net;
    r.tax_amount += l.tax;
    r.documents += l.docs;
  }
  for (const n of notes.results) {
    const rates = (JSON.parse(n.rates) as { rate: number; net: number; tax: number }[]).filter((r) => r.net > 0 || r.tax > 0);
    const split = rates.length ? rates : [{ rate: 0, net: 1, tax: 0 }];
    const nets = allocate(
      n.net,
      split.map((r) => Math.max(0, r.net)),
    );
    const taxes = allocate(
      n.tax,
      split.map((r) => Math.max(0, r.tax)),
    );
    split.forEach((s, i) => {
      const r = row(n.currency, s.rate);
      r.net_amount -= nets[i] ?? 0;
      r.tax_amount -= taxes[i] ?? 0;
      r.documents += 1;
    });
  }
  const rows = [...byKey.values()].map((r) => ({ ...r, gross_amount: r.net_amount + r.tax_amount }));
  rows.sort((a, b) => (a.currency === b.currency ? a.rate_bp - b.rate_bp : a.currency.localeCompare(b.currency)));
  const totals = new Map<string, { currency: string; net_amount: number; tax_amount: number; gross_amount: number }>();
  for (const r of rows) {
    const t = totals.get(r.currency) ?? { currency: r.currency, net_amount: 0, tax_amount: 0, gross_amount: 0 };
    t.net_amount += r.net_amount;
    t.tax_amount += r.tax_amount;
    t.gross_amount += r.gross_amount;
    totals.set(r.currency, t);
  }
  return { period_start: period.start, period_end: period.end, rows, totals: [...totals.values()] };
}

/** The report as CSV (minor units, one row per currency and rate). */
export function taxReportCsv(report: TaxReport): string {
  return toCsv([
    ["period_start", "period_end", "currency", "rate_bp", "names", "net_amount", "tax_amount", "gross_amount", "documents"],
    ...report.rows.map((r) => [
      report.period_start,
      report.period_end,
      r.currency,
      r.rate_bp,
      r.names,
      r.net_amount,
      r.tax_amount,
      r.gross_amount,
      r.documents,
    ]),
  ]);
}
