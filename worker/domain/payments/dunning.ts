/**
 * Dunning: a failed payment of an invoice starts a schedule from the operator's settings — the
 * default card is charged again `dunning_retry_days` after the first failure (each failure emails
 * the customer), and `dunning_suspend_after_days` after it the customer's active services are
 * suspended through provisioning jobs. Paid → the schedule ends; the services it suspended (only
 * those) are resumed. The minute cron runs `runDunning`; every step is guarded so two crons never
 * take the same step twice.
 */
import { prepared } from "../../db/client";
import { getSettings } from "../../db/queries/settings";
import type { dunning, payments } from "../../db/schema";
import { formatMoney } from "../../views/format";
import type { WriteContext } from "../context";
import { enqueueEmail } from "../email/outbox";
import { paymentEmail } from "../email/templates";
import { balanceRecipient } from "../services/support";
import type { SettingsData } from "../settings/schemas";

type PaymentRow = typeof payments.$inferSelect;

export type DunningRow = typeof dunning.$inferSelect;

const DAY = 86_400_000;
const plusDays = (iso: string, days: number) => new Date(Date.parse(iso) + days * DAY).toISOString();

/** When step `step` (0-based: retries first, then the suspension) of a schedule started at `start` is due; null: no more steps. */
export function stepDueAt(settings: Pick<SettingsData, "dunning_retry_days" | "dunning_suspend_after_days">, start: string, step: number): string | null {
  const retry = settings.dunning_retry_days[step];
  if (retry !== undefined) return plusDays(start, retry);
  if (step === settings.dunning_retry_days.length && settings.dunning_suspend_after_days !== null) return plusDays(start, settings.dunning_suspend_after_days);
  return null;
}

/** When the first step of a schedule starting now is due. */
export async function firstDunningStep(ctx: WriteContext): Promise<string | null> {
  return stepDueAt((await getSettings(ctx.db)).data, ctx.now, 0);
}

/** Statements (in the failed payment's batch) that start the invoice's schedule, or note the failure on the running one. */
export function dunningOnFailure(ctx: WriteContext, row: PaymentRow, nextAt: string | null): D1PreparedStatement[] {
  if (row.purpose !== "invoice" || !row.invoiceId) return [];
  return [
    ctx.db.$client
      .prepare(
        `INSERT INTO dunning (invoice_id, customer_id, status, step, next_at, last_payment_id, created_at, updated_at)
         VALUES (?1, ?2, 'active', 0, ?3, ?4, ?5, ?5)
         ON CONFLICT (invoice_id) DO UPDATE SET last_payment_id = excluded.last_payment_id, updated_at = excluded.updated_at`,
      )
      .bind(row.invoiceId, row.customerId, nextAt, row.id, ctx.now),
  ];
}

/** Statements (in the succeeded payment's batch) that end an active schedule once its invoice is paid. */
export function dunningOnSuccess(ctx: WriteContext, paymentId: string): D1PreparedStatement[] {
  return [
    ctx.db.$client
      .prepare(
        `UPDATE dunning SET status = 'resolved', resolved_at = ?2, next_at = NULL, updated_at = ?2
         WHERE invoice_id = (SELECT invoice_id FROM payments WHERE id = ?1 AND purpose = 'invoice') AND status = 'active'
           AND (SELECT status FROM invoices WHERE id = dunning.invoice_id) = 'paid'`,
      )
      .bind(paymentId, ctx.now),
  ];
}

/** The email of a dunning step to the customer's billing contact (none when no contact has an email). */
export async function stepEmail(
  ctx: WriteContext,
  settings: SettingsData,
  invoice: { id: string; number: string | null; customer_id: string; amount_due: number; currency: string },
  kind: "payment_failed" | "services_suspended" | "services_resumed",
  nextDate: string | null = null,
): Promise<D1PreparedStatement[]> {
  const contact = await balanceRecipient(ctx, { customer_id: invoice.customer_id, contact_id: null });
  if (!contact?.email) return [];
  const customer = await ctx.db.$client.prepare("SELECT locale FROM customers WHERE id = ?1").bind(invoice.customer_id).first<{ locale: string }>();
  const locale = customer?.locale ?? settings.default_locale;
  const email = paymentEmail(settings, {
    kind,
    name: [contact.firstName, contact.lastName].filter(Boolean).join(" "),
    locale,
    subject: invoice.number ?? invoice.id,
    amount: formatMoney(invoice.amount_due, invoice.currency, locale),
    nextDate,
  });
  return [prepared(ctx.db.$client, enqueueEmail(ctx.db, ctx.now, { email: contact.email, name: contact.firstName }, email))];
}

/** The "payment failed" email of an invoice payment (each failure sends one, with the next attempt's date). */
export async function paymentFailedEmail(ctx: WriteContext, row: PaymentRow, nextAt: string | null): Promise<D1PreparedStatement[]> {
  if (row.purpose !== "invoice" || !row.invoiceId) return [];
  const invoice = await invoiceFacts(ctx, row.invoiceId);
  if (!invoice) return [];
  const running = await ctx.db.$client
    .prepare("SELECT next_at FROM dunning WHERE invoice_id = ?1 AND status = 'active'")
    .bind(row.invoiceId)
    .first<{ next_at: string | null }>();
  return stepEmail(ctx, (await getSettings(ctx.db)).data, invoice, "payment_failed", running ? running.next_at : nextAt);
}

export async function invoiceFacts(ctx: WriteContext, id: string) {
  return ctx.db.$client
    .prepare("SELECT id, number, customer_id, amount_due, currency, status FROM invoices WHERE id = ?1")
    .bind(id)
    .first<{ id: string; number: string | null; customer_id: string; amount_due: number; currency: string; status: string }>();
}

export function fromSql(r: Record<string, unknown>): DunningRow {
  return {
    invoiceId: String(r.invoice_id),
    customerId: String(r.customer_id),
    status: r.status as DunningRow["status"],
    step: Number(r.step),
    nextAt: (r.next_at as string | null) ?? null,
    lastPaymentId: (r.last_payment_id as string | null) ?? null,
    suspendedAt: (r.suspended_at as string | null) ?? null,
    suspendedServices: r.suspended_services ? (JSON.parse(String(r.suspended_services)) as string[]) : null,
    resolvedAt: (r.resolved_at as string | null) ?? null,
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
  };
}

/** An invoice's dunning schedule, for the invoice and customer pages and the API. */
export async function dunningOf(ctx: Pick<WriteContext, "db">, invoiceId: string): Promise<DunningRow | null> {
  const raw = await ctx.db.$client.prepare("SELECT * FROM dunning WHERE invoice_id = ?1").bind(invoiceId).first<Record<string, unknown>>();
  return raw ? fromSql(raw) : null;
}

export async function customerDunning(ctx: Pick<WriteContext, "db">, customerId: string): Promise<DunningRow[]> {
  const { results } = await ctx.db.$client
    .prepare("SELECT * FROM dunning WHERE customer_id = ?1 AND status != 'resolved' ORDER BY created_at DESC")
    .bind(customerId)
    .all<Record<string, unknown>>();
  return results.map(fromSql);
}
