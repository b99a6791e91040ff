import type { Context } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import { customerNames } from "../../db/queries/customers";
import { getInvoice, listInvoices } from "../../db/queries/invoices";
import { addMonths, monthOfDate } from "../../domain/billing/bill-runs/charges";
import { createInvoice } from "../../domain/billing/invoices/create-invoice";
import { createCreditNote } from "../../domain/billing/invoices/credit-note";
import { issueInvoice } from "../../domain/billing/invoices/issue-invoice";
import { CreditNoteCreate, INVOICE_STATUSES, InvoiceCreate, SendInput } from "../../domain/billing/invoices/schemas";
import { voidInvoice } from "../../domain/billing/invoices/void-invoice";
import { listCards } from "../../domain/payments/cards";
import { dunningOf } from "../../domain/payments/dunning";
import { listPayments } from "../../domain/payments/payments";
import { DEFAULT_SETTINGS } from "../../domain/settings/schemas";
import type { AppEnv } from "../../env";
import { t } from "../../i18n/request-locale";
import { emailInvoice, invoicePdf, pdfResponse } from "../../integrations/invoice-files";
import { currencyExponent } from "../../lib/charging-units";
import { NotFound } from "../../lib/errors";
import { allowed, can, writeContext } from "../../middleware/access";
import type { FormErrors } from "../../views/components";
import { parseMoney } from "../../views/format";
import { InvoicePage, InvoicesPage, invoiceName, NewInvoicePage, VoidInvoicePage } from "../../views/invoices";
import { InvoicePayments } from "../../views/payments";
import { kickOutbox } from "../support";
import { pageContext, redirectWithNotice } from "./context";
import { attempt, readForm, reasonOf, text, validate } from "./forms";

const ListQuery = z.object({
  status: z.enum(INVOICE_STATUSES).optional().catch(undefined),
  overdue: z.enum(["true"]).optional().catch(undefined),
  customer_id: z.string().max(64).optional().catch(undefined),
  bill_run_id: z.string().max(64).optional().catch(undefined),
  month: z
    .string()
    .regex(/^\d{4}-\d{2}$/)
    .optional()
    .catch(undefined),
  cursor: z.string().max(500).optional().catch(undefined),
});

/** The previous calendar month (a new invoice's default period). */
function lastMonth(now = new Date()): { period_start: string; period_end: string } {
  const month = addMonths(monthOfDate(now.toISOString()), -1);
  return { period_start: month.start, period_end: month.end };
}

export async function invoicePage(
  c: Context<AppEnv>,
  id: string,
  extra: {
    errors?: FormErrors;
    message?: string;
    notice?: string;
    values?: { amount?: string; reason?: string };
    payment?: { errors?: FormErrors; message?: string };
  } = {},
  status: 200 | 402 | 403 | 409 | 422 = 200,
) {
  const db = c.get("db");
  const invoice = await getInvoice(db, id);
  if (!invoice) throw new NotFound("No invoice with this id.");
  const withPayments = invoice.kind === "invoice" && invoice.status !== "draft";
  const [names, credited, payments, cards, dunning] = await Promise.all([
    customerNames(db, [invoice.customer_id]),
    invoice.credits_invoice_id ? getInvoice(db, invoice.credits_invoice_id) : Promise.resolve(null),
    withPayments ? listPayments(db, { invoiceId: id }, 50) : Promise.resolve({ data: [] }),
    withPayments ? listCards(db, invoice.customer_id) : Promise.resolve([]),
    withPayments ? dunningOf({ db }, id) : Promise.resolve(null),
  ]);
  const { payment, ...rest } = extra;
  return c.html(
    <InvoicePage
      ctx={pageContext(c)}
      invoice={invoice}
      customerName={names.get(invoice.customer_id) ?? invoice.customer_id}
      creditedInvoiceNumber={credited?.number ?? null}
      canWrite={allowed(c, "billing:write")}
      payments={
        <InvoicePayments
          ctx={pageContext(c)}
          invoice={invoice}
          payments={payments.data}
          cards={cards}
          dunning={dunning}
          can={{ pay: allowed(c, "payments:pay"), manual: allowed(c, "payments:manual"), refund: allowed(c, "billing:refund") }}
          errors={payment?.errors}
          message={payment?.message}
        />
      }
      {...rest}
    />,
    status,
  );
}

/** What the page said after an action when it took `?done=` (older links): fixed texts (catalogue keys), never taken from the URL. */
const NOTICES = {
  issued: "billing.notice.issued",
  voided: "billing.notice.voided",
  credited: "billing.notice.credited",
  sent: "billing.notice.sent",
  paid: "billing.notice.paid",
  pending: "billing.notice.pending",
  refunded: "billing.notice.refunded",
  dunning: "billing.notice.dunning",
} as const;
type Notice = keyof typeof NOTICES;

/** An invoice action from its page: the invoice again with the outcome (a 4xx shown on it, a notice naming the invoice once done). */
async function act(c: Context<AppEnv>, id: string, run: () => Promise<unknown>, notice: (name: string) => string) {
  const result = await attempt(run);
  if (!result.ok) return invoicePage(c, id, { message: result.message }, 409);
  const invoice = await getInvoice(c.get("db"), id);
  return redirectWithNotice(c, `/admin/invoices/${id}`, notice(invoice ? invoiceName(invoice) : t("overview.notice.the_invoice")));
}

/** The void confirmation (again with a 422 when the reason is missing, a 409 when voiding is refused). */
async function voidPage(
  c: Context<AppEnv>,
  id: string,
  extra: { reason?: { value?: string; error?: string }; message?: string } = {},
  status: 200 | 409 | 422 = 200,
) {
  const db = c.get("db");
  const invoice = await getInvoice(db, id);
  if (invoice?.kind !== "invoice") throw new NotFound("No invoice with this id.");
  const names = await customerNames(db, [invoice.customer_id]);
  const message = extra.message ?? (invoice.status === "void" ? "This invoice is already void." : undefined);
  return c.html(
    <VoidInvoicePage
      ctx={pageContext(c)}
      invoice={invoice}
      customerName={names.get(invoice.customer_id) ?? invoice.customer_id}
      reason={extra.reason}
      message={message}
    />,
    status,
  );
}

export const invoicePages = new Hono<AppEnv>()
  .get("/billing", can("billing:read"), (c) => c.redirect("/admin/invoices", 302))
  .get("/invoices", can("billing:read"), async (c) => {
    const f = ListQuery.parse(c.req.query());
    const db = c.get("db");
    const page = await listInvoices(db, {
      customerId: f.customer_id,
      billRunId: f.bill_run_id,
      month: f.month,
      status: f.status,
      overdueOn: f.overdue ? new Date().toISOString().slice(0, 10) : undefined,
      cursor: f.cursor,
      limit: 50,
    });
    const names = await customerNames(db, [...new Set([...page.data.map((i) => i.customer_id), ...(f.customer_id ? [f.customer_id] : [])])]);
    return c.html(
      <InvoicesPage
        ctx={pageContext(c)}
        invoices={page.data}
        customerNames={names}
        filters={f}
        nextCursor={page.next_cursor}
        canWrite={allowed(c, "billing:write")}
      />,
    );
  })
  .get("/invoices/new", can("billing:write"), (c) => {
    const customerId = z.string().max(64).optional().catch(undefined).parse(c.req.query("customer_id"));
    return c.html(<NewInvoicePage ctx={pageContext(c)} values={{ customer_id: customerId, ...lastMonth() }} errors={{}} />);
  })
  .post("/invoices/new", can("billing:write"), async (c) => {
    const body = await readForm(c);
    const values = { customer_id: text(body, "customer_id") ?? "", period_start: text(body, "period_start") ?? "", period_end: text(body, "period_end") ?? "" };
    const parsed = validate(InvoiceCreate, values);
    if (!parsed.ok) return c.html(<NewInvoicePage ctx={pageContext(c)} values={values} errors={parsed.errors} />, 422);
    const result = await attempt(() => createInvoice(writeContext(c), parsed.data));
    if (!result.ok) return c.html(<NewInvoicePage ctx={pageContext(c)} values={values} errors={result.errors} message={result.message} />, 422);
    return redirectWithNotice(
      c,
      `/admin/invoices/${result.data.id}`,
      `${invoiceName(result.data)} created for ${(await customerNames(c.get("db"), [result.data.customer_id])).get(result.data.customer_id) ?? result.data.customer_id}.`,
    );
  })
  .get("/invoices/:id", can("billing:read"), async (c) => {
    const done = z
      .enum(Object.keys(NOTICES) as [Notice, ...Notice[]])
      .optional()
      .catch(undefined)
      .parse(c.req.query("done"));
    return invoicePage(c, c.req.param("id"), { notice: done && t(NOTICES[done]) });
  })
  .get("/invoices/:id/pdf", can("billing:read"), async (c) =>
    pdfResponse(await invoicePdf(c.env.INVOICE_FILES, c.get("db"), c.get("settings") ?? DEFAULT_SETTINGS, c.req.param("id"))),
  )
  .post("/invoices/:id/issue", can("billing:write"), (c) => {
    const id = c.req.param("id");
    return act(
      c,
      id,
      () => issueInvoice(writeContext(c), id),
      (name) => t("overview.notice.issued", { name }),
    );
  })
  .post("/invoices/:id/send", can("billing:write"), async (c) => {
    const id = c.req.param("id");
    const to = text(await readForm(c), "to");
    const parsed = validate(SendInput, { to: to ?? null });
    if (!parsed.ok)
      return invoicePage(
        c,
        id,
        { message: parsed.errors.to ? t("billing.error.recipient", { error: parsed.errors.to }) : t("billing.error.check_recipient") },
        422,
      );
    const sent = await act(
      c,
      id,
      () => emailInvoice(writeContext(c), c.env.INVOICE_FILES, c.get("settings") ?? DEFAULT_SETTINGS, id, parsed.data.to ?? null),
      (name) => (parsed.data.to ? t("overview.notice.sent_to", { name, to: parsed.data.to }) : t("overview.notice.sent", { name })),
    );
    kickOutbox(c);
    return sent;
  })
  .get("/invoices/:id/void", can("billing:write"), (c) => voidPage(c, c.req.param("id")))
  .post("/invoices/:id/void", can("billing:write"), async (c) => {
    const id = c.req.param("id");
    const reason = reasonOf(await readForm(c));
    if (!reason.ok) return voidPage(c, id, { reason: { value: reason.value, error: reason.error } }, 422);
    const result = await attempt(() => voidInvoice(writeContext(c), id, reason.reason));
    if (!result.ok) return voidPage(c, id, { message: result.message, reason: { value: reason.reason } }, 409);
    return redirectWithNotice(c, `/admin/invoices/${id}`, t("overview.notice.voided", { name: invoiceName(result.data) }));
  })
  .post("/invoices/:id/credit-notes", can("billing:write"), async (c) => {
    const id = c.req.param("id");
    const invoice = await getInvoice(c.get("db"), id);
    if (!invoice) throw new NotFound("No invoice with this id.");
    const body = await readForm(c);
    const values = { amount: text(body, "amount") ?? "", reason: text(body, "reason") ?? "" };
    const amount = values.amount ? parseMoney(values.amount, currencyExponent(invoice.currency)) : undefined;
    if (amount === null) return invoicePage(c, id, { errors: { amount: t("billing.error.amount") }, message: t("admin.correct_fields"), values }, 422);
    const parsed = validate(CreditNoteCreate, { ...(amount ? { amount } : {}), reason: values.reason });
    if (!parsed.ok) return invoicePage(c, id, { errors: parsed.errors, message: t("admin.correct_fields"), values }, 422);
    const result = await attempt(() => createCreditNote(writeContext(c), id, parsed.data));
    if (!result.ok) return invoicePage(c, id, { errors: result.errors, message: result.message, values }, 422);
    return redirectWithNotice(
      c,
      `/admin/invoices/${result.data.id}`,
      `Credit note ${result.data.number ?? result.data.id} issued for ${invoiceName(invoice)}.`,
    );
  });
