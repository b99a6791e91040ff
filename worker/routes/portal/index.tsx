import type { Context } from "hono";
import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Child } from "hono/jsx";
import { z } from "zod";
import { customerNames } from "../../db/queries/customers";
import { amountDue, getInvoice, listInvoices } from "../../db/queries/invoices";
import { listServices } from "../../db/queries/services";
import { getSettings } from "../../db/queries/settings";
import { login } from "../../domain/auth/login";
import { lifetimes, revokeSession } from "../../domain/auth/sessions";
import { SYSTEM_ACTOR, type WriteContext } from "../../domain/context";
import type { SettingsData } from "../../domain/settings/schemas";
import type { AppEnv } from "../../env";
import { intlLocale, LOCALES, type Locale, negotiateLocale, type Translate, translator } from "../../i18n/catalogue";
import { invoicePdf, pdfResponse } from "../../integrations/invoice-files";
import { AppError, NotFound } from "../../lib/errors";
import { can } from "../../middleware/access";
import { authenticateCookie } from "../../middleware/authenticate";
import { csrf } from "../../middleware/csrf";
import { CsrfField } from "../../views/components";
import { readForm, text } from "../admin/forms";
import { clientIp, loginDeps } from "../support";

/** The portal's own session cookie: a staff session (the admin's cookie) never opens the portal. */
export const PORTAL_COOKIE = "__Host-obss_portal";
const LANG_COOKIE = "obss_lang";

type PortalCtx = { settings: SettingsData; locale: Locale; t: Translate; csrfToken: string; signedIn: boolean; path: string };

function portalCtx(c: Context<AppEnv>): PortalCtx {
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

const money = (p: PortalCtx, minor: number, currency: string) => {
  const digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return new Intl.NumberFormat(intlLocale(p.locale), { style: "currency", currency }).format(minor / 10 ** digits);
};
const date = (p: PortalCtx, iso: string) => new Intl.DateTimeFormat(intlLocale(p.locale), { dateStyle: "medium", timeZone: "UTC" }).format(new Date(iso));

/** The portal shell: mobile first, the operator's branding, navigation and the language switch. */
function PortalLayout(props: { p: PortalCtx; title: string; children: Child }) {
  const { p } = props;
  const s = p.settings;
  const nav = [["/portal", p.t("portal.nav.dashboard")]] as const;
  return (
    <html lang={p.locale} style={`--primary:${s.primary_color};--accent:${s.accent_color}`}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · ${s.operator_name}`}</title>
        <link rel="stylesheet" href="/css/app.css" />
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
          {p.signedIn && (
            <form method="post" action="/portal/logout" class="inline">
              <CsrfField token={p.csrfToken} />
              <button type="submit" class="button small">
                {p.t("portal.sign_out")}
              </button>
            </form>
          )}
        </header>
        {p.signedIn && (
          <nav class="portal-nav" aria-label={p.t("portal.title")}>
            {nav.map(([href, label]) => (
              <a href={href} aria-current={p.path === href ? "page" : undefined}>
                {label}
              </a>
            ))}
          </nav>
        )}
        <main id="main" class="portal-main">
          {props.children}
        </main>
      </body>
    </html>
  );
}

function LoginPage(props: { p: PortalCtx; email?: string; error?: string }) {
  const { p } = props;
  return (
    <PortalLayout p={p} title={p.t("portal.sign_in")}>
      <section class="card narrow">
        <h1>{p.t("portal.sign_in_title")}</h1>
        {props.error && (
          <div class="alert error" role="alert">
            {props.error}
          </div>
        )}
        <form method="post" action="/portal/login" class="stack">
          <CsrfField token={p.csrfToken} />
          <div class="field">
            <label for="f-email">{p.t("portal.email")}</label>
            <input id="f-email" name="email" type="email" autocomplete="username" required value={props.email ?? ""} autofocus />
          </div>
          <div class="field">
            <label for="f-password">{p.t("portal.password")}</label>
            <input id="f-password" name="password" type="password" autocomplete="current-password" required />
          </div>
          <label class="checkbox">
            <input type="checkbox" name="remember" value="1" /> {p.t("portal.remember")}
          </label>
          <button type="submit" class="button primary">
            {p.t("portal.sign_in")}
          </button>
        </form>
      </section>
    </PortalLayout>
  );
}

function system(c: Context<AppEnv>): WriteContext {
  return { db: c.get("db"), actor: SYSTEM_ACTOR, requestId: c.get("requestId"), now: new Date().toISOString() };
}

/** The signed-in customer, or a redirect to the sign-in page. */
function customerOf(c: Context<AppEnv>): string | null {
  const principal = c.get("principal");
  return principal?.type === "customer" && principal.customerId ? principal.customerId : null;
}

const LoginForm = z.object({ email: z.string().trim().min(1).max(254), password: z.string().min(1).max(1024) });

export const portal = new Hono<AppEnv>();

portal.use(async (c, next) => {
  c.set("settings", (await getSettings(c.get("db"))).data);
  await next();
  c.res.headers.set("Cache-Control", "no-store");
});
portal.use(authenticateCookie(PORTAL_COOKIE));
portal.use(csrf());
// The portal is for customers: any other principal is treated as signed out.
portal.use(async (c, next) => {
  if (c.get("principal")?.type !== "customer") c.set("principal", null);
  await next();
});

portal
  .get("/login", can("public"), (c) => {
    if (customerOf(c)) return c.redirect("/portal", 303);
    return c.html(<LoginPage p={portalCtx(c)} />);
  })
  .post("/login", can("public"), async (c) => {
    const body = await readForm(c);
    const p = portalCtx(c);
    const parsed = LoginForm.safeParse({ email: text(body, "email"), password: typeof body.password === "string" ? body.password : undefined });
    if (!parsed.success) return c.html(<LoginPage p={p} email={text(body, "email") ?? ""} error={p.t("portal.bad_credentials")} />, 422);
    const remember = text(body, "remember") === "1";
    try {
      const { session } = await login(system(c), await loginDeps(c), {
        ...parsed.data,
        kind: "web",
        audience: "customer",
        remember,
        ip: clientIp(c),
        userAgent: c.req.header("user-agent") ?? null,
      });
      setCookie(c, PORTAL_COOKIE, session.token, {
        path: "/",
        httpOnly: true,
        secure: true,
        sameSite: "Lax",
        // Without "keep me signed in" the cookie ends with the browser session (server-side limits still apply).
        ...(remember ? { maxAge: Math.floor(lifetimes(p.settings, true).absoluteMs / 1000) } : {}),
      });
      return c.redirect("/portal", 303);
    } catch (error) {
      if (error instanceof AppError && error.status === 429) {
        const seconds = (error.extra?.retry_after as number) ?? 60;
        c.header("Retry-After", String(seconds));
        return c.html(<LoginPage p={p} email={parsed.data.email} error={p.t("portal.too_many", { seconds })} />, 429);
      }
      if (error instanceof AppError && error.status === 401)
        return c.html(<LoginPage p={p} email={parsed.data.email} error={p.t("portal.bad_credentials")} />, 401);
      throw error;
    }
  })
  .post("/logout", can("public"), async (c) => {
    const principal = c.get("principal");
    if (principal?.sessionId) await revokeSession(system(c), principal.sessionId);
    deleteCookie(c, PORTAL_COOKIE, { path: "/", secure: true });
    return c.redirect("/portal/login", 303);
  })
  .get("/lang/:locale", can("public"), (c) => {
    const locale = c.req.param("locale");
    const next = c.req.query("next") ?? "/portal";
    if (locale === "en" || locale === "fr") setCookie(c, LANG_COOKIE, locale, { path: "/", secure: true, sameSite: "Lax", maxAge: 365 * 86_400 });
    return c.redirect(/^\/portal(\/[\w\-/]*)?$/.test(next) ? next : "/portal", 303);
  })
  .get("/", can("public"), async (c) => {
    const customerId = customerOf(c);
    if (!customerId) return c.redirect("/portal/login", 303);
    const p = portalCtx(c);
    const db = c.get("db");
    const [names, services, invoices, due] = await Promise.all([
      customerNames(db, [customerId]),
      listServices(db, { customerId, limit: 50 }),
      listInvoices(db, { customerId, kind: "invoice", limit: 12 }),
      amountDue(db, customerId),
    ]);
    const owed = due.filter((d) => d.amount > 0);
    return c.html(
      <PortalLayout p={p} title={p.t("portal.nav.dashboard")}>
        <h1>{p.t("portal.hello", { name: names.get(customerId) ?? "" })}</h1>
        <section class="card" id="due">
          <h2>{p.t("portal.amount_due")}</h2>
          {owed.length === 0 ? (
            <p>{p.t("portal.nothing_due")}</p>
          ) : (
            owed.map((d) => (
              <p class="big">
                <strong>{money(p, d.amount, d.currency)}</strong>
              </p>
            ))
          )}
        </section>
        <section class="card" id="services">
          <h2>{p.t("portal.services")}</h2>
          {services.data.length === 0 ? (
            <p>{p.t("portal.no_services")}</p>
          ) : (
            <ul class="tiles">
              {services.data.map((s) => (
                <li class="tile">
                  <strong>{s.product_name}</strong>
                  <span class="muted">{s.identifiers.msisdn ?? s.identifiers.username ?? s.identifiers.ip ?? ""}</span>
                  <span class={`badge ${s.status}`}>{p.t(`status.${s.status}` as Parameters<Translate>[0])}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section class="card" id="invoices">
          <h2>{p.t("portal.invoices")}</h2>
          {invoices.data.filter((i) => i.status !== "draft").length === 0 ? (
            <p>{p.t("portal.no_invoices")}</p>
          ) : (
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{p.t("portal.invoice")}</th>
                    <th scope="col">{p.t("portal.date")}</th>
                    <th scope="col" class="num">
                      {p.t("portal.total")}
                    </th>
                    <th scope="col">{p.t("portal.status")}</th>
                    <th scope="col">
                      <span class="visually-hidden">PDF</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {invoices.data
                    .filter((i) => i.status !== "draft")
                    .map((i) => (
                      <tr>
                        <td>{i.number}</td>
                        <td>{i.issued_at ? date(p, i.issued_at) : ""}</td>
                        <td class="num">{money(p, i.total_amount, i.currency)}</td>
                        <td>{p.t(`status.${i.status}` as Parameters<Translate>[0])}</td>
                        <td>
                          <a href={`/portal/invoices/${i.id}/pdf`}>{p.t("portal.download")}</a>
                        </td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      </PortalLayout>,
    );
  })
  .get("/invoices/:id/pdf", can("public"), async (c) => {
    const customerId = customerOf(c);
    if (!customerId) return c.redirect("/portal/login", 303);
    const invoice = await getInvoice(c.get("db"), c.req.param("id"));
    // Another customer's invoice is as absent as one that does not exist.
    if (!invoice || invoice.customer_id !== customerId || invoice.status === "draft") throw new NotFound("No invoice with this id.");
    return pdfResponse(await invoicePdf(c.env.INVOICE_FILES, c.get("db"), c.get("settings") as SettingsData, invoice.id));
  });
