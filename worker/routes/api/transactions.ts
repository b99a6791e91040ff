import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { getTransaction, listTransactions } from "../../db/queries/transactions";
import { recordTransaction } from "../../domain/billing/record-transaction";
import { Transaction, TransactionCreate } from "../../domain/services/schemas";
import type { AppEnv } from "../../env";
import { NotFound } from "../../lib/errors";
import { assertInScope, writeContext } from "../../middleware/access";
import { apiRoute, IdParam, jsonBody, jsonResponse, keyOf, PageQuery, pageOf, problems, scopedPage } from "./helpers";

export const transactionsApi = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute(
      "billing:read",
      {
        method: "get",
        path: "/transactions",
        tags: ["Billing"],
        summary: "List transactions",
        request: {
          query: PageQuery.extend({
            customer_id: z.string().max(64).optional(),
            service_id: z.string().max(64).optional(),
            kind: z.enum(["charge", "credit"]).optional(),
          }),
        },
        responses: { 200: jsonResponse(pageOf(Transaction), "Transactions, newest first"), ...problems(400, 401, 403) },
      },
      { customers: true },
    ),
    async (c) => {
      const q = c.req.valid("query");
      const page = await scopedPage(c, q.customer_id, (customerId) =>
        listTransactions(c.get("db"), { customerId, serviceId: q.service_id, kind: q.kind, limit: q.limit, cursor: q.cursor }),
      );
      return c.json(page, 200);
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
