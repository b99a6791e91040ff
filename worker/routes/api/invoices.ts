import { OpenAPIHono } from "@hono/zod-openapi";
import { z } from "zod";
import { getInvoice, listInvoices } from "../../db/queries/invoices";
import { createInvoice } from "../../domain/billing/invoices/create-invoice";
import { createCreditNote } from "../../domain/billing/invoices/credit-note";
import { issueInvoice } from "../../domain/billing/invoices/issue-invoice";
import { CreditNoteCreate, INVOICE_STATUSES, Invoice, InvoiceCreate, SendInput, VoidInput } from "../../domain/billing/invoices/schemas";
import { voidInvoice } from "../../domain/billing/invoices/void-invoice";
import { dunningOf } from "../../domain/payments/dunning";
import { DEFAULT_SETTINGS } from "../../domain/settings/schemas";
import type { AppEnv } from "../../env";
import { emailInvoice, invoicePdf, pdfResponse } from "../../integrations/invoice-files";
import { NotFound } from "../../lib/errors";
import { assertInScope, customerScope, writeContext } from "../../middleware/access";
import { kickOutbox } from "../support";
import { apiRoute, IdParam, jsonBody, jsonResponse, PageQuery, pageOf, problems, scopedPage } from "./helpers";

/** An invoice's dunning after a failed payment (null when none): its step, next step, suspension. */
const InvoiceWithDunning = Invoice.extend({
  dunning: z
    .object({
      status: z.enum(["active", "suspended", "resolved"]),
      step: z.number().int(),
      next_at: z.string().nullable(),
      suspended_at: z.string().nullable(),
      resolved_at: z.string().nullable(),
    })
    .nullable(),
}).meta({ id: "InvoiceDetail" });

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
            bill_run_id: z.string().max(64).optional().meta({ description: "Only the invoices this bill run made" }),
            period: z
              .string()
              .regex(/^\d{4}-\d{2}$/, { message: "A month as YYYY-MM" })
              .optional()
              .meta({ description: "Only invoices whose period starts in this month (YYYY-MM)" }),
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
        listInvoices(c.get("db"), {
          customerId,
          billRunId: q.bill_run_id,
          month: q.period,
          status: q.status,
          kind: q.kind,
          overdueOn,
          limit: q.limit,
          cursor: q.cursor,
        }),
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
        summary: "Get an invoice with its lines, credit notes and dunning",
        request: { params: IdParam },
        responses: { 200: jsonResponse(InvoiceWithDunning, "The invoice"), ...problems(401, 403, 404) },
      },
      { customers: true },
    ),
    async (c) => {
      const invoice = await getInvoice(c.get("db"), c.req.valid("param").id);
      if (!invoice) throw new NotFound("No invoice with this id.");
      assertInScope(c, invoice.customer_id);
      const d = invoice.kind === "invoice" ? await dunningOf({ db: c.get("db") }, invoice.id) : null;
      const dunning = d ? { status: d.status, step: d.step, next_at: d.nextAt, suspended_at: d.suspendedAt, resolved_at: d.resolvedAt } : null;
      return c.json({ ...invoice, dunning }, 200);
    },
  )
  .openapi(
    apiRoute(
      "billing:read",
      {
        method: "get",
        path: "/invoices/{id}/pdf",
        tags: ["Billing"],
        summary: "The invoice or credit note as a PDF",
        description:
          "In the customer's language. An issued document is rendered once and kept, so every download is the same bytes; a draft renders as a pro forma each time.",
        request: { params: IdParam },
        responses: {
          200: { description: "PDF", content: { "application/pdf": { schema: z.string().meta({ format: "binary" }) } } },
          ...problems(401, 403, 404),
        },
      },
      { customers: true },
    ),
    async (c) => {
      const settings = c.get("settings") ?? DEFAULT_SETTINGS;
      const pdf = await invoicePdf(c.env.INVOICE_FILES, c.get("db"), settings, c.req.valid("param").id, customerScope(c));
      return pdfResponse(pdf) as never;
    },
  )
  .openapi(
    apiRoute("billing:write", {
      method: "post",
      path: "/invoices/{id}/send",
      tags: ["Billing"],
      summary: "Email an issued invoice or credit note with its PDF",
      description:
        "To the customer's billing contact (else primary, else any contact with an email), or `to`. Queued in the outbox and sent through Mailjet with retries; 202 with the email's id. A draft is a 409.",
      request: { params: IdParam, body: { required: false, content: { "application/json": { schema: SendInput } } } },
      responses: { 202: jsonResponse(z.object({ email_id: z.string(), to: z.string() }), "Queued"), ...ACTION_PROBLEMS },
    }),
    async (c) => {
      const body = (c.req.valid("json") as z.infer<typeof SendInput> | undefined) ?? {};
      const settings = c.get("settings") ?? DEFAULT_SETTINGS;
      const queued = await emailInvoice(writeContext(c), c.env.INVOICE_FILES, settings, c.req.valid("param").id, body.to ?? null);
      kickOutbox(c);
      return c.json(queued, 202);
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
