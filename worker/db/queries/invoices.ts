import { and, asc, desc, eq, lt, type SQL, sql } from "drizzle-orm";
import type { InvoiceStatus, InvoiceView } from "../../domain/billing/invoices/schemas";
import { decodeCursor, encodeCursor, type Page } from "../../lib/cursor";
import { inList } from "../bulk";
import type { Db } from "../client";
import { invoiceLines, invoices, transactions } from "../schema";

type InvoiceRecord = typeof invoices.$inferSelect;
export type InvoiceSummary = Omit<InvoiceView, "lines" | "credit_notes">;

export function toInvoiceSummary(r: InvoiceRecord): InvoiceSummary {
  return {
    id: r.id,
    kind: r.kind,
    number: r.number,
    customer_id: r.customerId,
    status: r.status,
    period_start: r.periodStart,
    period_end: r.periodEnd,
    currency: r.currency,
    subtotal_amount: r.subtotalAmount,
    tax_amount: r.taxAmount,
    total_amount: r.totalAmount,
    amount_due: r.amountDue,
    due_date: r.dueDate,
    issued_at: r.issuedAt,
    voided_at: r.voidedAt,
    credits_invoice_id: r.creditsInvoiceId,
    reason: r.reason,
    created_at: r.createdAt,
  };
}

export type InvoiceFilters = {
  customerId?: string;
  /** Invoices a bill run made. */
  billRunId?: string;
  /** Invoices whose period starts in this month (YYYY-MM). */
  month?: string;
  status?: InvoiceStatus;
  kind?: "invoice" | "credit_note";
  /** Issued, money still due, due date passed (as of `today`, YYYY-MM-DD). */
  overdueOn?: string;
  limit: number;
  cursor?: string;
};

/** Invoices and credit notes, newest first. */
export async function listInvoices(db: Db, f: InvoiceFilters): Promise<Page<InvoiceSummary>> {
  const where: SQL[] = [];
  if (f.customerId) where.push(eq(invoices.customerId, f.customerId));
  if (f.status) where.push(eq(invoices.status, f.status));
  if (f.kind) where.push(eq(invoices.kind, f.kind));
  if (f.billRunId) where.push(eq(invoices.billRunId, f.billRunId));
  if (f.month) where.push(sql`${invoices.periodStart} LIKE ${`${f.month}-%`}`);
  if (f.overdueOn) where.push(sql`${invoices.status} = 'issued' AND ${invoices.amountDue} > 0 AND ${invoices.dueDate} < ${f.overdueOn}`);
  if (f.cursor) where.push(lt(invoices.id, String(decodeCursor(f.cursor, 1)[0])));
  const rows = await db
    .select()
    .from(invoices)
    .where(and(...where))
    .orderBy(desc(invoices.id))
    .limit(f.limit + 1);
  const page = rows.slice(0, f.limit);
  const last = page.at(-1);
  return { data: page.map(toInvoiceSummary), next_cursor: rows.length > f.limit && last ? encodeCursor([last.id]) : null };
}

export async function getInvoiceRow(db: Db, id: string): Promise<InvoiceRecord | undefined> {
  return db.select().from(invoices).where(eq(invoices.id, id)).get();
}

/** An invoice with its lines (live ones, or all of a voided draft) and the credit notes against it. */
export async function getInvoice(db: Db, id: string): Promise<InvoiceView | null> {
  const row = await getInvoiceRow(db, id);
  if (!row) return null;
  const [lines, credits] = await Promise.all([
    db.select().from(invoiceLines).where(eq(invoiceLines.invoiceId, id)).orderBy(asc(invoiceLines.position)),
    db
      .select({ id: invoices.id, number: invoices.number, total_amount: invoices.totalAmount })
      .from(invoices)
      .where(and(eq(invoices.creditsInvoiceId, id), eq(invoices.kind, "credit_note")))
      .orderBy(asc(invoices.id)),
  ]);
  return {
    ...toInvoiceSummary(row),
    lines: lines.map((l) => ({
      id: l.id,
      description: l.description,
      amount: l.amount,
      tax_amount: l.taxAmount,
      tax_rate_bp: l.taxRateBp,
      transaction_id: l.transactionId,
    })),
    credit_notes: credits,
  };
}

/** A customer's live (not void) invoice for exactly this period, if any. */
export async function liveInvoiceFor(db: Db, customerId: string, periodStart: string, periodEnd: string, currency: string) {
  return db
    .select({ id: invoices.id })
    .from(invoices)
    .where(
      and(
        eq(invoices.customerId, customerId),
        eq(invoices.kind, "invoice"),
        eq(invoices.periodStart, periodStart),
        eq(invoices.periodEnd, periodEnd),
        eq(invoices.currency, currency),
        sql`${invoices.status} != 'void' AND ${invoices.source} IS NULL`,
      ),
    )
    .get();
}

/** How many of a customer's transactions in the period no invoice holds yet. */
export async function countUninvoiced(db: Db, customerId: string, currency: string, periodStart: string, periodEnd: string): Promise<number> {
  const row = await db
    .select({ n: sql<number>`count(*)` })
    .from(transactions)
    .where(
      and(
        eq(transactions.customerId, customerId),
        eq(transactions.currency, currency),
        sql`${transactions.date} BETWEEN ${periodStart} AND ${periodEnd}`,
        sql`${transactions.invoiceId} IS NULL`,
        sql`NOT EXISTS (SELECT 1 FROM ${invoiceLines} WHERE ${invoiceLines.transactionId} = ${transactions.id} AND ${invoiceLines.active} = 1)`,
      ),
    )
    .get();
  return row?.n ?? 0;
}

/** Invoice numbers and statuses by id (for the transactions list). */
export async function invoiceNumbers(db: Db, ids: string[]): Promise<Map<string, string | null>> {
  if (ids.length === 0) return new Map();
  const rows = await db.select({ id: invoices.id, number: invoices.number }).from(invoices).where(inList(invoices.id, ids));
  return new Map(rows.map((r) => [r.id, r.number]));
}

/** What a customer owes on issued invoices (after credit notes and payments), per currency. */
export async function amountDue(db: Db, customerId: string): Promise<{ currency: string; amount: number; overdue: number }[]> {
  const today = new Date().toISOString().slice(0, 10);
  return db
    .select({
      currency: invoices.currency,
      amount: sql<number>`coalesce(sum(${invoices.amountDue}), 0)`,
      overdue: sql<number>`coalesce(sum(CASE WHEN ${invoices.dueDate} < ${today} THEN ${invoices.amountDue} ELSE 0 END), 0)`,
    })
    .from(invoices)
    .where(and(eq(invoices.customerId, customerId), eq(invoices.kind, "invoice"), eq(invoices.status, "issued")))
    .groupBy(invoices.currency);
}

/**
 * What a customer owes or will owe, in their currency (minor units): the amount due on issued
 * invoices plus every charge not yet invoiced, net of credits, tax included — what a credit limit
 * is measured against.
 */
export async function exposure(db: Db, customerId: string, currency: string): Promise<number> {
  const row = await db.$client
    .prepare(
      `SELECT
         (SELECT coalesce(sum(amount_due), 0) FROM invoices WHERE customer_id = ?1 AND currency = ?2 AND kind = 'invoice' AND status = 'issued')
       + (SELECT coalesce(sum(CASE kind WHEN 'credit' THEN -(amount + tax_amount) ELSE amount + tax_amount END), 0)
          FROM transactions WHERE customer_id = ?1 AND currency = ?2 AND invoice_id IS NULL) AS owed`,
    )
    .bind(customerId, currency)
    .first<{ owed: number }>();
  return row?.owed ?? 0;
}
