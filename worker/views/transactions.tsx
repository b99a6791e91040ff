/** The transactions page: charges and credits with their totals, CSV export, a manual charge, reversals. */
import type { TransactionTotals, TransactionView } from "../db/queries/transactions";
import type { TaxRateView } from "../domain/billing/tax-rates/schemas";
import { t } from "../i18n/request-locale";
import { CsrfField, EmptyState, ErrorSummary, Field, type FormErrors, PageHeader, Pager, SelectField, Table } from "./components";
import { formatMoney } from "./format";
import { Layout, type PageContext } from "./layout";

export type TransactionFilters = { customer_id?: string; kind?: "charge" | "credit"; cursor?: string };
export type ManualValues = Record<string, string | undefined>;

export function TransactionsPage(props: {
  ctx: PageContext;
  rows: TransactionView[];
  totals: TransactionTotals[];
  names: Map<string, string>;
  filters: TransactionFilters;
  nextCursor: string | null;
  canWrite: boolean;
  taxRates: TaxRateView[];
  formKey: string;
  values: ManualValues;
  errors: FormErrors;
  message?: string;
}) {
  const f = props.filters;
  const keep = Object.fromEntries(Object.entries({ customer_id: f.customer_id, kind: f.kind }).filter(([, v]) => v)) as Record<string, string>;
  const csv = `/admin/transactions.csv${Object.keys(keep).length ? `?${new URLSearchParams(keep)}` : ""}`;
  const who = f.customer_id ? (props.names.get(f.customer_id) ?? f.customer_id) : null;
  const v = props.values;
  return (
    <Layout ctx={props.ctx} title={t("billing.transactions.title")}>
      <PageHeader
        title={t("billing.transactions.title")}
        back={{ href: f.customer_id ? `/admin/customers/${f.customer_id}` : "/admin/invoices", label: who ?? t("billing.invoices.title") }}
        subtitle={who ? t("billing.transactions.of", { name: who }) : t("billing.transactions.subtitle")}
        actions={
          <a class="button" href={csv} download>
            {t("billing.download_csv")}
          </a>
        }
      />
      <section class="card">
        <Table
          id="transaction-totals"
          rows={props.totals}
          empty={<EmptyState title={t("billing.transactions.none_yet")} />}
          columns={[
            { header: t("billing.currency"), cell: (x) => x.currency },
            { header: t("billing.total"), class: "num", cell: (x) => formatMoney(x.total, x.currency) },
            { header: t("billing.transactions.not_invoiced"), class: "num", cell: (x) => formatMoney(x.uninvoiced, x.currency) },
            { header: t("billing.transactions.this_month"), class: "num", cell: (x) => formatMoney(x.this_month, x.currency) },
            { header: t("billing.transactions.last_month"), class: "num", cell: (x) => formatMoney(x.last_month, x.currency) },
          ]}
        />
      </section>
      <section class="card">
        <Table
          id="transactions"
          rows={props.rows}
          empty={<EmptyState title={t("billing.transactions.none_here")} />}
          columns={[
            { header: t("billing.date"), class: "nowrap", cell: (x) => x.date },
            {
              header: t("billing.customer"),
              when: !f.customer_id,
              cell: (x) => <a href={`/admin/transactions?customer_id=${x.customer_id}`}>{props.names.get(x.customer_id) ?? x.customer_id}</a>,
            },
            { header: t("billing.description"), cell: (x) => x.description },
            {
              header: t("billing.kind"),
              class: "small",
              cell: (x) => (x.kind === "credit" ? t("billing.transactions.credit") : t("billing.transactions.charge")),
            },
            { header: t("billing.net"), class: "num", cell: (x) => formatMoney(x.kind === "credit" ? -x.amount : x.amount, x.currency) },
            { header: t("billing.tax"), class: "num", cell: (x) => formatMoney(x.kind === "credit" ? -x.tax_amount : x.tax_amount, x.currency) },
            {
              header: t("billing.invoice"),
              cell: (x) =>
                x.invoice_id ? (
                  <a href={`/admin/invoices/${x.invoice_id}`}>{t("billing.transactions.invoiced")}</a>
                ) : (
                  <span class="muted">{t("billing.transactions.not_yet")}</span>
                ),
            },
            {
              header: <span class="visually-hidden">{t("admin.actions")}</span>,
              class: "row-actions",
              when: props.canWrite,
              cell: (x) =>
                x.reverses_id ? (
                  <span class="muted small">{t("billing.transactions.reversal")}</span>
                ) : (
                  <form
                    method="post"
                    action={`/admin/transactions/${x.id}/reverse`}
                    class="inline"
                    hx-confirm={t(x.kind === "charge" ? "billing.transactions.reverse_charge_confirm" : "billing.transactions.reverse_credit_confirm", {
                      description: x.description,
                    })}
                  >
                    <CsrfField token={props.ctx.csrfToken} />
                    <input type="hidden" name="key" value={`${props.formKey}-${x.id}`} />
                    <input type="hidden" name="customer_id" value={f.customer_id ?? ""} />
                    <button type="submit" class="button small">
                      {t("billing.transactions.reverse")}
                    </button>
                  </form>
                ),
            },
          ]}
        />
        <Pager baseUrl="/admin/transactions" params={keep} nextCursor={props.nextCursor} hasCursor={Boolean(f.cursor)} />
      </section>
      {props.canWrite && (
        <>
          <h2>{t("billing.transactions.new")}</h2>
          <form method="post" action="/admin/transactions" class="card form-grid" novalidate>
            <CsrfField token={props.ctx.csrfToken} />
            <input type="hidden" name="key" value={props.formKey} />
            <div class="span-2">
              <ErrorSummary errors={props.errors} message={props.message} />
            </div>
            <Field name="customer_id" label={t("billing.customer_id")} value={v.customer_id ?? f.customer_id} error={props.errors.customer_id} required />
            <SelectField
              name="kind"
              label={t("billing.kind")}
              value={v.kind ?? "charge"}
              error={props.errors.kind}
              options={[
                { value: "charge", label: t("billing.transactions.charge") },
                { value: "credit", label: t("billing.transactions.credit") },
              ]}
            />
            <Field name="description" label={t("billing.description")} value={v.description} error={props.errors.description} required />
            <Field
              name="amount"
              label={t("billing.amount")}
              value={v.amount}
              error={props.errors.amount}
              required
              hint={t("billing.transactions.amount_hint")}
            />
            <SelectField
              name="tax_class"
              label={t("billing.tax")}
              value={v.tax_class ?? "standard"}
              error={props.errors.tax_class}
              options={props.taxRates.map((r) => ({ value: r.tax_class, label: `${r.name} (${r.tax_class})` }))}
            />
            <div class="span-2 form-actions">
              <button type="submit" class="button primary">
                {t("billing.transactions.record")}
              </button>
            </div>
          </form>
        </>
      )}
    </Layout>
  );
}
