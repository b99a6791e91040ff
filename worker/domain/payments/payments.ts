/**
 * Payments. A card payment is written `pending` before Stripe is called; its id is the Stripe
 * Idempotency-Key (`payment:<id>`) and the PaymentIntent's `metadata.payment_id`, so a retry, a
 * crash or a webhook can only ever find the one charge — never make a second. Its outcome is applied
 * by `settleSucceeded` / `settleFailed`, each a guarded D1 batch that happens once per payment
 * whichever of the API call, the webhook or the janitor gets there first.
 */
import { and, desc, eq, lt } from "drizzle-orm";
import type Stripe from "stripe";
import { inList } from "../../db/bulk";
import type { Db } from "../../db/client";
import { prepared } from "../../db/client";
import { abortUnlessChanged, isGuardAbort } from "../../db/guard";
import { getInvoiceRow } from "../../db/queries/invoices";
import { paymentMethods, payments, refunds } from "../../db/schema";
import { classifyStripeError } from "../../integrations/stripe";
import { Conflict, Forbidden, NotFound, PaymentFailed } from "../../lib/errors";
import { ulid } from "../../lib/ids";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";
import type { ServiceDeps } from "../services/port";
import { cardFor, ensureStripeCustomer } from "./cards";
import { dunningOnFailure, dunningOnSuccess, firstDunningStep, paymentFailedEmail } from "./dunning";
import type { PaymentCreateInput, PaymentView, RefundView } from "./schemas";

export type PaymentRow = typeof payments.$inferSelect;

/** What payments need from outside: Stripe (a 503 when not configured) and the services, to credit paid top-ups. */
export type PaymentDeps = {
  stripe: () => Stripe;
  services: ServiceDeps;
  creditTopUp: (ctx: WriteContext, deps: PaymentDeps, row: PaymentRow) => Promise<void>;
};
type Origin = PaymentRow["origin"];

export function toRefundView(r: typeof refunds.$inferSelect): RefundView {
  return {
    id: r.id,
    payment_id: r.paymentId,
    amount: r.amount,
    currency: r.currency,
    status: r.status,
    reason: r.reason,
    provider_id: r.providerId,
    credit_note_id: r.creditNoteId,
    failure_message: r.failureMessage,
    created_at: r.createdAt,
  };
}

export async function getPaymentRow(db: Db, id: string): Promise<PaymentRow | undefined> {
  return db.select().from(payments).where(eq(payments.id, id)).get();
}

/** Payments with their card and refunds, as the API shows them. */
async function views(db: Db, rows: PaymentRow[]): Promise<PaymentView[]> {
  if (rows.length === 0) return [];
  const cardIds = rows.map((r) => r.paymentMethodId).filter((x): x is string => Boolean(x));
  const cards = cardIds.length
    ? await db
        .select({ id: paymentMethods.id, brand: paymentMethods.brand, last4: paymentMethods.last4 })
        .from(paymentMethods)
        .where(inList(paymentMethods.id, cardIds))
    : [];
  const refundRows = await db
    .select()
    .from(refunds)
    .where(
      inList(
        refunds.paymentId,
        rows.map((r) => r.id),
      ),
    )
    .orderBy(refunds.id);
  return rows.map((r) => {
    const card = cards.find((c) => c.id === r.paymentMethodId);
    return {
      id: r.id,
      customer_id: r.customerId,
      purpose: r.purpose,
      invoice_id: r.invoiceId,
      service_id: r.serviceId,
      amount: r.amount,
      currency: r.currency,
      status: r.status,
      method: r.method,
      payment_method_id: r.paymentMethodId,
      card: card ? { brand: card.brand, last4: card.last4 } : null,
      provider_id: r.providerId,
      reference: r.reference,
      failure_code: r.failureCode,
      failure_message: r.failureMessage,
      refunded_amount: r.refundedAmount,
      origin: r.origin,
      created_at: r.createdAt,
      succeeded_at: r.succeededAt,
      refunds: refundRows.filter((x) => x.paymentId === r.id).map(toRefundView),
    };
  });
}

export async function getPayment(db: Db, id: string): Promise<PaymentView | null> {
  const row = await getPaymentRow(db, id);
  return row ? ((await views(db, [row]))[0] ?? null) : null;
}

export async function listPayments(
  db: Db,
  filter: { customerId?: string; invoiceId?: string; status?: PaymentRow["status"] },
  limit: number,
  cursor?: string,
): Promise<{ data: PaymentView[]; next_cursor: string | null }> {
  const rows = await db
    .select()
    .from(payments)
    .where(
      and(
        filter.customerId ? eq(payments.customerId, filter.customerId) : undefined,
        filter.invoiceId ? eq(payments.invoiceId, filter.invoiceId) : undefined,
        filter.status ? eq(payments.status, filter.status) : undefined,
        cursor ? lt(payments.id, cursor) : undefined,
      ),
    )
    .orderBy(desc(payments.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  return { data: await views(db, page), next_cursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
}

function activity(ctx: WriteContext, p: PaymentRow | { id: string; customerId: string }, action: string, after: Record<string, unknown>) {
  return prepared(ctx.db.$client, recordActivity(ctx, { entity: "payment", entityId: p.id, customerId: p.customerId, action, after }));
}

/** The part of an invoice's amount due that no pending payment already covers (SQL over ?invoice). */
const UNCOVERED = (inv: string) =>
  `(SELECT amount_due FROM invoices WHERE id = ${inv}) - (SELECT coalesce(sum(amount), 0) FROM payments WHERE invoice_id = ${inv} AND status = 'pending')`;

/**
 * Pays an issued invoice, in full (no amount: what is due and not already being paid) or in part.
 * By card (the given or default saved card, off-session) through Stripe, or — with
 * `payments:manual` — recorded as cash or a bank transfer with its reference. Two payments racing
 * for the same invoice never pay more than is due: the payment row is written only if it still fits.
 */
export async function payInvoice(
  ctx: WriteContext,
  deps: PaymentDeps,
  input: PaymentCreateInput,
  opts: { scope: string | null; canRecordManual: boolean; origin: Origin },
): Promise<PaymentView> {
  const invoice = await getInvoiceRow(ctx.db, input.invoice_id);
  if (invoice?.kind !== "invoice" || (opts.scope !== null && invoice.customerId !== opts.scope)) throw new NotFound("No invoice with this id.");
  if (invoice.status === "paid") throw new Conflict("This invoice is already paid.", { current_status: invoice.status });
  if (invoice.status !== "issued")
    throw new Conflict(`This invoice is ${invoice.status}; only an issued invoice can be paid.`, { current_status: invoice.status });
  const method = input.method ?? "card";
  if (method !== "card" && !opts.canRecordManual) throw new Forbidden("Recording a cash or bank-transfer payment requires the payments:manual permission.");
  const pendingSum = await ctx.db.$client
    .prepare("SELECT coalesce(sum(amount), 0) AS n FROM payments WHERE invoice_id = ?1 AND status = 'pending'")
    .bind(invoice.id)
    .first<{ n: number }>();
  const open = invoice.amountDue - (pendingSum?.n ?? 0);
  if (open <= 0) throw new Conflict("Nothing is left to pay on this invoice (a payment in progress covers it).", { amount_due: invoice.amountDue });
  const amount = input.amount ?? open;
  if (amount > open) throw new Conflict(`At most ${open} (minor units) is left to pay on this invoice.`, { amount_due: invoice.amountDue, payable: open });
  const card = method === "card" ? await cardFor(ctx.db, invoice.customerId, input.payment_method_id) : null;
  const client = method === "card" ? deps.stripe() : null;
  const row: PaymentRow = {
    id: `pay_${ulid()}`,
    customerId: invoice.customerId,
    purpose: "invoice",
    invoiceId: invoice.id,
    serviceId: null,
    amount,
    currency: invoice.currency,
    status: "pending",
    method,
    paymentMethodId: card?.id ?? null,
    providerId: null,
    reference: input.reference ?? null,
    failureCode: null,
    failureMessage: null,
    refundedAmount: 0,
    topUp: null,
    toppedUpAt: null,
    topUpJobId: null,
    origin: opts.origin,
    requestKey: null,
    createdBy: ctx.actor.label,
    succeededAt: null,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
  const d1 = ctx.db.$client;
  const insert = [
    d1
      .prepare(
        `INSERT INTO payments (id, customer_id, purpose, invoice_id, service_id, amount, currency, status, method, payment_method_id, provider_id, reference,
           refunded_amount, origin, created_by, created_at, updated_at)
         SELECT ?1, ?2, 'invoice', ?3, NULL, ?4, ?5, 'pending', ?6, ?7, NULL, ?8, 0, ?9, ?10, ?11, ?11
         WHERE (SELECT status FROM invoices WHERE id = ?3) = 'issued' AND ?4 <= ${UNCOVERED("?3")}`,
      )
      .bind(row.id, row.customerId, row.invoiceId, amount, row.currency, method, row.paymentMethodId, row.reference, row.origin, row.createdBy, ctx.now),
    // Another payment or a credit note came first and this one no longer fits: nothing is written.
    abortUnlessChanged(d1),
    activity(ctx, row, "payment.create", { invoice_id: row.invoiceId, amount, currency: row.currency, method, reference: row.reference }),
    // Cash and transfers are received already: settled in the same transaction.
    ...(method === "card" ? [] : settleStatements(ctx, row.id, null)),
  ];
  try {
    await d1.batch(insert);
  } catch (error) {
    if (isGuardAbort(error)) throw new Conflict("The invoice changed meanwhile (another payment or a credit note): look at what is due again.");
    throw error;
  }
  if (method !== "card" || !client || !card) return (await getPayment(ctx.db, row.id)) as PaymentView;
  return chargeCard(ctx, deps, client, row, card.stripePaymentMethodId, `Invoice ${invoice.number ?? invoice.id}`);
}

/**
 * Charges a pending payment's card off-session: one PaymentIntent, created and confirmed with the
 * payment's own Idempotency-Key. Declined → the payment fails (402); no answer (timeout, Stripe 5xx
 * after the SDK's own retries) → it stays pending for the janitor to ask Stripe about.
 */
export async function chargeCard(
  ctx: WriteContext,
  deps: PaymentDeps,
  stripe: Stripe,
  row: PaymentRow,
  stripePaymentMethodId: string,
  description: string,
  /** A card given for this payment only (the public top-up page): charged on-session, never saved to a Stripe customer. */
  oneOff = false,
): Promise<PaymentView> {
  const customer = oneOff ? null : await ensureStripeCustomer(ctx, stripe, row.customerId);
  let intent: Stripe.PaymentIntent | null = null;
  try {
    intent = await stripe.paymentIntents.create(
      {
        amount: row.amount,
        currency: row.currency.toLowerCase(),
        ...(customer ? { customer, off_session: true } : {}),
        payment_method: stripePaymentMethodId,
        allowed_payment_method_types: ["card"],
        confirm: true,
        description,
        metadata: {
          payment_id: row.id,
          customer_id: row.customerId,
          ...(row.invoiceId ? { invoice_id: row.invoiceId } : {}),
          ...(row.serviceId ? { service_id: row.serviceId } : {}),
        },
      },
      { idempotencyKey: `payment:${row.id}` },
    );
  } catch (error) {
    const outcome = classifyStripeError(error);
    if (outcome.kind === "declined") {
      await settleFailed(ctx, row.id, { code: outcome.code, message: outcome.message, providerId: outcome.paymentIntentId });
      const failed = (await getPayment(ctx.db, row.id)) as PaymentView;
      throw new PaymentFailed(`The card was declined: ${outcome.message}`, { code: outcome.code, payment: failed });
    }
  }
  if (intent) await applyIntent(ctx, deps, row.id, intent);
  return (await getPayment(ctx.db, row.id)) as PaymentView;
}

/** Applies what Stripe says of a payment's PaymentIntent (its latest state): the convergence point. */
export async function applyIntent(ctx: WriteContext, deps: PaymentDeps, paymentId: string, intent: Stripe.PaymentIntent): Promise<void> {
  if (intent.status === "succeeded") return settleSucceeded(ctx, deps, paymentId, intent.id);
  if (intent.status === "requires_payment_method" || intent.status === "canceled" || intent.status === "requires_action") {
    // A PaymentIntent waiting for a payment method after a confirmation attempt is a failed attempt.
    const error = intent.last_payment_error;
    if (intent.status === "requires_payment_method" && !error) return;
    return settleFailed(ctx, paymentId, {
      code: intent.status === "requires_action" ? "authentication_required" : (error?.decline_code ?? error?.code ?? intent.status),
      message: error?.message ?? (intent.status === "canceled" ? "The payment was cancelled." : "The card needs the customer's authentication."),
      providerId: intent.id,
    });
  }
  // processing, requires_confirmation, requires_capture: not decided yet; remember the intent.
  await ctx.db.$client
    .prepare("UPDATE payments SET provider_id = ?2, updated_at = ?3 WHERE id = ?1 AND provider_id IS NULL")
    .bind(paymentId, intent.id, ctx.now)
    .run();
}

/** The statements that move a payment to succeeded and apply it to its invoice, once (guarded). */
function settleStatements(ctx: WriteContext, paymentId: string, providerId: string | null): D1PreparedStatement[] {
  const d1 = ctx.db.$client;
  return [
    d1
      .prepare(
        `UPDATE payments SET status = 'succeeded', provider_id = coalesce(provider_id, ?2), succeeded_at = ?3, updated_at = ?3, failure_code = NULL, failure_message = NULL
         WHERE id = ?1 AND status != 'succeeded'`,
      )
      .bind(paymentId, providerId, ctx.now),
    abortUnlessChanged(d1),
    d1
      .prepare(
        `UPDATE invoices SET
           amount_due = max(0, amount_due - (SELECT amount FROM payments WHERE id = ?1)),
           status = CASE WHEN status = 'issued' AND amount_due - (SELECT amount FROM payments WHERE id = ?1) <= 0 THEN 'paid' ELSE status END,
           updated_at = ?2
         WHERE id = (SELECT invoice_id FROM payments WHERE id = ?1 AND purpose = 'invoice') AND status IN ('issued', 'paid')`,
      )
      .bind(paymentId, ctx.now),
    ...dunningOnSuccess(ctx, paymentId),
    d1
      .prepare(
        `INSERT INTO activity_log (id, at, actor_type, actor_id, actor_label, entity, entity_id, customer_id, action, changes, request_id)
         SELECT ?2, ?3, ?4, ?5, ?6, 'payment', id, customer_id, 'payment.succeeded',
                json_object('status', json_object('before', 'pending', 'after', 'succeeded'), 'amount', json_object('before', NULL, 'after', amount),
                            'provider_id', json_object('before', NULL, 'after', provider_id)), ?7
         FROM payments WHERE id = ?1`,
      )
      .bind(paymentId, `act_${ulid()}`, ctx.now, ctx.actor.type, ctx.actor.id, ctx.actor.label, ctx.requestId),
  ];
}

/** The payment succeeded (Stripe says so): applied to its invoice once, whoever reports it first. */
export async function settleSucceeded(ctx: WriteContext, deps: PaymentDeps, paymentId: string, providerId: string | null): Promise<void> {
  try {
    await ctx.db.$client.batch(settleStatements(ctx, paymentId, providerId));
  } catch (error) {
    if (!isGuardAbort(error)) throw error;
    // Already succeeded: nothing to apply again (a top-up not yet credited is still credited below).
  }
  // A paid top-up is credited now (once per payment: its key); the janitor catches any left behind.
  const row = await getPaymentRow(ctx.db, paymentId);
  if (row?.purpose === "top_up" && row.status === "succeeded" && !row.toppedUpAt) await deps.creditTopUp(ctx, deps, row);
}

/** The payment failed (declined, or Stripe says it did): recorded once, from pending only; dunning starts. */
export async function settleFailed(ctx: WriteContext, paymentId: string, f: { code: string; message: string; providerId: string | null }): Promise<void> {
  const d1 = ctx.db.$client;
  const row = await getPaymentRow(ctx.db, paymentId);
  if (!row) return;
  const dunningStart = await firstDunningStep(ctx);
  const email = await paymentFailedEmail(ctx, row, dunningStart);
  try {
    await d1.batch([
      d1
        .prepare(
          "UPDATE payments SET status = 'failed', failure_code = ?2, failure_message = ?3, provider_id = coalesce(provider_id, ?4), updated_at = ?5 WHERE id = ?1 AND status = 'pending'",
        )
        .bind(paymentId, f.code, f.message.slice(0, 500), f.providerId, ctx.now),
      abortUnlessChanged(d1),
      activity(ctx, row, "payment.failed", { code: f.code, message: f.message, provider_id: f.providerId }),
      ...dunningOnFailure(ctx, row, dunningStart),
      ...email,
    ]);
  } catch (error) {
    if (isGuardAbort(error)) return; // not pending any more (already failed, or succeeded: a success is never undone)
    throw error;
  }
}
