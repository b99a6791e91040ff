import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import { toTransactionView } from "../../domain/billing/transactions";
import { toCsv } from "../../lib/csv";
import { decodeCursor, encodeCursor, type Page } from "../../lib/cursor";
import type { Db } from "../client";
import { transactions } from "../schema";

export type TransactionView = ReturnType<typeof toTransactionView>;

export async function listTransactions(
  db: Db,
  f: { customerId?: string; serviceId?: string; kind?: "charge" | "credit"; limit: number; cursor?: string },
): Promise<Page<TransactionView>> {
  const where: (SQL | undefined)[] = [];
  if (f.customerId) where.push(eq(transactions.customerId, f.customerId));
  if (f.serviceId) where.push(eq(transactions.serviceId, f.serviceId));
  if (f.kind) where.push(eq(transactions.kind, f.kind));
  if (f.cursor) where.push(lt(transactions.id, String(decodeCursor(f.cursor, 1)[0])));
  const rows = await db
    .select()
    .from(transactions)
    .where(and(...where))
    .orderBy(desc(transactions.id))
    .limit(f.limit + 1);
  const page = rows.slice(0, f.limit);
  const last = page.at(-1);
  return { data: page.map(toTransactionView), next_cursor: rows.length > f.limit && last ? encodeCursor([last.id]) : null };
}

export async function getTransaction(db: Db, id: string): Promise<TransactionView | null> {
  const row = await db.select().from(transactions).where(eq(transactions.id, id)).get();
  return row ? toTransactionView(row) : null;
}

export type TransactionTotals = { currency: string; total: number; uninvoiced: number; this_month: number; last_month: number };

/**
 * Totals of the transactions a filter selects, per currency, tax included, credits negative: all of
 * them, those not yet on an issued invoice, and those dated this month and last month (UTC).
 */
export async function transactionTotals(db: Db, f: { customerId?: string; serviceId?: string }, now = new Date()): Promise<TransactionTotals[]> {
  const thisMonth = `${now.toISOString().slice(0, 7)}-01`;
  const lastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)).toISOString().slice(0, 10);
  const signed = "CASE kind WHEN 'credit' THEN -(amount + tax_amount) ELSE amount + tax_amount END";
  const { results } = await db.$client
    .prepare(
      `SELECT currency, sum(${signed}) AS total,
              sum(CASE WHEN invoice_id IS NULL THEN ${signed} ELSE 0 END) AS uninvoiced,
              sum(CASE WHEN date >= ?3 THEN ${signed} ELSE 0 END) AS this_month,
              sum(CASE WHEN date >= ?4 AND date < ?3 THEN ${signed} ELSE 0 END) AS last_month
       FROM transactions WHERE (?1 IS NULL OR customer_id = ?1) AND (?2 IS NULL OR service_id = ?2)
       GROUP BY currency ORDER BY currency`,
    )
    .bind(f.customerId ?? null, f.serviceId ?? null, thisMonth, lastMonth)
    .all<TransactionTotals>();
  return results;
}

/** Every transaction a filter selects as CSV (newest first, at most `max` rows), for export. */
export async function transactionsCsv(db: Db, f: { customerId?: string; serviceId?: string; kind?: "charge" | "credit" }, max = 100_000): Promise<string> {
  const { results } = await db.$client
    .prepare(
      `SELECT id, date, customer_id, service_id, kind, description, amount, tax_amount, tax_rate_bp, currency, invoice_id, reverses_id, created_at
       FROM transactions WHERE (?1 IS NULL OR customer_id = ?1) AND (?2 IS NULL OR service_id = ?2) AND (?3 IS NULL OR kind = ?3)
       ORDER BY id DESC LIMIT ?4`,
    )
    .bind(f.customerId ?? null, f.serviceId ?? null, f.kind ?? null, max)
    .all<Record<string, string | number | null>>();
  const columns = [
    "id",
    "date",
    "customer_id",
    "service_id",
    "kind",
    "description",
    "amount",
    "tax_amount",
    "tax_rate_bp",
    "currency",
    "invoice_id",
    "reverses_id",
    "created_at",
  ];
  return toCsv([columns, ...results.map((r) => columns.map((c) => r[c] ?? null))]);
}
