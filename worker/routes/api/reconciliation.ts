import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { listReconciliation } from "../../db/queries/reconciliation";
import { BALANCE_UNITS } from "../../domain/catalog/schemas";
import { resolveDifference } from "../../domain/charging/resolve-difference";
import { cursorParam, pageLimit } from "../../domain/validation";
import type { AppEnv } from "../../env";
import { writeContext } from "../../middleware/access";
import { apiRoute, jsonBody, jsonResponse, pageOf, problems } from "./helpers";

export const Difference = z
  .object({
    service_id: z.string(),
    customer_id: z.string(),
    product_name: z.string(),
    identifiers: z.record(z.string(), z.string()),
    unit: z.enum(BALANCE_UNITS),
    bss: z.number().int().meta({ description: "What the BSS expected CGRateS to hold (BSS units: minor units, bytes, seconds, messages)" }),
    cgrates: z.number().int().meta({ description: "What CGRateS held" }),
    difference: z.number().int().meta({ description: "cgrates − bss: the part rating does not explain" }),
    since: z.string().meta({ description: "When this difference was first seen" }),
    last_seen_at: z.string(),
    resolved_at: z.string().nullable(),
    resolved_by: z.string().nullable(),
    resolution: z.string().nullable(),
  })
  .meta({ id: "ChargingDifference" });

const ListQuery = z.object({
  service_id: z.string().max(64).optional(),
  unit: z.enum(BALANCE_UNITS).optional(),
  status: z.enum(["open", "resolved", "all"]).default("open"),
  limit: pageLimit,
  cursor: cursorParam,
});

const FlagParams = z.object({
  service_id: z
    .string()
    .max(64)
    .meta({ param: { name: "service_id", in: "path" } }),
  unit: z.enum(BALANCE_UNITS).meta({ param: { name: "unit", in: "path" } }),
});

export const reconciliationApi = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute("services:read", {
      method: "get",
      path: "/reconciliation",
      tags: ["Charging"],
      summary: "Differences between the BSS and CGRateS",
      description:
        "Every reading of a service's CGRateS account (after each job, at each usage sync, and nightly for every live service) compares it with what the BSS expected: the previous reading, plus what the BSS credited, minus what rating took (CDRs), with renewals, plan changes and expiry applied. A unit whose difference nothing explains is listed here until someone resolves it. Oldest first.",
      request: { query: ListQuery },
      responses: { 200: jsonResponse(pageOf(Difference), "A page of differences"), ...problems(400, 401, 403) },
    }),
    async (c) => {
      const q = c.req.valid("query");
      return c.json(await listReconciliation(c.get("db"), { serviceId: q.service_id, unit: q.unit, status: q.status, limit: q.limit, cursor: q.cursor }), 200);
    },
  )
  .openapi(
    apiRoute("services:provision", {
      method: "post",
      path: "/reconciliation/{service_id}/{unit}/resolve",
      tags: ["Charging"],
      summary: "Mark a difference with CGRateS as resolved",
      description: "Records what was done about it (audited). The balance of record stays CGRateS's; a difference seen again opens a new flag.",
      request: { params: FlagParams, body: jsonBody(z.strictObject({ resolution: z.string().trim().min(3).max(500) })) },
      responses: { 200: jsonResponse(z.object({ resolved_at: z.string() }), "Resolved"), ...problems(400, 401, 403, 404, 409, 415, 422) },
    }),
    async (c) => {
      const { service_id, unit } = c.req.valid("param");
      const row = await resolveDifference(writeContext(c), service_id, unit, c.req.valid("json").resolution);
      return c.json({ resolved_at: row.resolvedAt ?? "" }, 200);
    },
  );
