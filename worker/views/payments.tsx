import type { DunningRow } from "../domain/payments/dunning";
import type { PaymentMethodView, PaymentView } from "../domain/payments/schemas";
import { Alerts, Badge, CsrfField, EmptyState, ErrorSummary, Field, type FormErrors, PageHeader, Pager, SelectField, Table, Time } from "./components";
import { formatMoney } from "./format";
import { Layout, type PageContext } from "./layout";

/** Stripe's test PaymentMethods offered in simulator mode (no publishable key: no Stripe Elements). */
export const TEST_CARDS = [
  { value: "pm_card_visa", label: "Visa •••• 4242 (succeeds)" },
  { value: "pm_card_mastercard", label: "Mastercard •••• 4444 (succeeds)" },
  { value: "pm_card_chargeCustomerFail", label: "Visa •••• 0341 (saved, then every charge is declined)" },
  { value: "pm_card_chargeDeclined", label: "Visa •••• 0002 (declined when saved)" },
  { value: "pm_card_authenticationRequired", label: "Visa •••• 3184 (needs 3-D Secure)" },
];

/** What the customer page says after a payments action (`?payments=`): fixed texts, never taken from the URL. */
export const PAYMENT_NOTICES = {
  saved: "Card saved.",
  default: "Default card changed.",
  removed: "Card removed.",
  auto_on: "Auto-pay turned on.",
  auto_off: "Auto-pay turned off.",
  refunded: "Refund made.",
} as const;

export function paymentNotice(key: string | undefined): string | undefined {
  return key && Object.hasOwn(PAYMENT_NOTICES, key) ? PAYMENT_NOTICES[key as keyof typeof PAYMENT_NOTICES] : undefined;
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
      empty={<EmptyState title="No payments yet." />}
      rowClass={(p) => (p.status === "failed" ? "failed" : undefined)}
      columns={[
        { header: "When", cell: (p) => <Time iso={p.created_at} timeZone={tz} /> },
        {
          header: "Invoice",
          when: props.showInvoice ?? false,
          cell: (p) => (p.invoice_id ? <a href={`/admin/invoices/${p.invoice_id}`}>{p.invoice_id}</a> : p.purpose),
        },
        {
          header: "Method",
          cell: (p) => (p.card ? cardLabel(p.card) : p.method === "bank_transfer" ? `Bank transfer ${p.reference ?? ""}` : `Cash ${p.reference ?? ""}`),
        },
        {
          header: "Status",
          cell: (p) => (
            <>
              <Badge value={p.status} />
              {p.failure_message && <div class="muted small">{`${p.failure_code}: ${p.failure_message}`}</div>}
              {p.origin !== "manual" && <div class="muted small">{p.origin.replace("_", "-")}</div>}
            </>
          ),
        },
        { header: "Amount", class: "num", cell: (p) => formatMoney(p.amount, p.currency) },
        {
          header: "Refunded",
          class: "num",
          cell: (p) => (
            <>
              {p.refunded_amount ? formatMoney(p.refunded_amount, p.currency) : "—"}
              {p.refunds.map((r) => (
                <div class="muted small">
                  {formatMoney(r.amount, r.currency)} <Badge value={r.status} />{" "}
                  {r.credit_note_id && <a href={`/admin/invoices/${r.credit_note_id}`}>credit note</a>}
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
      <summary>Refund a payment…</summary>
      <form method="post" action="/admin/payments/refund" class="form-grid" hx-confirm="Refund this amount to the customer?">
        <CsrfField token={props.ctx.csrfToken} />
        <SelectField
          name="payment_id"
          label="Payment"
          options={refundable.map((p) => ({
            value: p.id,
            label: `${p.card ? cardLabel(p.card) : p.method.replace("_", " ")} · ${formatMoney(p.amount, p.currency)} (${formatMoney(p.amount - p.refunded_amount, p.currency)} refundable)`,
          }))}
        />
        <Field name="amount" id="f-refund-amount" label="Amount" hint="Empty: all that is left of it" placeholder="10.00" />
        <Field name="reason" id="f-refund-reason" label="Reason (printed on the credit note)" required />
        <div class="span-2 form-actions">
          <button type="submit" class="button danger">
            Refund
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
        <form
          method="post"
          action={`/admin/invoices/${d.invoiceId}/dunning-step`}
          class="inline right"
          hx-confirm="Take the next dunning step now (charge the card again, or suspend the services)?"
        >
          <CsrfField token={props.csrfToken} />
          <button type="submit" class="button small">
            Take the next step now
          </button>
        </form>
      )}
      {d.status === "suspended" ? (
        <>
          Dunning: services suspended <Time iso={d.suspendedAt} timeZone={props.timeZone} /> — they are resumed when this invoice is paid.
        </>
      ) : (
        <>
          Dunning: payment failed; {d.step} {d.step === 1 ? "retry" : "retries"} so far.
          {d.nextAt ? (
            <>
              {" "}
              Next step <Time iso={d.nextAt} timeZone={props.timeZone} />.
            </>
          ) : (
            " No further automatic step."
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
      <h2>Payments</h2>
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
          <h3 class="span-2">Charge a saved card</h3>
          {props.cards.length === 0 ? (
            <p class="span-2 muted">No saved card: add one on the customer's page.</p>
          ) : (
            <>
              <SelectField
                name="payment_method_id"
                label="Card"
                options={props.cards.map((c) => ({ value: c.id, label: `${cardLabel(c)} · ${expiry(c)}${c.default ? " (default)" : ""}` }))}
              />
              <Field name="amount" id="f-card-amount" label="Amount" error={props.errors?.amount} hint={`Empty: the amount due, ${due}`} placeholder="10.00" />
              <input type="hidden" name="method" value="card" />
              <div class="span-2 form-actions">
                <button type="submit" class="button primary">
                  Charge card
                </button>
              </div>
            </>
          )}
        </form>
      )}
      {open && props.can.manual && (
        <form method="post" action={`/admin/invoices/${i.id}/payments`} class="form-grid" novalidate>
          <CsrfField token={csrf} />
          <h3 class="span-2">Record a payment received</h3>
          <ErrorSummary errors={props.errors ?? {}} />
          <SelectField
            name="method"
            label="Method"
            options={[
              { value: "bank_transfer", label: "Bank transfer" },
              { value: "cash", label: "Cash" },
            ]}
          />
          <Field name="reference" label="Reference" required error={props.errors?.reference} hint="Bank reference or receipt number" />
          <Field name="amount" id="f-manual-amount" label="Amount" error={props.errors?.amount} hint={`Empty: the amount due, ${due}`} placeholder="10.00" />
          <div class="span-2 form-actions">
            <button type="submit" class="button">
              Record payment
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
      <h2>Payments</h2>
      <Alerts notice={props.notice} error={props.message} />
      {props.dunning.map((d) => (
        <p>
          <a href={`/admin/invoices/${d.invoiceId}`}>Invoice in dunning</a>: <Badge value={d.status} /> step {d.step}
          {d.nextAt && (
            <>
              , next <Time iso={d.nextAt} timeZone={tz} />
            </>
          )}
        </p>
      ))}
      <h3>Saved cards</h3>
      <Table
        id="cards"
        rows={props.cards}
        empty={<EmptyState title="No saved card." />}
        rowClass={(c) => (c.expires_soon ? "warning" : undefined)}
        columns={[
          { header: "Card", cell: (c) => `${cardLabel(c)}${c.nickname ? ` · ${c.nickname}` : ""}` },
          { header: "Expires", cell: (c) => (c.expires_soon ? <strong>{`${expiry(c)} (soon)`}</strong> : expiry(c)) },
          { header: "Default", cell: (c) => (c.default ? "Default" : "") },
          {
            header: <span class="visually-hidden">Actions</span>,
            class: "row-actions",
            when: props.can.pay,
            cell: (c) => (
              <>
                {!c.default && (
                  <form method="post" action={`/admin/payment-methods/${c.id}/default`} class="inline">
                    <CsrfField token={csrf} />
                    <button type="submit" class="button small">
                      Make default
                    </button>
                  </form>
                )}{" "}
                <form method="post" action={`/admin/payment-methods/${c.id}/remove`} class="inline" hx-confirm={`Remove ${cardLabel(c)}?`}>
                  <CsrfField token={csrf} />
                  <button type="submit" class="button small danger">
                    Remove
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
              <label for="card-element">Card</label>
              <div id="card-element" class="stripe-element" />
              <input type="hidden" name="stripe_payment_method_id" />
              <div class="field-error" id="card-errors" role="alert" />
            </div>
          ) : (
            <SelectField name="stripe_payment_method_id" label="Test card (Stripe simulator)" options={TEST_CARDS} />
          )}
          <Field name="nickname" label="Nickname" hint="Optional, e.g. Company card" />
          <div class="span-2 form-actions">
            <button type="submit" class="button">
              Save card
            </button>
          </div>
        </form>
      )}
      {props.can.pay && (
        <form method="post" action={`/admin/customers/${props.customerId}/auto-pay`} class="inline">
          <CsrfField token={csrf} />
          <input type="hidden" name="auto_pay" value={props.autoPay ? "false" : "true"} />
          <p>
            Auto-pay is <strong>{props.autoPay ? "on" : "off"}</strong>:{" "}
            {props.autoPay ? "each invoice is charged to the default card when issued." : "invoices wait to be paid."}{" "}
            <button type="submit" class="button small">
              {props.autoPay ? "Turn off" : "Turn on"}
            </button>
          </p>
        </form>
      )}
      <h3>Recent payments</h3>
      <PaymentsTable ctx={props.ctx} payments={props.payments} showInvoice />
      {props.can.refund && <RefundForm ctx={props.ctx} payments={props.payments} />}
      <p>
        <a href={`/admin/payments?customer_id=${props.customerId}`}>All payments of this customer</a>
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
    <Layout ctx={props.ctx} title="Payments">
      <PageHeader
        title="Payments"
        subtitle="Card payments through Stripe, and cash or transfers recorded by hand"
        actions={
          <a class="button" href="/admin/payments/expiring-cards">
            Cards expiring soon
          </a>
        }
      />
      <Alerts notice={props.notice} error={props.message} />
      <form method="get" action="/admin/payments" class="filters">
        <SelectField name="status" label="Status" value={props.filter.status ?? ""} blank="Any" options={["pending", "succeeded", "failed"]} />
        {props.filter.customer_id && <input type="hidden" name="customer_id" value={props.filter.customer_id} />}
        <button type="submit" class="button">
          Filter
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
    <Layout ctx={props.ctx} title="Cards expiring soon">
      <PageHeader
        title="Cards expiring within 60 days"
        back={{ href: "/admin/payments", label: "Payments" }}
        subtitle="Their owners are emailed once, automatically"
      />
      <section class="card">
        <Table
          rows={props.cards}
          empty={<EmptyState title="No card expires within 60 days." />}
          columns={[
            { header: "Customer", cell: (c) => <a href={`/admin/customers/${c.customer_id}#payments-card`}>{c.customer_name}</a> },
            { header: "Card", cell: (c) => cardLabel(c) },
            { header: "Expires", cell: (c) => expiry(c) },
            { header: "Default", cell: (c) => (c.default ? "Default" : "") },
          ]}
        />
      </section>
    </Layout>
  );
}
