import type { DunningRow } from "../domain/payments/dunning";
import type { PaymentMethodView, PaymentView } from "../domain/payments/schemas";
import { t } from "../i18n/request-locale";
import {
  Alerts,
  Badge,
  CsrfField,
  EmptyState,
  ErrorSummary,
  Field,
  type FormErrors,
  labelled,
  PageHeader,
  Pager,
  SelectField,
  Table,
  Time,
} from "./components";
import { formatMoney } from "./format";
import { Layout, type PageContext } from "./layout";

/** Stripe's test PaymentMethods offered in simulator mode (no publishable key: no Stripe Elements). */
export const TEST_CARDS = [
  { value: "pm_card_visa", label: "Visa •••• 4242 (succeeds)" },
  { value: "pm_card_mastercard", label: "Mastercard •••• 4444 (succeeds)" },
  { value: "pm_card_chargeCustomerFail", label: "Visa •••• 0341 (saved, then every charge is declined)" },
  { value: "pm_card_chargeDeclined", label: "Visa •••• 0002 (declined when saved)" },
  { value: "pm_card_authenticationRequired", label: "Visa •••• 3184 (needs 3-D Secure)" },
] as const;

/** What the customer page says after a payments action (`?payments=`): fixed texts, never taken from the URL. */
export const PAYMENT_NOTICES = {
  saved: "billing.notice.card_saved",
  default: "billing.notice.card_default",
  removed: "billing.notice.card_removed",
  auto_on: "billing.notice.auto_on",
  auto_off: "billing.notice.auto_off",
  refunded: "billing.notice.refunded",
} as const;

export function paymentNotice(key: string | undefined): string | undefined {
  return key && Object.hasOwn(PAYMENT_NOTICES, key) ? t(PAYMENT_NOTICES[key as keyof typeof PAYMENT_NOTICES]) : undefined;
}

/** A payment's method in words: the card, or a transfer or cash with its reference. */
function methodText(p: PaymentView): string {
  if (p.card) return cardLabel(p.card);
  return `${p.method === "bank_transfer" ? t("billing.payments.bank_transfer") : t("billing.payments.cash")} ${p.reference ?? ""}`;
}

export const cardLabel = (c: { brand: string; last4: string }) => `${c.brand.charAt(0).toUpperCase()}${c.brand.slice(1)} •••• ${c.last4}`;
const expiry = (c: PaymentMethodView) => `${String(c.exp_month).padStart(2, "0")}/${c.exp_year}`;

export type PaymentsPermissions = { pay: boolean; manual: boolean; refund: boolean };

/** Payments of one invoice or customer, with their refunds. */
export function PaymentsTable(props: { ctx: PageContext; payments: PaymentView[]; showInvoice?: boolean }) {
  const tz = props.ctx.settings.default_timezone;
  return (
    <Table
      id="payments"
      rows={props.payments}
      empty={<EmptyState title={t("billing.payments.empty")} />}
      rowClass={(p) => (p.status === "failed" ? "failed" : undefined)}
      columns={[
        { header: t("billing.when"), cell: (p) => <Time iso={p.created_at} timeZone={tz} /> },
        {
          header: t("billing.invoice"),
          when: props.showInvoice ?? false,
          cell: (p) =>
            p.invoice_id ? <a href={`/admin/invoices/${p.invoice_id}`}>{p.invoice_id}</a> : p.purpose === "top_up" ? t("billing.payments.top_up") : p.purpose,
        },
        { header: t("billing.payments.method"), cell: methodText },
        {
          header: t("billing.status"),
          cell: (p) => (
            <>
              <Badge value={p.status} />
              {p.failure_message && <div class="muted small">{`${p.failure_code}: ${p.failure_message}`}</div>}
              {p.origin !== "manual" && <div class="muted small">{t(`billing.origin.${p.origin}`)}</div>}
            </>
          ),
        },
        { header: t("billing.amount"), class: "num", cell: (p) => formatMoney(p.amount, p.currency) },
        {
          header: t("billing.payments.refunded"),
          class: "num",
          cell: (p) => (
            <>
              {p.refunded_amount ? formatMoney(p.refunded_amount, p.currency) : "—"}
              {p.refunds.map((r) => (
                <div class="muted small">
                  {formatMoney(r.amount, r.currency)} <Badge value={r.status} />{" "}
                  {r.credit_note_id && <a href={`/admin/invoices/${r.credit_note_id}`}>{t("billing.payments.credit_note_link")}</a>}
                </div>
              ))}
            </>
          ),
        },
      ]}
    />
  );
}

/** Refund one of these payments (those with something left to refund): amount (empty: all that is left) and reason. */
export function RefundForm(props: { ctx: PageContext; payments: PaymentView[] }) {
  const refundable = props.payments.filter((p) => p.status === "succeeded" && p.amount > p.refunded_amount);
  if (refundable.length === 0) return null;
  return (
    <details class="refund">
      <summary>{t("billing.refund.summary")}</summary>
      <form method="post" action="/admin/payments/refund" class="form-grid" hx-confirm={t("billing.refund.confirm")}>
        <CsrfField token={props.ctx.csrfToken} />
        <SelectField
          name="payment_id"
          label={t("billing.refund.payment")}
          options={refundable.map((p) => ({
            value: p.id,
            label: t("billing.refund.option", {
              method: p.card ? cardLabel(p.card) : t(`billing.refund.method.${p.method}`),
              amount: formatMoney(p.amount, p.currency),
              left: formatMoney(p.amount - p.refunded_amount, p.currency),
            }),
          }))}
        />
        <Field name="amount" id="f-refund-amount" label={t("billing.amount")} hint={t("billing.refund.amount_hint")} placeholder="10.00" />
        <Field name="reason" id="f-refund-reason" label={t("billing.reason_printed")} required />
        <div class="span-2 form-actions">
          <button type="submit" class="button danger">
            {t("billing.refund.submit")}
          </button>
        </div>
      </form>
    </details>
  );
}

/** The dunning schedule of an invoice, in words. */
export function DunningNote(props: { dunning: DunningRow | null; timeZone: string; csrfToken?: string }) {
  const d = props.dunning;
  if (!d || d.status === "resolved") return null;
  return (
    <div class={d.status === "suspended" ? "alert error" : "alert warning"} role="status" id="dunning">
      {props.csrfToken && d.status === "active" && d.nextAt && (
        <form method="post" action={`/admin/invoices/${d.invoiceId}/dunning-step`} class="inline right" hx-confirm={t("billing.dunning.step_confirm")}>
          <CsrfField token={props.csrfToken} />
          <button type="submit" class="button small">
            {t("billing.dunning.step_now")}
          </button>
        </form>
      )}
      {d.status === "suspended" ? (
        <>
          {t("billing.dunning.suspended")} <Time iso={d.suspendedAt} timeZone={props.timeZone} /> {t("billing.dunning.suspended_after")}
        </>
      ) : (
        <>
          {d.step === 1 ? t("billing.dunning.failed_one") : t("billing.dunning.failed_many", { count: d.step })}
          {d.nextAt ? (
            <>
              {" "}
              {t("billing.dunning.next_step")} <Time iso={d.nextAt} timeZone={props.timeZone} />.
            </>
          ) : (
            ` ${t("billing.dunning.no_next")}`
          )}
        </>
      )}
    </div>
  );
}

/** The invoice page's payments card: what was paid, pay by card, record a payment, refund. */
export function InvoicePayments(props: {
  ctx: PageContext;
  invoice: { id: string; status: string; amount_due: number; currency: string; kind: string };
  payments: PaymentView[];
  cards: PaymentMethodView[];
  dunning: DunningRow | null;
  can: PaymentsPermissions;
  errors?: FormErrors;
  message?: string;
}) {
  const i = props.invoice;
  if (i.kind !== "invoice" || i.status === "draft") return null;
  const csrf = props.ctx.csrfToken;
  const open = i.status === "issued" && i.amount_due > 0;
  const due = formatMoney(i.amount_due, i.currency);
  return (
    <section class="card" id="payments-card">
      <h2>{t("billing.payments.title")}</h2>
      <DunningNote dunning={props.dunning} timeZone={props.ctx.settings.default_timezone} csrfToken={props.can.manual ? csrf : undefined} />
      {props.message && (
        <div class="alert error" role="alert">
          {props.message}
        </div>
      )}
      <PaymentsTable ctx={props.ctx} payments={props.payments} />
      {props.can.refund && <RefundForm ctx={props.ctx} payments={props.payments} />}
      {open && props.can.pay && (
        <form method="post" action={`/admin/invoices/${i.id}/payments`} class="form-grid" novalidate>
          <CsrfField token={csrf} />
          <h3 class="span-2">{t("billing.payments.charge_card_title")}</h3>
          {props.cards.length === 0 ? (
            <p class="span-2 muted">{t("billing.payments.no_card")}</p>
          ) : (
            <>
              <SelectField
                name="payment_method_id"
                label={t("billing.card")}
                options={props.cards.map((c) => ({
                  value: c.id,
                  label: `${cardLabel(c)} · ${expiry(c)}${c.default ? ` (${t("billing.cards.default_lower")})` : ""}`,
                }))}
              />
              <Field
                name="amount"
                id="f-card-amount"
                label={t("billing.amount")}
                error={props.errors?.amount}
                hint={t("billing.payments.amount_hint", { due })}
                placeholder="10.00"
              />
              <input type="hidden" name="method" value="card" />
              <div class="span-2 form-actions">
                <button type="submit" class="button primary">
                  {t("billing.payments.charge_card")}
                </button>
              </div>
            </>
          )}
        </form>
      )}
      {open && props.can.manual && (
        <form method="post" action={`/admin/invoices/${i.id}/payments`} class="form-grid" novalidate>
          <CsrfField token={csrf} />
          <h3 class="span-2">{t("billing.payments.record_title")}</h3>
          <ErrorSummary errors={props.errors ?? {}} />
          <SelectField
            name="method"
            label={t("billing.payments.method")}
            options={[
              { value: "bank_transfer", label: t("billing.payments.bank_transfer") },
              { value: "cash", label: t("billing.payments.cash") },
            ]}
          />
          <Field
            name="reference"
            label={t("billing.payments.reference")}
            required
            error={props.errors?.reference}
            hint={t("billing.payments.reference_hint")}
          />
          <Field
            name="amount"
            id="f-manual-amount"
            label={t("billing.amount")}
            error={props.errors?.amount}
            hint={t("billing.payments.amount_hint", { due })}
            placeholder="10.00"
          />
          <div class="span-2 form-actions">
            <button type="submit" class="button">
              {t("billing.payments.record")}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

/** The customer page's payments card: saved cards (add, default, remove), auto-pay, dunning, recent payments. */
export function CustomerPayments(props: {
  ctx: PageContext;
  customerId: string;
  autoPay: boolean;
  cards: PaymentMethodView[];
  payments: PaymentView[];
  dunning: DunningRow[];
  can: PaymentsPermissions;
  /** Stripe Elements when a publishable key is set; Stripe's test cards otherwise. */
  publishableKey: string | null;
  message?: string;
  notice?: string;
}) {
  const csrf = props.ctx.csrfToken;
  const tz = props.ctx.settings.default_timezone;
  return (
    <section class="card" id="payments-card">
      <h2>{t("billing.payments.title")}</h2>
      <Alerts notice={props.notice} error={props.message} />
      {props.dunning.map((d) => (
        <p>
          <a href={`/admin/invoices/${d.invoiceId}`}>{t("billing.dunning.invoice_in_dunning")}</a>: <Badge value={d.status} />{" "}
          {t("billing.dunning.step", { step: d.step })}
          {d.nextAt && (
            <>
              , {t("billing.dunning.next")} <Time iso={d.nextAt} timeZone={tz} />
            </>
          )}
        </p>
      ))}
      <h3>{t("billing.cards.saved")}</h3>
      <Table
        id="cards"
        rows={props.cards}
        empty={<EmptyState title={t("billing.cards.none")} />}
        rowClass={(c) => (c.expires_soon ? "warning" : undefined)}
        columns={[
          { header: t("billing.card"), cell: (c) => `${cardLabel(c)}${c.nickname ? ` · ${c.nickname}` : ""}` },
          {
            header: t("billing.cards.expires"),
            cell: (c) => (c.expires_soon ? <strong>{t("billing.cards.expires_soon", { expiry: expiry(c) })}</strong> : expiry(c)),
          },
          { header: t("billing.cards.default"), cell: (c) => (c.default ? t("billing.cards.default") : "") },
          {
            header: <span class="visually-hidden">{t("admin.actions")}</span>,
            class: "row-actions",
            when: props.can.pay,
            cell: (c) => (
              <>
                {!c.default && (
                  <form method="post" action={`/admin/payment-methods/${c.id}/default`} class="inline">
                    <CsrfField token={csrf} />
                    <button type="submit" class="button small">
                      {t("billing.cards.make_default")}
                    </button>
                  </form>
                )}{" "}
                <form
                  method="post"
                  action={`/admin/payment-methods/${c.id}/remove`}
                  class="inline"
                  hx-confirm={t("billing.cards.remove_confirm", { card: cardLabel(c) })}
                >
                  <CsrfField token={csrf} />
                  <button type="submit" class="button small danger">
                    {t("billing.cards.remove")}
                  </button>
                </form>
              </>
            ),
          },
        ]}
      />
      {props.can.pay && (
        <form
          method="post"
          action={`/admin/customers/${props.customerId}/payment-methods`}
          class="form-grid"
          id="add-card"
          data-stripe-key={props.publishableKey ?? undefined}
        >
          <CsrfField token={csrf} />
          {props.publishableKey ? (
            <div class="field span-2">
              <script src="https://js.stripe.com/v3/" defer></script>
              <script src="/js/stripe-card.js" defer></script>
              <label for="card-element">{t("billing.card")}</label>
              <div id="card-element" class="stripe-element" />
              <input type="hidden" name="stripe_payment_method_id" />
              <div class="field-error" id="card-errors" role="alert" />
            </div>
          ) : (
            <SelectField
              name="stripe_payment_method_id"
              label={t("billing.cards.test_card")}
              options={TEST_CARDS.map((c) => ({ value: c.value, label: t(`billing.test_card.${c.value}`) }))}
            />
          )}
          <Field name="nickname" label={t("billing.cards.nickname")} hint={t("billing.cards.nickname_hint")} />
          <div class="span-2 form-actions">
            <button type="submit" class="button">
              {t("billing.cards.save")}
            </button>
          </div>
        </form>
      )}
      {props.can.pay && (
        <form method="post" action={`/admin/customers/${props.customerId}/auto-pay`} class="inline">
          <CsrfField token={csrf} />
          <input type="hidden" name="auto_pay" value={props.autoPay ? "false" : "true"} />
          <p>
            {t("billing.auto_pay.is")} <strong>{props.autoPay ? t("billing.auto_pay.on") : t("billing.auto_pay.off")}</strong>:{" "}
            {props.autoPay ? t("billing.auto_pay.on_text") : t("billing.auto_pay.off_text")}{" "}
            <button type="submit" class="button small">
              {props.autoPay ? t("billing.auto_pay.turn_off") : t("billing.auto_pay.turn_on")}
            </button>
          </p>
        </form>
      )}
      <h3>{t("billing.payments.recent")}</h3>
      <PaymentsTable ctx={props.ctx} payments={props.payments} showInvoice />
      {props.can.refund && <RefundForm ctx={props.ctx} payments={props.payments} />}
      <p>
        <a href={`/admin/payments?customer_id=${props.customerId}`}>{t("billing.payments.all_of_customer")}</a>
      </p>
    </section>
  );
}

export function PaymentsPage(props: {
  ctx: PageContext;
  payments: PaymentView[];
  filter: { status?: string; customer_id?: string };
  nextCursor: string | null;
  hasCursor: boolean;
  canRefund: boolean;
  notice?: string;
  message?: string;
}) {
  return (
    <Layout ctx={props.ctx} title={t("billing.payments.title")}>
      <PageHeader
        title={t("billing.payments.title")}
        subtitle={t("billing.payments.subtitle")}
        actions={
          <a class="button" href="/admin/payments/expiring-cards">
            {t("billing.cards.expiring_soon")}
          </a>
        }
      />
      <Alerts notice={props.notice} error={props.message} />
      <form method="get" action="/admin/payments" class="filters">
        <SelectField
          name="status"
          label={t("billing.status")}
          value={props.filter.status ?? ""}
          blank={t("billing.any")}
          options={labelled(["pending", "succeeded", "failed"])}
        />
        {props.filter.customer_id && <input type="hidden" name="customer_id" value={props.filter.customer_id} />}
        <button type="submit" class="button">
          {t("billing.filter")}
        </button>
      </form>
      <section class="card">
        <PaymentsTable ctx={props.ctx} payments={props.payments} showInvoice />
        <Pager baseUrl="/admin/payments" params={{ ...props.filter }} nextCursor={props.nextCursor} hasCursor={props.hasCursor} />
      </section>
    </Layout>
  );
}

export function ExpiringCardsPage(props: { ctx: PageContext; cards: (PaymentMethodView & { customer_name: string })[] }) {
  return (
    <Layout ctx={props.ctx} title={t("billing.cards.expiring_soon")}>
      <PageHeader
        title={t("billing.cards.expiring_title")}
        back={{ href: "/admin/payments", label: t("billing.payments.title") }}
        subtitle={t("billing.cards.expiring_subtitle")}
      />
      <section class="card">
        <Table
          rows={props.cards}
          empty={<EmptyState title={t("billing.cards.expiring_none")} />}
          columns={[
            { header: t("billing.customer"), cell: (c) => <a href={`/admin/customers/${c.customer_id}#payments-card`}>{c.customer_name}</a> },
            { header: t("billing.card"), cell: (c) => cardLabel(c) },
            { header: t("billing.cards.expires"), cell: (c) => expiry(c) },
            { header: t("billing.cards.default"), cell: (c) => (c.default ? t("billing.cards.default") : "") },
          ]}
        />
      </section>
    </Layout>
  );
}
