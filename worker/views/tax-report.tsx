/** The tax report page: a period, the report per currency and rate, and its CSV. */
import type { TaxReport } from "../domain/billing/reports/tax-report";
import { t } from "../i18n/request-locale";
import { EmptyState, ErrorSummary, type FormErrors, PageHeader, Table } from "./components";
import { formatMoney } from "./format";
import { Layout, type PageContext } from "./layout";
import { percentText } from "./tax-rates";

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
    <Layout ctx={props.ctx} title={t("billing.tax_report.title")}>
      <PageHeader
        title={t("billing.tax_report.title")}
        back={{ href: "/admin/invoices", label: t("billing.invoices.title") }}
        subtitle={t("billing.tax_report.subtitle")}
        actions={
          r ? (
            <a class="button" href={`/admin/reports/tax.csv?${q}`} download>
              {t("billing.download_csv")}
            </a>
          ) : undefined
        }
      />
      <form method="get" action="/admin/reports/tax" class="filters">
        <ErrorSummary errors={props.errors} message={props.message} />
        <label>
          {t("billing.tax_report.from")} <input type="date" name="period_start" value={props.period.start} required />
        </label>
        <label>
          {t("billing.tax_report.to")} <input type="date" name="period_end" value={props.period.end} required />
        </label>
        <button type="submit" class="button">
          {t("billing.tax_report.show")}
        </button>
      </form>
      {r && (
        <section class="card">
          <Table
            id="tax-report"
            rows={r.rows}
            empty={<EmptyState title={t("billing.tax_report.empty")} />}
            columns={[
              { header: t("billing.currency"), cell: (x) => x.currency },
              { header: t("billing.rate"), class: "num", cell: (x) => percentText(x.rate_bp) },
              { header: t("billing.name"), cell: (x) => x.names || "—" },
              { header: t("billing.net"), class: "num", cell: (x) => formatMoney(x.net_amount, x.currency) },
              { header: t("billing.tax"), class: "num", cell: (x) => formatMoney(x.tax_amount, x.currency) },
              { header: t("billing.tax_report.gross"), class: "num", cell: (x) => formatMoney(x.gross_amount, x.currency) },
              { header: t("billing.tax_report.documents"), class: "num", cell: (x) => x.documents },
            ]}
          />
          {r.totals.map((x) => (
            <p class="total">
              {t("billing.tax_report.total_net", { currency: x.currency, amount: formatMoney(x.net_amount, x.currency) })} · {t("billing.tax_report.total_tax")}{" "}
              <strong>{formatMoney(x.tax_amount, x.currency)}</strong> · {t("billing.tax_report.total_gross")} {formatMoney(x.gross_amount, x.currency)}
            </p>
          ))}
        </section>
      )}
    </Layout>
  );
}
