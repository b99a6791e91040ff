/**
 * The portal's service, invoice and payment pages. Every row is read for the signed-in customer only
 * (another customer's id is a 404); money moves through the same use cases as the API with the
 * customer as the scope, so a portal payment is a card payment like any other (never twice).
 */
import type { Context } from "hono";
import { Hono } from "hono";
import type { Child } from "hono/jsx";
import { getProduct, listProducts } from "../../db/queries/catalog";
import { getInvoice } from "../../db/queries/invoices";
import { getService, serviceUsage } from "../../db/queries/services";
import { addCard, getCard, listCards, removeCard, updateCard } from "../../domain/payments/cards";
import { listPayments, payInvoice } from "../../domain/payments/payments";
import type { PaymentMethodView } from "../../domain/payments/schemas";
import { payTopUp } from "../../domain/payments/top-ups";
import { priceWithTax } from "../../domain/payments/topup-page";
import { attachAddon } from "../../domain/services/attach-addon";
import { listPlanChangeRequests, requestPlanChange } from "../../domain/services/plan-change-requests";
import type { ServiceView } from "../../domain/services/schemas";
import { serviceDeps } from "../../durable/service-client";
import type { AppEnv } from "../../env";
import type { MessageKey } from "../../i18n/catalogue";
import { paymentDeps } from "../../integrations/payments";
import { requireStripe, stripeClient } from "../../integrations/stripe";
import { currencyExponent } from "../../lib/charging-units";
import { AppError, NotFound } from "../../lib/errors";
import { can, writeContext } from "../../middleware/access";
import { operationKey } from "../../middleware/idempotency";
import { Alerts, CsrfField } from "../../views/components";
import { parseMoney } from "../../views/format";
import { cardLabel } from "../../views/payments";
import { last30Days, UsageChart } from "../../views/services";
import { type FormBody, readForm, text } from "../admin/forms";
import {
  amountExample,
  BalanceTiles,
  CardEntry,
  customerOf,
  date,
  label,
  money,
  type PortalCtx,
  PortalLayout,
  PortalTable,
  portalCtx,
  quantity,
} from "./shared";

const expiry = (c: PaymentMethodView) => `${String(c.exp_month).padStart(2, "0")}/${c.exp_year}`;

function CardSelect(props: { p: PortalCtx; cards: PaymentMethodView[] }) {
  return (
    <div class="field">
      <label for="f-card">{props.p.t("portal.pay_with")}</label>
      <select id="f-card" name="payment_method_id">
        {props.cards.map((c) => (
          <option value={c.id} selected={c.default}>{`${cardLabel(c)} · ${expiry(c)}`}</option>
        ))}
      </select>
    </div>
  );
}

/** A form paid with a saved card (with a one-use key against double submits), or a link to add a card first. */
function CardForm(props: { p: PortalCtx; cards: PaymentMethodView[]; action: string; submit: string; children?: Child }) {
  const { p } = props;
  if (props.cards.length === 0)
    return (
      <p>
        <a href="/portal/payments">{p.t("portal.no_card")}</a>
      </p>
    );
  return (
    <form method="post" action={props.action} class="stack">
      <CsrfField token={p.csrfToken} />
      <input type="hidden" name="key" value={crypto.randomUUID()} />
      {props.children}
      <CardSelect p={p} cards={props.cards} />
      <button type="submit" class="button primary">
        {props.submit}
      </button>
    </form>
  );
}

/** What a failed payment action says to the customer, in their language. */
function failure(p: PortalCtx, error: unknown): string {
  if (!(error instanceof AppError)) throw error;
  if (error.status === 402) return p.t("portal.declined", { reason: String(error.extra?.code ?? error.message) });
  if (error.extra?.code === "no_payment_method") return p.t("portal.no_card");
  return error.message;
}

async function invoicePage(c: Context<AppEnv>, id: string, extra: { notice?: string; error?: string } = {}, status: 200 | 402 | 409 | 422 = 200) {
  const customerId = customerOf(c);
  if (!customerId) return c.redirect("/portal/login", 303);
  const invoice = await getInvoice(c.get("db"), id);
  if (!invoice || invoice.customer_id !== customerId || invoice.status === "draft") throw new NotFound("No invoice with this id.");
  const p = portalCtx(c);
  const cards = await listCards(c.get("db"), customerId);
  const open = invoice.status === "issued" && invoice.amount_due > 0;
  return c.html(
    <PortalLayout p={p} title={`${p.t("portal.invoice")} ${invoice.number}`}>
      <p>
        <a href="/portal">← {p.t("portal.back")}</a>
      </p>
      <h1>{`${p.t("portal.invoice")} ${invoice.number}`}</h1>
      <Alerts {...extra} />
      <section class="card" id="invoice">
        <p>
          {label(p, "portal.total")}
          <strong>{money(p, invoice.total_amount, invoice.currency)}</strong> · {p.t(`status.${invoice.status}` as MessageKey)}
          {invoice.due_date && ` · ${p.t("portal.due")} ${date(p, `${invoice.due_date}T00:00:00Z`)}`}
        </p>
        <p>
          {label(p, "portal.amount_due")}
          <strong>{money(p, invoice.amount_due, invoice.currency)}</strong>
        </p>
        <p>
          <a href={`/portal/invoices/${invoice.id}/pdf`}>{p.t("portal.download")}</a>
        </p>
      </section>
      {open && (
        <section class="card" id="pay">
          <h2>{p.t("portal.pay_invoice", { number: invoice.number ?? "" })}</h2>
          <CardForm
            p={p}
            cards={cards}
            action={`/portal/invoices/${invoice.id}/pay`}
            submit={`${p.t("portal.pay")} ${money(p, invoice.amount_due, invoice.currency)}`}
          />
        </section>
      )}
    </PortalLayout>,
    status,
  );
}

async function paymentsPage(c: Context<AppEnv>, extra: { notice?: string; error?: string } = {}, status: 200 | 402 | 404 | 409 | 422 = 200) {
  const customerId = customerOf(c);
  if (!customerId) return c.redirect("/portal/login", 303);
  const p = portalCtx(c);
  const [cards, history] = await Promise.all([listCards(c.get("db"), customerId), listPayments(c.get("db"), { customerId }, 50)]);
  const key = c.env.STRIPE_PUBLISHABLE_KEY || null;
  return c.html(
    <PortalLayout p={p} title={p.t("portal.nav.payments")}>
      <h1>{p.t("portal.nav.payments")}</h1>
      <Alerts {...extra} />
      <section class="card" id="cards">
        <h2>{p.t("portal.cards")}</h2>
        {cards.length === 0 ? (
          <p>{p.t("portal.no_cards")}</p>
        ) : (
          <ul class="tiles">
            {cards.map((card) => (
              <li class="tile">
                <strong>{cardLabel(card)}</strong>
                <span class="muted">{p.t("portal.expires", { date: expiry(card) })}</span>
                {card.default ? (
                  <span class="badge">{p.t("portal.default")}</span>
                ) : (
                  <form method="post" action={`/portal/cards/${card.id}/default`} class="inline">
                    <CsrfField token={p.csrfToken} />
                    <button type="submit" class="button small">
                      {p.t("portal.make_default")}
                    </button>
                  </form>
                )}
                <form method="post" action={`/portal/cards/${card.id}/remove`} class="inline">
                  <CsrfField token={p.csrfToken} />
                  <button type="submit" class="button small danger">
                    {p.t("portal.remove")}
                  </button>
                </form>
              </li>
            ))}
          </ul>
        )}
        <form method="post" action="/portal/cards" class="stack" id="add-card" data-stripe-key={key ?? undefined}>
          <CsrfField token={p.csrfToken} />
          <h3>{p.t("portal.add_card")}</h3>
          <CardEntry p={p} stripeKey={key} />
          <button type="submit" class="button">
            {p.t("portal.add_card")}
          </button>
        </form>
      </section>
      <section class="card" id="history">
        <h2>{p.t("portal.history")}</h2>
        <PortalTable
          rows={history.data}
          empty={p.t("portal.no_payments")}
          columns={[
            { header: p.t("portal.date"), cell: (x) => date(p, x.created_at) },
            { header: p.t("portal.pay_with"), cell: (x) => (x.card ? cardLabel(x.card) : x.method) },
            { header: p.t("portal.amount"), num: true, cell: (x) => money(p, x.amount, x.currency) },
            { header: p.t("portal.status"), cell: (x) => p.t(x.status === "pending" ? "status.pending_payment" : (`status.${x.status}` as MessageKey)) },
          ]}
        />
      </section>
    </PortalLayout>,
    status,
  );
}

async function servicePage(c: Context<AppEnv>, id: string, extra: { notice?: string; error?: string } = {}, status: 200 | 402 | 409 | 422 = 200) {
  const customerId = customerOf(c);
  if (!customerId) return c.redirect("/portal/login", 303);
  const service = await getService(c.get("db"), id);
  if (!service || service.customer_id !== customerId) throw new NotFound("No service with this id.");
  const p = portalCtx(c);
  const db = c.get("db");
  const days = last30Days();
  const [snapshot, cards, product, usage, addons, pending] = await Promise.all([
    serviceDeps(c.env).state(id).snapshot(id),
    listCards(db, customerId),
    getProduct(db, service.product_id),
    serviceUsage(db, id, days[0] ?? ""),
    listProducts(db, { status: "active", type: "addon", compatibleWith: service.product_id, limit: 50 }),
    listPlanChangeRequests(db, { serviceId: id, status: "pending", limit: 1 }),
  ]);
  const buckets = snapshot.ok ? snapshot.value.buckets : [];
  const currency = product?.currency ?? p.settings.default_currency;
  const live = service.status === "active" || service.status === "suspended";
  const plans = product
    ? (await listProducts(db, { status: "active", type: "standalone", serviceType: product.service_type, limit: 50 })).data.filter(
        (x) => x.id !== product.id && x.currency === product.currency && x.eligibility.customer_types.length > 0,
      )
    : [];
  const [addonPrices, planPrices] = await Promise.all([
    Promise.all(addons.data.map(async (a) => ({ product: a, gross: await priceWithTax(db, a, customerId) }))),
    Promise.all(plans.map(async (x) => ({ product: x, gross: await priceWithTax(db, x, customerId) }))),
  ]);
  // Top-up packs: the add-ons that carry balances, in the service's currency, paid by card at once.
  const packPrices = addonPrices.filter(({ product: a }) => a.included_balances.length > 0 && a.currency === currency);
  const show = (unit: string, amount: number) => quantity(p, unit, amount, currency);
  const waiting = pending.data[0];
  return c.html(
    <PortalLayout p={p} title={service.product_name}>
      <p>
        <a href="/portal">← {p.t("portal.back")}</a>
      </p>
      <h1>{service.product_name}</h1>
      <Alerts {...extra} />
      <section class="card" id="service">
        <p>
          {label(p, "portal.status")}
          <span class={`badge ${service.status}`}>{p.t(`status.${service.status}` as MessageKey)}</span>
        </p>
        <h2>{p.t("portal.identifiers")}</h2>
        <dl class="pairs">
          {Object.entries(service.identifiers).map(([k, v]) => (
            <>
              <dt>{k.toUpperCase()}</dt>
              <dd>{String(v)}</dd>
            </>
          ))}
        </dl>
      </section>
      <section class="card" id="balance">
        <h2>{p.t("portal.balance")}</h2>
        <BalanceTiles p={p} buckets={buckets} currency={currency} />
      </section>
      <section class="card" id="usage">
        <h2>{p.t("portal.usage")}</h2>
        <UsageChart
          usage={usage}
          days={days}
          labels={{
            unit: (u) => p.t(`unit.${u}` as MessageKey),
            total: (amount) => p.t("portal.usage_total", { amount }),
            aria: (u) => p.t("portal.usage_aria", { unit: p.t(`unit.${u}` as MessageKey) }),
            empty: p.t("portal.no_usage"),
            amount: show,
          }}
        />
      </section>
      {live && (
        <section class="card" id="top-up">
          <h2>{p.t("portal.top_up")}</h2>
          <CardForm p={p} cards={cards} action={`/portal/services/${service.id}/top-up`} submit={p.t("portal.top_up")}>
            {packPrices.length > 0 && (
              <div class="field">
                <label for="f-pack">{p.t("portal.top_up_pack")}</label>
                <select id="f-pack" name="product_id">
                  <option value="">{p.t("portal.top_up_amount_below")}</option>
                  {packPrices.map(({ product: pack, gross }) => (
                    <option value={pack.id}>{`${pack.name} · ${money(p, gross, pack.currency)}`}</option>
                  ))}
                </select>
              </div>
            )}
            <div class="field">
              <label for="f-amount">{p.t("portal.top_up_amount", { currency })}</label>
              <input id="f-amount" name="amount" inputmode="decimal" placeholder={amountExample(p)} />
            </div>
          </CardForm>
        </section>
      )}
      {service.status === "active" && (
        <section class="card" id="addons">
          <h2>{p.t("portal.addons")}</h2>
          {addonPrices.length === 0 ? (
            <p>{p.t("portal.no_addons")}</p>
          ) : (
            <>
              <ul class="tiles">
                {addonPrices.map(({ product: a, gross }) => (
                  <li class="tile">
                    <strong>{a.name}</strong>
                    {a.included_balances.length > 0 && (
                      <span class="muted">{p.t("portal.addon_includes", { what: a.included_balances.map((b) => show(b.unit, b.amount)).join(" + ") })}</span>
                    )}
                    <form method="post" action={`/portal/services/${service.id}/addons`} class="inline">
                      <CsrfField token={p.csrfToken} />
                      <input type="hidden" name="product_id" value={a.id} />
                      <input type="hidden" name="key" value={`addon-${service.id}-${crypto.randomUUID()}`} />
                      <button type="submit" class="button small">
                        {p.t("portal.buy_addon", { price: money(p, gross, a.currency) })}
                      </button>
                    </form>
                  </li>
                ))}
              </ul>
              <p class="muted">{p.t("portal.addon_billed")}</p>
            </>
          )}
        </section>
      )}
      {service.status === "active" && (
        <section class="card" id="plan">
          <h2>{p.t("portal.change_plan")}</h2>
          <p>{p.t("portal.current_plan", { name: service.product_name })}</p>
          {waiting ? (
            <p class="alert info">{p.t("portal.plan_pending", { name: waiting.to_product_name, date: date(p, waiting.created_at) })}</p>
          ) : planPrices.length === 0 ? (
            <p>{p.t("portal.no_plans")}</p>
          ) : (
            <form method="post" action={`/portal/services/${service.id}/change-plan`} class="stack">
              <CsrfField token={p.csrfToken} />
              <fieldset class="stack">
                <legend class="visually-hidden">{p.t("portal.change_plan")}</legend>
                {planPrices.map(({ product: x, gross }, i) => (
                  <label class="checkbox">
                    <input type="radio" name="product_id" value={x.id} checked={i === 0} />{" "}
                    {p.t("portal.plan_per_month", { name: x.name, price: money(p, gross, x.currency) })}
                  </label>
                ))}
              </fieldset>
              <button type="submit" class="button">
                {p.t("portal.request_change")}
              </button>
            </form>
          )}
        </section>
      )}
    </PortalLayout>,
    status,
  );
}

/** The signed-in customer's service named in the path, or the sign-in redirect; another's is a 404. */
async function ownService(c: Context<AppEnv>): Promise<{ customerId: string; service: ServiceView } | Response> {
  const customerId = customerOf(c);
  if (!customerId) return c.redirect("/portal/login", 303);
  const service = await getService(c.get("db"), c.req.param("id") ?? "");
  if (!service || service.customer_id !== customerId) throw new NotFound("No service with this id.");
  return { customerId, service };
}

/** A service page action: done → back to the page with its notice; refused → the page with the reason. */
async function serviceAction(c: Context<AppEnv>, run: (id: string, customerId: string, body: FormBody) => Promise<keyof typeof NOTICES>) {
  const owned = await ownService(c);
  if (owned instanceof Response) return owned;
  const id = owned.service.id;
  try {
    const done = await run(id, owned.customerId, await readForm(c));
    return c.redirect(`/portal/services/${id}?done=${done}`, 303);
  } catch (error) {
    if (!(error instanceof AppError) || error.status >= 500) throw error;
    return servicePage(c, id, { error: error.message }, error.status === 409 ? 409 : 422);
  }
}

const NOTICES = {
  saved: "portal.card_saved",
  removed: "portal.card_removed",
  paid: "portal.paid_thanks",
  pending: "portal.payment_pending",
  topped: "portal.topped_up",
  addon: "portal.addon_added",
  requested: "portal.plan_requested",
  changed: "portal.plan_changed",
} as const;
function notice(c: Context<AppEnv>): string | undefined {
  const key = c.req.query("done");
  return key && Object.hasOwn(NOTICES, key) ? portalCtx(c).t(NOTICES[key as keyof typeof NOTICES]) : undefined;
}

export const portalPages = new Hono<AppEnv>()
  .get("/invoices/:id", can("public"), (c) => invoicePage(c, c.req.param("id"), { notice: notice(c) }))
  .post("/invoices/:id/pay", can("public"), async (c) => {
    const customerId = customerOf(c);
    if (!customerId) return c.redirect("/portal/login", 303);
    const id = c.req.param("id");
    const body = await readForm(c);
    try {
      const payment = await payInvoice(
        writeContext(c),
        paymentDeps(c.env, new URL(c.req.url).origin),
        { invoice_id: id, ...(text(body, "payment_method_id") ? { payment_method_id: text(body, "payment_method_id") ?? "" } : {}) },
        { scope: customerId, canRecordManual: false, origin: "portal" },
      );
      return c.redirect(`/portal/invoices/${id}?done=${payment.status === "pending" ? "pending" : "paid"}`, 303);
    } catch (error) {
      const status = error instanceof AppError && error.status === 402 ? 402 : 409;
      return invoicePage(c, id, { error: failure(portalCtx(c), error) }, status);
    }
  })
  .get("/payments", can("public"), (c) => paymentsPage(c, { notice: notice(c) }))
  .post("/cards", can("public"), async (c) => {
    const customerId = customerOf(c);
    if (!customerId) return c.redirect("/portal/login", 303);
    const pm = text(await readForm(c), "stripe_payment_method_id") ?? "";
    if (!/^pm_[A-Za-z0-9_]{3,120}$/.test(pm)) return paymentsPage(c, { error: portalCtx(c).t("portal.no_cards") }, 422);
    try {
      await addCard(writeContext(c), requireStripe(c.env), customerId, { stripe_payment_method_id: pm });
      return c.redirect("/portal/payments?done=saved", 303);
    } catch (error) {
      return paymentsPage(c, { error: failure(portalCtx(c), error) }, error instanceof AppError && error.status === 402 ? 402 : 422);
    }
  })
  .post("/cards/:id/default", can("public"), async (c) => {
    const customerId = customerOf(c);
    if (!customerId) return c.redirect("/portal/login", 303);
    await updateCard(writeContext(c), c.req.param("id"), customerId, { default: true });
    return c.redirect("/portal/payments", 303);
  })
  .post("/cards/:id/remove", can("public"), async (c) => {
    const customerId = customerOf(c);
    if (!customerId) return c.redirect("/portal/login", 303);
    const card = await getCard(c.get("db"), c.req.param("id"));
    if (!card || card.customerId !== customerId) throw new NotFound("No saved card with this id.");
    await removeCard(writeContext(c), stripeClient(c.env), card.id, customerId);
    return c.redirect("/portal/payments?done=removed", 303);
  })
  .get("/services/:id", can("public"), (c) => servicePage(c, c.req.param("id"), { notice: notice(c) }))
  .post("/services/:id/addons", can("public"), (c) =>
    serviceAction(c, async (id, _customerId, body) => {
      await attachAddon(writeContext(c), serviceDeps(c.env), id, text(body, "product_id") ?? "", operationKey(c, text(body, "key") ?? crypto.randomUUID()));
      return "addon";
    }),
  )
  .post("/services/:id/change-plan", can("public"), (c) =>
    serviceAction(c, async (id, customerId, body) => {
      const request = await requestPlanChange(writeContext(c), serviceDeps(c.env), id, text(body, "product_id") ?? "", customerId);
      return request.status === "approved" ? "changed" : "requested";
    }),
  )
  .post("/services/:id/top-up", can("public"), async (c) => {
    const owned = await ownService(c);
    if (owned instanceof Response) return owned;
    const { customerId, service } = owned;
    const id = service.id;
    const product = await getProduct(c.get("db"), service.product_id);
    const currency = product?.currency ?? portalCtx(c).settings.default_currency;
    const body = await readForm(c);
    const pack = text(body, "product_id");
    const amount = parseMoney(text(body, "amount"), currencyExponent(currency));
    if (!pack && !amount) return servicePage(c, id, { error: portalCtx(c).t("portal.invalid_amount") }, 422);
    try {
      const payment = await payTopUp(
        writeContext(c),
        paymentDeps(c.env, new URL(c.req.url).origin),
        id,
        { ...(pack ? { product_id: pack } : { amount: amount ?? 0, currency }), payment_method: text(body, "payment_method_id") },
        { scope: customerId, origin: "portal", requestKey: operationKey(c, text(body, "key") ?? crypto.randomUUID()) },
      );
      if (payment.status === "failed") return servicePage(c, id, { error: portalCtx(c).t("portal.declined", { reason: payment.failure_code ?? "" }) }, 402);
      return c.redirect(`/portal/services/${id}?done=${payment.status === "pending" ? "pending" : "topped"}`, 303);
    } catch (error) {
      const status = error instanceof AppError ? (error.status === 402 ? 402 : error.status === 422 ? 422 : 409) : 409;
      return servicePage(c, id, { error: failure(portalCtx(c), error) }, status);
    }
  });
