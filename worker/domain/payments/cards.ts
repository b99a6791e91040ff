/**
 * Saved cards. Stripe holds the card; a SetupIntent (off-session usage) attaches it to the customer's
 * Stripe customer, and we keep brand, last 4 digits, expiry and a nickname — never a card number.
 * One default card per customer (the first one saved); removing the default promotes the newest.
 */
import { and, desc, eq, sql } from "drizzle-orm";
import type Stripe from "stripe";
import type { Db } from "../../db/client";
import { prepared } from "../../db/client";
import { customers, paymentMethods } from "../../db/schema";
import { Conflict, NotFound, PaymentFailed } from "../../lib/errors";
import { ulid } from "../../lib/ids";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";
import type { PaymentMethodCreateInput, PaymentMethodPatchInput, PaymentMethodView } from "./schemas";

/** Cards that expire within this many days are flagged (and their owners reminded once). */
export const EXPIRY_WARNING_DAYS = 60;

type CardRow = typeof paymentMethods.$inferSelect;

/** Whether a card (valid to the end of its expiry month) stops working within `days` of `now`. */
export function expiresWithin(card: { expMonth: number; expYear: number }, now: string, days = EXPIRY_WARNING_DAYS): boolean {
  const end = Date.UTC(card.expYear, card.expMonth, 1); // first instant after the expiry month
  return end - Date.parse(now) <= days * 86_400_000;
}

export function toPaymentMethodView(row: CardRow, now = new Date().toISOString()): PaymentMethodView {
  return {
    id: row.id,
    customer_id: row.customerId,
    stripe_payment_method_id: row.stripePaymentMethodId,
    brand: row.brand,
    last4: row.last4,
    exp_month: row.expMonth,
    exp_year: row.expYear,
    nickname: row.nickname,
    default: row.isDefault,
    status: row.status,
    expires_soon: row.status === "active" && expiresWithin(row, now),
    created_at: row.createdAt,
  };
}

export async function listCards(db: Db, customerId: string, includeRemoved = false): Promise<PaymentMethodView[]> {
  const rows = await db
    .select()
    .from(paymentMethods)
    .where(includeRemoved ? eq(paymentMethods.customerId, customerId) : and(eq(paymentMethods.customerId, customerId), eq(paymentMethods.status, "active")))
    .orderBy(desc(paymentMethods.isDefault), desc(paymentMethods.id));
  return rows.map((r) => toPaymentMethodView(r));
}

/** The month `days` from now: a card (valid to the end of its month) expires within the window if its (year, month) is before it, as `expiresWithin` says. */
export function expiryBound(now: string, days = EXPIRY_WARNING_DAYS): { year: number; month: number } {
  const soon = new Date(Date.parse(now) + days * 86_400_000);
  return { year: soon.getUTCFullYear(), month: soon.getUTCMonth() + 1 };
}

/** Active cards expiring within 60 days (of one customer, or all), soonest first, with their customer's name. */
export async function listExpiringCards(db: Db, now: string, customerId: string | null = null): Promise<(PaymentMethodView & { customer_name: string })[]> {
  const { year, month } = expiryBound(now);
  const rows = await db
    .select({ card: paymentMethods, customerName: customers.name })
    .from(paymentMethods)
    .innerJoin(customers, eq(customers.id, paymentMethods.customerId))
    .where(
      and(
        eq(paymentMethods.status, "active"),
        sql`(${paymentMethods.expYear} < ${year} OR (${paymentMethods.expYear} = ${year} AND ${paymentMethods.expMonth} < ${month}))`,
        customerId ? eq(paymentMethods.customerId, customerId) : undefined,
      ),
    )
    .orderBy(paymentMethods.expYear, paymentMethods.expMonth, paymentMethods.id)
    .limit(500);
  return rows.map((r) => ({ ...toPaymentMethodView(r.card, now), customer_name: r.customerName }));
}

export async function getCard(db: Db, id: string): Promise<CardRow | undefined> {
  return db.select().from(paymentMethods).where(eq(paymentMethods.id, id)).get();
}

/** The card a payment uses: the one asked for (active, the customer's own) or the default one. */
export async function cardFor(db: Db, customerId: string, id: string | null | undefined): Promise<CardRow> {
  const row = id
    ? await getCard(db, id)
    : await db
        .select()
        .from(paymentMethods)
        .where(and(eq(paymentMethods.customerId, customerId), eq(paymentMethods.status, "active"), eq(paymentMethods.isDefault, true)))
        .get();
  if (id && (row?.customerId !== customerId || row.status !== "active")) throw new NotFound("No saved card with this id for this customer.");
  if (!row) throw new Conflict("This customer has no saved card: save one first (POST /customers/{id}/payment-methods).", { code: "no_payment_method" });
  return row;
}

/** The customer's Stripe customer, created on first need (one per customer: the Idempotency-Key is the customer id). */
export async function ensureStripeCustomer(ctx: WriteContext, stripe: Stripe, customerId: string): Promise<string> {
  const row = await ctx.db
    .select({ id: customers.id, name: customers.name, stripe: customers.stripeCustomerId })
    .from(customers)
    .where(eq(customers.id, customerId))
    .get();
  if (!row) throw new NotFound("No customer with this id.");
  if (row.stripe) return row.stripe;
  const created = await stripe.customers.create({ name: row.name, metadata: { customer_id: row.id } }, { idempotencyKey: `customer:${row.id}` });
  // Written only when none was set; a concurrent request set the same one (same key → same customer).
  await ctx.db.$client.prepare("UPDATE customers SET stripe_customer_id = ?2 WHERE id = ?1 AND stripe_customer_id IS NULL").bind(row.id, created.id).run();
  return created.id;
}

function cardDetails(pm: Stripe.PaymentMethod) {
  const card = pm.card;
  return { brand: card?.brand ?? "card", last4: card?.last4 ?? "????", expMonth: card?.exp_month ?? 1, expYear: card?.exp_year ?? 1970 };
}

/**
 * Saves a card: a SetupIntent for off-session use, confirmed with the PaymentMethod (Stripe Elements'
 * `pm_…`, or a test id in simulator mode). A card the bank refuses, or one that needs the customer's
 * own authentication, is a 402 and nothing is saved.
 */
export async function addCard(ctx: WriteContext, stripe: Stripe, customerId: string, input: PaymentMethodCreateInput): Promise<PaymentMethodView> {
  const stripeCustomer = await ensureStripeCustomer(ctx, stripe, customerId);
  let intent: Stripe.SetupIntent;
  try {
    intent = await stripe.setupIntents.create(
      {
        customer: stripeCustomer,
        payment_method: input.stripe_payment_method_id,
        allowed_payment_method_types: ["card"],
        confirm: true,
        usage: "off_session",
        metadata: { customer_id: customerId },
      },
      { idempotencyKey: `setup:${customerId}:${input.stripe_payment_method_id}:${ctx.requestId ?? ctx.now}` },
    );
  } catch (error) {
    const e = error as { type?: string; code?: string; message?: string; statusCode?: number };
    if (e.type === "StripeCardError" || e.statusCode === 402)
      throw new PaymentFailed(e.message ?? "The card was refused.", { code: e.code ?? "card_declined" });
    if (e.type === "StripeInvalidRequestError" && e.code === "resource_missing") throw new NotFound("Stripe knows no PaymentMethod with this id.");
    throw error;
  }
  if (intent.status !== "succeeded") {
    const code = intent.last_setup_error?.code ?? (intent.status === "requires_action" ? "authentication_required" : intent.status);
    throw new PaymentFailed(
      intent.status === "requires_action"
        ? "This card needs the customer's own authentication (3-D Secure): save it from the portal."
        : "The card was refused.",
      { code, setup_intent: intent.id },
    );
  }
  const pmId = typeof intent.payment_method === "string" ? intent.payment_method : (intent.payment_method?.id ?? "");
  const pm = await stripe.paymentMethods.retrieve(pmId);
  return saveCard(ctx, customerId, pm, { nickname: input.nickname ?? null, makeDefault: input.default ?? false });
}

/**
 * Records a card Stripe attached to the customer (from `addCard` or the `setup_intent.succeeded`
 * webhook): once per PaymentMethod id, default when it is the customer's first active card.
 */
export async function saveCard(
  ctx: WriteContext,
  customerId: string,
  pm: Stripe.PaymentMethod,
  opts: { nickname: string | null; makeDefault: boolean },
): Promise<PaymentMethodView> {
  const d1 = ctx.db.$client;
  const id = `pmt_${ulid()}`;
  const { brand, last4, expMonth, expYear } = cardDetails(pm);
  const statements = [
    d1
      .prepare(
        `INSERT INTO payment_methods (id, customer_id, stripe_payment_method_id, brand, last4, exp_month, exp_year, nickname, is_default, status, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,
                 NOT EXISTS (SELECT 1 FROM payment_methods WHERE customer_id = ?2 AND status = 'active' AND is_default = 1), 'active', ?9, ?9)
         ON CONFLICT (stripe_payment_method_id) DO NOTHING`,
      )
      .bind(id, customerId, pm.id, brand, last4, expMonth, expYear, opts.nickname, ctx.now),
    ...(opts.makeDefault ? defaultStatements(d1, customerId, `(SELECT id FROM payment_methods WHERE stripe_payment_method_id = ?2)`, pm.id, ctx.now) : []),
    prepared(
      d1,
      recordActivity(ctx, {
        entity: "payment_method",
        entityId: id,
        customerId,
        action: "payment_method.add",
        after: { brand, last4, exp: `${String(expMonth).padStart(2, "0")}/${expYear}`, nickname: opts.nickname, stripe_payment_method_id: pm.id },
      }),
    ),
  ];
  await d1.batch(statements);
  const row = await ctx.db.select().from(paymentMethods).where(eq(paymentMethods.stripePaymentMethodId, pm.id)).get();
  if (!row) throw new Error("saved card vanished");
  return toPaymentMethodView(row, ctx.now);
}

/** Makes one card (an SQL expression over ?2) the customer's only default. */
function defaultStatements(d1: D1Database, customerId: string, cardExpr: string, arg: string, now: string): D1PreparedStatement[] {
  return [
    d1
      .prepare(`UPDATE payment_methods SET is_default = (id = ${cardExpr}), updated_at = ?3 WHERE customer_id = ?1 AND status = 'active'`)
      .bind(customerId, arg, now),
  ];
}

/** Changes a card's nickname, or makes it the default. */
export async function updateCard(ctx: WriteContext, id: string, scope: string | null, input: PaymentMethodPatchInput): Promise<PaymentMethodView> {
  const card = await getCard(ctx.db, id);
  if (card?.status !== "active" || (scope !== null && card.customerId !== scope)) throw new NotFound("No saved card with this id.");
  const d1 = ctx.db.$client;
  const statements: D1PreparedStatement[] = [];
  if (input.nickname !== undefined)
    statements.push(d1.prepare("UPDATE payment_methods SET nickname = ?2, updated_at = ?3 WHERE id = ?1").bind(id, input.nickname, ctx.now));
  if (input.default) statements.push(...defaultStatements(d1, card.customerId, "?2", id, ctx.now));
  if (statements.length === 0) return toPaymentMethodView(card, ctx.now);
  statements.push(
    prepared(
      d1,
      recordActivity(ctx, {
        entity: "payment_method",
        entityId: id,
        customerId: card.customerId,
        action: "payment_method.update",
        changes: {
          ...(input.nickname !== undefined ? { nickname: { before: card.nickname, after: input.nickname } } : {}),
          ...(input.default ? { default: { before: card.isDefault, after: true } } : {}),
        },
      }),
    ),
  );
  await d1.batch(statements);
  return toPaymentMethodView((await getCard(ctx.db, id)) as CardRow, ctx.now);
}

/**
 * Removes a card: detached at Stripe (a card Stripe no longer has is fine), marked removed here;
 * the newest remaining card becomes the default if this one was.
 */
export async function removeCard(ctx: WriteContext, stripe: Stripe | null, id: string, scope: string | null): Promise<void> {
  const card = await getCard(ctx.db, id);
  if (card?.status !== "active" || (scope !== null && card.customerId !== scope)) throw new NotFound("No saved card with this id.");
  if (stripe) {
    try {
      await stripe.paymentMethods.detach(card.stripePaymentMethodId, {}, { idempotencyKey: `detach:${card.stripePaymentMethodId}` });
    } catch (error) {
      const e = error as { code?: string };
      // Already detached (e.g. from Stripe's dashboard): removing it here is what is left to do.
      if (e.code !== "resource_missing" && e.code !== "payment_method_unexpected_state") throw error;
    }
  }
  await markCardRemoved(ctx, card);
}

/** Marks a card removed (idempotent) and promotes another default; used by `removeCard` and `payment_method.detached`. */
export async function markCardRemoved(ctx: WriteContext, card: CardRow): Promise<void> {
  const d1 = ctx.db.$client;
  await d1.batch([
    d1
      .prepare("UPDATE payment_methods SET status = 'removed', is_default = 0, removed_at = ?2, updated_at = ?2 WHERE id = ?1 AND status = 'active'")
      .bind(card.id, ctx.now),
    d1
      .prepare(
        `UPDATE payment_methods SET is_default = 1, updated_at = ?2
         WHERE id = (SELECT id FROM payment_methods WHERE customer_id = ?1 AND status = 'active' ORDER BY id DESC LIMIT 1)
           AND NOT EXISTS (SELECT 1 FROM payment_methods WHERE customer_id = ?1 AND status = 'active' AND is_default = 1)`,
      )
      .bind(card.customerId, ctx.now),
    prepared(
      d1,
      recordActivity(ctx, {
        entity: "payment_method",
        entityId: card.id,
        customerId: card.customerId,
        action: "payment_method.remove",
        before: { brand: card.brand, last4: card.last4 },
      }),
    ),
  ]);
}
