/** The tax report page: a period, the report per currency and rate, and its CSV. */
import type { TaxReport } from "../domain/billing/reports/tax-report";
import { EmptyState, ErrorSummary, type FormErrors, PageHeader, Table } from "./components";
import { formatMoney } from "./format";
import { Layout, type PageContext } from "./layout";
import { percentOf } from "./tax-rates";

export function TaxReportPage(props: {
  ctx: PageContext;
  period: { start: string; end: string };
  report: TaxReport | null;
  errors: FormErrors;
  message?: string;
}) {
  const r = props.report;
  const q = new URLSearchParams({ period_start: props.period.start, period_end: props.period.end });
  return (
    <Layout ctx={props.ctx} title="Tax report">
      <PageHeader
        title="Tax report"
        back={{ href: "/admin/invoices", label: "Invoices" }}
        subtitle="Net, tax and gross per rate for invoices and credit notes issued in the period (credit notes subtract, split over the rates of the invoice they credit)."
        actions={
          r ? (
            <a class="button" href={`/admin/reports/tax.csv?${q}`} download>
              Download CSV
            </a>
          ) : undefined
        }
      />
      <form method="get" action="/admin/reports/tax" class="filters">
        <ErrorSummary errors={props.errors} message={props.message} />
        <label>
          From <input type="date" name="period_start" value={props.period.start} required />
        </label>
        <label>
          To <input type="date" name="period_end" value={props.period.end} required />
        </label>
        <button type="submit" class="button">
          Show
        </button>
      </form>
      {r && (
        <section class="card">
          <Table
            id="tax-report"
            rows={r.rows}
            empty={<EmptyState title="Nothing was issued in this period." />}
            columns={[
              { header: "Currency", cell: (x) => x.currency },
              { header: "Rate", class: "num", cell: (x) => `${percentOf(x.rate_bp)} %` },
              { header: "Name", cell: (x) => x.names || "—" },
              { header: "Net", class: "num", cell: (x) => formatMoney(x.net_amount, x.currency) },
              { header: "Tax", class: "num", cell: (x) => formatMoney(x.tax_amount, x.currency) },
              { header: "Gross", class: "num", cell: (x) => formatMoney(x.gross_amount, x.currency) },
              { header: "Documents", class: "num", cell: (x) => x.documents },
            ]}
          />
          {r.totals.map((t) => (
            <p class="total">
              Total {t.currency}: net {formatMoney(t.net_amount, t.currency)} · tax <strong>{formatMoney(t.tax_amount, t.currency)}</strong> · gross{" "}
              {formatMoney(t.gross_amount, t.currency)}
            </p>
          ))}
        </section>
      )}
    </Layout>
  );
}
