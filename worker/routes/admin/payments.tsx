import type { Context } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import { getCustomer } from "../../db/queries/customers";
import { getInvoice } from "../../db/queries/invoices";
import { updateCustomer } from "../../domain/customers/update-customer";
import { addCard, getCard, listExpiringCards, removeCard, updateCard } from "../../domain/payments/cards";
import { dunningStepNow } from "../../domain/payments/dunning-run";
import { getPaymentRow, listPayments, payInvoice } from "../../domain/payments/payments";
import { refundPayment } from "../../domain/payments/refunds";
import { PaymentCreate, PaymentMethodCreate, RefundCreate } from "../../domain/payments/schemas";
import type { AppEnv } from "../../env";
import { t } from "../../i18n/request-locale";
import { paymentDeps } from "../../integrations/payments";
import { requireStripe, stripeClient } from "../../integrations/stripe";
import { currencyExponent } from "../../lib/charging-units";
import { AppError, NotFound } from "../../lib/errors";
import { allowed, can, writeContext } from "../../middleware/access";
import { formatMoney, parseMoney } from "../../views/format";
import { invoiceName } from "../../views/invoices";
import { cardLabel, ExpiringCardsPage, PaymentsPage } from "../../views/payments";
import { pageContext, redirectWithNotice } from "./context";
import { renderCustomerPage } from "./customers";
import { attempt, readForm, reasonOf, text, validate } from "./forms";
import { invoicePage } from "./invoices";

const ListQuery = z.object({
  status: z.enum(["pending", "succeeded", "failed"]).optional().catch(undefined),
  customer_id: z.string().max(64).optional().catch(undefined),
  cursor: z.string().max(500).optional().catch(undefined),
});

/** A form's amount in minor units: undefined when empty, null when not a money amount. */
function amountOf(raw: string | null | undefined, currency: string): number | undefined | null {
  if (!raw) return undefined;
  return parseMoney(raw, currencyExponent(currency));
}

/** The customer page again with the outcome of a card or auto-pay action (`notice` names the customer once done). */
async function customerOutcome(c: Context<AppEnv>, customerId: string, run: () => Promise<unknown>, notice: (customerName: string) => string) {
  const customer = await getCustomer(c.get("db"), customerId);
  if (!customer) throw new NotFound("No customer with this id.");
  const result = await attempt(run);
  if (!result.ok) return renderCustomerPage(c, customer, { payment: { message: result.message } }, 422);
  return redirectWithNotice(c, `/admin/customers/${customerId}#payments-card`, notice(customer.name));
}

export const paymentPages = new Hono<AppEnv>()
  .get("/payments", can("billing:read"), async (c) => {
    const q = ListQuery.parse(c.req.query());
    const page = await listPayments(c.get("db"), { status: q.status, customerId: q.customer_id }, 50, q.cursor);
    return c.html(
      <PaymentsPage
        ctx={pageContext(c)}
        payments={page.data}
        filter={{ status: q.status, customer_id: q.customer_id }}
        nextCursor={page.next_cursor}
        hasCursor={Boolean(q.cursor)}
        canRefund={allowed(c, "billing:refund")}
      />,
    );
  })
  .get("/payments/expiring-cards", can("billing:read"), async (c) =>
    c.html(<ExpiringCardsPage ctx={pageContext(c)} cards={await listExpiringCards(c.get("db"), new Date().toISOString())} />),
  )
  .post("/invoices/:id/payments", can("payments:pay"), async (c) => {
    const id = c.req.param("id");
    const invoice = await getInvoice(c.get("db"), id);
    if (!invoice) throw new NotFound("No invoice with this id.");
    const body = await readForm(c);
    const amount = amountOf(text(body, "amount"), invoice.currency);
    if (amount === null) return invoicePage(c, id, { payment: { errors: { amount: t("billing.error.amount") }, message: t("admin.correct_fields") } }, 422);
    const parsed = validate(PaymentCreate, {
      invoice_id: id,
      method: text(body, "method") ?? "card",
      ...(amount ? { amount } : {}),
      ...(text(body, "payment_method_id") ? { payment_method_id: text(body, "payment_method_id") } : {}),
      ...(text(body, "reference") ? { reference: text(body, "reference") } : {}),
    });
    if (!parsed.ok) return invoicePage(c, id, { payment: { errors: parsed.errors, message: t("admin.correct_fields") } }, 422);
    try {
      const payment = await payInvoice(writeContext(c), paymentDeps(c.env, new URL(c.req.url).origin), parsed.data, {
        scope: null,
        canRecordManual: allowed(c, "payments:manual"),
        origin: "manual",
      });
      const paid = { amount: formatMoney(payment.amount, payment.currency), invoice: invoiceName(invoice) };
      return redirectWithNotice(
        c,
        `/admin/invoices/${id}#payments-card`,
        payment.status === "pending" ? t("notice.payment_pending", paid) : t("notice.payment_recorded", paid),
      );
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return invoicePage(
        c,
        id,
        { payment: { message: error.message } },
        error.status === 402 ? 402 : error.status === 403 ? 403 : error.status === 422 ? 422 : 409,
      );
    }
  })
  .post("/invoices/:id/dunning-step", can("payments:manual"), async (c) => {
    const id = c.req.param("id");
    const result = await attempt(() => dunningStepNow(writeContext(c), paymentDeps(c.env, new URL(c.req.url).origin), id));
    if (!result.ok) return invoicePage(c, id, { payment: { message: result.message } }, 409);
    const invoice = await getInvoice(c.get("db"), id);
    return redirectWithNotice(
      c,
      `/admin/invoices/${id}#payments-card`,
      t("overview.notice.dunning", { invoice: invoice ? invoiceName(invoice) : t("overview.notice.the_invoice_lower") }),
    );
  })
  .post("/payments/refund", can("billing:refund"), async (c) => {
    const body = await readForm(c);
    const payment = await getPaymentRow(c.get("db"), text(body, "payment_id") ?? "");
    if (!payment) throw new NotFound("No payment with this id.");
    const back = payment.invoiceId ? `/admin/invoices/${payment.invoiceId}` : `/admin/customers/${payment.customerId}`;
    const amount = amountOf(text(body, "amount"), payment.currency);
    const parsed = amount === null ? null : validate(RefundCreate, { ...(amount ? { amount } : {}), reason: text(body, "reason") ?? "" });
    const fail = async (message: string, status: 409 | 422) =>
      payment.invoiceId
        ? invoicePage(c, payment.invoiceId, { payment: { message } }, status)
        : renderCustomerPage(c, (await getCustomer(c.get("db"), payment.customerId)) ?? (undefined as never), { payment: { message } }, status);
    if (!parsed) return fail(t("billing.error.refund_amount"), 422);
    // The same rule as every confirmation: the reason is kept in the activity log.
    const reason = reasonOf(body);
    if (!reason.ok) return fail(t("billing.error.refund", { errors: reason.error }), 422);
    if (!parsed.ok) return fail(t("billing.error.refund", { errors: Object.values(parsed.errors).join("; ") }), 422);
    const result = await attempt(() => refundPayment(writeContext(c), paymentDeps(c.env, new URL(c.req.url).origin), payment.id, parsed.data));
    if (!result.ok) return fail(result.message ?? t("billing.error.refund_refused"), 409);
    const refunded = formatMoney(parsed.data.amount ?? payment.amount - payment.refundedAmount, payment.currency);
    return redirectWithNotice(c, `${back}#payments-card`, t("overview.notice.refund", { amount: refunded, id: payment.id }));
  })
  .post("/customers/:id/payment-methods", can("payments:pay"), async (c) => {
    const id = c.req.param("id");
    const body = await readForm(c);
    const parsed = validate(PaymentMethodCreate, { stripe_payment_method_id: text(body, "stripe_payment_method_id") ?? "", nickname: text(body, "nickname") });
    return customerOutcome(
      c,
      id,
      async () => {
        if (!parsed.ok) throw new AppError(422, "Validation failed", Object.values(parsed.errors).join("; "));
        return addCard(writeContext(c), requireStripe(c.env), id, parsed.data);
      },
      (name) => t("notice.card_saved", { name }),
    );
  })
  .post("/payment-methods/:id/default", can("payments:pay"), async (c) => {
    const card = await getCard(c.get("db"), c.req.param("id"));
    if (!card) throw new NotFound("No saved card with this id.");
    return customerOutcome(
      c,
      card.customerId,
      () => updateCard(writeContext(c), card.id, null, { default: true }),
      (name) => t("overview.notice.card_default", { card: cardLabel(card), name }),
    );
  })
  .post("/payment-methods/:id/remove", can("payments:pay"), async (c) => {
    const card = await getCard(c.get("db"), c.req.param("id"));
    if (!card) throw new NotFound("No saved card with this id.");
    return customerOutcome(
      c,
      card.customerId,
      () => removeCard(writeContext(c), stripeClient(c.env), card.id, null),
      (name) => t("overview.notice.card_removed", { card: cardLabel(card), name }),
    );
  })
  .post("/customers/:id/auto-pay", can("payments:pay"), async (c) => {
    const id = c.req.param("id");
    const on = text(await readForm(c), "auto_pay") === "true";
    return customerOutcome(
      c,
      id,
      () => updateCustomer(writeContext(c), id, { auto_pay: on }),
      (name) => t(on ? "overview.notice.auto_pay_on" : "overview.notice.auto_pay_off", { name }),
    );
  });
