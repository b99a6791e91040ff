import type { Child } from "hono/jsx";
import type { ActivityView } from "../db/queries/activity";
import type { ReconciliationView } from "../db/queries/reconciliation";
import type { TransactionView } from "../db/queries/transactions";
import type { ProductView } from "../domain/catalog/schemas";
import { FINISHED_JOB_STATUSES, OPEN_JOB_STATUSES } from "../domain/jobs/contract";
import type { ServiceAction } from "../domain/services/actions";
import type { PlanChangeRequestView } from "../domain/services/plan-change-requests";
import type { ServiceView } from "../domain/services/schemas";
import { type Bucket, SERVICE_STATUSES } from "../domain/services/state";
import type { MessageKey } from "../i18n/catalogue";
import { currentIntlLocale, t } from "../i18n/request-locale";
import { BalanceSource, DifferencesTable } from "./charging";
import {
  ActivityTable,
  Badge,
  type Column,
  CsrfField,
  EmptyState,
  Field,
  labelled,
  PageHeader,
  Pager,
  SelectField,
  statusLabel,
  Table,
  Time,
} from "./components";
import { formatAmount, formatMoney } from "./format";
import { ServiceInventory } from "./inventory";
import { Layout, type PageContext } from "./layout";

/** A service's identifiers (`msisdn 336… · iccid 89…`), small, or "—" when it has none. */
export function identifiersColumn<T extends { identifiers: Record<string, string> }>(): Column<T> {
  return {
    header: t("services.identifiers"),
    class: "small",
    cell: (s) =>
      Object.entries(s.identifiers)
        .map(([k, v]) => `${k} ${v}`)
        .join(" · ") || "—",
  };
}

export function ServicesTable(props: { services: ServiceView[]; timeZone: string; showCustomer?: Map<string, string> }) {
  return (
    <Table
      rows={props.services}
      empty={<EmptyState title={t("services.none")} />}
      columns={[
        {
          header: t("services.service"),
          cell: (s) => (
            <>
              <a href={`/admin/services/${s.id}`}>{s.product_name}</a>
              <div class="muted small">
                {statusLabel(s.service_type)}
                {s.parent_service_id ? t("services.bundle_component") : ""}
              </div>
            </>
          ),
        },
        {
          header: t("services.customer"),
          when: props.showCustomer !== undefined,
          cell: (s) => <a href={`/admin/customers/${s.customer_id}`}>{props.showCustomer?.get(s.customer_id) ?? s.customer_id}</a>,
        },
        identifiersColumn(),
        { header: t("services.status"), cell: (s) => <Badge value={s.status} /> },
        { header: t("services.ordered"), class: "nowrap", cell: (s) => <Time iso={s.created_at} timeZone={props.timeZone} dateOnly /> },
      ]}
    />
  );
}

/**
 * Charges and credits as a short list without a header row: description, amount (a credit with a minus), the tax when
 * `showTax`, and the date. The customer page shows the same list without the tax.
 */
export function TransactionsTable(props: { transactions: TransactionView[]; showTax?: boolean; empty: Child }) {
  return (
    <Table
      headless
      rows={props.transactions}
      empty={props.empty}
      columns={[
        { header: t("services.txn.description"), cell: (x) => x.description },
        {
          header: t("services.txn.amount"),
          class: "nowrap",
          cell: (x) => (
            <>
              {x.kind === "credit" ? "−" : ""}
              {formatMoney(x.amount, x.currency)}
            </>
          ),
        },
        {
          header: t("services.txn.tax"),
          class: "muted small nowrap",
          when: props.showTax === true,
          cell: (x) => t("services.txn.plus_tax", { amount: formatMoney(x.tax_amount, x.currency) }),
        },
        { header: t("services.txn.date"), class: "nowrap", cell: (x) => x.date },
      ]}
    />
  );
}

export function ServicesPage(props: {
  ctx: PageContext;
  services: ServiceView[];
  customers: Map<string, string>;
  status?: string;
  nextCursor: string | null;
  hasCursor: boolean;
}) {
  return (
    <Layout ctx={props.ctx} title={t("services.title")} wide>
      <PageHeader title={t("services.title")} subtitle={t("services.subtitle")} />
      <form class="filters" method="get" action="/admin/services">
        <SelectField name="status" label={t("services.status")} value={props.status} blank={t("services.any")} options={labelled(SERVICE_STATUSES)} />
        <button type="submit" class="button">
          {t("services.filter")}
        </button>
      </form>
      <section class="card">
        <ServicesTable services={props.services} timeZone={props.ctx.settings.default_timezone} showCustomer={props.customers} />
        <Pager baseUrl="/admin/services" params={{ status: props.status }} nextCursor={props.nextCursor} hasCursor={props.hasCursor} />
      </section>
    </Layout>
  );
}

/**
 * A bar per bucket: how much is left of what was granted, pending credit hatched. Each bar says it in
 * words ("800 MB of 1 GB remaining · expires 31 Dec 2025"), and its image's label says the same.
 */
function BalanceBars(props: { buckets: Bucket[]; currency: string; included: Map<string, number>; timeZone: string }) {
  if (props.buckets.length === 0) return <EmptyState title={t("services.balance.none")}>{t("services.balance.none_hint")}</EmptyState>;
  return (
    <div class="balances">
      {props.buckets.map((b) => {
        const granted = props.included.get(b.unit) ?? 0;
        const total = Math.max(granted, b.amount + b.pending_amount, 1);
        const used = Math.max(0, Math.min(100, (b.amount / total) * 100));
        const pending = Math.max(0, Math.min(100 - used, (b.pending_amount / total) * 100));
        const amount = (v: number) => formatAmount(b.unit, v, props.currency);
        const remaining =
          granted > 0
            ? t("services.balance.of_remaining", { amount: amount(b.amount), total: amount(total) })
            : t("services.balance.remaining", { amount: amount(b.amount) });
        const expires = b.expires_at
          ? t("services.balance.expires", {
              date: new Intl.DateTimeFormat(currentIntlLocale(), { timeZone: props.timeZone, dateStyle: "medium" }).format(new Date(b.expires_at)),
            })
          : "";
        return (
          <div class="balance" data-unit={b.unit} data-amount={b.amount} data-pending={b.pending_amount}>
            <div class="balance-head">
              <strong>{statusLabel(b.unit)}</strong> <span class="balance-caption">{remaining}</span>
              {b.pending_amount !== 0 && <span class="muted small">{t("services.balance.pending", { amount: amount(b.pending_amount) })}</span>}
              {b.expires_at && (
                <span class="muted small">
                  {" · "}
                  <time datetime={b.expires_at} title={b.expires_at}>
                    {expires}
                  </time>
                </span>
              )}
            </div>
            <svg
              class="bar"
              viewBox="0 0 100 6"
              preserveAspectRatio="none"
              role="img"
              aria-label={`${statusLabel(b.unit)}: ${[remaining, expires].filter(Boolean).join(", ")}`}
            >
              <rect x="0" y="0" width="100" height="6" class="bar-bg" />
              <rect x="0" y="0" width={used.toFixed(2)} height="6" class={b.amount < 0 ? "bar-neg" : "bar-fill"} />
              <rect x={used.toFixed(2)} y="0" width={pending.toFixed(2)} height="6" class="bar-pending" />
            </svg>
          </div>
        );
      })}
    </div>
  );
}

export type UsageLabels = {
  unit: (unit: string) => string;
  total: (amount: string) => string;
  aria: (unit: string) => string;
  empty: string;
  amount: (unit: string, amount: number) => string;
};

/** 30 days of usage per unit as server-rendered SVG bars (staff and portal pages; labels in the page's language). */
export function UsageChart(props: { usage: { day: string; unit: string; amount: number }[]; days: string[]; labels: UsageLabels }) {
  const { labels } = props;
  const units = [...new Set(props.usage.map((u) => u.unit))];
  if (units.length === 0) return <EmptyState title={labels.empty} />;
  return (
    <div class="usage">
      {units.map((unit) => {
        const byDay = new Map(props.usage.filter((u) => u.unit === unit).map((u) => [u.day, u.amount]));
        const max = Math.max(1, ...byDay.values());
        const total = [...byDay.values()].reduce((a, b) => a + b, 0);
        const w = 300 / props.days.length;
        return (
          <figure data-unit={unit}>
            <figcaption>
              <strong>{labels.unit(unit)}</strong> <span class="muted small">{labels.total(labels.amount(unit, total))}</span>
            </figcaption>
            <svg viewBox="0 0 300 60" class="chart" role="img" aria-label={labels.aria(unit)}>
              {props.days.map((day, i) => {
                const v = byDay.get(day) ?? 0;
                const h = (v / max) * 56;
                return (
                  <rect x={(i * w + 0.5).toFixed(2)} y={(58 - h).toFixed(2)} width={(w - 1).toFixed(2)} height={h.toFixed(2)} class="chart-bar">
                    <title>{`${day}: ${labels.amount(unit, v)}`}</title>
                  </rect>
                );
              })}
              <line x1="0" y1="58.5" x2="300" y2="58.5" class="chart-axis" />
            </svg>
          </figure>
        );
      })}
    </div>
  );
}

/** The last 30 days (UTC dates, oldest first) that usage charts show. */
export function last30Days(now = Date.now()): string[] {
  const since = now - 29 * 86_400_000;
  return Array.from({ length: 30 }, (_, i) => new Date(since + i * 86_400_000).toISOString().slice(0, 10));
}

/** The job as the service page lists it. */
export type ServiceJob = { id: string; type: string; status: string; attempts: number; createdAt: string; error: string | null };

/** What the service page refreshes on its own while one of the service's jobs is open. */
export type ServiceLive = {
  service: ServiceView;
  customerName: string;
  product: ProductView | null;
  buckets: Bucket[];
  jobs: ServiceJob[];
  /** The lifecycle actions this user may take now (`availableActions`). */
  actions: ServiceAction[];
};

const OPEN_JOBS = new Set<string>(OPEN_JOB_STATUSES);
const FINISHED_JOBS = new Set<string>(FINISHED_JOB_STATUSES);
const DONE_LABEL: Record<string, MessageKey> = {
  provision: "services.done.provision",
  deprovision: "services.done.deprovision",
  suspend: "services.done.suspend",
  resume: "services.done.resume",
  modify: "services.done.modify",
  topup: "services.done.topup",
  sync_balance: "services.done.sync_balance",
};

/** The catalogue key of each lifecycle action's button. */
export const ACTION_LABEL: Record<ServiceAction, MessageKey> = {
  suspend: "svc.suspend",
  resume: "svc.resume",
  terminate: "svc.terminate",
  retry: "services.action.retry",
};

function doneLabel(type: string): string {
  const key = DONE_LABEL[type];
  return key ? t(key) : t("services.jobs.done", { type });
}

/** `hx-swap-oob` on the parts the live fragment sends along with its poller. */
const oobAttr = (oob: boolean | undefined) => (oob ? { "hx-swap-oob": "true" } : {});

function ServiceStatus(props: { service: ServiceView; oob?: boolean }) {
  return (
    <span id="service-status" {...oobAttr(props.oob)}>
      <Badge value={props.service.status} />
    </span>
  );
}

function ServiceActions(props: { service: ServiceView; actions: ServiceAction[]; formKey: string; csrfToken: string; oob?: boolean }) {
  return (
    <span id="service-actions" class="live-actions" {...oobAttr(props.oob)}>
      {props.actions.map((a) =>
        a === "retry" ? (
          <form method="post" action={`/admin/services/${props.service.id}/action`} class="inline">
            <CsrfField token={props.csrfToken} />
            <input type="hidden" name="action" value={a} />
            <input type="hidden" name="key" value={`${props.formKey}-${a}`} />
            <button type="submit" class="button">
              {t(ACTION_LABEL[a])}
            </button>
          </form>
        ) : (
          // Suspend, resume and terminate reach the customer: a confirmation page says what happens and asks why.
          <a class={a === "terminate" ? "button danger" : "button"} href={`/admin/services/${props.service.id}/action/${a}`}>
            {t(ACTION_LABEL[a])}…
          </a>
        ),
      )}
    </span>
  );
}

function ServiceDetails(props: ServiceLive & { timeZone: string; currency: string; oob?: boolean }) {
  const s = props.service;
  return (
    <dl class="details" id="service-details" {...oobAttr(props.oob)}>
      <dt>{t("services.customer")}</dt>
      <dd>
        <a href={`/admin/customers/${s.customer_id}`}>{props.customerName}</a>
      </dd>
      <dt>{t("services.page.product")}</dt>
      <dd>
        <a href={`/admin/catalog/${s.product_id}`}>{s.product_name}</a> {props.product && <span class="muted small">v{props.product.version}</span>}
      </dd>
      <dt>{t("services.page.price")}</dt>
      <dd>
        {props.product
          ? `${formatMoney(props.product.retail_price, props.currency)}${props.product.recurring_period === "monthly" ? t("services.page.per_month") : props.product.recurring_period === "annual" ? t("services.page.per_year") : ""}`
          : "—"}
      </dd>
      {Object.entries(s.identifiers).map(([k, v]) => (
        <>
          <dt>{k.toUpperCase()}</dt>
          <dd>
            <code>{v}</code>
          </dd>
        </>
      ))}
      <dt>{t("services.page.activated")}</dt>
      <dd>
        <Time iso={s.activated_at} timeZone={props.timeZone} />
      </dd>
      {s.parent_service_id && (
        <>
          <dt>{t("services.page.bundle")}</dt>
          <dd>
            <a href={`/admin/services/${s.parent_service_id}`}>{t("services.page.parent_service")}</a>
          </dd>
        </>
      )}
    </dl>
  );
}

function ServiceBalances(props: ServiceLive & { timeZone: string; currency: string; oob?: boolean }) {
  return (
    <div id="service-balances" {...oobAttr(props.oob)}>
      <BalanceBars
        buckets={props.buckets}
        currency={props.currency}
        included={new Map((props.product?.included_balances ?? []).map((b) => [b.unit, b.amount]))}
        timeZone={props.timeZone}
      />
      <BalanceSource service={props.service} timeZone={props.timeZone} />
    </div>
  );
}

function ServiceJobs(props: { jobs: ServiceJob[]; timeZone: string; oob?: boolean }) {
  return (
    <div id="service-jobs" {...oobAttr(props.oob)}>
      <Table
        headless
        rows={props.jobs}
        empty={<EmptyState title={t("services.jobs.none")} />}
        columns={[
          {
            header: t("services.jobs.job"),
            cell: (j) => (
              <a href={`/admin/jobs/${j.id}`}>
                <code>{j.type}</code>
              </a>
            ),
          },
          { header: t("services.jobs.status"), cell: (j) => <Badge value={j.status} /> },
          { header: t("services.jobs.attempts"), class: "small", cell: (j) => t("services.jobs.attempts_n", { n: j.attempts }) },
          { header: t("services.jobs.created"), class: "nowrap", cell: (j) => <Time iso={j.createdAt} timeZone={props.timeZone} /> },
        ]}
      />
    </div>
  );
}

/**
 * While a job of the service is open, polls `/admin/services/:id/live` every 2 s and replaces itself
 * (the status, actions, details, balances and jobs come along out of band). Once none is open, the
 * answer sends the browser to the whole page again (`HX-Redirect` to `?ended=`): what the job changed
 * reaches every card (plans, inventory, history), and the page says how each job it watched ended.
 */
/** Whether any of the service's jobs is still open (queued, leased, …). */
export const hasOpenJob = (jobs: readonly { status: string }[]) => jobs.some((j) => OPEN_JOBS.has(j.status));

export function ServicePoller(props: { serviceId: string; jobs: ServiceJob[]; watch: readonly string[] }) {
  const open = props.jobs.filter((j) => OPEN_JOBS.has(j.status));
  const ended = props.jobs.filter((j) => props.watch.includes(j.id) && FINISHED_JOBS.has(j.status));
  const watch = [...new Set([...props.watch, ...open.map((j) => j.id)])].join(",");
  const polling =
    open.length > 0 ? { "hx-get": `/admin/services/${props.serviceId}/live?watch=${watch}`, "hx-trigger": "every 2s", "hx-swap": "outerHTML" } : {};
  return (
    <div id="service-live" aria-live="polite" {...polling}>
      {open.length > 0 && (
        <p class="muted small job-running">
          <span class="badge badge-leased">{t("services.jobs.live")}</span>{" "}
          {t("services.jobs.running", { type: open[0]?.type ?? "", status: statusLabel(open[0]?.status ?? "") })}
        </p>
      )}
      {ended.map((j) =>
        j.status === "succeeded" ? (
          <div class="alert success" role="status">
            {doneLabel(j.type)}. <a href={`/admin/jobs/${j.id}`}>{t("services.jobs.view")}</a>
          </div>
        ) : (
          <div class="alert error" role="alert">
            {t("services.jobs.failed", { error: j.error ?? t("services.jobs.no_reason") })}. <a href={`/admin/jobs/${j.id}`}>{t("services.jobs.view")}</a>
          </div>
        ),
      )}
    </div>
  );
}

/** The answer to the poller: itself, and the page's live parts swapped in out of band. */
export function ServiceLiveFragment(props: ServiceLive & { ctx: PageContext; watch: readonly string[]; formKey: string }) {
  const tz = props.ctx.settings.default_timezone;
  const currency = props.product?.currency ?? props.ctx.settings.default_currency;
  return (
    <>
      <ServicePoller serviceId={props.service.id} jobs={props.jobs} watch={props.watch} />
      <ServiceStatus service={props.service} oob />
      <ServiceActions service={props.service} actions={props.actions} formKey={props.formKey} csrfToken={props.ctx.csrfToken} oob />
      <ServiceDetails {...props} timeZone={tz} currency={currency} oob />
      <ServiceBalances {...props} timeZone={tz} currency={currency} oob />
      <ServiceJobs jobs={props.jobs} timeZone={tz} oob />
    </>
  );
}

/** "To <strong>Plan</strong>, asked <time> by someone.", the parts in the order of the page's language. */
function PlanRequestLine(props: { name: string; at: string; by: string }) {
  const [before, rest] = t("services.page.plan_request").split("{name}") as [string, string?];
  const [middle, tail] = (rest ?? "").split("{date}") as [string, string?];
  return (
    <>
      {before}
      <strong>{props.name}</strong>
      {middle}
      <Time iso={props.at} />
      {(tail ?? "").replace("{by}", props.by)}
    </>
  );
}

export function ServicePage(
  props: ServiceLive & {
    ctx: PageContext;
    usage: { day: string; unit: string; amount: number }[];
    days: string[];
    timeline: ActivityView[];
    transactions: TransactionView[];
    addons: { id: string; name: string; createdAt: string }[];
    children: ServiceView[];
    plans: ProductView[];
    addonProducts: ProductView[];
    planRequests?: PlanChangeRequestView[];
    differences: ReconciliationView[];
    can: { write: boolean; provision: boolean; topup: boolean; billing: boolean };
    inventory: Parameters<typeof ServiceInventory>[0];
    formKey: string;
    /** The customer's saved cards, for a top-up paid by card (staff with payments:pay). */
    cards?: { value: string; label: string }[];
    message?: string;
    notice?: string;
    /** Jobs the page was watching when they ended (`?ended=`): how each ended is said at the top. */
    ended?: readonly string[];
  },
) {
  const s = props.service;
  const tz = props.ctx.settings.default_timezone;
  const currency = props.product?.currency ?? props.ctx.settings.default_currency;
  const token = props.ctx.csrfToken;
  const live = s.status === "active" || s.status === "suspended";
  return (
    <Layout ctx={props.ctx} title={s.product_name} wide>
      <PageHeader
        title={s.product_name}
        back={{ href: `/admin/customers/${s.customer_id}#services`, label: props.customerName }}
        subtitle={
          <>
            <ServiceStatus service={s} /> {statusLabel(s.service_type)} · <code>{s.id}</code>
          </>
        }
        actions={<ServiceActions service={s} actions={props.actions} formKey={props.formKey} csrfToken={token} />}
      />
      <ServicePoller serviceId={s.id} jobs={props.jobs} watch={props.ended ?? []} />
      {props.message && (
        <div class="alert error" role="alert">
          {props.message}
        </div>
      )}
      {props.notice && (
        <div class="alert success" role="status">
          {props.notice}
        </div>
      )}
      <div class="grid-360">
        <section class="card">
          <h2>{t("services.page.details")}</h2>
          <ServiceDetails {...props} timeZone={tz} currency={currency} />
          {props.addons.length > 0 && (
            <>
              <h3>{t("services.page.addons")}</h3>
              <ul>
                {props.addons.map((a) => (
                  <li>
                    {a.name}{" "}
                    <span class="muted small">
                      (<Time iso={a.createdAt} timeZone={tz} dateOnly />)
                    </span>
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
        <section class="card" aria-labelledby="balance-h" id="balance">
          <h2 id="balance-h">{t("services.page.balance")}</h2>
          <ServiceBalances {...props} timeZone={tz} currency={currency} />
          {props.differences.length > 0 && (
            <div class="alert error" role="alert" id="charging">
              <strong>{t("services.page.charging_title")}</strong> {t("services.page.charging_body")}
              <DifferencesTable flags={props.differences} currency={currency} timeZone={tz} resolve={props.can.provision ? { csrfToken: token } : null} />
            </div>
          )}
          {props.can.topup && s.status !== "terminated" && s.status !== "terminating" && s.status !== "failed" && (
            <form method="post" action={`/admin/services/${s.id}/top-ups`} class="stack top-up">
              <CsrfField token={token} />
              <input type="hidden" name="key" value={`${props.formKey}-topup`} />
              <div class="field">
                <label for="f-topup-amount">{t("services.page.top_up_amount", { currency })}</label>
                <input id="f-topup-amount" name="amount" placeholder={t("services.page.amount_placeholder")} inputmode="decimal" />
              </div>
              {props.addonProducts.some((p) => p.included_balances.length > 0) && (
                <SelectField
                  id="f-topup-product"
                  name="product_id"
                  label={t("services.page.top_up_pack")}
                  blank="—"
                  options={props.addonProducts
                    .filter((p) => p.included_balances.length > 0)
                    .map((p) => ({ value: p.id, label: `${p.name} (${formatMoney(p.retail_price, p.currency)})` }))}
                />
              )}
              {props.cards && props.cards.length > 0 && (
                <SelectField
                  id="f-topup-card"
                  name="payment_method"
                  label={t("services.page.paid_by")}
                  blank={t("services.page.on_account")}
                  options={props.cards}
                />
              )}
              <button type="submit" class="button">
                {t("services.page.top_up")}
              </button>
            </form>
          )}
        </section>
        {(props.planRequests ?? []).length > 0 && (
          <section class="card" id="plan-requests">
            <h2>{t("services.page.plan_requests")}</h2>
            {(props.planRequests ?? []).map((r) => (
              <div class="stack">
                <p>
                  <PlanRequestLine name={r.to_product_name} at={r.created_at} by={r.requested_by} />
                </p>
                {props.can.write && (
                  <div class="form-actions">
                    <form method="post" action={`/admin/services/${s.id}/plan-change-requests/${r.id}/approve`} class="inline">
                      <CsrfField token={props.ctx.csrfToken} />
                      <button type="submit" class="button primary">
                        {t("services.page.approve")}
                      </button>
                    </form>
                    <form method="post" action={`/admin/services/${s.id}/plan-change-requests/${r.id}/reject`} class="inline">
                      <CsrfField token={props.ctx.csrfToken} />
                      <input name="reason" aria-label={t("services.page.reject_reason")} placeholder={t("services.page.reason")} maxlength={500} />
                      <button type="submit" class="button danger">
                        {t("services.page.reject")}
                      </button>
                    </form>
                  </div>
                )}
              </div>
            ))}
          </section>
        )}
        <section class="card">
          <h2>{t("services.page.change")}</h2>
          {props.can.write && live ? (
            <div class="stack">
              <form method="get" action={`/admin/services/${s.id}/change-plan`} class="stack">
                <SelectField
                  id="f-plan-product"
                  name="product_id"
                  label={t("services.page.change_plan")}
                  required
                  blank={t("services.page.choose_plan")}
                  options={props.plans.map((p) => ({
                    value: p.id,
                    label: `${p.name} (${formatMoney(p.retail_price, p.currency)})${p.version_id === s.product_version_id ? t("services.page.current") : p.id === s.product_id ? t("services.page.new_version") : ""}`,
                  }))}
                />
                <button type="submit" class="button">
                  {t("services.page.review_change")}
                </button>
                <span class="hint">{t("services.page.review_hint")}</span>
              </form>
              {props.addonProducts.length > 0 && (
                <form method="post" action={`/admin/services/${s.id}/addons`} class="stack">
                  <CsrfField token={token} />
                  <input type="hidden" name="key" value={`${props.formKey}-addon`} />
                  <SelectField
                    id="f-addon-product"
                    name="product_id"
                    label={t("services.page.addon")}
                    options={props.addonProducts.map((p) => ({
                      value: p.id,
                      label: `${p.name} (${formatMoney(p.retail_price + p.retail_setup_fee, p.currency)})`,
                    }))}
                  />
                  <button type="submit" class="button">
                    {t("services.page.attach")}
                  </button>
                </form>
              )}
            </div>
          ) : (
            <p class="muted">{t("services.page.not_live")}</p>
          )}
        </section>
      </div>
      <section class="card">
        <h2>{t("services.page.usage")}</h2>
        <UsageChart
          usage={props.usage}
          days={props.days}
          labels={{
            unit: (u) => statusLabel(u),
            total: (amount) => t("services.page.usage_total", { amount }),
            aria: (u) => t("services.page.usage_aria", { unit: statusLabel(u) }),
            empty: t("services.page.no_usage"),
            amount: (u, v) => formatAmount(u, v, currency),
          }}
        />
        {props.can.provision && (s.status === "active" || s.status === "suspended") && (
          <form method="post" action={`/admin/services/${s.id}/sync`} class="inline">
            <CsrfField token={token} />
            <button type="submit" class="button small">
              {t("services.page.sync")}
            </button>
            <span class="hint">{t("services.page.sync_hint")}</span>
          </form>
        )}
      </section>
      <section class="card" aria-labelledby="inventory-h" id="inventory">
        <h2 id="inventory-h">{t("services.page.inventory")}</h2>
        <ServiceInventory {...props.inventory} />
      </section>
      {props.children.length > 0 && (
        <section class="card">
          <h2>{t("services.page.components")}</h2>
          <ServicesTable services={props.children} timeZone={tz} />
        </section>
      )}
      <div class="grid-2">
        <section class="card">
          <h2>{t("services.page.jobs")}</h2>
          <ServiceJobs jobs={props.jobs} timeZone={tz} />
        </section>
        {props.can.billing && (
          <section class="card">
            <h2>{t("services.page.transactions")}</h2>
            <TransactionsTable transactions={props.transactions} showTax empty={<EmptyState title={t("services.page.no_transactions")} />} />
          </section>
        )}
      </div>
      <section class="card">
        <h2>{t("services.page.timeline")}</h2>
        <ActivityTable entries={props.timeline} timeZone={tz} />
      </section>
    </Layout>
  );
}

/** One choice of an inventory picker: an item's id and how it reads. */
export type PickerOption = { value: string; label: string };

/** An inventory picker of the order form: "Next available", or an item found by typing. */
export type PickerGroup = {
  type: string;
  name: string;
  /** What the search box finds items by ("ICCID, IMSI or number"); null: a short list, no search. */
  searchBy: string | null;
  q: string;
  selected: PickerOption | null;
  results: PickerOption[];
  error?: string;
};

/** The values an order form is shown with again (after a search without JavaScript, or a refusal). */
export type OrderValues = { product_id?: string; site_id?: string; contact_id?: string; promo_code?: string };

/**
 * The choices of one picker, as radio buttons (arrow keys move between them): "Next available"
 * first (the default), the item chosen so far, then what the search found (at most 20).
 */
export function PickerResults(props: { group: PickerGroup }) {
  const g = props.group;
  const name = `inventory.${g.type}`;
  const found = g.results.filter((r) => r.value !== g.selected?.value);
  return (
    <div id={`results-${g.type}`} class="picker-results" role="radiogroup" aria-label={t("order.choose_one", { name: g.name })}>
      <label class="checkbox">
        <input type="radio" name={name} value="" checked={!g.selected} /> {t("order.next_available")}
      </label>
      {g.selected && (
        <label class="checkbox">
          <input type="radio" name={name} value={g.selected.value} checked /> {g.selected.label}
        </label>
      )}
      {found.map((o) => (
        <label class="checkbox">
          <input type="radio" name={name} value={o.value} /> {o.label}
        </label>
      ))}
      <div class="hint" role="status">
        {g.q === ""
          ? ""
          : found.length === 0
            ? t("order.nothing_matches", { q: g.q })
            : `${t("order.found", { n: found.length })}${found.length === 20 ? t("order.first_20") : ""}.`}
      </div>
    </div>
  );
}

/** The order form's pickers for the chosen product, one per inventory type it requires. */
export function InventoryPickers(props: { customerId: string; groups: PickerGroup[] }) {
  return (
    <>
      {props.groups.map((g) => (
        <fieldset class={g.error ? "picker invalid" : "picker"} id={`picker-${g.type}`}>
          <legend>{g.name}</legend>
          {g.searchBy && (
            <div class="picker-search">
              <label for={`f-q-${g.type}`}>{t("order.find_by", { by: g.searchBy })}</label>
              <input
                type="search"
                id={`f-q-${g.type}`}
                name={`q.${g.type}`}
                value={g.q}
                autocomplete="off"
                aria-controls={`results-${g.type}`}
                hx-get={`/admin/customers/${props.customerId}/order-inventory/search?type=${encodeURIComponent(g.type)}`}
                hx-trigger="input changed delay:300ms, search"
                hx-target={`#results-${g.type}`}
                hx-swap="outerHTML"
                hx-sync="this:replace"
                hx-include={`#f-product_id, #picker-${g.type} input[name='inventory.${g.type}']:checked`}
              />
              {/* Without JavaScript (and on Enter), the form comes back with the results. */}
              <button type="submit" class="button small" formaction={`/admin/customers/${props.customerId}/order`} formnovalidate>
                {t("order.find")}
              </button>
            </div>
          )}
          <PickerResults group={g} />
          {g.error && (
            <div class="field-error" role="alert">
              {g.error}
            </div>
          )}
        </fieldset>
      ))}
    </>
  );
}

export function OrderForm(props: {
  ctx: PageContext;
  customerId: string;
  products: ProductView[];
  sites: { id: string; name: string }[];
  contacts: { id: string; name: string; primary?: boolean }[];
  formKey: string;
  error?: string;
  values?: OrderValues;
  /** The chosen product's pickers, rendered on the server (a search without JavaScript, a refusal). */
  pickers?: PickerGroup[];
}) {
  if (props.products.length === 0) return <p class="muted">{t("order.no_products")}</p>;
  const v = props.values ?? {};
  return (
    <form method="post" action={`/admin/customers/${props.customerId}/services`} class="filters order-form">
      <CsrfField token={props.ctx.csrfToken} />
      <input type="hidden" name="key" value={props.formKey} />
      {/* No product is chosen for staff: an order of the wrong plan is worse than one more click. */}
      <SelectField
        name="product_id"
        label={t("order.product")}
        required
        blank={t("order.choose_product")}
        value={v.product_id ?? ""}
        options={props.products.map((p) => ({
          value: p.id,
          label: `${p.name} — ${formatMoney(p.retail_price, p.currency)}${p.retail_setup_fee ? ` + ${formatMoney(p.retail_setup_fee, p.currency)} ${t("order.setup")}` : ""}`,
        }))}
      />
      {/* Per required inventory type, a picker loaded for the chosen product ("Next available" without JavaScript). */}
      <div
        id="order-inventory"
        class="order-inventory"
        hx-get={`/admin/customers/${props.customerId}/order-inventory`}
        hx-trigger="change from:#f-product_id"
        hx-include="#f-product_id"
        hx-target="this"
        hx-swap="innerHTML"
        aria-live="polite"
      >
        {props.pickers && <InventoryPickers customerId={props.customerId} groups={props.pickers} />}
      </div>
      <SelectField
        name="site_id"
        label={t("order.site")}
        blank="—"
        value={v.site_id ?? null}
        options={props.sites.map((s) => ({ value: s.id, label: s.name }))}
      />
      {/* The primary contact by default: the welcome email and SMS go to the service's contact. */}
      <SelectField
        name="contact_id"
        label={t("order.contact")}
        blank="—"
        value={v.contact_id ?? (props.contacts.find((c) => c.primary) ?? props.contacts[0])?.id ?? null}
        options={props.contacts.map((c) => ({ value: c.id, label: c.name }))}
      />
      <Field name="promo_code" label={t("order.promo")} value={v.promo_code} hint={t("order.promo_hint")} autocomplete="off" />
      <button type="submit" class="button primary">
        {t("order.order")}
      </button>
      {props.error && (
        <div class="field-error" role="alert">
          {props.error}
        </div>
      )}
    </form>
  );
}

/** The order form on a page of its own: after a search without JavaScript, or an order refused (422). */
export function OrderPage(props: { ctx: PageContext; customer: { id: string; name: string }; message?: string; form: Child }) {
  return (
    <Layout ctx={props.ctx} title={t("order.title", { name: props.customer.name })}>
      <PageHeader
        title={t("order.title", { name: props.customer.name })}
        back={{ href: `/admin/customers/${props.customer.id}#services`, label: props.customer.name }}
      />
      {props.message && (
        <div class="alert error" role="alert" tabindex={-1} id="error-summary">
          <strong>{props.message}</strong>
        </div>
      )}
      <section class="card">{props.form}</section>
    </Layout>
  );
}
