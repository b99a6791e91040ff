/**
 * Dunning: a failed payment of an invoice starts a schedule from the operator's settings — the
 * default card is charged again `dunning_retry_days` after the first failure (each failure emails
 * the customer), and `dunning_suspend_after_days` after it the customer's active services are
 * suspended through provisioning jobs. Paid → the schedule ends; the services it suspended (only
 * those) are resumed. The minute cron runs `runDunning`; every step is guarded so two crons never
 * take the same step twice.
 */
import { prepared } from "../../db/client";
import { abortUnlessChanged, isGuardAbort } from "../../db/guard";
import { getSettings } from "../../db/queries/settings";
import type { dunning } from "../../db/schema";
import { AppError, Conflict } from "../../lib/errors";
import { formatMoney } from "../../views/format";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";
import { enqueueEmail } from "../email/outbox";
import { paymentEmail } from "../email/templates";
import { changeServiceStatus } from "../services/change-status";
import { balanceRecipient } from "../services/support";
import type { SettingsData } from "../settings/schemas";
import { type PaymentDeps, type PaymentRow, payInvoice } from "./payments";

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
async function stepEmail(
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

async function invoiceFacts(ctx: WriteContext, id: string) {
  return ctx.db.$client
    .prepare("SELECT id, number, customer_id, amount_due, currency, status FROM invoices WHERE id = ?1")
    .bind(id)
    .first<{ id: string; number: string | null; customer_id: string; amount_due: number; currency: string; status: string }>();
}

function dunningActivity(ctx: WriteContext, row: DunningRow, action: string, after: Record<string, unknown>) {
  return prepared(ctx.db.$client, recordActivity(ctx, { entity: "invoice", entityId: row.invoiceId, customerId: row.customerId, action, after }));
}

/**
 * One pass of the schedules: due retries charge the default card again, due final steps suspend the
 * customer's services, and suspended schedules whose invoice is now paid (or void) resume them.
 */
export async function runDunning(
  ctx: WriteContext,
  deps: PaymentDeps,
  limit = 20,
  /** Only this invoice's schedule (staff taking its next step now). */
  only: string | null = null,
): Promise<{ retried: number; suspended: number; resumed: number; resolved: number }> {
  const settings = (await getSettings(ctx.db)).data;
  const d1 = ctx.db.$client;
  const result = { retried: 0, suspended: 0, resumed: 0, resolved: 0 };
  const { results: due } = await d1
    .prepare(
      "SELECT * FROM dunning WHERE status = 'active' AND next_at IS NOT NULL AND next_at <= ?1 AND (?3 IS NULL OR invoice_id = ?3) ORDER BY next_at LIMIT ?2",
    )
    .bind(ctx.now, limit, only)
    .all<Record<string, unknown>>();
  for (const raw of due) {
    const row = fromSql(raw);
    const invoice = await invoiceFacts(ctx, row.invoiceId);
    if (invoice?.status !== "issued") {
      await d1
        .prepare("UPDATE dunning SET status = 'resolved', resolved_at = ?2, next_at = NULL, updated_at = ?2 WHERE invoice_id = ?1 AND status = 'active'")
        .bind(row.invoiceId, ctx.now)
        .run();
      result.resolved++;
      continue;
    }
    const retry = row.step < settings.dunning_retry_days.length;
    // Take the step first (guarded on the step we read), so a concurrent pass never takes it twice.
    const next = retry ? stepDueAt(settings, row.createdAt, row.step + 1) : null;
    try {
      await d1.batch([
        d1
          .prepare(
            `UPDATE dunning SET step = step + 1, next_at = ?3, updated_at = ?4 ${retry ? "" : ", status = 'suspended', suspended_at = ?4"} WHERE invoice_id = ?1 AND step = ?2 AND status = 'active'`,
          )
          .bind(row.invoiceId, row.step, next, ctx.now),
        abortUnlessChanged(d1),
        dunningActivity(ctx, row, retry ? "invoice.dunning_retry" : "invoice.dunning_suspend", { step: row.step + 1, next_at: next }),
      ]);
    } catch (error) {
      if (isGuardAbort(error)) continue;
      throw error;
    }
    if (retry) {
      result.retried++;
      try {
        await payInvoice(ctx, deps, { invoice_id: row.invoiceId }, { scope: null, canRecordManual: false, origin: "dunning" });
      } catch (error) {
        // A decline is recorded (and emailed) by the payment itself; no card or no Stripe waits for the next step.
        if (!(error instanceof AppError)) throw error;
      }
      continue;
    }
    const { results: active } = await d1
      .prepare("SELECT id FROM services WHERE customer_id = ?1 AND status = 'active' ORDER BY id")
      .bind(row.customerId)
      .all<{ id: string }>();
    const suspended: string[] = [];
    for (const s of active) {
      try {
        await changeServiceStatus(ctx, deps.services, s.id, "suspend", `dunning:${row.invoiceId}`);
        suspended.push(s.id);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
      }
    }
    await d1.batch([
      d1.prepare("UPDATE dunning SET suspended_services = ?2 WHERE invoice_id = ?1").bind(row.invoiceId, JSON.stringify(suspended)),
      ...(await stepEmail(ctx, settings, invoice, "services_suspended")),
    ]);
    result.suspended++;
  }
  const { results: paid } = await d1
    .prepare(
      `SELECT d.* FROM dunning d JOIN invoices i ON i.id = d.invoice_id
       WHERE d.status = 'suspended' AND i.status IN ('paid', 'void') AND (?2 IS NULL OR d.invoice_id = ?2) ORDER BY d.updated_at LIMIT ?1`,
    )
    .bind(limit, only)
    .all<Record<string, unknown>>();
  for (const raw of paid) {
    const row = fromSql(raw);
    try {
      await d1.batch([
        d1
          .prepare("UPDATE dunning SET status = 'resolved', resolved_at = ?2, updated_at = ?2 WHERE invoice_id = ?1 AND status = 'suspended'")
          .bind(row.invoiceId, ctx.now),
        abortUnlessChanged(d1),
        dunningActivity(ctx, row, "invoice.dunning_resolved", { resumed: row.suspendedServices ?? [] }),
      ]);
    } catch (error) {
      if (isGuardAbort(error)) continue;
      throw error;
    }
    for (const id of row.suspendedServices ?? []) {
      const s = await d1.prepare("SELECT status FROM services WHERE id = ?1").bind(id).first<{ status: string }>();
      if (s?.status !== "suspended") continue;
      try {
        await changeServiceStatus(ctx, deps.services, id, "resume", `dunning:${row.invoiceId}`);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
      }
    }
    const invoice = await invoiceFacts(ctx, row.invoiceId);
    if (invoice?.status === "paid") await d1.batch(await stepEmail(ctx, settings, invoice, "services_resumed"));
    result.resumed++;
  }
  return result;
}

function fromSql(r: Record<string, unknown>): DunningRow {
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

/** Takes an invoice's next dunning step now (a retry, or the suspension), instead of on its day. */
export async function dunningStepNow(ctx: WriteContext, deps: PaymentDeps, invoiceId: string) {
  const changed = await ctx.db.$client
    .prepare("UPDATE dunning SET next_at = ?2, updated_at = ?2 WHERE invoice_id = ?1 AND status = 'active' AND next_at IS NOT NULL")
    .bind(invoiceId, ctx.now)
    .run();
  if (!changed.meta.changes) throw new Conflict("This invoice has no dunning step to take.");
  return runDunning(ctx, deps, 1, invoiceId);
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
