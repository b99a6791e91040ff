/** The operator's dashboard: what runs, what failed, what is owed and what is short, each figure linked to its list. */
import type { Child } from "hono/jsx";
import type { ActivityView } from "../db/queries/activity";
import type { DashboardCounts } from "../db/queries/dashboard";
import type { runnerHealth } from "../db/queries/jobs";
import type { MessageKey } from "../i18n/catalogue";
import { currentIntlLocale, t } from "../i18n/request-locale";
import { ActivityLogTable, type SubjectMap } from "./activity";
import { PageHeader, Time } from "./components";
import { formatMoney } from "./format";
import { Layout, type PageContext } from "./layout";

const SERVICE_TYPES = new Set(["mobile", "fixed_internet", "voip", "iptv", "other"]);
/** A service type as people say it; an unknown type as stored. */
const serviceType = (type: string) => (SERVICE_TYPES.has(type) ? t(`overview.service_type.${type}` as MessageKey) : type);

/** One figure and what it counts; a link to the list behind it. */
function Stat(props: { label: string; value: Child; href?: string; tone?: "warning" | "danger"; id?: string; detail?: Child }) {
  const body = (
    <>
      <div class="stat-value">{props.value}</div>
      <div class="stat-label">{props.label}</div>
      {props.detail && <div class="small muted">{props.detail}</div>}
    </>
  );
  const cls = props.tone ? `stat card stat-${props.tone}` : "stat card";
  return props.href ? (
    <a class={cls} href={props.href} id={props.id}>
      {body}
    </a>
  ) : (
    <div class={cls} id={props.id}>
      {body}
    </div>
  );
}

const n = (value: number) => value.toLocaleString(currentIntlLocale());

export type DashboardProps = {
  ctx: PageContext;
  now: Date;
  /** Today in the operator's time zone (YYYY-MM-DD), for the links to today's lists. */
  today: string;
  canCreateCustomer: boolean;
  health: Awaited<ReturnType<typeof runnerHealth>> | null;
  failedJobsToday: number | null;
  services: { byType: { type: string; n: number }[]; activated: number; failed: number } | null;
  money: {
    mrr: { currency: string; amount: number }[];
    overdue: { count: number; amounts: { currency: string; amount: number }[] };
    expiringCards: number;
  } | null;
  lowStock: { slug: string; name: string; threshold: number; inStock: number }[] | null;
  counts: DashboardCounts | null;
  activity: { entries: ActivityView[]; subjects: SubjectMap; all: boolean } | null;
};

/** Amounts per currency, one per line ("—" when there are none). */
function Amounts(props: { amounts: { currency: string; amount: number }[] }) {
  if (props.amounts.length === 0) return <>—</>;
  return (
    <>
      {props.amounts.map((a, i) => (
        <>
          {i > 0 && <br />}
          <span data-currency={a.currency}>{formatMoney(a.amount, a.currency)}</span>
        </>
      ))}
    </>
  );
}

function RunnerHealth(props: { health: NonNullable<DashboardProps["health"]>; failedToday: number; now: Date; timeZone: string }) {
  const { health } = props;
  return (
    <section class="card" id="runner-health" aria-labelledby="runner-health-h">
      <h2 id="runner-health-h">{t("overview.dashboard.runner")}</h2>
      {health.runners.length === 0 ? (
        <p class="alert error">{t("overview.dashboard.no_runner")}</p>
      ) : (
        <ul class="plain">
          {health.runners.map((r) => {
            const ago = Math.round((props.now.getTime() - Date.parse(r.lastPullAt)) / 1000);
            return (
              <li>
                <strong>{r.label}</strong>
                {t("overview.colon")}
                {t("overview.dashboard.last_pull")} <Time iso={r.lastPullAt} timeZone={props.timeZone} />{" "}
                <span class={ago > 120 ? "badge badge-failed" : "badge badge-active"}>
                  {ago > 120 ? t("overview.dashboard.silent", { minutes: Math.round(ago / 60) }) : t("overview.dashboard.healthy")}
                </span>
              </li>
            );
          })}
        </ul>
      )}
      <p class="small">
        <a href="/admin/jobs?status=leased">{t("overview.dashboard.in_flight", { n: health.inFlight })}</a> ·{" "}
        <a href="/admin/jobs?status=ready">{t("overview.dashboard.waiting", { n: health.ready })}</a> ·{" "}
        <a href="/admin/jobs?status=pending" class={health.stalePending > 0 ? "error-text" : undefined}>
          {t("overview.dashboard.stranded", { n: health.stalePending })}
        </a>{" "}
        · <a href="/admin/jobs?status=dead">{t("overview.dashboard.dead", { n: health.dead })}</a> ·{" "}
        <a href="/admin/jobs?status=failed" class={props.failedToday > 0 ? "error-text" : undefined}>
          {t("overview.dashboard.failed_today_jobs", { n: props.failedToday })}
        </a>
      </p>
    </section>
  );
}

export function DashboardPage(props: DashboardProps) {
  const tz = props.ctx.settings.default_timezone;
  const todayQuery = `from=${props.today}&to=${props.today}`;
  const { services, money, counts } = props;
  // Today's activations and failures are lists of the activity log, for those who may read it.
  const activityLinks = props.activity !== null;
  const activeTotal = services?.byType.reduce((sum, t) => sum + t.n, 0) ?? 0;
  return (
    <Layout ctx={props.ctx} title={t("overview.dashboard.title")}>
      <PageHeader
        title={t("overview.dashboard.title")}
        subtitle={t("overview.dashboard.welcome", { name: props.ctx.principal.name })}
        actions={
          props.canCreateCustomer && (
            <a class="button primary" href="/admin/customers/new">
              {t("overview.dashboard.new_customer")}
            </a>
          )
        }
      />
      {props.health && <RunnerHealth health={props.health} failedToday={props.failedJobsToday ?? 0} now={props.now} timeZone={tz} />}
      {(services || money || props.lowStock) && (
        <section aria-labelledby="today-h" class="dashboard-figures">
          <h2 id="today-h" class="visually-hidden">
            {t("overview.dashboard.operations")}
          </h2>
          <div class="stats">
            {services && (
              <>
                <Stat
                  id="stat-active-services"
                  label={t("overview.dashboard.active_services")}
                  value={n(activeTotal)}
                  href="/admin/services?status=active"
                  detail={services.byType.length > 0 ? services.byType.map((s) => `${serviceType(s.type)} ${n(s.n)}`).join(" · ") : undefined}
                />
                <Stat
                  id="stat-activated"
                  label={t("overview.dashboard.activated_today")}
                  value={n(services.activated)}
                  href={activityLinks ? `/admin/activity?action=service.activate&${todayQuery}` : undefined}
                />
                <Stat
                  id="stat-failed"
                  label={t("overview.dashboard.failed_today")}
                  value={n(services.failed)}
                  tone={services.failed > 0 ? "danger" : undefined}
                  href={activityLinks ? `/admin/activity?action=service.fail&${todayQuery}` : undefined}
                />
              </>
            )}
            {money && (
              <>
                <Stat id="stat-mrr" label={t("overview.dashboard.mrr")} value={<Amounts amounts={money.mrr} />} href="/admin/services?status=active" />
                <Stat
                  id="stat-overdue"
                  label={t(money.overdue.count === 1 ? "overview.dashboard.overdue_one" : "overview.dashboard.overdue_many", { n: n(money.overdue.count) })}
                  value={<Amounts amounts={money.overdue.amounts} />}
                  tone={money.overdue.count > 0 ? "warning" : undefined}
                  href="/admin/invoices?overdue=true"
                />
                <Stat
                  id="stat-expiring-cards"
                  label={t("overview.dashboard.expiring_cards")}
                  value={n(money.expiringCards)}
                  tone={money.expiringCards > 0 ? "warning" : undefined}
                  href="/admin/payments/expiring-cards"
                />
              </>
            )}
            {props.lowStock && (
              <Stat
                id="stat-low-stock"
                label={t("overview.dashboard.low_stock")}
                value={n(props.lowStock.length)}
                tone={props.lowStock.length > 0 ? "warning" : undefined}
                href="/admin/inventory"
                detail={
                  props.lowStock.length > 0
                    ? props.lowStock.map((s) => <div>{t("overview.dashboard.in_stock", { name: s.name, n: n(s.inStock), threshold: n(s.threshold) })}</div>)
                    : undefined
                }
              />
            )}
          </div>
        </section>
      )}
      {counts && (
        <section aria-labelledby="customers-h">
          <h2 id="customers-h" class="visually-hidden">
            {t("overview.dashboard.customers")}
          </h2>
          <div class="stats">
            <Stat label={t("overview.dashboard.open")} value={n(counts.customers.open)} href="/admin/customers?status=open" />
            <Stat label={t("overview.dashboard.suspended")} value={n(counts.customers.suspended)} href="/admin/customers?status=suspended" />
            <Stat label={t("overview.dashboard.closed")} value={n(counts.customers.closed)} href="/admin/customers?status=closed" />
            <Stat label={t("overview.dashboard.archived")} value={n(counts.customers.archived)} href="/admin/customers?status=archived" />
            <Stat label={t("overview.dashboard.individuals")} value={n(counts.individual)} href="/admin/customers?type=individual" />
            <Stat label={t("overview.dashboard.businesses")} value={n(counts.business)} href="/admin/customers?type=business" />
            <Stat label={t("overview.dashboard.contacts")} value={n(counts.contacts)} />
            <Stat label={t("overview.dashboard.sites")} value={n(counts.sites)} />
            <Stat label={t("overview.dashboard.new_this_month")} value={n(counts.newThisMonth)} href="/admin/customers?sort=-created_at" />
          </div>
        </section>
      )}
      {props.activity && (
        <section class="card" id="recent-activity" aria-labelledby="recent-activity-h">
          <div class="section-header">
            <h2 id="recent-activity-h">{props.activity.all ? t("overview.dashboard.recent_activity") : t("overview.dashboard.recent_business")}</h2>
            <span>
              {props.activity.all ? (
                <a href="/admin">{t("overview.dashboard.business_only")}</a>
              ) : (
                <a href="/admin?activity=all">{t("overview.dashboard.show_all")}</a>
              )}{" "}
              · <a href={props.activity.all ? "/admin/activity" : "/admin/activity?kind=business"}>{t("overview.dashboard.all_activity")}</a>
            </span>
          </div>
          <ActivityLogTable entries={props.activity.entries} subjects={props.activity.subjects} timeZone={tz} />
        </section>
      )}
    </Layout>
  );
}
