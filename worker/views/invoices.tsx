import type { Child } from "hono/jsx";
/** The billing pages: invoices (list, new, one invoice with its actions). */
import type { InvoiceSummary } from "../db/queries/invoices";
import type { InvoiceView } from "../domain/billing/invoices/schemas";
import { currentIntlLocale, t } from "../i18n/request-locale";
import { Badge, CsrfField, EmptyState, ErrorSummary, Field, type FormErrors, PageHeader, Pager, Table, TextArea, Time } from "./components";
import { ConfirmPage } from "./confirm";
import { formatMoney } from "./format";
import { Layout, type PageContext } from "./layout";

const STATUS_TABS = [
  { label: "billing.tab.all", query: {} },
  { label: "billing.tab.drafts", query: { status: "draft" } },
  { label: "billing.tab.issued", query: { status: "issued" } },
  { label: "billing.tab.overdue", query: { overdue: "true" } },
  { label: "billing.tab.paid", query: { status: "paid" } },
  { label: "billing.tab.void", query: { status: "void" } },
] as const;

/** A rate in basis points as a percentage with two decimals ("20.00 %", "20,00 %"). */
export const ratePercent = (bp: number) =>
  `${(bp / 100).toLocaleString(currentIntlLocale(), { minimumFractionDigits: 2, maximumFractionDigits: 2, useGrouping: false })} %`;

export type InvoiceListFilters = { status?: string; overdue?: string; customer_id?: string; bill_run_id?: string; month?: string; cursor?: string };

export function InvoicesPage(props: {
  ctx: PageContext;
  invoices: InvoiceSummary[];
  customerNames: Map<string, string>;
  filters: InvoiceListFilters;
  nextCursor: string | null;
  canWrite: boolean;
}) {
  const f = props.filters;
  const tabQuery = (q: Record<string, string>) => {
    const keep = Object.fromEntries(Object.entries({ customer_id: f.customer_id, bill_run_id: f.bill_run_id, month: f.month }).filter(([, v]) => v)) as Record<
      string,
      string
    >;
    const sp = new URLSearchParams({ ...q, ...keep });
    const s = sp.toString();
    return s ? `/admin/invoices?${s}` : "/admin/invoices";
  };
  const current = (q: Record<string, string>) => (q.status ?? "") === (f.status ?? "") && (q.overdue ?? "") === (f.overdue ?? "");
  return (
    <Layout ctx={props.ctx} title={t("billing.invoices.title")}>
      <PageHeader
        title={t("billing.invoices.title")}
        subtitle={f.customer_id ? t("billing.invoices.for", { name: props.customerNames.get(f.customer_id) ?? f.customer_id }) : t("billing.invoices.subtitle")}
        actions={
          <>
            <a class="button" href={f.customer_id ? `/admin/transactions?customer_id=${encodeURIComponent(f.customer_id)}` : "/admin/transactions"}>
              {t("billing.transactions.title")}
            </a>
            <a class="button" href="/admin/bill-runs">
              {t("billing.bill_runs.title")}
            </a>
            <a class="button" href="/admin/promo-codes">
              {t("billing.promo.title")}
            </a>
            <a class="button" href="/admin/reports/tax">
              {t("billing.tax_report.title")}
            </a>
            <a class="button" href="/admin/tax-rates">
              {t("billing.tax_rates.title")}
            </a>
            {props.canWrite && (
              <a class="button primary" href={`/admin/invoices/new${f.customer_id ? `?customer_id=${encodeURIComponent(f.customer_id)}` : ""}`}>
                {t("billing.invoices.new")}
              </a>
            )}
          </>
        }
      />
      <nav class="tabs" aria-label={t("billing.invoices.filter_status")}>
        {STATUS_TABS.map((tab) => (
          <a href={tabQuery(tab.query)} class={current(tab.query) ? "active" : undefined} aria-current={current(tab.query) ? "page" : undefined}>
            {t(tab.label)}
          </a>
        ))}
      </nav>
      <form method="get" action="/admin/invoices" class="filters" aria-label={t("billing.invoices.filter")}>
        {f.status && <input type="hidden" name="status" value={f.status} />}
        {f.overdue && <input type="hidden" name="overdue" value={f.overdue} />}
        {f.customer_id && <input type="hidden" name="customer_id" value={f.customer_id} />}
        {f.bill_run_id && <input type="hidden" name="bill_run_id" value={f.bill_run_id} />}
        <label>
          {t("billing.period")} <input type="month" name="month" value={f.month ?? ""} />
        </label>
        <button type="submit" class="button">
          {t("billing.filter")}
        </button>
        {(f.month || f.bill_run_id) && (
          <a href={f.customer_id ? `/admin/invoices?customer_id=${encodeURIComponent(f.customer_id)}` : "/admin/invoices"}>{t("billing.clear")}</a>
        )}
      </form>
      <section class="card">
        <Table
          id="invoices"
          rows={props.invoices}
          empty={<EmptyState title={t("billing.invoices.empty")}>{t("billing.invoices.empty_hint")}</EmptyState>}
          columns={[
            {
              header: t("billing.number"),
              cell: (i) => (
                <a href={`/admin/invoices/${i.id}`}>{i.number ?? <span class="muted">{t("billing.invoices.draft_id", { id: i.id.slice(-6) })}</span>}</a>
              ),
            },
            {
              header: t("billing.kind"),
              class: "small",
              cell: (i) => (i.kind === "credit_note" ? t("billing.invoice.kind_credit_note") : t("billing.invoice.kind_invoice")),
            },
            {
              header: t("billing.customer"),
              cell: (i) => <a href={`/admin/customers/${i.customer_id}`}>{props.customerNames.get(i.customer_id) ?? i.customer_id}</a>,
            },
            { header: t("billing.period"), class: "nowrap", cell: (i) => `${i.period_start} → ${i.period_end}` },
            { header: t("billing.status"), cell: (i) => <Badge value={i.status} /> },
            { header: t("billing.total"), class: "num", cell: (i) => formatMoney(i.total_amount, i.currency) },
            {
              header: t("billing.invoices.due"),
              class: "num",
              cell: (i) => (i.kind === "invoice" && i.status !== "void" ? formatMoney(i.amount_due, i.currency) : "—"),
            },
            { header: t("billing.invoices.due_date"), class: "nowrap", cell: (i) => i.due_date ?? "—" },
          ]}
        />
        <Pager
          baseUrl="/admin/invoices"
          params={{ status: f.status, overdue: f.overdue, customer_id: f.customer_id }}
          nextCursor={props.nextCursor}
          hasCursor={Boolean(f.cursor)}
        />
      </section>
    </Layout>
  );
}

export function NewInvoicePage(props: {
  ctx: PageContext;
  values: { customer_id?: string; period_start?: string; period_end?: string };
  errors: FormErrors;
  message?: string;
}) {
  const e = props.errors;
  return (
    <Layout ctx={props.ctx} title={t("billing.invoices.new")}>
      <PageHeader
        title={t("billing.invoices.new")}
        back={{ href: "/admin/invoices", label: t("billing.invoices.title") }}
        subtitle={t("billing.invoices.new_subtitle")}
      />
      <form method="post" action="/admin/invoices/new" class="card form-grid" novalidate>
        <CsrfField token={props.ctx.csrfToken} />
        <div class="span-2">
          <ErrorSummary errors={e} message={props.message} />
        </div>
        <Field
          name="customer_id"
          label={t("billing.customer_id")}
          value={props.values.customer_id}
          error={e.customer_id}
          required
          hint={t("billing.invoices.customer_id_hint")}
        />
        <div />
        <Field name="period_start" label={t("billing.period_start")} type="date" value={props.values.period_start} error={e.period_start} required />
        <Field name="period_end" label={t("billing.period_end")} type="date" value={props.values.period_end} error={e.period_end} required />
        <div class="span-2 form-actions">
          <button type="submit" class="button primary">
            {t("billing.invoices.create_draft")}
          </button>
        </div>
      </form>
    </Layout>
  );
}

export function InvoicePage(props: {
  ctx: PageContext;
  invoice: InvoiceView;
  customerName: string;
  creditedInvoiceNumber?: string | null;
  canWrite: boolean;
  errors?: FormErrors;
  message?: string;
  notice?: string;
  values?: { amount?: string; reason?: string };
  /** The payments card (what was paid, pay, record, refund), for issued invoices. */
  payments?: Child;
}) {
  const i = props.invoice;
  const money = (minor: number) => formatMoney(minor, i.currency);
  const isCreditNote = i.kind === "credit_note";
  const number = i.number ?? t("billing.invoice.draft");
  const title = isCreditNote ? t("billing.invoice.credit_note_title", { number }) : t("billing.invoice.title", { number });
  const e = props.errors ?? {};
  const credited = i.credit_notes.reduce((s, n) => s + n.total_amount, 0);
  const csrf = props.ctx.csrfToken;
  return (
    <Layout ctx={props.ctx} title={title}>
      <PageHeader
        title={title}
        back={{ href: "/admin/invoices", label: t("billing.invoices.title") }}
        actions={
          <a class="button" href={`/admin/invoices/${i.id}/pdf`} target="_blank" rel="noopener">
            {i.status === "draft" ? t("billing.invoice.pro_forma_pdf") : "PDF"}
          </a>
        }
        subtitle={
          <>
            <Badge value={i.status} /> <a href={`/admin/customers/${i.customer_id}`}>{props.customerName}</a> · {i.period_start} → {i.period_end}
            {i.due_date && ` · ${t("billing.invoice.due_on", { date: i.due_date })}`}
          </>
        }
      />
      {props.notice && (
        <div class="alert success" role="status">
          {props.notice}
        </div>
      )}
      {props.message && !props.errors && (
        <div class="alert error" role="alert">
          {props.message}
        </div>
      )}
      {isCreditNote && i.credits_invoice_id && (
        <p>
          {t("billing.invoice.credits_invoice")} <a href={`/admin/invoices/${i.credits_invoice_id}`}>{props.creditedInvoiceNumber ?? i.credits_invoice_id}</a>
          {i.reason && `: ${i.reason}`}
        </p>
      )}
      <section class="card">
        <h2>{t("billing.invoice.lines")}</h2>
        <Table
          id="invoice-lines"
          rows={i.lines}
          empty={<EmptyState title={t("billing.invoice.no_lines")} />}
          columns={[
            { header: t("billing.description"), cell: (l) => l.description },
            { header: t("billing.net"), class: "num", cell: (l) => money(l.amount) },
            { header: t("billing.invoice.tax_rate"), class: "num", cell: (l) => ratePercent(l.tax_rate_bp) },
            { header: t("billing.tax"), class: "num", cell: (l) => money(l.tax_amount) },
            { header: t("billing.total"), class: "num", cell: (l) => money(l.amount + l.tax_amount) },
          ]}
        />
        <dl class="totals" id="invoice-totals">
          <dt>{t("billing.invoice.subtotal")}</dt>
          <dd>{money(i.subtotal_amount)}</dd>
          <dt>{t("billing.tax")}</dt>
          <dd>{money(i.tax_amount)}</dd>
          <dt>{t("billing.total")}</dt>
          <dd>
            <strong>{money(i.total_amount)}</strong>
          </dd>
          {!isCreditNote && i.status !== "draft" && (
            <>
              <dt>{t("billing.invoice.credited")}</dt>
              <dd>{money(credited)}</dd>
              <dt>{t("billing.invoice.amount_due")}</dt>
              <dd>
                <strong>{money(i.amount_due)}</strong>
              </dd>
            </>
          )}
        </dl>
        {i.issued_at && (
          <p class="muted small">
            {t("billing.invoice.issued_at")} <Time iso={i.issued_at} timeZone={props.ctx.settings.default_timezone} />
          </p>
        )}
      </section>
      {props.payments}
      {i.credit_notes.length > 0 && (
        <section class="card">
          <h2>{t("billing.invoice.credit_notes")}</h2>
          <Table
            rows={i.credit_notes}
            columns={[
              { header: t("billing.number"), cell: (n) => <a href={`/admin/invoices/${n.id}`}>{n.number ?? n.id}</a> },
              { header: t("billing.amount"), class: "num", cell: (n) => money(n.total_amount) },
            ]}
          />
        </section>
      )}
      {props.canWrite && i.status !== "draft" && i.status !== "void" && (
        <section class="card" id="send">
          <h2>{t("billing.invoice.send")}</h2>
          <form method="post" action={`/admin/invoices/${i.id}/send`} class="form-grid">
            <CsrfField token={csrf} />
            <Field name="to" label={t("billing.invoice.to")} type="email" hint={t("billing.invoice.to_hint")} />
            <div class="span-2 form-actions">
              <button type="submit" class="button">
                {t("billing.invoice.email_pdf")}
              </button>
            </div>
          </form>
        </section>
      )}
      {props.canWrite && !isCreditNote && (
        <section class="card" id="actions">
          <h2>{t("admin.actions")}</h2>
          {i.status === "draft" && (
            <form method="post" action={`/admin/invoices/${i.id}/issue`} class="inline">
              <CsrfField token={csrf} />
              <button type="submit" class="button primary">
                {t("billing.invoice.issue")}
              </button>{" "}
              <span class="muted small">{t("billing.invoice.issue_hint")}</span>
            </form>
          )}
          {(i.status === "issued" || i.status === "paid") && i.total_amount - credited > 0 && (
            <form method="post" action={`/admin/invoices/${i.id}/credit-notes`} class="form-grid" novalidate>
              <CsrfField token={csrf} />
              <div class="span-2">
                <ErrorSummary errors={e} message={props.errors ? props.message : undefined} />
              </div>
              <Field
                name="amount"
                id="f-credit-amount"
                label={t("billing.invoice.credit_amount")}
                value={props.values?.amount}
                error={e.amount}
                hint={t("billing.invoice.credit_hint", { amount: money(i.total_amount - credited) })}
                placeholder="10.00"
              />
              <TextArea name="reason" label={t("billing.reason_printed")} value={props.values?.reason} error={e.reason} rows={2} />
              <div class="span-2 form-actions">
                <button type="submit" class="button">
                  {t("billing.invoice.issue_credit_note")}
                </button>
              </div>
            </form>
          )}
          {(i.status === "draft" || (i.status === "issued" && credited === 0)) && (
            <div class="form-actions">
              <a class="button danger" href={`/admin/invoices/${i.id}/void`}>
                {i.status === "draft" ? t("billing.invoice.void_draft") : t("billing.invoice.void_invoice")}…
              </a>
            </div>
          )}
        </section>
      )}
    </Layout>
  );
}

/** An invoice as staff name it in messages: its number, or "draft <id>" before it is issued. */
export function invoiceName(i: Pick<InvoiceView, "id" | "number">): string {
  return i.number ? `Invoice ${i.number}` : `Draft invoice ${i.id}`;
}

/** The confirmation of voiding an invoice: what voiding does, a required reason (kept on the invoice and in the activity log). */
export function VoidInvoicePage(props: {
  ctx: PageContext;
  invoice: InvoiceView;
  customerName: string;
  reason?: { value?: string; error?: string };
  message?: string;
}) {
  const i = props.invoice;
  const name = invoiceName(i);
  return (
    <ConfirmPage
      ctx={props.ctx}
      title={`Void ${name}?`}
      subtitle={
        <>
          <Badge value={i.status} /> → <Badge value="void" /> · {props.customerName} · {formatMoney(i.total_amount, i.currency)}
        </>
      }
      back={{ href: `/admin/invoices/${i.id}`, label: name }}
      action={`/admin/invoices/${i.id}/void`}
      hidden={{}}
      submit={`Void ${name}`}
      danger
      reason={{ ...props.reason, label: "Why void it?" }}
      message={props.message}
    >
      <section class="card" aria-labelledby="void-h">
        <h2 id="void-h">What happens</h2>
        <ul>
          {i.number ? (
            <li>The invoice stays on record as void and keeps its number {i.number} (numbers have no gaps); nothing is due on it any more.</li>
          ) : (
            <li>The draft is void; its transactions go back to be billed on the next invoice of the period.</li>
          )}
          {i.number && <li>Its transactions stay invoiced: anything that should still be billed needs a new charge.</li>}
          <li>This cannot be undone. The reason is kept on the invoice and in the activity log.</li>
        </ul>
      </section>
    </ConfirmPage>
  );
}
