/** The bill runs pages: the list with a form to start one, and one run's live progress. */
import type { BillRunView, listBillRuns } from "../domain/billing/bill-runs/run";
import { Badge, CsrfField, EmptyState, ErrorSummary, Field, type FormErrors, PageHeader, Pager, Table, Time } from "./components";
import { formatMoney } from "./format";
import { Layout, type PageContext } from "./layout";

type BillRunRow = Awaited<ReturnType<typeof listBillRuns>>[number];

/** This month, as the month field's value (YYYY-MM). */
export const thisMonth = () => new Date().toISOString().slice(0, 7);

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
    <Layout ctx={props.ctx} title="Bill runs">
      <PageHeader
        title="Bill runs"
        back={{ href: "/admin/invoices", label: "Invoices" }}
        subtitle="One invoice per customer for a month: recurring charges in advance (prorated to the second), last month's postpaid usage, and everything not yet invoiced. The 1st of each month starts one by itself."
      />
      {props.canWrite && (
        <form method="post" action="/admin/bill-runs" class="card form-grid" novalidate>
          <CsrfField token={props.ctx.csrfToken} />
          <div class="span-2">
            <ErrorSummary errors={props.errors} message={props.message} />
          </div>
          <Field
            name="month"
            label="Month"
            type="month"
            value={props.values.month ?? thisMonth()}
            error={props.errors.period_start ?? props.errors.period_end}
            required
          />
          <label class="checkbox">
            <input type="checkbox" name="issue" value="1" checked={props.values.issue ?? true} /> Issue the invoices (numbers and due dates) — else leave drafts
          </label>
          <label class="checkbox">
            <input type="checkbox" name="send" value="1" checked={props.values.send ?? true} /> Email each issued invoice with its PDF to the customer
          </label>
          <div class="span-2 form-actions">
            <button type="submit" class="button primary">
              Start bill run
            </button>
          </div>
        </form>
      )}
      <section class="card">
        <Table
          id="bill-runs"
          rows={props.runs}
          empty={<EmptyState title="No bill runs yet.">Start one above; the first of each month starts one by itself.</EmptyState>}
          columns={[
            { header: "Month", cell: (r) => <a href={`/admin/bill-runs/${r.id}`}>{r.period_start.slice(0, 7)}</a> },
            { header: "Status", cell: (r) => <Badge value={r.status} /> },
            { header: "Customers", class: "num", cell: (r) => `${r.customers_done} / ${r.customers_total}` },
            { header: "Invoices", class: "num", cell: (r) => r.invoices },
            { header: "Errors", class: "num", cell: (r) => (r.errors ? <strong class="danger-text">{r.errors}</strong> : 0) },
            { header: "Started by", cell: (r) => (r.trigger === "cron" ? "Monthly schedule" : r.created_by) },
            { header: "Created", class: "nowrap", cell: (r) => <Time iso={r.created_at} timeZone={props.ctx.settings.default_timezone} /> },
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
          <dt>Status</dt>
          <dd>
            <Badge value={r.status} />
          </dd>
          <dt>Progress</dt>
          <dd>
            <progress max={100} value={pct} aria-label="Customers done">
              {pct} %
            </progress>{" "}
            {r.customers_done} of {r.customers_total} customers
          </dd>
          <dt>Invoices</dt>
          <dd>
            <a href={`/admin/invoices?bill_run_id=${r.id}`}>{r.invoices}</a> {r.issue ? "issued" : "drafts"}
          </dd>
          <dt>Emails</dt>
          <dd>
            {r.send
              ? `${r.emailed} of ${r.invoices} queued${r.no_recipient ? `, ${r.no_recipient} without an email address` : ""}${r.emailed + r.no_recipient < r.invoices ? " (a few each minute)" : ""}`
              : "Not emailed"}
          </dd>
          <dt>Job</dt>
          <dd>{r.job_id ? <a href={`/admin/jobs/${r.job_id}`}>{r.job_status ?? "—"}</a> : "—"}</dd>
          <dt>Started</dt>
          <dd>
            <Time iso={r.started_at} timeZone={props.timeZone} />
          </dd>
          <dt>Finished</dt>
          <dd>
            <Time iso={r.finished_at} timeZone={props.timeZone} />
          </dd>
        </dl>
      </section>
      <h2>Totals</h2>
      <section class="card">
        <Table
          id="bill-run-totals"
          rows={r.totals}
          empty={<EmptyState title="No invoice yet." />}
          columns={[
            { header: "Currency", cell: (t) => t.currency },
            { header: "Invoices", class: "num", cell: (t) => t.invoices },
            { header: "Net", class: "num", cell: (t) => formatMoney(t.subtotal_amount, t.currency) },
            { header: "Tax", class: "num", cell: (t) => formatMoney(t.tax_amount, t.currency) },
            { header: "Total", class: "num", cell: (t) => formatMoney(t.total_amount, t.currency) },
          ]}
        />
      </section>
      <h2>Customers not billed ({r.errors})</h2>
      <section class="card">
        <Table
          id="bill-run-errors"
          rows={r.error_list}
          empty={<EmptyState title="None: no customer was left out." />}
          columns={[
            { header: "Customer", cell: (e) => <a href={`/admin/customers/${e.customer_id}`}>{e.customer_name ?? e.customer_id}</a> },
            { header: "Why", cell: (e) => e.message },
            { header: "When", class: "nowrap", cell: (e) => <Time iso={e.at} timeZone={props.timeZone} /> },
          ]}
        />
      </section>
    </div>
  );
}

export function BillRunPage(props: { ctx: PageContext; run: NonNullable<BillRunView> }) {
  const r = props.run;
  return (
    <Layout ctx={props.ctx} title={`Bill run ${r.period_start.slice(0, 7)}`}>
      <PageHeader
        title={`Bill run ${r.period_start.slice(0, 7)}`}
        back={{ href: "/admin/bill-runs", label: "Bill runs" }}
        subtitle={`${r.period_start} to ${r.period_end} · ${r.trigger === "cron" ? "started by the monthly schedule" : `started by ${r.created_by}`}`}
      />
      <BillRunLive run={r} timeZone={props.ctx.settings.default_timezone} />
    </Layout>
  );
}
