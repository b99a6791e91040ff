import type { ReconciliationView } from "../db/queries/reconciliation";
import type { ProductView } from "../domain/catalog/schemas";
import type { ChargingBalance } from "../domain/charging/definition";
import type { ReadBalance } from "../domain/charging/reconcile";
import type { ServiceView } from "../domain/services/schemas";
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
      empty={<EmptyState title="No differences with CGRateS." />}
      columns={[
        {
          header: "Service",
          when: Boolean(props.showService),
          cell: (f) => (
            <>
              <a href={`/admin/services/${f.service_id}#charging`}>{f.product_name}</a>{" "}
              <span class="muted small">{f.identifiers.msisdn ?? f.identifiers.username ?? f.service_id}</span>
            </>
          ),
        },
        { header: "Unit", cell: (f) => f.unit },
        {
          header: "BSS expected",
          class: "nowrap",
          attributes: (f) => ({ "data-amount": f.bss }),
          cell: (f) => formatAmount(f.unit, f.bss, props.currency),
        },
        {
          header: "CGRateS held",
          class: "nowrap",
          attributes: (f) => ({ "data-amount": f.cgrates }),
          cell: (f) => formatAmount(f.unit, f.cgrates, props.currency),
        },
        {
          header: "Difference",
          class: "nowrap",
          attributes: (f) => ({ "data-amount": f.difference }),
          cell: (f) => (
            <>
              {f.difference > 0 ? "+" : "−"}
              {formatAmount(f.unit, Math.abs(f.difference), props.currency)}
            </>
          ),
        },
        { header: "Since", class: "nowrap", cell: (f) => <Time iso={f.since} timeZone={props.timeZone} /> },
        {
          header: "Status",
          cell: (f) =>
            f.resolved_at ? (
              <span class="small">
                resolved by {f.resolved_by}: {f.resolution}
              </span>
            ) : props.resolve ? (
              <ResolutionForm
                action={`/admin/services/${f.service_id}/differences/${f.unit}/resolve`}
                csrfToken={props.resolve.csrfToken}
                inputId={`resolution-${f.service_id}-${f.unit}`}
                submit="Resolve"
              />
            ) : (
              <span class="badge badge-failed">open</span>
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
          Balance of record: CGRateS, read <Time iso={props.service.charging_synced_at} timeZone={props.timeZone} />. Pending top-ups show until CGRateS has
          them.
        </>
      ) : (
        <>Not read from CGRateS yet: the balance is what the BSS granted.</>
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
    <Layout ctx={props.ctx} title={`Change plan: ${s.product_name}`}>
      <PageHeader
        title="Confirm the plan change"
        back={{ href: `/admin/services/${s.id}`, label: s.product_name }}
        subtitle={
          <>
            {props.current.name} v{props.current.version} → <strong>{props.next.name}</strong> v{props.next.version}
          </>
        }
      />
      <div class="grid-2">
        <section class="card" id="plan-money">
          <h2>Money</h2>
          <dl class="details">
            <dt>Price</dt>
            <dd>
              {formatMoney(props.current.retail_price, currency)} → {formatMoney(props.next.retail_price, currency)}
              {props.next.recurring_period === "monthly" ? " a month" : props.next.recurring_period === "annual" ? " a year" : ""}
            </dd>
            {props.proration ? (
              <>
                <dt>Credited</dt>
                <dd data-amount={props.proration.credit} data-line="credit">
                  {formatMoney(props.proration.credit, currency)} <span class="muted small">the unused part of {props.current.name}</span>
                </dd>
                <dt>Charged</dt>
                <dd data-amount={props.proration.charge} data-line="charge">
                  {formatMoney(props.proration.charge, currency)} <span class="muted small">{props.next.name} for the rest of the month</span>
                </dd>
                <dt>Net</dt>
                <dd data-amount={props.proration.charge - props.proration.credit} data-line="net">
                  {props.proration.charge >= props.proration.credit
                    ? `${formatMoney(props.proration.charge - props.proration.credit, currency)} more to pay`
                    : `${formatMoney(props.proration.credit - props.proration.charge, currency)} in the customer's favour`}
                </dd>
                <dt>Prorated on</dt>
                <dd>{days} days left of the month (to the second, half-even)</dd>
              </>
            ) : (
              <>
                <dt>Credited</dt>
                <dd data-amount={0} data-line="credit">
                  Nothing
                </dd>
                <dt>Charged</dt>
                <dd data-amount={0} data-line="charge">
                  Nothing now: the new price applies from the next period
                </dd>
              </>
            )}
          </dl>
          <p class="muted small">
            The credit and the charge are transactions of the service, taxed like the new plan, billed on the customer's next invoice. From the next period the
            bill run charges {formatMoney(props.next.retail_price, currency)}.
          </p>
        </section>
        <section class="card" id="plan-balances">
          <h2>Balances</h2>
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Balance</th>
                <th scope="col">What happens</th>
              </tr>
            </thead>
            <tbody>
              {props.removed.map((b) => (
                <tr data-rule="removed">
                  <td>
                    {props.current.name} included {b.unit} <code class="small">{b.id}</code>
                  </td>
                  <td>
                    Removed
                    {b.left !== null && <span class="muted small"> ({formatAmount(b.unit, b.left, currency)} left at the last reading)</span>}
                  </td>
                </tr>
              ))}
              {props.grants.map((g) => (
                <tr data-rule="granted">
                  <td>
                    {props.next.name} included {g.unit} <code class="small">{g.id}</code>
                  </td>
                  <td data-amount={g.amount}>
                    Granted: {formatAmount(g.unit, g.amount, currency)}
                    {props.proration ? " (prorated like the price)" : ""}
                    {g.validity_days !== null ? `, valid ${g.validity_days} days` : ""}
                  </td>
                </tr>
              ))}
              {props.kept.map((b) => (
                <tr data-rule="kept">
                  <td>
                    {b.id.startsWith("topup:") ? "Top-up or add-on" : "Other"} {b.unit}{" "}
                    <code class="small" title={b.id}>
                      {b.id.length > 24 ? `${b.id.slice(0, 22)}…` : b.id}
                    </code>
                  </td>
                  <td>Kept: {formatAmount(b.unit, b.amount, currency)}</td>
                </tr>
              ))}
              {props.removed.length + props.grants.length + props.kept.length === 0 && (
                <tr>
                  <td colspan={2}>No balance changes.</td>
                </tr>
              )}
              <tr>
                <td colspan={2} class="muted small">
                  Included balances of the old plan are removed (what is left of them is lost); the new plan's are granted. Money, top-ups and add-ons are
                  always kept.{" "}
                  {props.readAt ? (
                    <>
                      Amounts as CGRateS held them at <Time iso={props.readAt} timeZone={tz} />.
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
            Change to {props.next.name}
          </button>
          <a class="button" href={`/admin/services/${s.id}`}>
            Cancel
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
    <Layout ctx={props.ctx} title="Reconciliation" wide>
      <PageHeader
        title="Reconciliation with CGRateS"
        subtitle="Differences between what the BSS expected and what CGRateS held that rating does not explain. Every live service is checked each night."
      />
      <nav class="tabs" aria-label="Status">
        {(["open", "resolved", "all"] as const).map((s) => (
          <a href={`/admin/reconciliation?status=${s}`} aria-current={props.status === s ? "page" : undefined}>
            {s}
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
