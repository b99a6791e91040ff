/**
 * The public top-up page, `/topup` (no sign-in). The service is found by the device: a fixed service
 * by the client's IP address, a mobile one by its number and a one-time code sent to it by SMS. Either
 * opens a 20-minute top-up session (cookie) that can only pay a top-up of that one service, by card
 * (a card given for this payment; nothing is saved). The page shows the product and the balance, never
 * who the customer is. Rate limits: per IP and per number, counted on every code request and wrong code.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { getSettings } from "../db/queries/settings";
import type { LoginGuardPort } from "../domain/auth/guard";
import { localeCountry } from "../domain/contacts/phone";
import type { WriteContext } from "../domain/context";
import { payTopUp } from "../domain/payments/top-ups";
import {
  normalizeNumber,
  openTopUpSession,
  priceWithTax,
  sendTopUpCode,
  serviceByIp,
  serviceByNumber,
  type TopUpTarget,
  topUpPacksFor,
  topUpSessionService,
  verifyTopUpCode,
} from "../domain/payments/topup-page";
import { daysPack, MAX_TOP_UP_DAYS } from "../domain/services/top-up";
import { loginGuard } from "../durable/guard-client";
import { serviceDeps } from "../durable/service-client";
import type { AppEnv } from "../env";
import { paymentDeps } from "../integrations/payments";
import { currencyExponent } from "../lib/charging-units";
import { hmacSha256, safeEqual } from "../lib/crypto";
import { AppError } from "../lib/errors";
import { formatPhone } from "../lib/phone";
import { can } from "../middleware/access";
import { csrf } from "../middleware/csrf";
import { Alerts } from "../views/components";
import { parseMoney } from "../views/format";
import { readForm, text } from "./admin/forms";
import { amountExample, BalanceTiles, CardEntry, label, money, type PortalCtx, PortalLayout, portalCtx } from "./portal/shared";
import { clientIp, kickOutbox } from "./support";

export const TOPUP_COOKIE = "__Host-obss_topup";

const actor = (c: Context<AppEnv>): WriteContext => ({
  db: c.get("db"),
  actor: { type: "system", id: null, label: "top-up page" },
  requestId: c.get("requestId"),
  now: new Date().toISOString(),
});

/** Counts an attempt against each key; the longest wait any of them imposes (0: go ahead). */
async function attempt(guard: LoginGuardPort, keys: string[]): Promise<number> {
  const states = await Promise.all(keys.map((k) => guard.fail(k)));
  return Math.max(0, ...states.map((s) => s.retryAfterSeconds));
}
async function waiting(guard: LoginGuardPort, keys: string[]): Promise<number> {
  const states = await Promise.all(keys.map((k) => guard.check(k)));
  return Math.max(0, ...states.map((s) => s.retryAfterSeconds));
}
const ipKeys = (c: Context<AppEnv>) => [`topup-ip:${clientIp(c) ?? "unknown"}`];

function StartPage(props: { p: PortalCtx; connection: TopUpTarget | null; number?: string; error?: string; status?: string }) {
  const { p } = props;
  return (
    <PortalLayout p={p} title={p.t("topup.title")}>
      <h1>{p.t("topup.title")}</h1>
      <p>{p.t("topup.intro")}</p>
      <Alerts error={props.error} />
      {props.connection && (
        <section class="card" id="connection">
          <h2>{p.t("topup.this_connection")}</h2>
          <p>{p.t("topup.found_ip", { label: props.connection.label, product: props.connection.productName })}</p>
          <form method="post" action="/topup/connection">
            <button type="submit" class="button primary">
              {p.t("topup.use_connection")}
            </button>
          </form>
        </section>
      )}
      <section class="card narrow" id="by-number">
        <h2>{p.t("topup.by_number")}</h2>
        <form method="post" action="/topup/code" class="stack">
          <div class="field">
            <label for="f-number">{p.t("topup.number")}</label>
            <input
              id="f-number"
              name="number"
              type="tel"
              autocomplete="tel"
              inputmode="tel"
              required
              value={props.number ?? ""}
              aria-describedby="f-number-hint"
            />
            <span class="hint" id="f-number-hint">
              {p.t("topup.number_hint")}
            </span>
          </div>
          <button type="submit" class="button primary">
            {p.t("topup.send_code")}
          </button>
        </form>
      </section>
    </PortalLayout>
  );
}

/** The country whose national format numbers are typed in here: the operator's, from its default language. */
const homeCountry = (p: PortalCtx) => localeCountry(p.settings.default_locale);

function CodePage(props: { p: PortalCtx; number: string; error?: string }) {
  const { p } = props;
  return (
    <PortalLayout p={p} title={p.t("topup.title")}>
      <h1>{p.t("topup.title")}</h1>
      <section class="card narrow" id="code">
        <Alerts notice={props.error ? undefined : p.t("topup.code_sent", { number: formatPhone(props.number, homeCountry(p)) })} error={props.error} />
        <form method="post" action="/topup/verify" class="stack">
          <input type="hidden" name="number" value={props.number} />
          <div class="field">
            <label for="f-code">{p.t("topup.code")}</label>
            <input id="f-code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength={6} required autofocus />
          </div>
          <button type="submit" class="button primary">
            {p.t("topup.verify")}
          </button>
        </form>
        <form method="post" action="/topup/code" class="inline">
          <input type="hidden" name="number" value={props.number} />
          <button type="submit" class="button small">
            {p.t("topup.new_code")}
          </button>
        </form>
      </section>
    </PortalLayout>
  );
}

/** The session's page: the service, its balance, the packs and an amount, and the card. */
async function servicePage(
  c: Context<AppEnv>,
  target: TopUpTarget,
  token: string,
  extra: { notice?: string; error?: string } = {},
  status: 200 | 402 | 409 | 422 = 200,
) {
  const p = portalCtx(c);
  const db = c.get("db");
  const [snapshot, terms] = await Promise.all([
    serviceDeps(c.env).state(target.id).snapshot(target.id),
    db.$client
      .prepare("SELECT p.currency, p.tax_class FROM products p WHERE p.id = ?1")
      .bind(target.productId)
      .first<{ currency: string; tax_class: string }>(),
  ]);
  const currency = terms?.currency ?? p.settings.default_currency;
  const packs = await topUpPacksFor(db, target, currency);
  const priced = await Promise.all(packs.map(async (pack) => ({ pack, gross: await priceWithTax(db, pack, target.customerId) })));
  // Days of the service's own plan, when its plan is sold by the day: the price of one day, tax included.
  const day = await daysPack(db, target.id, 1).catch(() => null);
  const perDay = day ? await priceWithTax(db, { retail_price: day.price, tax_class: day.product.tax_class }, target.customerId) : null;
  const buckets = snapshot.ok ? snapshot.value.buckets : [];
  return c.html(
    <PortalLayout p={p} title={p.t("topup.title")}>
      <h1>{p.t("topup.title")}</h1>
      <Alerts {...extra} />
      <section class="card" id="service">
        <p>
          {label(p, "topup.service")}
          <strong>{target.productName}</strong> · {target.label}
        </p>
        <h2>{p.t("portal.balance")}</h2>
        <div id="balance">
          <BalanceTiles p={p} buckets={buckets} currency={currency} />
        </div>
      </section>
      <section class="card" id="top-up">
        <h2>{p.t("topup.choose")}</h2>
        <form method="post" action="/topup/pay" class="stack" data-stripe-key={c.env.STRIPE_PUBLISHABLE_KEY || undefined}>
          <input type="hidden" name="_csrf" value={await sessionCsrf(c, token)} />
          <input type="hidden" name="key" value={crypto.randomUUID()} />
          <fieldset class="stack">
            <legend class="visually-hidden">{p.t("topup.choose")}</legend>
            {priced.map(({ pack, gross }, i) => (
              <label class="checkbox">
                <input type="radio" name="choice" value={pack.id} checked={i === 0} />{" "}
                {p.t("topup.pack_price", { name: pack.name, price: money(p, gross, currency) })}
              </label>
            ))}
            {perDay !== null && (
              <>
                <label class="checkbox">
                  <input type="radio" name="choice" value="days" /> {p.t("topup.days_choice", { price: money(p, perDay, currency) })}
                </label>
                <div class="field">
                  <label for="f-days">{p.t("topup.days")}</label>
                  <input id="f-days" name="days" type="number" min={1} max={MAX_TOP_UP_DAYS} step={1} inputmode="numeric" placeholder="7" />
                </div>
              </>
            )}
            <label class="checkbox">
              <input type="radio" name="choice" value="amount" checked={priced.length === 0 && perDay === null} /> {p.t("topup.amount_choice")}
            </label>
            <div class="field">
              <label for="f-amount">{p.t("portal.top_up_amount", { currency })}</label>
              <input id="f-amount" name="amount" inputmode="decimal" placeholder={amountExample(p)} />
            </div>
            <p class="muted">{p.t("topup.tax_included")}</p>
          </fieldset>
          <CardEntry p={p} stripeKey={c.env.STRIPE_PUBLISHABLE_KEY || null} />
          <button type="submit" class="button primary">
            {p.t("topup.pay")}
          </button>
        </form>
      </section>
      <p>
        <a href="/topup?again=1">{p.t("topup.another")}</a>
      </p>
    </PortalLayout>,
    status,
  );
}

/** The form token of a top-up session: only a page rendered for this session can pay with it. */
const sessionCsrf = (c: Context<AppEnv>, token: string) => hmacSha256(c.env.AUTH_SECRET, `topup-csrf:${token}`);

function startSession(c: Context<AppEnv>, token: string): Response {
  setCookie(c, TOPUP_COOKIE, token, { path: "/", httpOnly: true, secure: true, sameSite: "Strict", maxAge: 20 * 60 });
  return c.redirect("/topup/service", 303);
}

export const topup = new Hono<AppEnv>();

topup.use(async (c, next) => {
  c.set("settings", (await getSettings(c.get("db"))).data);
  c.set("principal", null);
  await next();
  c.res.headers.set("Cache-Control", "no-store");
  c.res.headers.set("Referrer-Policy", "no-referrer");
});
// Cross-site posts are refused (Origin / Sec-Fetch-Site); the pay form also carries the session's token.
topup.use(csrf());

topup
  .get("/", can("public"), async (c) => {
    const p = portalCtx(c);
    return c.html(<StartPage p={p} connection={await serviceByIp(c.get("db"), clientIp(c))} />);
  })
  .post("/connection", can("public"), async (c) => {
    const p = portalCtx(c);
    const wait = await attempt(loginGuard(c.env), ipKeys(c));
    if (wait > 0) return c.html(<StartPage p={p} connection={null} error={p.t("topup.too_many", { minutes: Math.ceil(wait / 60) })} />, 429);
    const target = await serviceByIp(c.get("db"), clientIp(c));
    if (!target) return c.redirect("/topup", 303);
    return startSession(c, await openTopUpSession(actor(c), target));
  })
  .post("/code", can("public"), async (c) => {
    const p = portalCtx(c);
    const raw = text(await readForm(c), "number") ?? "";
    const number = normalizeNumber(raw.slice(0, 40), homeCountry(p));
    if (!number) return c.html(<StartPage p={p} connection={null} number={raw.slice(0, 40)} error={p.t("topup.bad_number")} />, 422);
    // Every request counts, for a number of ours or not: the answer and the limits are the same.
    const wait = await attempt(loginGuard(c.env), [...ipKeys(c), `topup-number:${number}`]);
    if (wait > 0) return c.html(<StartPage p={p} connection={null} number={number} error={p.t("topup.too_many", { minutes: Math.ceil(wait / 60) })} />, 429);
    const target = await serviceByNumber(c.get("db"), number);
    if (target) {
      const operator = p.settings.operator_name;
      await sendTopUpCode(actor(c), target, number, (code) => p.t("topup.sms", { operator, code }));
      kickOutbox(c);
    }
    return c.html(<CodePage p={p} number={number} />);
  })
  .post("/verify", can("public"), async (c) => {
    const p = portalCtx(c);
    const body = await readForm(c);
    const number = normalizeNumber((text(body, "number") ?? "").slice(0, 40), homeCountry(p));
    if (!number) return c.html(<StartPage p={p} connection={null} error={p.t("topup.bad_number")} />, 422);
    const guard = loginGuard(c.env);
    const keys = [...ipKeys(c), `topup-number:${number}`];
    const blocked = await waiting(guard, keys);
    if (blocked > 0) return c.html(<CodePage p={p} number={number} error={p.t("topup.too_many", { minutes: Math.ceil(blocked / 60) })} />, 429);
    const target = await serviceByNumber(c.get("db"), number);
    const token = await verifyTopUpCode(actor(c), target, (text(body, "code") ?? "").trim().slice(0, 12));
    if (!token) {
      await attempt(guard, keys);
      return c.html(<CodePage p={p} number={number} error={p.t("topup.bad_code")} />, 422);
    }
    return startSession(c, token);
  })
  .get("/service", can("public"), async (c) => {
    const token = getCookie(c, TOPUP_COOKIE);
    const target = await topUpSessionService(c.get("db"), token, new Date().toISOString());
    if (!target || !token) {
      const p = portalCtx(c);
      return c.html(<StartPage p={p} connection={await serviceByIp(c.get("db"), clientIp(c))} error={p.t("topup.expired")} />, 401);
    }
    const done = c.req.query("done");
    const p = portalCtx(c);
    return servicePage(c, target, token, { notice: done === "paid" ? p.t("topup.done") : done === "pending" ? p.t("topup.done_pending") : undefined });
  })
  .post("/pay", can("public"), async (c) => {
    const p = portalCtx(c);
    const token = getCookie(c, TOPUP_COOKIE);
    const target = await topUpSessionService(c.get("db"), token, new Date().toISOString());
    if (!target || !token) return c.html(<StartPage p={p} connection={null} error={p.t("topup.expired")} />, 401);
    const body = await readForm(c);
    const raw = (await c.req.parseBody())._csrf;
    const sent = typeof raw === "string" ? raw : "";
    if (!safeEqual(sent, await sessionCsrf(c, token))) return c.html(<StartPage p={p} connection={null} error={p.t("topup.expired")} />, 403);
    const pm = text(body, "stripe_payment_method_id") ?? "";
    const choice = text(body, "choice") ?? "";
    const currency = (await c.get("db").$client.prepare("SELECT currency FROM products WHERE id = ?1").bind(target.productId).first<{ currency: string }>())
      ?.currency;
    if (!currency) return servicePage(c, target, token, { error: p.t("topup.expired") }, 409);
    let input: { amount: number; currency: string } | { product_id: string } | { days: number };
    const days = Number(text(body, "days") ?? "");
    if (choice === "days") {
      if (!Number.isInteger(days) || days < 1 || days > MAX_TOP_UP_DAYS) return servicePage(c, target, token, { error: p.t("topup.bad_days") }, 422);
      input = { days };
    } else if (choice === "amount") {
      const amount = parseMoney(text(body, "amount"), currencyExponent(currency));
      if (!amount) return servicePage(c, target, token, { error: p.t("portal.invalid_amount") }, 422);
      input = { amount, currency };
    } else if (/^prd_[A-Za-z0-9]{1,60}$/.test(choice)) input = { product_id: choice };
    else return servicePage(c, target, token, { error: p.t("topup.nothing_to_buy") }, 422);
    if (!/^pm_[A-Za-z0-9_]{3,120}$/.test(pm)) return servicePage(c, target, token, { error: p.t("portal.no_cards") }, 422);
    try {
      const payment = await payTopUp(actor(c), paymentDeps(c.env, new URL(c.req.url).origin), target.id, input, {
        scope: null,
        origin: "topup_page",
        // One payment per rendered form, whatever the double clicks.
        requestKey: `topup-page:${target.id}:${(text(body, "key") ?? "").slice(0, 64) || crypto.randomUUID()}`,
        oneOffCard: pm,
      });
      if (payment.status === "failed") return servicePage(c, target, token, { error: p.t("portal.declined", { reason: payment.failure_code ?? "" }) }, 402);
      return c.redirect(`/topup/service?done=${payment.status === "pending" ? "pending" : "paid"}`, 303);
    } catch (error) {
      if (!(error instanceof AppError) || error.status === 503) throw error;
      const message = error.status === 402 ? p.t("portal.declined", { reason: String(error.extra?.code ?? error.message) }) : error.message;
      return servicePage(c, target, token, { error: message }, error.status === 402 ? 402 : error.status === 409 ? 409 : 422);
    }
  });
