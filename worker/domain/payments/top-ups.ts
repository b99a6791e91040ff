/**
 * Top-ups paid by card. The price (tax included) is charged first; the service is credited only once
 * the payment succeeded — by whichever of the API call, the webhook or the janitor learns it first,
 * once (the top-up's key is the payment id). When the credit cannot be provisioned, the payment is
 * refunded; when it is, the top-up's charge gets a receipt (an invoice issued and paid at once).
 */

import { prepared } from "../../db/client";
import { abortUnlessChanged, isGuardAbort } from "../../db/guard";
import { getServiceTerms } from "../../db/queries/services";
import { Conflict, Invalid, NotFound } from "../../lib/errors";
import { ulid } from "../../lib/ids";
import { lineTax } from "../../lib/money";
import { recordActivity } from "../activity/record";
import { taxRateFor } from "../billing/tax";
import type { WriteContext } from "../context";
import { daysPack, topUpPack, topUpService } from "../services/top-up";
import { cardFor } from "./cards";
import { chargeCard, getPayment, type PaymentDeps, type PaymentRow } from "./payments";
import { refundPayment } from "./refunds";
import type { PaymentView } from "./schemas";

export type TopUpInput = ({ amount: number; currency: string } | { product_id: string } | { days: number }) & { payment_method?: string | null };

/** What a top-up costs the customer, tax included, and what it is called on their statement. */
async function priceOf(ctx: WriteContext, serviceId: string, input: TopUpInput, scope: string | null) {
  const service = await getServiceTerms(ctx.db, serviceId);
  if (!service || (scope !== null && service.customerId !== scope)) throw new NotFound("No service with this id.");
  if (["terminating", "terminated", "failed"].includes(service.status))
    throw new Conflict(`Cannot top up a service that is ${service.status}.`, { current_status: service.status });
  if ("amount" in input) {
    if (input.currency !== service.currency)
      throw new Invalid(`Top-ups of this service are in ${service.currency}.`, [{ path: "currency", message: "Currency mismatch" }]);
    if (service.taxRateBp === null) throw new Conflict(`No tax rate for class ${service.taxClass}.`);
    const { net, tax } = lineTax(input.amount, service.taxRateBp, service.taxInclusive);
    return {
      service,
      gross: net + tax,
      currency: service.currency,
      label: `Top-up ${service.productName}`,
      credit: { amount: input.amount, currency: input.currency },
    };
  }
  if ("days" in input) {
    const bought = await daysPack(ctx.db, serviceId, input.days);
    const rate = await taxRateFor(ctx.db, bought.product.tax_class, service.customerId);
    const { net, tax } = lineTax(bought.price, rate.rateBp, rate.inclusive);
    return {
      service,
      gross: net + tax,
      currency: bought.product.currency,
      label: `${input.days} days of ${bought.product.name}`,
      credit: { days: input.days },
    };
  }
  const pack = await topUpPack(ctx.db, service, input.product_id);
  const rate = await taxRateFor(ctx.db, pack.tax_class, service.customerId);
  const { net, tax } = lineTax(pack.retail_price, rate.rateBp, rate.inclusive);
  return { service, gross: net + tax, currency: pack.currency, label: `Top-up ${pack.name}`, credit: { product_id: pack.id } };
}

/**
 * Charges a top-up to a saved card (the given one, or the default) and credits it once paid. A
 * declined card is a 402 and credits nothing; an unknown outcome leaves the payment pending (202)
 * for the janitor, which credits the service if Stripe says it was paid.
 */
export async function payTopUp(
  ctx: WriteContext,
  deps: PaymentDeps,
  serviceId: string,
  input: TopUpInput,
  opts: {
    scope: string | null;
    origin: PaymentRow["origin"];
    requestKey: string;
    /** A Stripe PaymentMethod given for this payment only (the public top-up page) instead of a saved card. */
    oneOffCard?: string;
  },
): Promise<PaymentView & { replayed: boolean }> {
  // Whose service it is is checked before a key is replayed (a key never reveals another customer's payment).
  const price = await priceOf(ctx, serviceId, input, opts.scope);
  const replay = await ctx.db.$client
    .prepare("SELECT id, service_id FROM payments WHERE request_key = ?1")
    .bind(opts.requestKey)
    .first<{ id: string; service_id: string }>();
  if (replay && replay.service_id !== serviceId)
    throw new Invalid("This Idempotency-Key was used for another request.", [{ path: "Idempotency-Key", message: "Already used for another top-up" }]);
  if (replay) return { ...((await getPayment(ctx.db, replay.id)) as PaymentView), replayed: true };
  if (price.gross <= 0) throw new Invalid("This top-up costs nothing: nothing to pay.", [{ path: "payment_method", message: "Nothing to pay" }]);
  const card = opts.oneOffCard ? { id: null, stripePaymentMethodId: opts.oneOffCard } : await cardFor(ctx.db, price.service.customerId, input.payment_method);
  const stripe = deps.stripe();
  const row: PaymentRow = {
    id: `pay_${ulid()}`,
    customerId: price.service.customerId,
    purpose: "top_up",
    invoiceId: null,
    serviceId,
    amount: price.gross,
    currency: price.currency,
    status: "pending",
    method: "card",
    paymentMethodId: card.id,
    providerId: null,
    reference: null,
    failureCode: null,
    failureMessage: null,
    refundedAmount: 0,
    topUp: price.credit,
    toppedUpAt: null,
    topUpJobId: null,
    origin: opts.origin,
    requestKey: opts.requestKey,
    createdBy: ctx.actor.label,
    succeededAt: null,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
  const d1 = ctx.db.$client;
  const inserted = d1
    .prepare(
      `INSERT INTO payments (id, customer_id, purpose, invoice_id, service_id, amount, currency, status, method, payment_method_id, refunded_amount, top_up, origin,
         request_key, created_by, created_at, updated_at)
       VALUES (?1, ?2, 'top_up', NULL, ?3, ?4, ?5, 'pending', 'card', ?6, 0, ?7, ?8, ?9, ?10, ?11, ?11) ON CONFLICT DO NOTHING`,
    )
    .bind(row.id, row.customerId, serviceId, row.amount, row.currency, card.id, JSON.stringify(row.topUp), row.origin, opts.requestKey, row.createdBy, ctx.now);
  try {
    await d1.batch([
      inserted,
      // The same key raced in concurrently and won: this request makes no payment of its own.
      abortUnlessChanged(d1),
      prepared(
        d1,
        recordActivity(ctx, {
          entity: "payment",
          entityId: row.id,
          customerId: row.customerId,
          action: "payment.create",
          after: { purpose: "top_up", service_id: serviceId, amount: row.amount, currency: row.currency, method: "card" },
        }),
      ),
    ]);
  } catch (error) {
    if (!isGuardAbort(error)) throw error;
    const first = await d1.prepare("SELECT id FROM payments WHERE request_key = ?1").bind(opts.requestKey).first<{ id: string }>();
    return { ...((await getPayment(ctx.db, first?.id ?? "")) as PaymentView), replayed: true };
  }
  return { ...(await chargeCard(ctx, deps, stripe, row, card.stripePaymentMethodId, price.label, Boolean(opts.oneOffCard))), replayed: false };
}

/**
 * Credits a paid top-up (idempotent: its key is the payment id, so the ServiceState object applies it
 * once) and remembers its job. A service that can no longer be topped up gets its payment refunded.
 */
export async function creditPaidTopUp(ctx: WriteContext, deps: PaymentDeps, row: PaymentRow): Promise<void> {
  if (!row.serviceId || !row.topUp) return;
  let jobId: string;
  try {
    const done = await topUpService(ctx, deps.services, row.serviceId, row.topUp, `payment:${row.id}`, null);
    jobId = done.job_id;
  } catch (error) {
    if (!(error instanceof Conflict || error instanceof NotFound || error instanceof Invalid)) throw error;
    await refundPayment(ctx, deps, row.id, { reason: `Top-up could not be credited: ${error.message}` }, { auto: true });
    await ctx.db.$client.prepare("UPDATE payments SET topped_up_at = ?2 WHERE id = ?1 AND topped_up_at IS NULL").bind(row.id, ctx.now).run();
    return;
  }
  await ctx.db.$client
    .prepare("UPDATE payments SET topped_up_at = ?2, top_up_job_id = ?3, updated_at = ?2 WHERE id = ?1 AND topped_up_at IS NULL")
    .bind(row.id, ctx.now, jobId)
    .run();
}
