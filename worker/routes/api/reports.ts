import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { checkPeriod, taxReport, taxReportCsv } from "../../domain/billing/reports/tax-report";
import type { AppEnv } from "../../env";
import { apiRoute, problems } from "./helpers";

const day = z.string().max(10).meta({ description: "YYYY-MM-DD", example: "2026-11-01" });

const TaxReportBody = z
  .object({
    period_start: z.string(),
    period_end: z.string(),
    rows: z.array(
      z.object({
        currency: z.string(),
        rate_bp: z.number().int(),
        names: z.string(),
        net_amount: z.number().int(),
        tax_amount: z.number().int(),
        gross_amount: z.number().int(),
        documents: z.number().int(),
      }),
    ),
    totals: z.array(z.object({ currency: z.string(), net_amount: z.number().int(), tax_amount: z.number().int(), gross_amount: z.number().int() })),
  })
  .meta({ id: "TaxReport" });

export const reportsApi = new OpenAPIHono<AppEnv>().openapi(
  apiRoute("billing:read", {
    method: "get",
    path: "/reports/tax",
    tags: ["Billing"],
    summary: "Tax report: net, tax and gross per currency and rate for documents issued in a period",
    description:
      "Invoices count at their lines' rates; credit notes subtract, split over the rates of the invoice they credit. JSON by default; CSV with `format=csv` or `Accept: text/csv`. Amounts in minor units.",
    request: { query: z.object({ period_start: day.optional(), period_end: day.optional(), format: z.enum(["json", "csv"]).optional() }) },
    responses: {
      200: {
        description: "The report",
        content: { "application/json": { schema: TaxReportBody }, "text/csv": { schema: z.string() } },
      },
      ...problems(400, 401, 403, 422),
    },
  }),
  async (c) => {
    const q = c.req.valid("query");
    const report = await taxReport(c.get("db"), checkPeriod(q.period_start, q.period_end));
    const csv = q.format === "csv" || (q.format !== "json" && (c.req.header("accept") ?? "").includes("text/csv"));
    if (csv) {
      return new Response(taxReportCsv(report), {
        headers: {
          "content-type": "text/csv; charset=utf-8",
          "content-disposition": `attachment; filename="tax-report-${report.period_start}-${report.period_end}.csv"`,
          "cache-control": "no-store",
        },
      }) as never;
    }
    return c.json(report, 200);
  },
);
