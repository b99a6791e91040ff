/** The bill runs pages: the list with a form to start one, and one run's live progress. */
import type { BillRunView, listBillRuns } from "../domain/billing/bill-runs/run";
import { t } from "../i18n/request-locale";
import { Badge, CsrfField, EmptyState, ErrorSummary, Field, type FormErrors, PageHeader, Pager, Table, Time } from "./components";
import { formatMoney } from "./format";
import { Layout, type PageContext } from "./layout";

type BillRunRow = Awaited<ReturnType<typeof listBillRuns>>[number];

/** This month, as the month field's value (YYYY-MM). */
export const thisMonth = () => new Date().toISOString().slice(0, 7);

/** A run's status badge ("queued" is a bill run's own word; the others are the shared badge words). */
const RunBadge = (props: { status: string }) => <Badge value={props.status} label={props.status === "queued" ? t("billing.bill_runs.queued") : undefined} />;

export function BillRunsPage(props: {
  ctx: PageContext;
  runs: BillRunRow[];
  nextCursor: string | null;
  hasCursor: boolean;
  canWrite: boolean;
  values: { month?: string; issue?: boolean; send?: boolean };
  errors: FormErrors;
  message?: string;
}) {
  return (
    <Layout ctx={props.ctx} title={t("billing.bill_runs.title")}>
      <PageHeader
        title={t("billing.bill_runs.title")}
        back={{ href: "/admin/invoices", label: t("billing.invoices.title") }}
        subtitle={t("billing.bill_runs.subtitle")}
      />
      {props.canWrite && (
        <form method="post" action="/admin/bill-runs" class="card form-grid" novalidate>
          <CsrfField token={props.ctx.csrfToken} />
          <div class="span-2">
            <ErrorSummary errors={props.errors} message={props.message} />
          </div>
          <Field
            name="month"
            label={t("billing.bill_runs.month")}
            type="month"
            value={props.values.month ?? thisMonth()}
            error={props.errors.period_start ?? props.errors.period_end}
            required
          />
          <label class="checkbox">
            <input type="checkbox" name="issue" value="1" checked={props.values.issue ?? true} /> {t("billing.bill_runs.issue")}
          </label>
          <label class="checkbox">
            <input type="checkbox" name="send" value="1" checked={props.values.send ?? true} /> {t("billing.bill_runs.send")}
          </label>
          <div class="span-2 form-actions">
            <button type="submit" class="button primary">
              {t("billing.bill_runs.start")}
            </button>
          </div>
        </form>
      )}
      <section class="card">
        <Table
          id="bill-runs"
          rows={props.runs}
          empty={<EmptyState title={t("billing.bill_runs.empty")}>{t("billing.bill_runs.empty_hint")}</EmptyState>}
          columns={[
            { header: t("billing.bill_runs.month"), cell: (r) => <a href={`/admin/bill-runs/${r.id}`}>{r.period_start.slice(0, 7)}</a> },
            { header: t("billing.status"), cell: (r) => <RunBadge status={r.status} /> },
            { header: t("billing.bill_runs.customers"), class: "num", cell: (r) => `${r.customers_done} / ${r.customers_total}` },
            { header: t("billing.invoices.title"), class: "num", cell: (r) => r.invoices },
            { header: t("billing.bill_runs.errors"), class: "num", cell: (r) => (r.errors ? <strong class="danger-text">{r.errors}</strong> : 0) },
            { header: t("billing.bill_runs.started_by"), cell: (r) => (r.trigger === "cron" ? t("billing.bill_runs.monthly_schedule") : r.created_by) },
            { header: t("billing.created"), class: "nowrap", cell: (r) => <Time iso={r.created_at} timeZone={props.ctx.settings.default_timezone} /> },
          ]}
        />
        <Pager baseUrl="/admin/bill-runs" params={{}} nextCursor={props.nextCursor} hasCursor={props.hasCursor} />
      </section>
    </Layout>
  );
}

/** A run's progress, totals and errors; refreshes itself every 2 s while the run is queued or running. */
export function BillRunLive(props: { run: NonNullable<BillRunView>; timeZone: string }) {
  const r = props.run;
  const live = r.status === "queued" || r.status === "running";
  const pct = r.customers_total ? Math.min(100, Math.round((r.customers_done / r.customers_total) * 100)) : 100;
  return (
    <div id="bill-run-live" {...(live ? { "hx-get": `/admin/bill-runs/${r.id}/live`, "hx-trigger": "every 2s", "hx-swap": "outerHTML" } : {})}>
      <section class="card">
        <dl class="details">
          <dt>{t("billing.status")}</dt>
          <dd>
            <RunBadge status={r.status} />
          </dd>
          <dt>{t("billing.bill_runs.progress")}</dt>
          <dd>
            <progress max={100} value={pct} aria-label={t("billing.bill_runs.customers_done")}>
              {pct} %
            </progress>{" "}
            {t("billing.bill_runs.customers_of", { done: r.customers_done, total: r.customers_total })}
          </dd>
          <dt>{t("billing.invoices.title")}</dt>
          <dd>
            <a href={`/admin/invoices?bill_run_id=${r.id}`}>{r.invoices}</a> {r.issue ? t("billing.bill_runs.issued") : t("billing.bill_runs.drafts")}
          </dd>
          <dt>{t("billing.bill_runs.emails")}</dt>
          <dd>
            {r.send
              ? `${t("billing.bill_runs.emails_queued", { emailed: r.emailed, invoices: r.invoices })}${r.no_recipient ? t("billing.bill_runs.no_recipient", { count: r.no_recipient }) : ""}${r.emailed + r.no_recipient < r.invoices ? t("billing.bill_runs.few_each_minute") : ""}`
              : t("billing.bill_runs.not_emailed")}
          </dd>
          <dt>{t("billing.bill_runs.job")}</dt>
          <dd>{r.job_id ? <a href={`/admin/jobs/${r.job_id}`}>{r.job_status ?? "—"}</a> : "—"}</dd>
          <dt>{t("billing.bill_runs.started")}</dt>
          <dd>
            <Time iso={r.started_at} timeZone={props.timeZone} />
          </dd>
          <dt>{t("billing.bill_runs.finished")}</dt>
          <dd>
            <Time iso={r.finished_at} timeZone={props.timeZone} />
          </dd>
        </dl>
      </section>
      <h2>{t("billing.bill_runs.totals")}</h2>
      <section class="card">
        <Table
          id="bill-run-totals"
          rows={r.totals}
          empty={<EmptyState title={t("billing.bill_runs.no_invoice")} />}
          columns={[
            { header: t("billing.currency"), cell: (x) => x.currency },
            { header: t("billing.invoices.title"), class: "num", cell: (x) => x.invoices },
            { header: t("billing.net"), class: "num", cell: (x) => formatMoney(x.subtotal_amount, x.currency) },
            { header: t("billing.tax"), class: "num", cell: (x) => formatMoney(x.tax_amount, x.currency) },
            { header: t("billing.total"), class: "num", cell: (x) => formatMoney(x.total_amount, x.currency) },
          ]}
        />
      </section>
      <h2>{t("billing.bill_runs.not_billed", { count: r.errors })}</h2>
      <section class="card">
        <Table
          id="bill-run-errors"
          rows={r.error_list}
          empty={<EmptyState title={t("billing.bill_runs.none_left_out")} />}
          columns={[
            { header: t("billing.customer"), cell: (e) => <a href={`/admin/customers/${e.customer_id}`}>{e.customer_name ?? e.customer_id}</a> },
            { header: t("billing.bill_runs.why"), cell: (e) => e.message },
            { header: t("billing.when"), class: "nowrap", cell: (e) => <Time iso={e.at} timeZone={props.timeZone} /> },
          ]}
        />
      </section>
    </div>
  );
}

export function BillRunPage(props: { ctx: PageContext; run: NonNullable<BillRunView> }) {
  const r = props.run;
  return (
    <Layout ctx={props.ctx} title={t("billing.bill_run.title", { month: r.period_start.slice(0, 7) })}>
      <PageHeader
        title={t("billing.bill_run.title", { month: r.period_start.slice(0, 7) })}
        back={{ href: "/admin/bill-runs", label: t("billing.bill_runs.title") }}
        subtitle={`${t("billing.bill_run.period", { start: r.period_start, end: r.period_end })} · ${r.trigger === "cron" ? t("billing.bill_run.by_schedule") : t("billing.bill_run.by", { name: r.created_by })}`}
      />
      <BillRunLive run={r} timeZone={props.ctx.settings.default_timezone} />
    </Layout>
  );
}
