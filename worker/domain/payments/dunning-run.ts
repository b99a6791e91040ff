/**
 * Running dunning schedules (the minute cron, or staff taking a step now): retries charge the default
 * card, the final step suspends the customer's services, and a paid invoice's suspended services are
 * resumed. The schedule itself (what starts and ends it) is in dunning.ts.
 */
import { prepared } from "../../db/client";
import { abortUnlessChanged, isGuardAbort } from "../../db/guard";
import { getSettings } from "../../db/queries/settings";
import { AppError, Conflict } from "../../lib/errors";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";
import { changeServiceStatus } from "../services/change-status";
import { type DunningRow, fromSql, invoiceFacts, stepDueAt, stepEmail } from "./dunning";
import { type PaymentDeps, payInvoice } from "./payments";

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

/** Takes an invoice's next dunning step now (a retry, or the suspension), instead of on its day. */
export async function dunningStepNow(ctx: WriteContext, deps: PaymentDeps, invoiceId: string) {
  const changed = await ctx.db.$client
    .prepare("UPDATE dunning SET next_at = ?2, updated_at = ?2 WHERE invoice_id = ?1 AND status = 'active' AND next_at IS NOT NULL")
    .bind(invoiceId, ctx.now)
    .run();
  if (!changed.meta.changes) throw new Conflict("This invoice has no dunning step to take.");
  return runDunning(ctx, deps, 1, invoiceId);
}
