import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import type { Child } from "hono/jsx";
import { SYSTEM_ACTOR, type WriteContext } from "../../domain/context";
import type { SettingsData } from "../../domain/settings/schemas";
import type { AppEnv } from "../../env";
import { intlLocale, LOCALES, type Locale, type MessageKey, negotiateLocale, type Translate, translator } from "../../i18n/catalogue";
import { CsrfField } from "../../views/components";
import { formatMoney } from "../../views/format";
import { TEST_CARDS } from "../../views/payments";

export const LANG_COOKIE = "obss_lang";

export type PortalCtx = { settings: SettingsData; locale: Locale; t: Translate; csrfToken: string; signedIn: boolean; path: string };

export function portalCtx(c: Context<AppEnv>): PortalCtx {
  const locale = negotiateLocale(getCookie(c, LANG_COOKIE), c.req.header("accept-language"));
  return {
    settings: c.get("settings") as SettingsData,
    locale,
    t: translator(locale),
    csrfToken: c.get("csrfToken") ?? "",
    signedIn: Boolean(c.get("principal")),
    path: new URL(c.req.url).pathname,
  };
}

export const money = (p: PortalCtx, minor: number, currency: string) => formatMoney(minor, currency, intlLocale(p.locale));
/** A balance or usage amount in the page's language: money, GB/MB (binary), minutes, SMS. */
export function quantity(p: PortalCtx, unit: string, amount: number, currency: string): string {
  if (unit === "monetary") return money(p, amount, currency);
  const n = (value: number, digits: number) => new Intl.NumberFormat(intlLocale(p.locale), { maximumFractionDigits: digits }).format(value);
  if (unit === "data") return Math.abs(amount) >= 2 ** 30 ? `${n(amount / 2 ** 30, 1)} ${p.t("unit.gb")}` : `${n(amount / 2 ** 20, 0)} ${p.t("unit.mb")}`;
  if (unit === "voice") return `${n(Math.round(amount / 60), 0)} min`;
  return `${n(amount, 0)} SMS`;
}

/** "Total: " in English, "Total : " in French (the space French puts before a colon). */
export const label = (p: PortalCtx, key: MessageKey) => p.t("portal.label", { label: p.t(key) });
/** An example amount for a field's placeholder, in the page's number format (10.00 / 10,00). */
export const amountExample = (p: PortalCtx) => new Intl.NumberFormat(intlLocale(p.locale), { minimumFractionDigits: 2, useGrouping: false }).format(10);

const dateFormats = new Map<Locale, Intl.DateTimeFormat>();
export function date(p: PortalCtx, iso: string): string {
  let format = dateFormats.get(p.locale);
  if (!format) {
    format = new Intl.DateTimeFormat(intlLocale(p.locale), { dateStyle: "medium", timeZone: "UTC" });
    dateFormats.set(p.locale, format);
  }
  return format.format(new Date(iso));
}

/** The portal shell: mobile first, the operator's branding, navigation and the language switch. */
export function PortalLayout(props: { p: PortalCtx; title: string; children: Child }) {
  const { p } = props;
  const s = p.settings;
  const nav = [
    ["/portal", p.t("portal.nav.dashboard")],
    ["/portal/payments", p.t("portal.nav.payments")],
    ["/portal/account", p.t("portal.nav.account")],
    ["/portal/security", p.t("security.nav")],
  ] as const;
  return (
    <html lang={p.locale} style={`--primary:${s.primary_color};--accent:${s.accent_color}`}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · ${s.operator_name}`}</title>
        <link rel="stylesheet" href="/css/app.css" />
        <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/css/portal.css" />
      </head>
      <body class="portal">
        <a class="skip-link" href="#main">
          {p.t("portal.skip")}
        </a>
        <header class="portal-bar">
          <a class="brand" href="/portal">
            {s.logo ? <img src={s.logo} alt="" height="28" /> : <span class="brand-mark">{s.operator_name.slice(0, 1)}</span>}
            <span>{s.operator_name}</span>
          </a>
          <nav aria-label={p.t("portal.language")} class="portal-lang">
            {LOCALES.map((l) => (
              <a href={`/portal/lang/${l}?next=${encodeURIComponent(p.path)}`} aria-current={l === p.locale ? "true" : undefined} lang={l}>
                {l.toUpperCase()}
              </a>
            ))}
          </nav>
        </header>
        {p.signedIn && (
          <nav class="portal-nav" aria-label={p.t("portal.title")}>
            {nav.map(([href, label]) => (
              <a href={href} aria-current={p.path === href ? "page" : undefined}>
                {label}
              </a>
            ))}
            <form method="post" action="/portal/logout" class="sign-out">
              <CsrfField token={p.csrfToken} />
              <button type="submit" class="button small">
                {p.t("portal.sign_out")}
              </button>
            </form>
          </nav>
        )}
        <main id="main" class="portal-main">
          {props.children}
        </main>
      </body>
    </html>
  );
}

export function system(c: Context<AppEnv>): WriteContext {
  return { db: c.get("db"), actor: SYSTEM_ACTOR, requestId: c.get("requestId"), now: new Date().toISOString() };
}

/** The signed-in customer, or a redirect to the sign-in page. */
export function customerOf(c: Context<AppEnv>): string | null {
  const principal = c.get("principal");
  return principal?.type === "customer" && principal.customerId ? principal.customerId : null;
}

/** A portal list: a card's table (scrolling inside it on a phone), or the empty message. */
export function PortalTable<T>(props: { rows: readonly T[]; empty: string; columns: { header: Child; num?: boolean; cell: (row: T) => Child }[] }) {
  if (props.rows.length === 0) return <p>{props.empty}</p>;
  return (
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th scope="col" class={c.num ? "num" : undefined}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <tr>
              {props.columns.map((c) => (
                <td class={c.num ? "num" : undefined}>{c.cell(row)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * A new card: Stripe Elements when a publishable key is configured (the number goes from the browser to
 * Stripe; the form posts the PaymentMethod id), else the Stripe test cards (the simulator).
 * The form around it carries `data-stripe-key`.
 */
export function CardEntry(props: { p: PortalCtx; stripeKey: string | null }) {
  const { p } = props;
  return props.stripeKey ? (
    <div class="field">
      <script src="https://js.stripe.com/v3/" defer></script>
      <script src="/js/stripe-card.js" defer></script>
      <div id="card-element" class="stripe-element" />
      <input type="hidden" name="stripe_payment_method_id" />
      <div class="field-error" id="card-errors" role="alert" />
    </div>
  ) : (
    <div class="field">
      <label for="f-test-card">{p.t("portal.test_card")}</label>
      <select id="f-test-card" name="stripe_payment_method_id">
        {TEST_CARDS.map((card) => (
          <option value={card.value}>{p.t(`billing.test_card.${card.value}`)}</option>
        ))}
      </select>
    </div>
  );
}

/** A service's balances as tiles (money, data, minutes, SMS), pending credit beside; the amounts are data attributes for scripts and tests. */
export function BalanceTiles(props: { p: PortalCtx; buckets: { unit: string; amount: number; pending_amount: number }[]; currency: string }) {
  const { p } = props;
  const show = (unit: string, amount: number) => quantity(p, unit, amount, props.currency);
  return (
    <ul class="tiles">
      {props.buckets
        .filter((b) => b.amount !== 0 || b.pending_amount !== 0)
        .map((b) => (
          <li class="tile" data-unit={b.unit} data-amount={b.amount} data-pending={b.pending_amount}>
            <strong>{p.t(`unit.${b.unit}` as MessageKey)}</strong>
            <span class="big">{show(b.unit, b.amount)}</span>
            {b.pending_amount !== 0 && <span class="muted">+ {show(b.unit, b.pending_amount)}</span>}
          </li>
        ))}
    </ul>
  );
}
