import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { getService } from "../../db/queries/services";
import { decidePlanChange, getPlanChangeRequest, listPlanChangeRequests, requestPlanChange } from "../../domain/services/plan-change-requests";
import { optionalText, refId } from "../../domain/validation";
import { serviceDeps } from "../../durable/service-client";
import type { AppEnv } from "../../env";
import { Forbidden, NotFound } from "../../lib/errors";
import { assertInScope, customerScope, writeContext } from "../../middleware/access";
import { apiRoute, IdParam, jsonBody, jsonResponse, PageQuery, pageOf, problems, scopedPage } from "./helpers";

const PlanChangeRequest = z
  .object({
    id: z.string(),
    service_id: z.string(),
    customer_id: z.string(),
    from_product_id: z.string(),
    to_product_id: z.string(),
    to_product_name: z.string(),
    status: z.enum(["pending", "approved", "rejected", "cancelled"]),
    requested_by: z.string(),
    decided_by: z.string().nullable(),
    reason: z.string().nullable(),
    job_id: z.string().nullable().meta({ description: "The change-plan job an approval started" }),
    created_at: z.string(),
    decided_at: z.string().nullable(),
  })
  .meta({ id: "PlanChangeRequest" });

const Decision = z.strictObject({ reason: optionalText(500) });

export const planChangesApi = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute(
      "services:read",
      {
        method: "get",
        path: "/plan-change-requests",
        tags: ["Services"],
        summary: "Plan change requests (from the portal)",
        request: {
          query: PageQuery.extend({
            status: z.enum(["pending", "approved", "rejected", "cancelled"]).optional(),
            service_id: z.string().max(64).optional(),
            customer_id: z.string().max(64).optional(),
          }),
        },
        responses: { 200: jsonResponse(pageOf(PlanChangeRequest), "Newest first"), ...problems(400, 401, 403) },
      },
      { customers: true },
    ),
    async (c) => {
      const q = c.req.valid("query");
      const page = await scopedPage(c, q.customer_id, (customerId) =>
        listPlanChangeRequests(c.get("db"), { status: q.status, serviceId: q.service_id, customerId, limit: q.limit, cursor: q.cursor }),
      );
      return c.json(page, 200);
    },
  )
  .openapi(
    apiRoute(
      "services:request",
      {
        method: "post",
        path: "/services/{id}/plan-change-requests",
        tags: ["Services"],
        summary: "Ask to change a service's plan (customers)",
        description:
          "A portal customer's request. When the new plan's product says `plan_change_approval`, the request waits for staff (`POST /plan-change-requests/{id}/approve`); otherwise it is approved at once and the change-plan job starts (same proration as a staff change). One pending request per service (409).",
        request: { params: IdParam, body: jsonBody(z.strictObject({ product_id: refId })) },
        responses: { 201: jsonResponse(PlanChangeRequest, "The request (pending, or approved with its job)"), ...problems(400, 401, 403, 404, 409, 415, 422) },
      },
      { customers: true },
    ),
    async (c) => {
      const id = c.req.valid("param").id;
      const scope = customerScope(c);
      const service = await getService(c.get("db"), id);
      if (!service) throw new NotFound("No service with this id.");
      assertInScope(c, service.customer_id);
      const request = await requestPlanChange(writeContext(c), serviceDeps(c.env), id, c.req.valid("json").product_id, scope ?? service.customer_id);
      return c.json(request, 201);
    },
  );

for (const [verb, approve] of [
  ["approve", true],
  ["reject", false],
] as const) {
  planChangesApi.openapi(
    apiRoute("services:write", {
      method: "post",
      path: `/plan-change-requests/{id}/${verb}`,
      tags: ["Services"],
      summary: approve ? "Approve a plan change request (starts the change-plan job)" : "Reject a plan change request",
      request: { params: IdParam, body: jsonBody(Decision) },
      responses: { 200: jsonResponse(PlanChangeRequest, "The decided request"), ...problems(400, 401, 403, 404, 409, 415, 422) },
    }),
    async (c) => {
      // Customers never decide (the route is staff-only); a request id that does not exist is a 404.
      if (customerScope(c)) throw new Forbidden("Staff only.");
      const id = c.req.valid("param").id;
      if (!(await getPlanChangeRequest(c.get("db"), id))) throw new NotFound("No plan change request with this id.");
      return c.json(await decidePlanChange(writeContext(c), serviceDeps(c.env), id, { approve, reason: c.req.valid("json").reason ?? null }), 200);
    },
  );
}
