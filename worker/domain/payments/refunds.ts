/**
 * Refunds, full or partial. The amount is taken from what is left to refund before Stripe is asked
 * (one guarded UPDATE: `refunded_amount + amount <= amount`), so concurrent refunds never return more
 * than was paid; a refund Stripe refuses gives its amount back. A succeeded refund of an invoice
 * payment is shown on a credit note against that invoice.
 */
import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import { prepared } from "../../db/client";
import { abortUnlessChanged, isGuardAbort } from "../../db/guard";
import { refunds } from "../../db/schema";
import { classifyStripeError } from "../../integrations/stripe";
import { AppError, Conflict, NotFound } from "../../lib/errors";
import { ulid } from "../../lib/ids";
import { recordActivity } from "../activity/record";
import { createCreditNote } from "../billing/invoices/credit-note";
import type { WriteContext } from "../context";
import { getPayment, getPaymentRow, type PaymentDeps, type PaymentRow } from "./payments";
import type { PaymentView, RefundCreateInput } from "./schemas";

type RefundRow = typeof refunds.$inferSelect;

export async function getRefund(ctx: Pick<WriteContext, "db">, id: string): Promise<RefundRow | undefined> {
  return ctx.db.select().from(refunds).where(eq(refunds.id, id)).get();
}

/**
 * Refunds (part of) a succeeded payment. `auto`: started by the system (a top-up that could not be
 * credited), not a person. Answers the payment with its refunds.
 */
export async function refundPayment(
  ctx: WriteContext,
  deps: PaymentDeps,
  paymentId: string,
  input: Partial<RefundCreateInput> & { reason: string },
  opts: { auto?: boolean } = {},
): Promise<PaymentView> {
  const payment = await getPaymentRow(ctx.db, paymentId);
  if (!payment) throw new NotFound("No payment with this id.");
  if (payment.status !== "succeeded")
    throw new Conflict(`This payment is ${payment.status}; only a succeeded payment can be refunded.`, { current_status: payment.status });
  const left = payment.amount - payment.refundedAmount;
  if (left <= 0) throw new Conflict("This payment is already fully refunded.", { refunded_amount: payment.refundedAmount });
  const amount = input.amount ?? left;
  if (amount > left) throw new Conflict(`At most ${left} (minor units) is left to refund on this payment.`, { refundable: left });
  const id = `rfd_${ulid()}`;
  const d1 = ctx.db.$client;
  try {
    await d1.batch([
      d1
        .prepare(
          "UPDATE payments SET refunded_amount = refunded_amount + ?2, updated_at = ?3 WHERE id = ?1 AND status = 'succeeded' AND refunded_amount + ?2 <= amount",
        )
        .bind(paymentId, amount, ctx.now),
      // Another refund took what was left first: nothing of this one is written.
      abortUnlessChanged(d1),
      d1
        .prepare(
          "INSERT INTO refunds (id, payment_id, customer_id, amount, currency, status, reason, created_by, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?7, ?8, ?8)",
        )
        .bind(id, paymentId, payment.customerId, amount, payment.currency, input.reason, opts.auto ? "system" : ctx.actor.label, ctx.now),
      prepared(
        d1,
        recordActivity(ctx, {
          entity: "payment",
          entityId: paymentId,
          customerId: payment.customerId,
          action: "payment.refund",
          after: { refund: id, amount, reason: input.reason },
        }),
      ),
    ]);
  } catch (error) {
    if (isGuardAbort(error)) throw new Conflict("Another refund of this payment came first and this one no longer fits; look again.");
    throw error;
  }
  const refund = (await getRefund(ctx, id)) as RefundRow;
  await sendRefund(ctx, deps, payment, refund);
  return (await getPayment(ctx.db, paymentId)) as PaymentView;
}

/**
 * Sends a pending refund: a cash or transfer refund is recorded as done (the money goes back by
 * hand); a card refund goes to Stripe with the refund's own Idempotency-Key. No answer → it stays
 * pending and the janitor asks Stripe again (the same key can only ever make one refund).
 */
export async function sendRefund(ctx: WriteContext, deps: PaymentDeps, payment: PaymentRow, refund: RefundRow): Promise<void> {
  if (payment.method !== "card") return settleRefund(ctx, refund.id, { status: "succeeded", providerId: null });
  if (!payment.providerId) return settleRefund(ctx, refund.id, { status: "failed", providerId: null, message: "The payment has no Stripe PaymentIntent." });
  let stripe: Stripe;
  try {
    stripe = deps.stripe();
  } catch (error) {
    if (error instanceof AppError) return; // not configured: stays pending
    throw error;
  }
  try {
    const made = await stripe.refunds.create(
      { payment_intent: payment.providerId, amount: refund.amount, metadata: { refund_id: refund.id, payment_id: payment.id } },
      { idempotencyKey: `refund:${refund.id}` },
    );
    await applyStripeRefund(ctx, refund.id, made);
  } catch (error) {
    if (error instanceof AppError) throw error;
    const e = error as { type?: string; message?: string };
    if (e.type === "StripeInvalidRequestError") {
      await settleRefund(ctx, refund.id, { status: "failed", providerId: null, message: e.message ?? "Stripe refused the refund." });
      return;
    }
    classifyStripeError(error); // unknown outcome: pending (a bug rethrows)
  }
}

/** Applies what Stripe says of a refund (its latest state). */
export async function applyStripeRefund(ctx: WriteContext, refundId: string, made: Stripe.Refund): Promise<void> {
  if (made.status === "succeeded") return settleRefund(ctx, refundId, { status: "succeeded", providerId: made.id });
  if (made.status === "failed" || made.status === "canceled")
    return settleRefund(ctx, refundId, { status: "failed", providerId: made.id, message: made.failure_reason ?? `Refund ${made.status}` });
  await ctx.db.$client
    .prepare("UPDATE refunds SET provider_id = coalesce(provider_id, ?2), updated_at = ?3 WHERE id = ?1")
    .bind(refundId, made.id, ctx.now)
    .run();
}

/**
 * A refund's outcome, once (from pending only). Failed: its amount is refundable again. Succeeded:
 * a credit note against the payment's invoice shows it (as much of it as the invoice can still be
 * credited), and the invoice's amount due is unchanged (credited and given back).
 */
export async function settleRefund(
  ctx: WriteContext,
  refundId: string,
  r: { status: "succeeded" | "failed"; providerId: string | null; message?: string },
): Promise<void> {
  const d1 = ctx.db.$client;
  try {
    await d1.batch([
      d1
        .prepare(
          "UPDATE refunds SET status = ?2, provider_id = coalesce(provider_id, ?3), failure_message = ?4, updated_at = ?5 WHERE id = ?1 AND status = 'pending'",
        )
        .bind(refundId, r.status, r.providerId, r.message ?? null, ctx.now),
      abortUnlessChanged(d1),
      ...(r.status === "failed"
        ? [
            d1
              .prepare(
                "UPDATE payments SET refunded_amount = refunded_amount - (SELECT amount FROM refunds WHERE id = ?1), updated_at = ?2 WHERE id = (SELECT payment_id FROM refunds WHERE id = ?1)",
              )
              .bind(refundId, ctx.now),
          ]
        : []),
    ]);
  } catch (error) {
    if (isGuardAbort(error)) return;
    throw error;
  }
  if (r.status === "succeeded") await creditRefund(ctx, refundId);
}

/** The credit note of a succeeded refund of an invoice payment (once per refund). */
export async function creditRefund(ctx: WriteContext, refundId: string): Promise<void> {
  const d1 = ctx.db.$client;
  const row = await d1
    .prepare(
      `SELECT r.id, r.amount, r.reason, r.credit_note_id, p.invoice_id,
              (SELECT total_amount FROM invoices WHERE id = p.invoice_id) - (SELECT coalesce(sum(total_amount), 0) FROM invoices WHERE credits_invoice_id = p.invoice_id AND kind = 'credit_note') AS creditable,
              (SELECT amount_due FROM invoices WHERE id = p.invoice_id) AS due
       FROM refunds r JOIN payments p ON p.id = r.payment_id WHERE r.id = ?1 AND r.status = 'succeeded'`,
    )
    .bind(refundId)
    .first<{
      id: string;
      amount: number;
      reason: string;
      credit_note_id: string | null;
      invoice_id: string | null;
      creditable: number | null;
      due: number | null;
    }>();
  if (!row?.invoice_id || row.credit_note_id || !row.creditable || row.creditable <= 0) return;
  const amount = Math.min(row.amount, row.creditable);
  let note: { id: string };
  try {
    note = await createCreditNote(ctx, row.invoice_id, { amount, reason: `Refund ${row.id}: ${row.reason}` });
  } catch (error) {
    if (error instanceof Conflict) return; // credited meanwhile by someone else: nothing left to show it on
    throw error;
  }
  // The credit note lowered what is due (by at most what was due); the money went back, so that part is due again.
  const restored = Math.min(row.due ?? 0, amount);
  await d1.batch([
    d1.prepare("UPDATE refunds SET credit_note_id = ?2 WHERE id = ?1 AND credit_note_id IS NULL").bind(row.id, note.id),
    d1.prepare("UPDATE invoices SET amount_due = amount_due + ?2, updated_at = ?3 WHERE id = ?1").bind(row.invoice_id, restored, ctx.now),
  ]);
}
