import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { listActivity } from "../../db/queries/activity";
import { findCustomerRow } from "../../db/queries/customers";
import { cursorParam, pageLimit } from "../../domain/validation";
import type { AppEnv } from "../../env";
import { NotFound } from "../../lib/errors";
import { apiRoute, IdParam, jsonResponse, pageOf, problems } from "./helpers";

export const ActivityEntry = z
  .object({
    id: z.string(),
    at: z.string(),
    actor: z.object({ type: z.enum(["user", "api_key", "system", "customer"]), id: z.string().nullable(), label: z.string() }),
    entity: z.string(),
    entity_id: z.string(),
    customer_id: z.string().nullable(),
    action: z.string(),
    changes: z.record(z.string(), z.object({ before: z.unknown(), after: z.unknown() })),
    request_id: z.string().nullable(),
  })
  .meta({ id: "ActivityEntry" });

const ListQuery = z.object({
  entity: z.string().max(40).optional().meta({ example: "customer" }),
  entity_id: z.string().max(64).optional(),
  actor: z.string().max(64).optional().meta({ description: "Actor id (user or API key id)" }),
  action: z.string().max(60).optional().meta({ example: "customer.update" }),
  customer_id: z.string().max(64).optional(),
  limit: pageLimit,
  cursor: cursorParam,
});

export const activityApi = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute("activity:read", {
      method: "get",
      path: "/activity",
      tags: ["Activity"],
      summary: "Browse the activity log",
      description: "Newest first. The log is append-only: the database refuses updates and deletes.",
      request: { query: ListQuery },
      responses: { 200: jsonResponse(pageOf(ActivityEntry), "A page of entries"), ...problems(400, 401, 403) },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const page = await listActivity(c.get("db"), {
        entity: q.entity,
        entityId: q.entity_id,
        actor: q.actor,
        action: q.action,
        customerId: q.customer_id,
        limit: q.limit,
        cursor: q.cursor,
      });
      return c.json(page, 200);
    },
  )
  .openapi(
    apiRoute("activity:read", {
      method: "get",
      path: "/customers/{id}/activity",
      tags: ["Activity"],
      summary: "A customer's activity",
      description: "Everything recorded about the customer, its contacts and its sites.",
      request: { params: IdParam, query: z.object({ limit: pageLimit, cursor: cursorParam }) },
      responses: { 200: jsonResponse(pageOf(ActivityEntry), "A page of entries"), ...problems(400, 401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      if (!(await findCustomerRow(c.get("db"), id))) throw new NotFound("No customer with this id.");
      const q = c.req.valid("query");
      return c.json(await listActivity(c.get("db"), { customerId: id, limit: q.limit, cursor: q.cursor }), 200);
    },
  );
