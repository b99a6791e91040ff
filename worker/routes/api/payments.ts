import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { addCard, listCards, listExpiringCards, removeCard, updateCard } from "../../domain/payments/cards";
import { getPayment, listPayments, payInvoice } from "../../domain/payments/payments";
import { refundPayment } from "../../domain/payments/refunds";
import { Payment, PaymentCreate, PaymentMethod, PaymentMethodCreate, PaymentMethodPatch, RefundCreate } from "../../domain/payments/schemas";
import type { AppEnv } from "../../env";
import { paymentDeps } from "../../integrations/payments";
import { requireStripe, stripeClient } from "../../integrations/stripe";
import { NotFound } from "../../lib/errors";
import { allowed, assertInScope, customerScope, writeContext } from "../../middleware/access";
import { apiRoute, customerOfPath, IdParam, jsonBody, jsonResponse, PageQuery, pageOf, problems, scopedPage } from "./helpers";

const MONEY_PROBLEMS = problems(400, 401, 402, 403, 404, 409, 415, 422, 503);

export const paymentsApi = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute(
      "billing:read",
      {
        method: "get",
        path: "/customers/{id}/payment-methods",
        tags: ["Payments"],
        summary: "List a customer's saved cards (brand, last 4, expiry; never a card number)",
        request: { params: IdParam, query: z.object({ include_removed: z.enum(["true", "false"]).optional() }) },
        responses: { 200: jsonResponse(z.object({ data: z.array(PaymentMethod) }), "Cards, the default first"), ...problems(400, 401, 403, 404) },
      },
      { customers: true },
    ),
    async (c) => {
      const id = await customerOfPath(c, c.req.valid("param").id);
      return c.json({ data: await listCards(c.get("db"), id, c.req.valid("query").include_removed === "true") }, 200);
    },
  )
  .openapi(
    apiRoute(
      "payments:pay",
      {
        method: "post",
        path: "/customers/{id}/payment-methods",
        tags: ["Payments"],
        summary: "Save a card",
        description:
          "`stripe_payment_method_id` is a PaymentMethod made by Stripe Elements in the browser, or a Stripe test id (`pm_card_visa`, `pm_card_mastercard`, `pm_card_chargeDeclined`, …). It is attached to the customer's Stripe customer (created on first need) by a SetupIntent for off-session use. A card the bank refuses, or one that needs the customer's own 3-D Secure, is a 402 and nothing is saved. The first card becomes the default.",
        request: { params: IdParam, body: jsonBody(PaymentMethodCreate) },
        responses: { 201: jsonResponse(PaymentMethod, "The saved card"), ...MONEY_PROBLEMS },
      },
      { customers: true },
    ),
    async (c) => {
      const id = await customerOfPath(c, c.req.valid("param").id);
      const card = await addCard(writeContext(c), requireStripe(c.env), id, c.req.valid("json"));
      return c.json(card, 201, { Location: `/api/v1/payment-methods/${card.id}` });
    },
  )
  .openapi(
    apiRoute(
      "billing:read",
      {
        method: "get",
        path: "/payment-methods/expiring",
        tags: ["Payments"],
        summary: "Active cards expiring within 60 days, soonest first",
        responses: {
          200: jsonResponse(z.object({ data: z.array(PaymentMethod.extend({ customer_name: z.string() })) }), "Expiring cards"),
          ...problems(401, 403),
        },
      },
      { customers: true },
    ),
    async (c) => c.json({ data: await listExpiringCards(c.get("db"), new Date().toISOString(), customerScope(c)) }, 200),
  )
  .openapi(
    apiRoute(
      "payments:pay",
      {
        method: "patch",
        path: "/payment-methods/{id}",
        tags: ["Payments"],
        summary: "Rename a card or make it the default",
        request: { params: IdParam, body: jsonBody(PaymentMethodPatch) },
        responses: { 200: jsonResponse(PaymentMethod, "The card"), ...problems(400, 401, 403, 404, 415, 422) },
      },
      { customers: true },
    ),
    async (c) => c.json(await updateCard(writeContext(c), c.req.valid("param").id, customerScope(c), c.req.valid("json")), 200),
  )
  .openapi(
    apiRoute(
      "payments:pay",
      {
        method: "delete",
        path: "/payment-methods/{id}",
        tags: ["Payments"],
        summary: "Remove a card (detached at Stripe)",
        description: "The newest remaining card becomes the default if this one was.",
        request: { params: IdParam },
        responses: { 204: { description: "Removed" }, ...problems(401, 403, 404, 503) },
      },
      { customers: true },
    ),
    async (c) => {
      await removeCard(writeContext(c), stripeClient(c.env), c.req.valid("param").id, customerScope(c));
      return c.body(null, 204);
    },
  )
  .openapi(
    apiRoute(
      "billing:read",
      {
        method: "get",
        path: "/payments",
        tags: ["Payments"],
        summary: "List payments, newest first",
        request: {
          query: PageQuery.extend({
            customer_id: z.string().max(64).optional(),
            invoice_id: z.string().max(64).optional(),
            status: z.enum(["pending", "succeeded", "failed"]).optional(),
          }),
        },
        responses: { 200: jsonResponse(pageOf(Payment), "Payments"), ...problems(400, 401, 403) },
      },
      { customers: true },
    ),
    async (c) => {
      const q = c.req.valid("query");
      const page = await scopedPage(c, q.customer_id, (customerId) =>
        listPayments(c.get("db"), { customerId, invoiceId: q.invoice_id, status: q.status }, q.limit, q.cursor),
      );
      return c.json(page, 200);
    },
  )
  .openapi(
    apiRoute(
      "payments:pay",
      {
        method: "post",
        path: "/payments",
        tags: ["Payments"],
        summary: "Pay an invoice (card, or cash / bank transfer recorded by hand)",
        description:
          "Full (no `amount`: what is due and not already being paid) or partial. By card: one off-session PaymentIntent on the given or default saved card, its Idempotency-Key derived from this payment's id, so no retry ever charges twice. A decline is a 402 carrying the failed payment (dunning starts); an unknown outcome (Stripe timeout) answers 201 with `status: pending`, resolved within minutes by asking Stripe. `method: cash|bank_transfer` with a `reference` needs `payments:manual` and is applied at once. Two payments racing for one invoice never pay more than is due (409).",
        request: { body: jsonBody(PaymentCreate) },
        responses: { 201: jsonResponse(Payment, "The payment (succeeded, or pending)"), ...MONEY_PROBLEMS },
      },
      { customers: true, idempotent: true },
    ),
    async (c) => {
      const payment = await payInvoice(writeContext(c), paymentDeps(c.env, new URL(c.req.url).origin), c.req.valid("json"), {
        scope: customerScope(c),
        canRecordManual: allowed(c, "payments:manual"),
        origin: customerScope(c) ? "portal" : "manual",
      });
      return c.json(payment, 201, { Location: `/api/v1/payments/${payment.id}` });
    },
  )
  .openapi(
    apiRoute(
      "billing:read",
      {
        method: "get",
        path: "/payments/{id}",
        tags: ["Payments"],
        summary: "Get a payment with its refunds",
        request: { params: IdParam },
        responses: { 200: jsonResponse(Payment, "The payment"), ...problems(401, 403, 404) },
      },
      { customers: true },
    ),
    async (c) => {
      const payment = await getPayment(c.get("db"), c.req.valid("param").id);
      if (!payment) throw new NotFound("No payment with this id.");
      assertInScope(c, payment.customer_id);
      return c.json(payment, 200);
    },
  )
  .openapi(
    apiRoute(
      "billing:refund",
      {
        method: "post",
        path: "/payments/{id}/refund",
        tags: ["Payments"],
        summary: "Refund a payment, in full or in part",
        description:
          "Never more than what is left of the payment, however many refunds run at once (409). A card payment is refunded through Stripe (its own Idempotency-Key); a cash or transfer payment's refund is recorded. A refund of an invoice payment is shown on a credit note against the invoice.",
        request: { params: IdParam, body: jsonBody(RefundCreate) },
        responses: { 201: jsonResponse(Payment, "The payment with its refunds"), ...MONEY_PROBLEMS },
      },
      { idempotent: true },
    ),
    async (c) => c.json(await refundPayment(writeContext(c), paymentDeps(c.env, new URL(c.req.url).origin), c.req.valid("param").id, c.req.valid("json")), 201),
  );
