import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { getTransaction, listTransactions, transactionsCsv, transactionTotals } from "../../db/queries/transactions";
import { recordTransaction } from "../../domain/billing/record-transaction";
import { Transaction, TransactionCreate } from "../../domain/services/schemas";
import type { AppEnv } from "../../env";
import { NotFound } from "../../lib/errors";
import { assertInScope, writeContext } from "../../middleware/access";
import { apiRoute, IdParam, jsonBody, jsonResponse, keyOf, PageQuery, pageOf, problems, scopedPage } from "./helpers";

const TransactionTotals = z
  .object({ currency: z.string(), total: z.number().int(), uninvoiced: z.number().int(), this_month: z.number().int(), last_month: z.number().int() })
  .meta({ id: "TransactionTotals" });

export const transactionsApi = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute(
      "billing:read",
      {
        method: "get",
        path: "/transactions",
        tags: ["Billing"],
        summary: "List transactions, with their totals",
        description:
          "`totals` (per currency, tax included, credits negative, for the same customer and service filters): all, not yet invoiced, this month and last month. `format=csv` exports every matching transaction as CSV instead (newest first).",
        request: {
          query: PageQuery.extend({
            customer_id: z.string().max(64).optional(),
            service_id: z.string().max(64).optional(),
            kind: z.enum(["charge", "credit"]).optional(),
            format: z.enum(["json", "csv"]).optional(),
          }),
        },
        responses: {
          200: {
            description: "Transactions, newest first",
            content: {
              "application/json": { schema: pageOf(Transaction).extend({ totals: z.array(TransactionTotals) }) },
              "text/csv": { schema: z.string() },
            },
          },
          ...problems(400, 401, 403),
        },
      },
      { customers: true },
    ),
    async (c) => {
      const q = c.req.valid("query");
      const db = c.get("db");
      const filters = { serviceId: q.service_id, kind: q.kind };
      if (q.format === "csv") {
        const csv = await scopedPage(c, q.customer_id, (customerId) => transactionsCsv(db, { customerId, ...filters }));
        return new Response(typeof csv === "string" ? csv : "", {
          headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": 'attachment; filename="transactions.csv"', "cache-control": "no-store" },
        }) as never;
      }
      const page = await scopedPage(c, q.customer_id, (customerId) => listTransactions(db, { customerId, ...filters, limit: q.limit, cursor: q.cursor }));
      const totals = await scopedPage(c, q.customer_id, (customerId) => transactionTotals(db, { customerId, serviceId: q.service_id }));
      return c.json({ ...page, totals: Array.isArray(totals) ? totals : [] }, 200);
    },
  )
  .openapi(
    apiRoute(
      "billing:read",
      {
        method: "get",
        path: "/transactions/{id}",
        tags: ["Billing"],
        summary: "Get a transaction",
        request: { params: IdParam },
        responses: { 200: jsonResponse(Transaction, "The transaction"), ...problems(401, 403, 404) },
      },
      { customers: true },
    ),
    async (c) => {
      const t = await getTransaction(c.get("db"), c.req.valid("param").id);
      if (!t) throw new NotFound("No transaction with this id.");
      assertInScope(c, t.customer_id);
      return c.json(t, 200);
    },
  )
  .openapi(
    apiRoute(
      "billing:write",
      {
        method: "post",
        path: "/transactions",
        tags: ["Billing"],
        summary: "Record a manual charge or credit, or reverse a transaction",
        description:
          "Transactions are immutable; a mistake is corrected by a reversing transaction (`{reverses_id}`). Tax is computed per line from the tax class, rounded half-even.",
        request: { body: jsonBody(TransactionCreate) },
        responses: { 201: jsonResponse(Transaction, "The transaction"), ...problems(400, 401, 403, 404, 409, 415, 422) },
      },
      { idempotent: true },
    ),
    async (c) => c.json(await recordTransaction(writeContext(c), c.req.valid("json"), keyOf(c)), 201),
  );
