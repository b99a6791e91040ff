/**
 * Stripe webhook events, applied order-independently: each handler asks Stripe for the object's
 * latest state and converges on it (a late `payment_failed` after `succeeded` changes nothing; a
 * success never undone). Events about objects that are not ours are acknowledged and ignored.
 */
import { eq } from "drizzle-orm";
import type Stripe from "stripe";
import { paymentMethods } from "../../db/schema";
import { ulid } from "../../lib/ids";
import type { WriteContext } from "../context";
import { markCardRemoved, saveCard } from "./cards";
import { applyIntent, type PaymentDeps } from "./payments";
import { applyStripeRefund, creditRefund } from "./refunds";

export const HANDLED_EVENTS = [
  "payment_intent.succeeded",
  "payment_intent.payment_failed",
  "payment_intent.canceled",
  "charge.refunded",
  "setup_intent.succeeded",
  "payment_method.detached",
] as const;

/** Applies one verified event; returns what it did (for the activity log and tests). */
export async function applyStripeEvent(ctx: WriteContext, deps: PaymentDeps, event: Stripe.Event): Promise<string> {
  if (!(HANDLED_EVENTS as readonly string[]).includes(event.type)) return "ignored";
  const d1 = ctx.db.$client;
  // Stripe is asked only about objects that are ours (an unknown one is acknowledged and ignored).
  const stripe = { get: () => deps.stripe() };
  const object = event.data.object as { id: string; metadata?: Record<string, string> | null };
  if (event.type.startsWith("payment_intent.")) {
    const byMeta = object.metadata?.payment_id;
    const payment = await d1
      .prepare("SELECT id FROM payments WHERE id = ?1 OR provider_id = ?2 LIMIT 1")
      .bind(byMeta ?? "", object.id)
      .first<{ id: string }>();
    if (!payment) return "not ours";
    await applyIntent(ctx, deps, payment.id, await stripe.get().paymentIntents.retrieve(object.id));
    return "payment converged";
  }
  if (event.type === "charge.refunded") {
    const charge = event.data.object as Stripe.Charge;
    const intent = typeof charge.payment_intent === "string" ? charge.payment_intent : charge.payment_intent?.id;
    if (!intent) return "not ours";
    const payment = await d1
      .prepare("SELECT id, customer_id, currency FROM payments WHERE provider_id = ?1")
      .bind(intent)
      .first<{ id: string; customer_id: string; currency: string }>();
    if (!payment) return "not ours";
    for await (const refund of stripe.get().refunds.list({ payment_intent: intent, limit: 100 })) {
      const ours = await d1
        .prepare("SELECT id FROM refunds WHERE id = ?1 OR provider_id = ?2 LIMIT 1")
        .bind(refund.metadata?.refund_id ?? "", refund.id)
        .first<{ id: string }>();
      if (ours) await applyStripeRefund(ctx, ours.id, refund);
      else if (refund.status === "succeeded") {
        // Made outside this system (Stripe's dashboard): recorded, so what we show matches what Stripe did.
        const id = `rfd_${ulid()}`;
        await d1.batch([
          d1
            .prepare(
              `INSERT INTO refunds (id, payment_id, customer_id, amount, currency, status, reason, provider_id, created_by, created_at, updated_at)
               VALUES (?1, ?2, ?3, ?4, ?5, 'succeeded', 'Refunded in Stripe', ?6, 'stripe', ?7, ?7) ON CONFLICT DO NOTHING`,
            )
            .bind(id, payment.id, payment.customer_id, refund.amount, payment.currency, refund.id, ctx.now),
          d1
            .prepare("UPDATE payments SET refunded_amount = refunded_amount + ?2, updated_at = ?3 WHERE id = ?1 AND changes() > 0")
            .bind(payment.id, refund.amount, ctx.now),
        ]);
        await creditRefund(ctx, id);
      }
    }
    return "refunds converged";
  }
  if (event.type === "setup_intent.succeeded") {
    const claimed = (event.data.object as Stripe.SetupIntent).customer;
    const claimedId = typeof claimed === "string" ? claimed : claimed?.id;
    if (!claimedId || !(await d1.prepare("SELECT 1 AS x FROM customers WHERE stripe_customer_id = ?1").bind(claimedId).first())) return "not ours";
    const intent = await stripe.get().setupIntents.retrieve(object.id);
    const stripeCustomer = typeof intent.customer === "string" ? intent.customer : intent.customer?.id;
    const pmId = typeof intent.payment_method === "string" ? intent.payment_method : intent.payment_method?.id;
    if (!stripeCustomer || !pmId || intent.status !== "succeeded") return "not ours";
    const customer = await d1.prepare("SELECT id FROM customers WHERE stripe_customer_id = ?1").bind(stripeCustomer).first<{ id: string }>();
    if (!customer) return "not ours";
    const known = await ctx.db.select({ id: paymentMethods.id }).from(paymentMethods).where(eq(paymentMethods.stripePaymentMethodId, pmId)).get();
    if (known) return "card known";
    const pm = await stripe.get().paymentMethods.retrieve(pmId);
    if (pm.customer !== stripeCustomer) return "card detached since";
    await saveCard(ctx, customer.id, pm, { nickname: null, makeDefault: false });
    return "card saved";
  }
  // payment_method.detached
  const card = await ctx.db.select().from(paymentMethods).where(eq(paymentMethods.stripePaymentMethodId, object.id)).get();
  if (card?.status !== "active") return "not ours";
  // Its latest state; a PaymentMethod Stripe no longer lets us read is no longer usable either.
  const pm = await stripe
    .get()
    .paymentMethods.retrieve(object.id)
    .catch((error: { type?: string }) => {
      if (error.type === "StripeInvalidRequestError") return null;
      throw error;
    });
  if (pm?.customer) return "attached again since";
  await markCardRemoved(ctx, card);
  return "card removed";
}
