/**
 * The payments janitor (minute cron): everything whose outcome was not learnt at once converges
 * here by asking Stripe — never by charging or refunding a second time.
 *  - a card payment still pending (timeout, crash between Stripe and D1): its PaymentIntent is found
 *    by id or by `metadata.payment_id` and applied; none after 10 minutes → Stripe never got it: failed;
 *  - a refund still pending: found among the PaymentIntent's refunds by `metadata.refund_id`, or sent
 *    again with its own Idempotency-Key;
 *  - a paid top-up not credited yet is credited; one whose provisioning failed is refunded; one that
 *    succeeded gets its receipt;
 *  - auto-pay: issued invoices of customers who opted in are paid with the default card, once.
 *  - cards expiring within 60 days: their owner is emailed once.
 */
import type Stripe from "stripe";
import { prepared } from "../../db/client";
import { abortUnlessChanged, isGuardAbort } from "../../db/guard";
import { getSettings } from "../../db/queries/settings";
import { AppError } from "../../lib/errors";
import { ulid } from "../../lib/ids";
import { recordActivity } from "../activity/record";
import { INVOICE_SERIES, numberingStatements } from "../billing/invoices/numbering";
import type { WriteContext } from "../context";
import { enqueueEmail } from "../email/outbox";
import { paymentEmail } from "../email/templates";
import { balanceRecipient } from "../services/support";
import { expiryBound } from "./cards";
import { applyIntent, getPaymentRow, type PaymentDeps, payInvoice, settleFailed } from "./payments";
import { applyStripeRefund, getRefund, refundPayment, sendRefund } from "./refunds";
import { creditPaidTopUp } from "./top-ups";

const MINUTE = 60_000;
const ago = (now: string, ms: number) => new Date(Date.parse(now) - ms).toISOString();

/** A pending card payment's PaymentIntent, asked of Stripe: by id, else among the customer's by metadata. */
async function findIntent(stripe: Stripe, payment: { id: string; providerId: string | null; customerId: string }, stripeCustomer: string | null) {
  if (payment.providerId) return stripe.paymentIntents.retrieve(payment.providerId);
  if (!stripeCustomer) return null;
  for await (const intent of stripe.paymentIntents.list({ customer: stripeCustomer, limit: 100 })) {
    if (intent.metadata?.payment_id === payment.id) return intent;
  }
  return null;
}

/** One pass over pending payments and refunds and paid top-ups. */
export async function settlePayments(ctx: WriteContext, deps: PaymentDeps, limit = 20) {
  const d1 = ctx.db.$client;
  const out = { payments_resolved: 0, payments_lost: 0, refunds_resolved: 0, top_ups_credited: 0, receipts: 0, top_ups_refunded: 0 };
  let stripe: Stripe | null = null;
  try {
    stripe = deps.stripe();
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
  }
  if (stripe) {
    const { results: pending } = await d1
      .prepare(
        `SELECT p.id, p.provider_id AS providerId, p.customer_id AS customerId, p.created_at AS createdAt, c.stripe_customer_id AS stripeCustomer
         FROM payments p JOIN customers c ON c.id = p.customer_id
         WHERE p.status = 'pending' AND p.method = 'card' AND p.updated_at <= ?1 ORDER BY p.updated_at LIMIT ?2`,
      )
      .bind(ago(ctx.now, 2 * MINUTE), limit)
      .all<{ id: string; providerId: string | null; customerId: string; createdAt: string; stripeCustomer: string | null }>();
    for (const p of pending) {
      const intent = await findIntent(stripe, p, p.stripeCustomer);
      if (intent) {
        await applyIntent(ctx, deps, p.id, intent);
        out.payments_resolved++;
      } else if (p.createdAt <= ago(ctx.now, 10 * MINUTE)) {
        await settleFailed(ctx, p.id, { code: "not_sent", message: "Stripe has no record of this payment: nothing was charged.", providerId: null });
        out.payments_lost++;
      } else {
        await d1.prepare("UPDATE payments SET updated_at = ?2 WHERE id = ?1").bind(p.id, ctx.now).run();
      }
    }
    const { results: refunds } = await d1
      .prepare("SELECT id FROM refunds WHERE status = 'pending' AND updated_at <= ?1 ORDER BY updated_at LIMIT ?2")
      .bind(ago(ctx.now, MINUTE), limit)
      .all<{ id: string }>();
    for (const { id } of refunds) {
      const refund = await getRefund(ctx, id);
      const payment = refund ? await getPaymentRow(ctx.db, refund.paymentId) : undefined;
      if (!refund || !payment) continue;
      let found: Stripe.Refund | null = null;
      if (payment.method === "card" && payment.providerId) {
        for await (const r of stripe.refunds.list({ payment_intent: payment.providerId, limit: 100 })) {
          if (r.metadata?.refund_id === id) found = r;
        }
      }
      if (found) await applyStripeRefund(ctx, id, found);
      else {
        await d1.prepare("UPDATE refunds SET updated_at = ?2 WHERE id = ?1").bind(id, ctx.now).run();
        await sendRefund(ctx, deps, payment, refund);
      }
      out.refunds_resolved++;
    }
  }
  const { results: uncredited } = await d1
    .prepare("SELECT id FROM payments WHERE purpose = 'top_up' AND status = 'succeeded' AND topped_up_at IS NULL ORDER BY id LIMIT ?1")
    .bind(limit)
    .all<{ id: string }>();
  for (const { id } of uncredited) {
    const row = await getPaymentRow(ctx.db, id);
    if (row) await creditPaidTopUp(ctx, deps, row);
    out.top_ups_credited++;
  }
  // Top-ups whose provisioning failed: the charge was reversed by the job's outcome; the money goes back.
  const { results: failed } = await d1
    .prepare(
      `SELECT p.id FROM payments p JOIN jobs j ON j.id = p.top_up_job_id
       WHERE p.purpose = 'top_up' AND p.status = 'succeeded' AND j.status IN ('failed', 'dead') AND p.refunded_amount = 0
         AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.payment_id = p.id) LIMIT ?1`,
    )
    .bind(limit)
    .all<{ id: string }>();
  for (const { id } of failed) {
    try {
      await refundPayment(ctx, deps, id, { reason: "The top-up could not be provisioned." }, { auto: true });
      out.top_ups_refunded++;
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
    }
  }
  // Top-ups provisioned: a receipt for their charge, paid by the payment.
  const { results: done } = await d1
    .prepare(
      `SELECT p.id, p.service_id FROM payments p JOIN jobs j ON j.id = p.top_up_job_id
       WHERE p.purpose = 'top_up' AND p.status = 'succeeded' AND j.status = 'succeeded' AND p.invoice_id IS NULL LIMIT ?1`,
    )
    .bind(limit)
    .all<{ id: string; service_id: string }>();
  for (const p of done) if (await issueReceipt(ctx, p.id, `topup:${p.service_id}:payment:${p.id}`)) out.receipts++;
  return out;
}

/**
 * The receipt of a paid top-up: an invoice of its one charge, issued (numbered in the invoice series)
 * and paid by the payment at once. If a bill run invoiced the charge first, the payment is applied
 * to that invoice instead. Once per payment (the invoice's `source` is unique).
 */
export async function issueReceipt(ctx: WriteContext, paymentId: string, chargeKey: string): Promise<boolean> {
  const d1 = ctx.db.$client;
  const charge = await d1
    .prepare("SELECT id, invoice_id, date FROM transactions WHERE source_key = ?1")
    .bind(chargeKey)
    .first<{ id: string; invoice_id: string | null; date: string }>();
  if (!charge) return false; // not written through yet: next minute
  const held = await d1
    .prepare("SELECT l.invoice_id FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id WHERE l.transaction_id = ?1 AND l.active = 1")
    .bind(charge.id)
    .first<{ invoice_id: string }>();
  if (held || charge.invoice_id) {
    const invoiceId = charge.invoice_id ?? held?.invoice_id;
    const invoice = await d1.prepare("SELECT status FROM invoices WHERE id = ?1").bind(invoiceId).first<{ status: string }>();
    if (invoice?.status !== "issued" && invoice?.status !== "paid") return false; // a draft: wait for it to be issued
    await d1
      .batch([
        d1.prepare("UPDATE payments SET invoice_id = ?2, updated_at = ?3 WHERE id = ?1 AND invoice_id IS NULL").bind(paymentId, invoiceId, ctx.now),
        abortUnlessChanged(d1),
        d1
          .prepare(
            `UPDATE invoices SET amount_due = max(0, amount_due - (SELECT amount FROM payments WHERE id = ?2)),
             status = CASE WHEN status = 'issued' AND amount_due - (SELECT amount FROM payments WHERE id = ?2) <= 0 THEN 'paid' ELSE status END, updated_at = ?3
           WHERE id = ?1`,
          )
          .bind(invoiceId, paymentId, ctx.now),
      ])
      .catch((error) => {
        if (!isGuardAbort(error)) throw error;
      });
    return true;
  }
  const id = `inv_${ulid()}`;
  const payment = await getPaymentRow(ctx.db, paymentId);
  if (!payment) return false;
  try {
    await d1.batch([
      d1
        .prepare(
          `INSERT INTO invoices (id, kind, series, number, customer_id, status, period_start, period_end, currency, subtotal_amount, tax_amount,
             total_amount, amount_due, due_date, issued_at, voided_at, credits_invoice_id, reason, source, created_at, updated_at)
           SELECT ?1, 'invoice', ?2, NULL, customer_id, 'draft', date, date, currency, amount, tax_amount, amount + tax_amount, amount + tax_amount,
                  date, NULL, NULL, NULL, NULL, ?3, ?4, ?4
           FROM transactions WHERE id = ?5 AND invoice_id IS NULL`,
        )
        .bind(id, INVOICE_SERIES, `payment:${paymentId}`, ctx.now, charge.id),
      abortUnlessChanged(d1),
      d1
        .prepare(
          `INSERT INTO invoice_lines (id, invoice_id, position, transaction_id, description, amount, tax_amount, tax_rate_bp, active, created_at)
           SELECT ?1 || '_1', ?1, 1, id, description, amount, tax_amount, tax_rate_bp, 1, ?2 FROM transactions WHERE id = ?3`,
        )
        .bind(id, ctx.now, charge.id),
      ...numberingStatements(d1, {
        documentId: id,
        series: INVOICE_SERIES,
        year: Number(ctx.now.slice(0, 4)),
        condition: "status = 'draft'",
        set: "status = 'issued', issued_at = ?4, updated_at = ?4",
        params: [ctx.now],
      }),
      d1.prepare("UPDATE transactions SET invoice_id = ?1 WHERE id = ?2 AND invoice_id IS NULL").bind(id, charge.id),
      d1.prepare("UPDATE payments SET invoice_id = ?2, updated_at = ?3 WHERE id = ?1").bind(paymentId, id, ctx.now),
      d1
        .prepare(
          `UPDATE invoices SET amount_due = max(0, total_amount - ?2), status = CASE WHEN total_amount - ?2 <= 0 THEN 'paid' ELSE status END WHERE id = ?1`,
        )
        .bind(id, payment.amount),
      prepared(
        d1,
        recordActivity(ctx, { entity: "invoice", entityId: id, customerId: payment.customerId, action: "invoice.receipt", after: { payment: paymentId } }),
      ),
    ]);
  } catch (error) {
    if (isGuardAbort(error) || /UNIQUE constraint failed: invoices\.source/.test(String((error as Error).message))) return false;
    throw error;
  }
  return true;
}

/** Auto-pay: each issued invoice of a customer who opted in is charged to the default card once (a failure starts dunning). */
export async function autoPay(ctx: WriteContext, deps: PaymentDeps, limit = 10) {
  const { results } = await ctx.db.$client
    .prepare(
      `SELECT i.id FROM invoices i JOIN customers c ON c.id = i.customer_id
       WHERE c.auto_pay = 1 AND i.kind = 'invoice' AND i.status = 'issued' AND i.amount_due > 0 AND i.issued_at >= ?1
         AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.invoice_id = i.id)
         AND EXISTS (SELECT 1 FROM payment_methods m WHERE m.customer_id = c.id AND m.status = 'active' AND m.is_default = 1)
       ORDER BY i.issued_at LIMIT ?2`,
    )
    .bind(ago(ctx.now, 30 * 24 * 60 * MINUTE), limit)
    .all<{ id: string }>();
  let paid = 0;
  let failed = 0;
  for (const { id } of results) {
    try {
      const p = await payInvoice(ctx, deps, { invoice_id: id }, { scope: null, canRecordManual: false, origin: "auto_pay" });
      if (p.status === "succeeded") paid++;
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      failed++;
    }
  }
  return { paid, failed };
}

/** Emails the owner of each active card expiring within 60 days, once per card. */
export async function remindExpiringCards(ctx: WriteContext, limit = 50) {
  // A card is valid to the end of its month: the same window as the expiring-cards list.
  const { year: y, month: m } = expiryBound(ctx.now);
  const { results } = await ctx.db.$client
    .prepare(
      `SELECT m.id, m.customer_id, m.brand, m.last4, c.locale FROM payment_methods m JOIN customers c ON c.id = m.customer_id
       WHERE m.status = 'active' AND m.expiry_reminded_at IS NULL AND (m.exp_year < ?1 OR (m.exp_year = ?1 AND m.exp_month < ?2)) LIMIT ?3`,
    )
    .bind(y, m, limit)
    .all<{ id: string; customer_id: string; brand: string; last4: string; locale: string }>();
  const settings = (await getSettings(ctx.db)).data;
  let sent = 0;
  for (const card of results) {
    const contact = await balanceRecipient(ctx, { customer_id: card.customer_id, contact_id: null });
    const d1 = ctx.db.$client;
    const email = contact?.email
      ? [
          prepared(
            d1,
            enqueueEmail(
              ctx.db,
              ctx.now,
              { email: contact.email, name: contact.firstName },
              paymentEmail(settings, {
                kind: "card_expiring",
                name: [contact.firstName, contact.lastName].filter(Boolean).join(" "),
                locale: card.locale,
                subject: `${card.brand} •••• ${card.last4}`,
              }),
            ),
          ),
        ]
      : [];
    try {
      await d1.batch([
        d1.prepare("UPDATE payment_methods SET expiry_reminded_at = ?2 WHERE id = ?1 AND expiry_reminded_at IS NULL").bind(card.id, ctx.now),
        abortUnlessChanged(d1),
        ...email,
      ]);
      if (email.length) sent++;
    } catch (error) {
      if (!isGuardAbort(error)) throw error;
    }
  }
  return { reminded: sent, cards: results.length };
}
