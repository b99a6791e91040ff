import type { ReconciliationView } from "../db/queries/reconciliation";
import type { ProductView } from "../domain/catalog/schemas";
import type { ChargingBalance } from "../domain/charging/definition";
import type { ReadBalance } from "../domain/charging/reconcile";
import type { ServiceView } from "../domain/services/schemas";
import { currentIntlLocale, t } from "../i18n/request-locale";
import { CsrfField, EmptyState, PageHeader, Pager, ResolutionForm, Table, Time } from "./components";
import { formatAmount, formatMoney } from "./format";
import { Layout, type PageContext } from "./layout";

/** Open differences with CGRateS, each with what the BSS expected and what CGRateS held. */
export function DifferencesTable(props: {
  flags: ReconciliationView[];
  currency: string;
  timeZone: string;
  showService?: boolean;
  resolve?: { csrfToken: string } | null;
}) {
  return (
    <Table
      rows={props.flags}
      empty={<EmptyState title={t("billing.charging.no_differences")} />}
      columns={[
        {
          header: t("billing.charging.service"),
          when: Boolean(props.showService),
          cell: (f) => (
            <>
              <a href={`/admin/services/${f.service_id}#charging`}>{f.product_name}</a>{" "}
              <span class="muted small">{f.identifiers.msisdn ?? f.identifiers.username ?? f.service_id}</span>
            </>
          ),
        },
        { header: t("billing.charging.unit"), cell: (f) => f.unit },
        {
          header: t("billing.charging.bss_expected"),
          class: "nowrap",
          attributes: (f) => ({ "data-amount": f.bss }),
          cell: (f) => formatAmount(f.unit, f.bss, props.currency),
        },
        {
          header: t("billing.charging.cgrates_held"),
          class: "nowrap",
          attributes: (f) => ({ "data-amount": f.cgrates }),
          cell: (f) => formatAmount(f.unit, f.cgrates, props.currency),
        },
        {
          header: t("billing.charging.difference"),
          class: "nowrap",
          attributes: (f) => ({ "data-amount": f.difference }),
          cell: (f) => (
            <>
              {f.difference > 0 ? "+" : "−"}
              {formatAmount(f.unit, Math.abs(f.difference), props.currency)}
            </>
          ),
        },
        { header: t("billing.charging.since"), class: "nowrap", cell: (f) => <Time iso={f.since} timeZone={props.timeZone} /> },
        {
          header: t("billing.status"),
          cell: (f) =>
            f.resolved_at ? (
              <span class="small">
                {t("billing.charging.resolved_by", { name: f.resolved_by ?? "" })}: {f.resolution}
              </span>
            ) : props.resolve ? (
              <ResolutionForm
                action={`/admin/services/${f.service_id}/differences/${f.unit}/resolve`}
                csrfToken={props.resolve.csrfToken}
                inputId={`resolution-${f.service_id}-${f.unit}`}
                submit={t("billing.charging.resolve")}
              />
            ) : (
              <span class="badge badge-failed">{t("billing.charging.open")}</span>
            ),
        },
      ]}
    />
  );
}

/** Where the balance comes from: CGRateS, as of the last reading of the account. */
export function BalanceSource(props: { service: ServiceView; timeZone: string }) {
  return (
    <p class="muted small" id="balance-source">
      {props.service.charging_synced_at ? (
        <>
          {t("billing.charging.balance_read")} <Time iso={props.service.charging_synced_at} timeZone={props.timeZone} />. {t("billing.charging.pending_topups")}
        </>
      ) : (
        t("billing.charging.not_read")
      )}
    </p>
  );
}

/** The confirmation of a plan change: what is credited and charged, and what happens to each balance. */
export function PlanChangePage(props: {
  ctx: PageContext;
  service: ServiceView;
  current: ProductView;
  next: ProductView;
  proration: { credit: number; charge: number; remainingSeconds: number; periodSeconds: number } | null;
  removed: { id: string; unit: string; included: number; left: number | null }[];
  grants: ChargingBalance[];
  kept: ReadBalance[];
  readAt: string | null;
  formKey: string;
}) {
  const s = props.service;
  const currency = props.next.currency;
  const tz = props.ctx.settings.default_timezone;
  const days = props.proration ? Math.round((props.proration.remainingSeconds / 86_400) * 10) / 10 : null;
  return (
    <Layout ctx={props.ctx} title={t("billing.plan.page_title", { name: s.product_name })}>
      <PageHeader
        title={t("billing.plan.title")}
        back={{ href: `/admin/services/${s.id}`, label: s.product_name }}
        subtitle={
          <>
            {props.current.name} v{props.current.version} → <strong>{props.next.name}</strong> v{props.next.version}
          </>
        }
      />
      <div class="grid-2">
        <section class="card" id="plan-money">
          <h2>{t("billing.plan.money")}</h2>
          <dl class="details">
            <dt>{t("plan.price")}</dt>
            <dd>
              {formatMoney(props.current.retail_price, currency)} → {formatMoney(props.next.retail_price, currency)}
              {props.next.recurring_period === "monthly" ? t("plan.a_month") : props.next.recurring_period === "annual" ? t("plan.a_year") : ""}
            </dd>
            {props.proration ? (
              <>
                <dt>{t("billing.plan.credited")}</dt>
                <dd data-amount={props.proration.credit} data-line="credit">
                  {formatMoney(props.proration.credit, currency)} <span class="muted small">{t("plan.unused_part", { name: props.current.name })}</span>
                </dd>
                <dt>{t("billing.plan.charged")}</dt>
                <dd data-amount={props.proration.charge} data-line="charge">
                  {formatMoney(props.proration.charge, currency)} <span class="muted small">{t("billing.plan.rest_of_month", { name: props.next.name })}</span>
                </dd>
                <dt>{t("plan.net")}</dt>
                <dd data-amount={props.proration.charge - props.proration.credit} data-line="net">
                  {props.proration.charge >= props.proration.credit
                    ? t("plan.more_to_pay", { amount: formatMoney(props.proration.charge - props.proration.credit, currency) })
                    : t("plan.in_favour", { amount: formatMoney(props.proration.credit - props.proration.charge, currency) })}
                </dd>
                <dt>{t("billing.plan.prorated_on")}</dt>
                <dd>{t("billing.plan.days_left", { days: (days ?? 0).toLocaleString(currentIntlLocale()) })}</dd>
              </>
            ) : (
              <>
                <dt>{t("billing.plan.credited")}</dt>
                <dd data-amount={0} data-line="credit">
                  {t("plan.nothing")}
                </dd>
                <dt>{t("billing.plan.charged")}</dt>
                <dd data-amount={0} data-line="charge">
                  {t("plan.nothing_now")}
                </dd>
              </>
            )}
          </dl>
          <p class="muted small">{t("plan.billed_note", { price: formatMoney(props.next.retail_price, currency) })}</p>
        </section>
        <section class="card" id="plan-balances">
          <h2>{t("billing.plan.balances")}</h2>
          <table class="table">
            <thead>
              <tr>
                <th scope="col">{t("billing.plan.balance")}</th>
                <th scope="col">{t("billing.plan.what_happens")}</th>
              </tr>
            </thead>
            <tbody>
              {props.removed.map((b) => (
                <tr data-rule="removed">
                  <td>
                    {t("billing.plan.included", { name: props.current.name, unit: b.unit })} <code class="small">{b.id}</code>
                  </td>
                  <td>
                    {t("billing.plan.removed")}
                    {b.left !== null && (
                      <span class="muted small"> {t("billing.plan.left_at_reading", { amount: formatAmount(b.unit, b.left, currency) })}</span>
                    )}
                  </td>
                </tr>
              ))}
              {props.grants.map((g) => (
                <tr data-rule="granted">
                  <td>
                    {t("billing.plan.included", { name: props.next.name, unit: g.unit })} <code class="small">{g.id}</code>
                  </td>
                  <td data-amount={g.amount}>
                    {t("billing.plan.granted", { amount: formatAmount(g.unit, g.amount, currency) })}
                    {props.proration ? t("billing.plan.prorated_like_price") : ""}
                    {g.validity_days !== null ? t("billing.plan.valid_days", { days: g.validity_days }) : ""}
                  </td>
                </tr>
              ))}
              {props.kept.map((b) => (
                <tr data-rule="kept">
                  <td>
                    {b.id.startsWith("topup:") ? t("billing.plan.topup_or_addon") : t("billing.plan.other")} {b.unit}{" "}
                    <code class="small" title={b.id}>
                      {b.id.length > 24 ? `${b.id.slice(0, 22)}…` : b.id}
                    </code>
                  </td>
                  <td>{t("billing.plan.kept", { amount: formatAmount(b.unit, b.amount, currency) })}</td>
                </tr>
              ))}
              {props.removed.length + props.grants.length + props.kept.length === 0 && (
                <tr>
                  <td colspan={2}>{t("services.plan.no_changes")}</td>
                </tr>
              )}
              <tr>
                <td colspan={2} class="muted small">
                  {t("plan.included_removed")}{" "}
                  {props.readAt ? (
                    <>
                      {t("billing.plan.amounts_at")} <Time iso={props.readAt} timeZone={tz} />.
                    </>
                  ) : null}
                </td>
              </tr>
            </tbody>
          </table>
        </section>
      </div>
      <form method="post" action={`/admin/services/${s.id}/change-plan`} class="stack">
        <CsrfField token={props.ctx.csrfToken} />
        <input type="hidden" name="product_id" value={props.next.id} />
        <input type="hidden" name="key" value={props.formKey} />
        <div class="actions">
          <button type="submit" class="button primary">
            {t("billing.plan.change_to", { name: props.next.name })}
          </button>
          <a class="button" href={`/admin/services/${s.id}`}>
            {t("billing.cancel")}
          </a>
        </div>
      </form>
    </Layout>
  );
}

/** Every open (or resolved) difference between the BSS and CGRateS. */
export function ReconciliationPage(props: {
  ctx: PageContext;
  flags: ReconciliationView[];
  status: "open" | "resolved" | "all";
  nextCursor: string | null;
  hasCursor: boolean;
  canResolve: boolean;
}) {
  return (
    <Layout ctx={props.ctx} title={t("billing.reconciliation.title")} wide>
      <PageHeader title={t("billing.reconciliation.heading")} subtitle={t("billing.reconciliation.subtitle")} />
      <nav class="tabs" aria-label={t("billing.status")}>
        {(["open", "resolved", "all"] as const).map((s) => (
          <a href={`/admin/reconciliation?status=${s}`} aria-current={props.status === s ? "page" : undefined}>
            {t(`billing.reconciliation.tab.${s}`)}
          </a>
        ))}
      </nav>
      <section class="card">
        <DifferencesTable
          flags={props.flags}
          currency={props.ctx.settings.default_currency}
          timeZone={props.ctx.settings.default_timezone}
          showService
          resolve={props.canResolve ? { csrfToken: props.ctx.csrfToken } : null}
        />
        <Pager baseUrl="/admin/reconciliation" params={{ status: props.status }} nextCursor={props.nextCursor} hasCursor={props.hasCursor} />
      </section>
    </Layout>
  );
}
