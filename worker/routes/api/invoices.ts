import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { getInvoice, listInvoices } from "../../db/queries/invoices";
import { createInvoice } from "../../domain/billing/invoices/create-invoice";
import { createCreditNote } from "../../domain/billing/invoices/credit-note";
import { issueInvoice } from "../../domain/billing/invoices/issue-invoice";
import { CreditNoteCreate, INVOICE_STATUSES, Invoice, InvoiceCreate, VoidInput } from "../../domain/billing/invoices/schemas";
import { voidInvoice } from "../../domain/billing/invoices/void-invoice";
import type { AppEnv } from "../../env";
import { NotFound } from "../../lib/errors";
import { assertInScope, writeContext } from "../../middleware/access";
import { apiRoute, IdParam, jsonBody, jsonResponse, PageQuery, pageOf, problems, scopedPage } from "./helpers";

const InvoiceSummary = Invoice.omit({ lines: true, credit_notes: true }).meta({ id: "InvoiceSummary" });

const ACTION_PROBLEMS = problems(400, 401, 403, 404, 409, 415, 422);

export const invoicesApi = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute(
      "billing:read",
      {
        method: "get",
        path: "/invoices",
        tags: ["Billing"],
        summary: "List invoices and credit notes",
        request: {
          query: PageQuery.extend({
            customer_id: z.string().max(64).optional(),
            status: z.enum(INVOICE_STATUSES).optional(),
            kind: z.enum(["invoice", "credit_note"]).optional(),
            overdue: z.enum(["true", "false"]).optional().meta({ description: "Only issued invoices past their due date with money due" }),
          }),
        },
        responses: { 200: jsonResponse(pageOf(InvoiceSummary), "Invoices, newest first"), ...problems(400, 401, 403) },
      },
      { customers: true },
    ),
    async (c) => {
      const q = c.req.valid("query");
      const overdueOn = q.overdue === "true" ? new Date().toISOString().slice(0, 10) : undefined;
      const page = await scopedPage(c, q.customer_id, (customerId) =>
        listInvoices(c.get("db"), { customerId, status: q.status, kind: q.kind, overdueOn, limit: q.limit, cursor: q.cursor }),
      );
      return c.json(page, 200);
    },
  )
  .openapi(
    apiRoute("billing:write", {
      method: "post",
      path: "/invoices",
      tags: ["Billing"],
      summary: "Create a draft invoice for a customer and period",
      description:
        "Every transaction of the period (by date, in the customer's currency) that no live invoice holds becomes a line; totals are the sums of the lines. One live invoice per customer and period (409 names the first). The number is given at issue.",
      request: { body: jsonBody(InvoiceCreate) },
      responses: { 201: jsonResponse(Invoice, "The draft invoice"), ...problems(400, 401, 403, 409, 415, 422) },
    }),
    async (c) => c.json(await createInvoice(writeContext(c), c.req.valid("json")), 201),
  )
  .openapi(
    apiRoute(
      "billing:read",
      {
        method: "get",
        path: "/invoices/{id}",
        tags: ["Billing"],
        summary: "Get an invoice with its lines and credit notes",
        request: { params: IdParam },
        responses: { 200: jsonResponse(Invoice, "The invoice"), ...problems(401, 403, 404) },
      },
      { customers: true },
    ),
    async (c) => {
      const invoice = await getInvoice(c.get("db"), c.req.valid("param").id);
      if (!invoice) throw new NotFound("No invoice with this id.");
      assertInScope(c, invoice.customer_id);
      return c.json(invoice, 200);
    },
  )
  .openapi(
    apiRoute("billing:write", {
      method: "post",
      path: "/invoices/{id}/issue",
      tags: ["Billing"],
      summary: "Issue a draft invoice",
      description:
        "Gives it the next number of its series for the year (gap-free), a due date, and marks its transactions invoiced; 409 when it is not a draft.",
      request: { params: IdParam },
      responses: { 200: jsonResponse(Invoice, "The issued invoice"), ...ACTION_PROBLEMS },
    }),
    async (c) => c.json(await issueInvoice(writeContext(c), c.req.valid("param").id), 200),
  )
  .openapi(
    apiRoute("billing:write", {
      method: "post",
      path: "/invoices/{id}/void",
      tags: ["Billing"],
      summary: "Void an invoice",
      description:
        "A draft gives its transactions back; an issued invoice keeps its number. A paid or credited invoice is corrected by a credit note instead (409). The body (`{reason}`) is optional.",
      request: { params: IdParam, body: { required: false, content: { "application/json": { schema: VoidInput } } } },
      responses: { 200: jsonResponse(Invoice, "The voided invoice"), ...ACTION_PROBLEMS },
    }),
    async (c) => {
      const body = (c.req.valid("json") as z.infer<typeof VoidInput> | undefined) ?? {};
      return c.json(await voidInvoice(writeContext(c), c.req.valid("param").id, body.reason ?? null), 200);
    },
  )
  .openapi(
    apiRoute("billing:write", {
      method: "post",
      path: "/invoices/{id}/credit-notes",
      tags: ["Billing"],
      summary: "Credit an invoice (full or partial)",
      description:
        "`amount` is tax included (what is left to credit when omitted); never more than is left, even under concurrency. The credit note is issued at once in its own series.",
      request: { params: IdParam, body: jsonBody(CreditNoteCreate) },
      responses: { 201: jsonResponse(Invoice, "The credit note"), ...ACTION_PROBLEMS },
    }),
    async (c) => c.json(await createCreditNote(writeContext(c), c.req.valid("param").id, c.req.valid("json")), 201),
  );
