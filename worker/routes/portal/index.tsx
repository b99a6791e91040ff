import { type Context, Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import { customerNames } from "../../db/queries/customers";
import { amountDue, getInvoice, listInvoices } from "../../db/queries/invoices";
import { listServices } from "../../db/queries/services";
import { getSettings } from "../../db/queries/settings";
import { peekActionToken } from "../../domain/auth/action-tokens";
import { completeSecondFactor, login, MfaRequired } from "../../domain/auth/login";
import { acceptPortalInvitation, requestPortalPasswordReset, resetPortalPassword } from "../../domain/auth/portal";
import { lifetimes, revokeSession } from "../../domain/auth/sessions";
import type { SettingsData } from "../../domain/settings/schemas";
import type { AppEnv } from "../../env";
import type { Translate } from "../../i18n/catalogue";
import { invoicePdf, pdfResponse } from "../../integrations/invoice-files";
import { AppError, NotFound } from "../../lib/errors";
import { can } from "../../middleware/access";
import { authenticateCookie } from "../../middleware/authenticate";
import { csrf } from "../../middleware/csrf";
import { Alerts, CsrfField } from "../../views/components";
import { readForm, text } from "../admin/forms";
import { clientIp, kickOutbox, links, loginDeps } from "../support";
import { portalAccount } from "./account";
import { portalPages } from "./pages";
import { askForCode, CodeForm, CodePage, forgetPendingSignIn, pendingSignIn, portalSecurity } from "./security";
import { customerOf, date, LANG_COOKIE, money, type PortalCtx, PortalLayout, PortalTable, portalCtx, system } from "./shared";

function ForgotPage(props: { p: PortalCtx; notice?: string; error?: string }) {
  const { p } = props;
  return (
    <PortalLayout p={p} title={p.t("portal.forgot_title")}>
      <section class="card narrow">
        <h1>{p.t("portal.forgot_title")}</h1>
        <Alerts notice={props.notice} error={props.error} />
        {!props.notice && (
          <form method="post" action="/portal/forgot-password" class="stack">
            <CsrfField token={p.csrfToken} />
            <p>{p.t("portal.forgot_intro")}</p>
            <div class="field">
              <label for="f-email">{p.t("portal.email")}</label>
              <input id="f-email" name="email" type="email" autocomplete="username" required />
            </div>
            <button type="submit" class="button primary">
              {p.t("portal.send_link")}
            </button>
          </form>
        )}
        <p>
          <a href="/portal/login">{p.t("portal.back_to_sign_in")}</a>
        </p>
      </section>
    </PortalLayout>
  );
}

function ResetPage(props: { p: PortalCtx; token: string; error?: string; invitation?: boolean }) {
  const { p } = props;
  const title = props.invitation ? p.t("portal.welcome_title") : p.t("portal.new_password");
  return (
    <PortalLayout p={p} title={title}>
      <section class="card narrow">
        <h1>{title}</h1>
        {props.invitation && <p>{p.t("portal.welcome_intro")}</p>}
        <Alerts error={props.error} />
        <form method="post" action={props.invitation ? "/portal/invitation" : "/portal/reset-password"} class="stack">
          <CsrfField token={p.csrfToken} />
          <input type="hidden" name="token" value={props.token} />
          <div class="field">
            <label for="f-password">{p.t("portal.new_password")}</label>
            <input id="f-password" name="password" type="password" autocomplete="new-password" required minlength={12} />
          </div>
          <button type="submit" class="button primary">
            {p.t("portal.set_password")}
          </button>
        </form>
      </section>
    </PortalLayout>
  );
}

/** The portal's own session cookie: a staff session (the admin's cookie) never opens the portal. */
export const PORTAL_COOKIE = "__Host-obss_portal";

function LoginPage(props: { p: PortalCtx; email?: string; error?: string; notice?: string }) {
  const { p } = props;
  return (
    <PortalLayout p={p} title={p.t("portal.sign_in")}>
      <section class="card narrow">
        <h1>{p.t("portal.sign_in_title")}</h1>
        <Alerts notice={props.notice} error={props.error} />
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
        <p>
          <a href="/portal/forgot-password">{p.t("portal.forgot")}</a>
        </p>
      </section>
    </PortalLayout>
  );
}

/** The session cookie once signed in (password, or password then code). */
function startSession(c: Context<AppEnv>, token: string, remember: boolean, settings: SettingsData) {
  setCookie(c, PORTAL_COOKIE, token, {
    path: "/",
    httpOnly: true,
    secure: true,
    sameSite: "Lax",
    // Without "keep me signed in" the cookie ends with the browser session (server-side limits still apply).
    ...(remember ? { maxAge: Math.floor(lifetimes(settings, true).absoluteMs / 1000) } : {}),
  });
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
    const p = portalCtx(c);
    const notices = { reset: "portal.password_changed", welcome: "portal.welcome_done", email_changed: "portal.email_changed_sign_in" } as const;
    const shown = (Object.keys(notices) as (keyof typeof notices)[]).find((k) => c.req.query(k) === "1");
    const notice = shown ? p.t(notices[shown]) : c.req.query("link") === "expired" ? p.t("portal.link_expired") : undefined;
    // A cookie the server no longer honours: the session ended (idle or absolute timeout, signed out elsewhere).
    const ended = !notice && getCookie(c, PORTAL_COOKIE) ? p.t("portal.session_ended") : undefined;
    if (ended) deleteCookie(c, PORTAL_COOKIE, { path: "/", secure: true });
    return c.html(<LoginPage p={p} notice={notice ?? ended} />);
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
      startSession(c, session.token, remember, p.settings);
      return c.redirect("/portal", 303);
    } catch (error) {
      // The password was right and the account uses 2FA: the code page, holding a signed proof of this step.
      if (error instanceof MfaRequired) return askForCode(c, parsed.data.email, remember);
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
  .post("/login/2fa", can("public"), async (c) => {
    const p = portalCtx(c);
    const pending = await pendingSignIn(c);
    if (!pending) return c.html(<LoginPage p={p} error={p.t("security.login_expired")} />, 401);
    const parsed = CodeForm.safeParse({ code: text(await readForm(c), "code") ?? "" });
    if (!parsed.success) return c.html(<CodePage p={p} error={p.t("security.login_bad_code")} />, 422);
    try {
      const { session } = await completeSecondFactor(system(c), await loginDeps(c), pending, parsed.data.code, {
        kind: "web",
        remember: pending.remember,
        ip: clientIp(c),
        userAgent: c.req.header("user-agent") ?? null,
      });
      forgetPendingSignIn(c);
      startSession(c, session.token, pending.remember, p.settings);
      return c.redirect("/portal", 303);
    } catch (error) {
      if (!(error instanceof AppError) || (error.status !== 401 && error.status !== 429)) throw error;
      if (error.status === 429) {
        const seconds = (error.extra?.retry_after as number) ?? 60;
        c.header("Retry-After", String(seconds));
        return c.html(<CodePage p={p} error={p.t("portal.too_many", { seconds })} />, 429);
      }
      if (error.extra?.mfa_required) return c.html(<CodePage p={p} error={p.t("security.login_bad_code")} />, 401);
      // The account changed since the password step (2FA turned off, account disabled): from the start.
      forgetPendingSignIn(c);
      return c.html(<LoginPage p={p} error={p.t("security.login_expired")} />, 401);
    }
  })
  .get("/forgot-password", can("public"), (c) => c.html(<ForgotPage p={portalCtx(c)} />))
  .post("/forgot-password", can("public"), async (c) => {
    const email = text(await readForm(c), "email") ?? "";
    if (email) {
      await requestPortalPasswordReset(system(c), email.slice(0, 254), await links(c));
      kickOutbox(c);
    }
    const p = portalCtx(c);
    return c.html(<ForgotPage p={p} notice={p.t("portal.check_email")} />);
  })
  .get("/reset-password", can("public"), async (c) => {
    const p = portalCtx(c);
    const token = c.req.query("token") ?? "";
    const live = token ? await peekActionToken(c.get("db"), "password_reset", token, new Date().toISOString()) : null;
    if (live?.subjectType !== "customer") return c.html(<ForgotPage p={p} error={p.t("portal.link_expired")} />, 400);
    return c.html(<ResetPage p={p} token={token} />);
  })
  .post("/reset-password", can("public"), async (c) => {
    const p = portalCtx(c);
    const body = await readForm(c);
    const token = text(body, "token") ?? "";
    try {
      await resetPortalPassword(system(c), token, typeof body.password === "string" ? body.password : "", c.env.PASSWORD_PEPPER);
      return c.redirect("/portal/login?reset=1", 303);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const weak = error.errors?.find((e) => e.path === "password");
      if (weak) return c.html(<ResetPage p={p} token={token} error={weak.message} />, 422);
      return c.html(<ForgotPage p={p} error={p.t("portal.link_expired")} />, 400);
    }
  })
  .get("/invitation", can("public"), async (c) => {
    const p = portalCtx(c);
    const token = c.req.query("token") ?? "";
    const live = token ? await peekActionToken(c.get("db"), "portal_invite", token, new Date().toISOString()) : null;
    if (!live) return c.html(<LoginPage p={p} error={p.t("portal.link_expired")} />, 400);
    return c.html(<ResetPage p={p} token={token} invitation />);
  })
  .post("/invitation", can("public"), async (c) => {
    const p = portalCtx(c);
    const body = await readForm(c);
    const token = text(body, "token") ?? "";
    try {
      await acceptPortalInvitation(system(c), token, typeof body.password === "string" ? body.password : "", c.env.PASSWORD_PEPPER);
      return c.redirect("/portal/login?welcome=1", 303);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      const weak = error.errors?.find((e) => e.path === "password");
      if (weak) return c.html(<ResetPage p={p} token={token} invitation error={weak.message} />, 422);
      return c.html(<LoginPage p={p} error={error.status === 409 ? p.t("portal.already_active") : p.t("portal.link_expired")} />, 400);
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
    return c.redirect(/^\/(portal|topup)(\/[\w\-/]*)?$/.test(next) ? next : "/portal", 303);
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
                  <a href={`/portal/services/${s.id}`}>
                    <strong>{s.product_name}</strong>
                  </a>
                  <span class="muted">{s.identifiers.msisdn ?? s.identifiers.username ?? s.identifiers.ip ?? ""}</span>
                  <span class={`badge ${s.status}`}>{p.t(`status.${s.status}` as Parameters<Translate>[0])}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section class="card" id="invoices">
          <h2>{p.t("portal.invoices")}</h2>
          <PortalTable
            rows={invoices.data.filter((i) => i.status !== "draft")}
            empty={p.t("portal.no_invoices")}
            columns={[
              { header: p.t("portal.invoice"), cell: (i) => <a href={`/portal/invoices/${i.id}`}>{i.number}</a> },
              { header: p.t("portal.date"), cell: (i) => (i.issued_at ? date(p, i.issued_at) : "") },
              { header: p.t("portal.total"), num: true, cell: (i) => money(p, i.total_amount, i.currency) },
              { header: p.t("portal.status"), cell: (i) => p.t(`status.${i.status}` as Parameters<Translate>[0]) },
              { header: <span class="visually-hidden">PDF</span>, cell: (i) => <a href={`/portal/invoices/${i.id}/pdf`}>{p.t("portal.download")}</a> },
            ]}
          />
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

portal.route("/", portalPages);
portal.route("/", portalAccount);
portal.route("/", portalSecurity);
