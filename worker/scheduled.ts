import { createDb } from "./db/client";
import { getSettings } from "./db/queries/settings";
import { queueMonthlyBillRun } from "./domain/billing/bill-runs/run";
import { expireBroadcasts } from "./domain/broadcasts/expiry";
import { sendDueEmails } from "./domain/email/outbox";
import { sweepInventory } from "./domain/inventory/allocation";
import { endDueQuarantines } from "./domain/inventory/quarantine";
import { sweepJobs } from "./domain/jobs/runner";
import { queueDueSyncs, queueNightlyReconciliation } from "./domain/jobs/sync";
import { runDunning } from "./domain/payments/dunning-run";
import { autoPay, remindExpiringCards, settlePayments } from "./domain/payments/janitor";
import { sendDueSms } from "./domain/sms/outbox";
import { dispatchEvents, sendDueDeliveries } from "./domain/webhooks/webhooks";
import { serviceDeps } from "./durable/service-client";
import { emailBilledInvoices } from "./integrations/invoice-files";
import { mailjetMailer } from "./integrations/mailjet";
import { paymentDeps } from "./integrations/payments";
import { httpSmsSender, smsFrom } from "./integrations/sms";
import { purgeIdempotencyKeys } from "./middleware/idempotency";

/** What one task of the minute cron did: its outcome, in the logs and for tests. */
export type ScheduledOutcome = { task: string; ok: boolean; ms: number; result?: unknown; error?: string };

/**
 * The minute cron's tasks. Each runs on its own: one that fails is logged and the others still run
 * (and the next minute tries again); every outcome is logged as one JSON line.
 */
export function scheduledTasks(env: Env, now: string): Record<string, () => Promise<unknown>> {
  const db = createDb(env.DB);
  const deps = serviceDeps(env, env.PUBLIC_URL || "");
  const payments = paymentDeps(env, env.PUBLIC_URL || "");
  const system = { actor: { type: "system" as const, id: null, label: "scheduler" }, requestId: null, now };
  return {
    purge_idempotency_keys: () => purgeIdempotencyKeys(db),
    sweep_inventory: () => sweepInventory(db, now),
    end_number_quarantines: () => endDueQuarantines({ ...system, db, actor: { type: "system", id: null, label: "number quarantine" } }),
    sweep_jobs: () => sweepJobs(db, deps, system),
    queue_usage_syncs: () => queueDueSyncs(db, deps, now),
    queue_nightly_reconciliation: () => queueNightlyReconciliation(db, deps, now),
    // On the 1st (UTC): the month's bill run, once (a unique index), whichever minute fires first.
    monthly_bill_run: () => queueMonthlyBillRun({ ...system, db, actor: { type: "system", id: null, label: "monthly bill run" } }, deps.enqueue),
    // Invoices of bill runs that email them: rendered and queued a few a minute (sent by the next task).
    email_billed_invoices: async () => emailBilledInvoices({ ...system, db }, env.INVOICE_FILES, (await getSettings(db)).data),
    // Payments: pending outcomes asked of Stripe, paid top-ups credited (or refunded) and receipted.
    settle_payments: () => settlePayments({ ...system, db }, payments),
    auto_pay: () => autoPay({ ...system, db, actor: { type: "system", id: null, label: "auto-pay" } }, payments),
    dunning: () => runDunning({ ...system, db, actor: { type: "system", id: null, label: "dunning" } }, payments),
    card_expiry_reminders: () => remindExpiringCards({ ...system, db }),
    // Outbound webhooks: new events get their deliveries, due deliveries are sent (with backoff).
    dispatch_webhooks: () => dispatchEvents({ ...system, db }),
    deliver_webhooks: () => sendDueDeliveries({ ...system, db }, env.ENCRYPTION_KEY),
    // Cell broadcast: alerts past their expiry are expired (and stopped at the CBC), finite ones completed.
    expire_broadcasts: () => expireBroadcasts({ ...system, db, actor: { type: "system", id: null, label: "broadcast expiry" } }, deps.enqueue),
    send_emails: async () => sendDueEmails(db, mailjetMailer(env, (await getSettings(db)).data.operator_name)),
    send_sms: async () => sendDueSms(db, httpSmsSender(env, smsFrom((await getSettings(db)).data.operator_name))),
  };
}

/** Runs every task, one after another (they share one D1), and logs each outcome. */
export async function runScheduled(
  env: Env,
  now: string = new Date().toISOString(),
  tasks: Record<string, () => Promise<unknown>> = scheduledTasks(env, now),
): Promise<ScheduledOutcome[]> {
  const outcomes: ScheduledOutcome[] = [];
  for (const [task, run] of Object.entries(tasks)) {
    const started = Date.now();
    try {
      const result = await run();
      outcomes.push({ task, ok: true, ms: Date.now() - started, result: result ?? null });
    } catch (error) {
      outcomes.push({ task, ok: false, ms: Date.now() - started, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    }
    const outcome = outcomes.at(-1);
    console.log(JSON.stringify({ level: outcome?.ok ? "info" : "error", msg: "scheduled task", at: now, ...outcome }));
  }
  return outcomes;
}
