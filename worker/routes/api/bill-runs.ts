import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { createBillRun, getBillRun, listBillRuns } from "../../domain/billing/bill-runs/run";
import { BillRun, BillRunCreate, BillRunSummary } from "../../domain/billing/bill-runs/schemas";
import { serviceDeps } from "../../durable/service-client";
import type { AppEnv } from "../../env";
import { NotFound } from "../../lib/errors";
import { writeContext } from "../../middleware/access";
import { apiRoute, IdParam, jsonBody, jsonResponse, PageQuery, problems } from "./helpers";

export const billRunsApi = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute("billing:read", {
      method: "get",
      path: "/bill-runs",
      tags: ["Billing"],
      summary: "List bill runs, newest first",
      request: { query: PageQuery },
      responses: {
        200: jsonResponse(z.object({ data: z.array(BillRunSummary), next_cursor: z.string().nullable() }), "Bill runs"),
        ...problems(400, 401, 403),
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const rows = await listBillRuns(c.get("db"), q.limit + 1, q.cursor);
      const data = rows.slice(0, q.limit);
      return c.json({ data, next_cursor: rows.length > q.limit ? (data.at(-1)?.id ?? null) : null }, 200);
    },
  )
  .openapi(
    apiRoute("billing:write", {
      method: "post",
      path: "/bill-runs",
      tags: ["Billing"],
      summary: "Start a bill run for a calendar month",
      description:
        "Queues a `bill_run` job and answers 202 at once; follow its progress at `GET /bill-runs/{id}`. Every customer gets the month's recurring charges (in advance, prorated to the second), last month's postpaid usage (in arrears, as CGRateS rated it) and one invoice of everything uninvoiced up to the month's end. Running a month again never makes a second invoice for a customer.",
      request: { body: jsonBody(BillRunCreate) },
      responses: { 202: jsonResponse(BillRun, "The bill run, queued"), ...problems(400, 401, 403, 415, 422) },
    }),
    async (c) => {
      const made = await createBillRun(writeContext(c), (ids) => serviceDeps(c.env).enqueue(ids), c.req.valid("json"));
      const run = made ? await getBillRun(c.get("db"), made.id) : null;
      if (!run) throw new NotFound("The bill run could not be read back.");
      c.header("Location", `/api/v1/bill-runs/${run.id}`);
      return c.json(run, 202);
    },
  )
  .openapi(
    apiRoute("billing:read", {
      method: "get",
      path: "/bill-runs/{id}",
      tags: ["Billing"],
      summary: "Get a bill run's progress: customers done, invoices, totals per currency, errors per customer",
      request: { params: IdParam },
      responses: { 200: jsonResponse(BillRun, "The bill run"), ...problems(401, 403, 404) },
    }),
    async (c) => {
      const run = await getBillRun(c.get("db"), c.req.valid("param").id);
      if (!run) throw new NotFound("No bill run with this id.");
      return c.json(run, 200);
    },
  );
