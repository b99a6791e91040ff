import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import { getService, listServices, serviceUsage } from "../../db/queries/services";
import { BALANCE_UNITS } from "../../domain/catalog/schemas";
import { queueBalanceSync } from "../../domain/jobs/sync";
import { Payment } from "../../domain/payments/schemas";
import { payTopUp } from "../../domain/payments/top-ups";
import { SERVICE_ACTION_NAMES, SERVICE_ACTIONS } from "../../domain/services/actions";
import { attachAddon } from "../../domain/services/attach-addon";
import { changePlan } from "../../domain/services/change-plan";
import { changeServiceStatus } from "../../domain/services/change-status";
import { orderService } from "../../domain/services/order-service";
import { Balance, Job, Service, ServiceOrder, StatusChangeInput, TopUp } from "../../domain/services/schemas";
import { SERVICE_STATUSES } from "../../domain/services/state";
import { unwrap } from "../../domain/services/support";
import { topUpService } from "../../domain/services/top-up";
import { updateService } from "../../domain/services/update-service";
import { refId } from "../../domain/validation";
import { serviceDeps } from "../../durable/service-client";
import type { AppEnv } from "../../env";
import { paymentDeps } from "../../integrations/payments";
import { NotFound, PaymentFailed } from "../../lib/errors";
import { assertInScope, customerScope, writeContext } from "../../middleware/access";
import { apiRoute, EMPTY_PAGE, IdParam, jsonBody, jsonResponse, keyOf, listCustomer, PageQuery, pageOf, problems } from "./helpers";

/** Loads a service the caller may see (customer principals: only their own), or 404. */
async function visibleService(c: Context<AppEnv>, id: string) {
  const service = await getService(c.get("db"), id);
  if (!service) throw new NotFound("No service with this id.");
  assertInScope(c, service.customer_id);
  return service;
}

const ProductRef = z.strictObject({ product_id: z.string().min(1).max(64) });
const Usage = z
  .object({ service_id: z.string(), since: z.string(), days: z.array(z.object({ day: z.string(), unit: z.enum(BALANCE_UNITS), amount: z.number().int() })) })
  .meta({ id: "Usage" });

export const servicesApi = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute(
      "services:write",
      {
        method: "post",
        path: "/customers/{id}/services",
        tags: ["Services"],
        summary: "Order a product for a customer",
        description:
          "Creates the service `pending` (a bundle also creates one service per component, linked to it), its provisioning job and the setup charge in one write; the job is queued.",
        request: { params: IdParam, body: jsonBody(ServiceOrder) },
        responses: {
          202: jsonResponse(z.object({ service: Service, job: Job }), "The pending service and its job"),
          ...problems(400, 401, 403, 404, 409, 415, 422),
        },
      },
      { idempotent: true },
    ),
    async (c) => c.json(await orderService(writeContext(c), serviceDeps(c.env, new URL(c.req.url).origin), c.req.valid("param").id, c.req.valid("json")), 202),
  )
  .openapi(
    apiRoute(
      "services:read",
      {
        method: "get",
        path: "/services",
        tags: ["Services"],
        summary: "List services",
        request: {
          query: PageQuery.extend({
            customer_id: z.string().max(64).optional(),
            status: z.enum(SERVICE_STATUSES).optional(),
            product_id: z.string().max(64).optional(),
            parent_service_id: z.string().max(64).optional(),
          }),
        },
        responses: { 200: jsonResponse(pageOf(Service), "Services, newest first"), ...problems(400, 401, 403) },
      },
      { customers: true },
    ),
    async (c) => {
      const q = c.req.valid("query");
      const scoped = listCustomer(c, q.customer_id);
      if (!scoped) return c.json(EMPTY_PAGE, 200);
      return c.json(
        await listServices(c.get("db"), {
          customerId: scoped.customerId,
          status: q.status,
          productId: q.product_id,
          parentId: q.parent_service_id,
          limit: q.limit,
          cursor: q.cursor,
        }),
        200,
      );
    },
  )
  .openapi(
    apiRoute(
      "services:read",
      {
        method: "get",
        path: "/services/{id}",
        tags: ["Services"],
        summary: "Get a service",
        request: { params: IdParam },
        responses: { 200: jsonResponse(Service, "The service"), ...problems(401, 403, 404) },
      },
      { customers: true },
    ),
    async (c) => c.json(await visibleService(c, c.req.valid("param").id), 200),
  )
  .openapi(
    apiRoute("services:write", {
      method: "patch",
      path: "/services/{id}",
      tags: ["Services"],
      summary: "Change a service's site or contact",
      request: {
        params: IdParam,
        body: jsonBody(z.strictObject({ site_id: refId.nullable().optional(), contact_id: refId.nullable().optional() })),
      },
      responses: { 200: jsonResponse(Service, "The service"), ...problems(400, 401, 403, 404, 409, 415, 422) },
    }),
    async (c) => c.json(await updateService(writeContext(c), serviceDeps(c.env), c.req.valid("param").id, c.req.valid("json"), keyOf(c)), 200),
  )
  .openapi(
    apiRoute(
      "services:read",
      {
        method: "get",
        path: "/services/{id}/balance",
        tags: ["Balances"],
        summary: "A service's balance",
        description:
          "From its ServiceState object: buckets per unit (monetary in minor units, data in bytes, voice in seconds, SMS count), pending amounts, expiry.",
        request: { params: IdParam },
        responses: { 200: jsonResponse(Balance, "Balance buckets"), ...problems(401, 403, 404) },
      },
      { customers: true },
    ),
    async (c) => {
      const service = await visibleService(c, c.req.valid("param").id);
      return c.json(unwrap(await serviceDeps(c.env).state(service.id).snapshot(service.id)), 200);
    },
  )
  .openapi(
    apiRoute(
      "services:read",
      {
        method: "get",
        path: "/services/{id}/usage",
        tags: ["Balances"],
        summary: "A service's daily usage",
        request: { params: IdParam, query: z.object({ days: z.coerce.number().int().min(1).max(366).default(30) }) },
        responses: { 200: jsonResponse(Usage, "Usage per day and unit"), ...problems(400, 401, 403, 404) },
      },
      { customers: true },
    ),
    async (c) => {
      const service = await visibleService(c, c.req.valid("param").id);
      const since = new Date(Date.now() - (c.req.valid("query").days - 1) * 86_400_000).toISOString().slice(0, 10);
      const rows = await serviceUsage(c.get("db"), service.id, since);
      return c.json({ service_id: service.id, since, days: rows.map((r) => ({ day: r.day, unit: r.unit, amount: r.amount })) }, 200);
    },
  )
  .openapi(
    apiRoute("services:provision", {
      method: "post",
      path: "/services/{id}/sync",
      tags: ["Balances"],
      summary: "Read a service's usage from CGRateS now",
      description:
        "Queues a `sync_balance` job: the runner reads the account and the last 30 days of CDRs, and the usage chart is updated. Live services are also synced every 6 hours. A bundle has no account of its own (409): its component services are synced.",
      request: { params: IdParam },
      responses: {
        202: jsonResponse(z.object({ job: z.object({ id: z.string(), type: z.string(), status: z.string() }) }), "The sync job"),
        ...problems(401, 403, 404, 409),
      },
    }),
    async (c) => {
      const job = await queueBalanceSync(writeContext(c), serviceDeps(c.env, new URL(c.req.url).origin), c.req.valid("param").id);
      return c.json({ job: { id: job.id, type: job.type, status: job.status } }, 202);
    },
  )
  .openapi(
    apiRoute(
      "services:topup",
      {
        method: "post",
        path: "/services/{id}/top-ups",
        tags: ["Balances"],
        summary: "Top up a service",
        description:
          "The balance shows the credit at once as pending; the CGRateS job confirms it, a failed job reverses it. The charge is recorded once per Idempotency-Key. Paid by card (`payment_method`: a saved card id; portal customers always pay, with their default card unless they name one): the price, tax included, is charged first and the service is credited only once the payment succeeded (a decline is a 402 and credits nothing); a top-up whose provisioning fails is refunded; a provisioned one gets a receipt.",
        request: { params: IdParam, body: jsonBody(TopUp) },
        responses: {
          202: jsonResponse(
            z
              .object({
                id: z.string(),
                status: z.literal("pending"),
                balance: Balance.nullable(),
                payment: Payment.optional().meta({ description: "A top-up paid by card: its payment (the credit follows its success)" }),
              })
              .meta({ id: "TopUp" }),
            "The pending top-up",
          ),
          ...problems(400, 401, 402, 403, 404, 409, 415, 422, 503),
        },
      },
      { customers: true, idempotent: "domain" },
    ),
    async (c) => {
      const input = c.req.valid("json");
      const scope = customerScope(c);
      // Paid by card: always for a portal customer (their default card unless they name one), and for
      // staff when they name a card. The service is credited once the payment succeeded.
      if (scope !== null || input.payment_method) {
        const payment = await payTopUp(writeContext(c), paymentDeps(c.env, new URL(c.req.url).origin), c.req.valid("param").id, input, {
          scope,
          origin: scope ? "portal" : "manual",
          requestKey: keyOf(c),
        });
        if (payment.replayed) c.header("Idempotent-Replayed", "true");
        if (payment.status === "failed")
          throw new PaymentFailed(`The card was declined: ${payment.failure_message ?? ""}`, { code: payment.failure_code, payment });
        const id = c.req.valid("param").id;
        const balance = payment.status === "succeeded" ? unwrap(await serviceDeps(c.env).state(id).snapshot(id)) : null;
        return c.json({ id: payment.id, status: "pending" as const, balance, payment }, 202);
      }
      const { id, status, balance, replayed } = await topUpService(writeContext(c), serviceDeps(c.env), c.req.valid("param").id, input, keyOf(c), scope);
      // Same contract as the generic Idempotency-Key store: a replay says so.
      if (replayed) c.header("Idempotent-Replayed", "true");
      return c.json({ id, status, balance }, 202);
    },
  )
  .openapi(
    apiRoute(
      "services:write",
      {
        method: "post",
        path: "/services/{id}/change-plan",
        tags: ["Services"],
        summary: "Change a service's plan (with proration)",
        description:
          "Also migrates a service to its product's current version. The unused part of the old monthly price is credited and the new price charged for the rest of the month.",
        request: { params: IdParam, body: jsonBody(ProductRef) },
        responses: {
          202: jsonResponse(
            z.object({
              service: Service,
              job: Job,
              proration: z.object({ credit: z.number(), charge: z.number(), remainingSeconds: z.number(), periodSeconds: z.number() }).nullable(),
              balances: z
                .object({
                  remove: z.array(z.string()).meta({ description: "CGRateS ids of the old plan's included balances, removed" }),
                  grants: z.array(
                    z
                      .object({ id: z.string(), unit: z.enum(BALANCE_UNITS), amount: z.number().int(), validity_days: z.number().int().nullable() })
                      .passthrough(),
                  ),
                })
                .meta({ description: "What the change does to balances: money, top-ups and add-ons are kept" }),
            }),
            "The service on its new plan",
          ),
          ...problems(400, 401, 403, 404, 409, 415, 422),
        },
      },
      { idempotent: true },
    ),
    async (c) => c.json(await changePlan(writeContext(c), serviceDeps(c.env), c.req.valid("param").id, c.req.valid("json").product_id, keyOf(c)), 202),
  )
  .openapi(
    apiRoute(
      "services:write",
      {
        method: "post",
        path: "/services/{id}/addons",
        tags: ["Services"],
        summary: "Attach an add-on or a promotion",
        request: { params: IdParam, body: jsonBody(ProductRef) },
        responses: {
          202: jsonResponse(
            z.object({ service: Service, job: Job.nullable(), addon_id: z.string(), balance: Balance.nullable() }),
            "The service, and for an add-on with balances its job (the balances are pending until the job has run the add-on's action set in CGRateS); a promotion has no job",
          ),
          ...problems(400, 401, 403, 404, 409, 415, 422),
        },
      },
      { idempotent: true },
    ),
    async (c) => c.json(await attachAddon(writeContext(c), serviceDeps(c.env), c.req.valid("param").id, c.req.valid("json").product_id, keyOf(c)), 202),
  );

// Lifecycle: one route per transition, each a provisioning job; illegal moves are 409.
for (const transition of SERVICE_ACTION_NAMES) {
  const rule = SERVICE_ACTIONS[transition];
  servicesApi.openapi(
    apiRoute(
      rule.permission,
      {
        method: "post",
        path: `/services/{id}/${transition}`,
        tags: ["Services"],
        summary: `${transition[0]?.toUpperCase()}${transition.slice(1)} a service`,
        description: `${rule.help}. Refused with 409 from any other status. The body (\`{reason}\`) is optional; the reason is kept in the activity log.`,
        request: { params: IdParam, body: { required: false, content: { "application/json": { schema: StatusChangeInput } } } },
        responses: { 202: jsonResponse(z.object({ service: Service, job: Job }), "The service and its job"), ...problems(400, 401, 403, 404, 409, 422) },
      },
      { idempotent: true },
    ),
    async (c) => {
      const body = (c.req.valid("json") as z.infer<typeof StatusChangeInput> | undefined) ?? {};
      const { service, job } = await changeServiceStatus(
        writeContext(c),
        serviceDeps(c.env),
        c.req.valid("param").id,
        transition,
        keyOf(c),
        body.reason ?? null,
      );
      return c.json({ service, job }, 202);
    },
  );
}
