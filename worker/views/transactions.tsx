/** The transactions page: charges and credits with their totals, CSV export, a manual charge, reversals. */
import type { TransactionTotals, TransactionView } from "../db/queries/transactions";
import type { TaxRateView } from "../domain/billing/tax-rates/schemas";
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
    <Layout ctx={props.ctx} title="Transactions">
      <PageHeader
        title="Transactions"
        back={{ href: f.customer_id ? `/admin/customers/${f.customer_id}` : "/admin/invoices", label: who ?? "Invoices" }}
        subtitle={
          who ? `Charges and credits of ${who}, newest first.` : "Every charge and credit, newest first. Transactions never change: a mistake is reversed."
        }
        actions={
          <a class="button" href={csv} download>
            Download CSV
          </a>
        }
      />
      <section class="card">
        <Table
          id="transaction-totals"
          rows={props.totals}
          empty={<EmptyState title="No transactions yet." />}
          columns={[
            { header: "Currency", cell: (t) => t.currency },
            { header: "Total", class: "num", cell: (t) => formatMoney(t.total, t.currency) },
            { header: "Not invoiced", class: "num", cell: (t) => formatMoney(t.uninvoiced, t.currency) },
            { header: "This month", class: "num", cell: (t) => formatMoney(t.this_month, t.currency) },
            { header: "Last month", class: "num", cell: (t) => formatMoney(t.last_month, t.currency) },
          ]}
        />
      </section>
      <section class="card">
        <Table
          id="transactions"
          rows={props.rows}
          empty={<EmptyState title="No transactions here." />}
          columns={[
            { header: "Date", class: "nowrap", cell: (t) => t.date },
            {
              header: "Customer",
              when: !f.customer_id,
              cell: (t) => <a href={`/admin/transactions?customer_id=${t.customer_id}`}>{props.names.get(t.customer_id) ?? t.customer_id}</a>,
            },
            { header: "Description", cell: (t) => t.description },
            { header: "Kind", class: "small", cell: (t) => (t.kind === "credit" ? "Credit" : "Charge") },
            { header: "Net", class: "num", cell: (t) => formatMoney(t.kind === "credit" ? -t.amount : t.amount, t.currency) },
            { header: "Tax", class: "num", cell: (t) => formatMoney(t.kind === "credit" ? -t.tax_amount : t.tax_amount, t.currency) },
            { header: "Invoice", cell: (t) => (t.invoice_id ? <a href={`/admin/invoices/${t.invoice_id}`}>Invoiced</a> : <span class="muted">Not yet</span>) },
            {
              header: <span class="visually-hidden">Actions</span>,
              class: "row-actions",
              when: props.canWrite,
              cell: (t) =>
                t.reverses_id ? (
                  <span class="muted small">Reversal</span>
                ) : (
                  <form
                    method="post"
                    action={`/admin/transactions/${t.id}/reverse`}
                    class="inline"
                    hx-confirm={`Reverse "${t.description}"? A new ${t.kind === "charge" ? "credit" : "charge"} of the same amount is recorded.`}
                  >
                    <CsrfField token={props.ctx.csrfToken} />
                    <input type="hidden" name="key" value={`${props.formKey}-${t.id}`} />
                    <input type="hidden" name="customer_id" value={f.customer_id ?? ""} />
                    <button type="submit" class="button small">
                      Reverse
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
          <h2>New charge or credit</h2>
          <form method="post" action="/admin/transactions" class="card form-grid" novalidate>
            <CsrfField token={props.ctx.csrfToken} />
            <input type="hidden" name="key" value={props.formKey} />
            <div class="span-2">
              <ErrorSummary errors={props.errors} message={props.message} />
            </div>
            <Field name="customer_id" label="Customer id" value={v.customer_id ?? f.customer_id} error={props.errors.customer_id} required />
            <SelectField
              name="kind"
              label="Kind"
              value={v.kind ?? "charge"}
              error={props.errors.kind}
              options={[
                { value: "charge", label: "Charge" },
                { value: "credit", label: "Credit" },
              ]}
            />
            <Field name="description" label="Description" value={v.description} error={props.errors.description} required />
            <Field name="amount" label="Amount" value={v.amount} error={props.errors.amount} required hint="In the customer's currency, e.g. 25.00" />
            <SelectField
              name="tax_class"
              label="Tax"
              value={v.tax_class ?? "standard"}
              error={props.errors.tax_class}
              options={props.taxRates.map((r) => ({ value: r.tax_class, label: `${r.name} (${r.tax_class})` }))}
            />
            <div class="span-2 form-actions">
              <button type="submit" class="button primary">
                Record
              </button>
            </div>
          </form>
        </>
      )}
    </Layout>
  );
}
