import { type Context, Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Child } from "hono/jsx";
import { z } from "zod";
import { findUserByEmail } from "../../db/queries/auth";
import { peekActionToken } from "../../domain/auth/action-tokens";
import { completeSecondFactor, login, MfaRequired } from "../../domain/auth/login";
import { readPendingSignIn, SECOND_STEP_WINDOW_MS, signPendingSignIn } from "../../domain/auth/second-step";
import { lifetimes, revokeSession } from "../../domain/auth/sessions";
import { acceptInvitation, confirmEmailChange, requestPasswordReset, resetPassword } from "../../domain/auth/users";
import { SYSTEM_ACTOR, type WriteContext } from "../../domain/context";
import type { SettingsData } from "../../domain/settings/schemas";
import type { AppEnv } from "../../env";
import { t } from "../../i18n/request-locale";
import { AppError } from "../../lib/errors";
import { can, writeContext } from "../../middleware/access";
import { SESSION_COOKIE } from "../../middleware/authenticate";
import { BarePage } from "../../views/layout";
import { clientIp, kickOutbox, links, loginDeps, requestSettings } from "../support";
import { readForm, text } from "./forms";

const MFA_COOKIE = "__Host-obss_mfa";

/** Only same-site paths under /admin are valid post-login destinations (no open redirect). */
function safeNext(next: string | undefined | null): string {
  return next && /^\/admin(\/[^\s]*)?$/.test(next) && !next.startsWith("//") ? next : "/admin";
}

function system(c: Context<AppEnv>): WriteContext {
  return { db: c.get("db"), actor: SYSTEM_ACTOR, requestId: c.get("requestId"), now: new Date().toISOString() };
}

function Card(props: { settings: SettingsData; title: string; children?: Child; error?: string; notice?: string }) {
  return (
    <BarePage settings={props.settings} title={props.title}>
      <main class="card narrow">
        <h1>{props.title}</h1>
        {props.error && (
          <div class="alert error" role="alert">
            {props.error}
          </div>
        )}
        {props.notice && (
          <div class="alert success" role="status">
            {props.notice}
          </div>
        )}
        {props.children}
      </main>
    </BarePage>
  );
}

function LoginPage(props: { settings: SettingsData; next: string; email?: string; error?: string; notice?: string }) {
  return (
    <Card settings={props.settings} title={t("auth.sign_in_to", { operator: props.settings.operator_name })} error={props.error} notice={props.notice}>
      <form method="post" action="/admin/login" class="stack">
        <input type="hidden" name="next" value={props.next} />
        <div class="field">
          <label for="email">{t("auth.email")}</label>
          <input id="email" name="email" type="email" autocomplete="username" required autofocus value={props.email ?? ""} />
        </div>
        <div class="field">
          <label for="password">{t("auth.password")}</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
        </div>
        <label class="checkbox">
          <input type="checkbox" name="remember" value="1" /> {t("auth.remember", { days: props.settings.remember_me_days })}
        </label>
        <button type="submit" class="button primary">
          {t("auth.sign_in")}
        </button>
        <a href="/admin/forgot-password" class="small">
          {t("auth.forgot")}
        </a>
      </form>
    </Card>
  );
}

function CodePage(props: { settings: SettingsData; next: string; error?: string }) {
  return (
    <Card settings={props.settings} title={t("auth.two_factor")} error={props.error}>
      <form method="post" action="/admin/login/2fa" class="stack">
        <input type="hidden" name="next" value={props.next} />
        <div class="field">
          <label for="code">{t("auth.code_label")}</label>
          <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required autofocus maxlength={20} />
          <div class="hint">{t("auth.code_hint")}</div>
        </div>
        <button type="submit" class="button primary">
          {t("auth.verify")}
        </button>
        <a href="/admin/login" class="small">
          {t("auth.start_again")}
        </a>
      </form>
    </Card>
  );
}

function PasswordForm(props: { settings: SettingsData; title: string; action: string; token: string; intro: string; error?: string; fieldError?: string }) {
  return (
    <Card settings={props.settings} title={props.title} error={props.error}>
      <p>{props.intro}</p>
      <form method="post" action={props.action} class="stack">
        <input type="hidden" name="token" value={props.token} />
        <div class={props.fieldError ? "field invalid" : "field"}>
          <label for="password">{t("auth.new_password")}</label>
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="new-password"
            required
            minlength={12}
            autofocus
            aria-invalid={props.fieldError ? "true" : undefined}
          />
          <div class="hint">{t("auth.password_hint")}</div>
          {props.fieldError && <div class="field-error">{props.fieldError}</div>}
        </div>
        <button type="submit" class="button primary">
          {t("auth.save_password")}
        </button>
      </form>
    </Card>
  );
}

function sessionCookie(c: Context<AppEnv>, token: string, settings: SettingsData, remember: boolean) {
  setCookie(c, SESSION_COOKIE, token, {
    path: "/",
    httpOnly: true,
    secure: true,
    sameSite: "Lax",
    // Without "remember me" the cookie ends with the browser session (the server-side limits still apply).
    ...(remember ? { maxAge: Math.floor(lifetimes(settings, true).absoluteMs / 1000) } : {}),
  });
}

type PasswordLink = {
  path: string;
  purpose: "password_reset" | "invite";
  title: (settings: SettingsData) => string;
  intro: () => string;
  expired: () => { title: string; message: string; link?: { href: string; label: string } };
  run: (ctx: WriteContext, token: string, password: string, pepper: string) => Promise<unknown>;
  done: string;
};

/** A single-use link page that sets a password (invitation, reset): the form, and its submission. */
function passwordLinkPages(config: PasswordLink) {
  const form = (settings: SettingsData, token: string, error?: AppError) => (
    <PasswordForm
      settings={settings}
      title={config.title(settings)}
      action={`/admin${config.path}`}
      token={token}
      intro={config.intro()}
      error={error?.message}
      fieldError={error?.errors?.[0]?.message}
    />
  );
  return new Hono<AppEnv>()
    .get(config.path, can("public"), async (c) => {
      const token = c.req.query("token") ?? "";
      const settings = await requestSettings(c);
      const live = token ? await peekActionToken(c.get("db"), config.purpose, token, new Date().toISOString()) : null;
      if (!live) {
        const expired = config.expired();
        return c.html(
          <Card settings={settings} title={expired.title} error={expired.message}>
            {expired.link && <a href={expired.link.href}>{expired.link.label}</a>}
          </Card>,
          400,
        );
      }
      return c.html(form(settings, token));
    })
    .post(config.path, can("public"), async (c) => {
      const body = await readForm(c);
      const token = text(body, "token") ?? "";
      try {
        await config.run(system(c), token, typeof body.password === "string" ? body.password : "", c.env.PASSWORD_PEPPER);
        return c.redirect(config.done, 303);
      } catch (error) {
        if (error instanceof AppError && error.status < 500) return c.html(form(await requestSettings(c), token, error), error.status === 400 ? 400 : 422);
        throw error;
      }
    });
}

const resetPasswordPages = passwordLinkPages({
  path: "/reset-password",
  purpose: "password_reset",
  title: () => t("auth.choose_password"),
  intro: () => t("auth.reset_intro"),
  expired: () => ({
    title: t("auth.link_expired"),
    message: t("auth.link_invalid"),
    link: { href: "/admin/forgot-password", label: t("auth.ask_new_link") },
  }),
  run: resetPassword,
  done: "/admin/login?reset=1",
});

const invitationPages = passwordLinkPages({
  path: "/invitation",
  purpose: "invite",
  title: (settings) => t("auth.welcome_to", { operator: settings.operator_name }),
  intro: () => t("auth.invite_intro"),
  expired: () => ({ title: t("auth.invite_expired"), message: t("auth.invite_invalid") }),
  run: acceptInvitation,
  done: "/admin/login?welcome=1",
});

const LoginForm = z.object({ email: z.string().trim().min(1).max(254), password: z.string().min(1).max(1024) });

export const authPages = new Hono<AppEnv>()
  .get("/login", can("public"), async (c) => {
    if (c.get("principal")) return c.redirect(safeNext(c.req.query("next")), 303);
    const notice = c.req.query("reset") === "1" ? t("auth.password_changed") : c.req.query("welcome") === "1" ? t("auth.account_ready") : undefined;
    return c.html(<LoginPage settings={await requestSettings(c)} next={safeNext(c.req.query("next"))} notice={notice} />);
  })
  .post("/login", can("public"), async (c) => {
    const body = await readForm(c);
    const settings = await requestSettings(c);
    const next = safeNext(text(body, "next"));
    const remember = text(body, "remember") === "1";
    const parsed = LoginForm.safeParse({ email: text(body, "email"), password: typeof body.password === "string" ? body.password : undefined });
    if (!parsed.success)
      return c.html(<LoginPage settings={settings} next={next} email={text(body, "email") ?? ""} error={t("auth.enter_email_password")} />, 422);
    try {
      const { session } = await login(system(c), await loginDeps(c), {
        ...parsed.data,
        kind: "web",
        audience: "staff",
        remember,
        ip: clientIp(c),
        userAgent: c.req.header("user-agent") ?? null,
      });
      sessionCookie(c, session.token, settings, remember);
      return c.redirect(next, 303);
    } catch (error) {
      if (error instanceof MfaRequired) {
        const user = await findUserByEmail(c.get("db"), parsed.data.email);
        if (user) {
          setCookie(c, MFA_COOKIE, await signPendingSignIn(c.env.AUTH_SECRET, { type: "user", id: user.id, remember }), {
            path: "/",
            httpOnly: true,
            secure: true,
            sameSite: "Strict",
            maxAge: SECOND_STEP_WINDOW_MS / 1000,
          });
          return c.html(<CodePage settings={settings} next={next} />);
        }
      }
      if (error instanceof AppError && (error.status === 401 || error.status === 429)) {
        if (error.status === 429) c.header("Retry-After", String((error.extra?.retry_after as number) ?? 60));
        return c.html(<LoginPage settings={settings} next={next} email={parsed.data.email} error={error.message} />, error.status);
      }
      throw error;
    }
  })
  .post("/login/2fa", can("public"), async (c) => {
    const body = await readForm(c);
    const settings = await requestSettings(c);
    const next = safeNext(text(body, "next"));
    const pending = await readPendingSignIn(c.env.AUTH_SECRET, "user", getCookie(c, MFA_COOKIE));
    if (!pending) return c.html(<LoginPage settings={settings} next={next} error={t("auth.too_slow")} />, 401);
    try {
      const { session } = await completeSecondFactor(system(c), await loginDeps(c), pending, text(body, "code") ?? "", {
        kind: "web",
        remember: pending.remember,
        ip: clientIp(c),
        userAgent: c.req.header("user-agent") ?? null,
      });
      deleteCookie(c, MFA_COOKIE, { path: "/", secure: true });
      sessionCookie(c, session.token, settings, pending.remember);
      return c.redirect(next, 303);
    } catch (error) {
      if (error instanceof AppError && (error.status === 401 || error.status === 429)) {
        if (error.status === 429) c.header("Retry-After", String((error.extra?.retry_after as number) ?? 60));
        return c.html(<CodePage settings={settings} next={next} error={error.message} />, error.status);
      }
      throw error;
    }
  })
  .post("/logout", can("authenticated"), async (c) => {
    const principal = c.get("principal");
    if (principal?.sessionId) await revokeSession(writeContext(c), principal.sessionId);
    deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
    return c.redirect("/admin/login", 303);
  })
  .get("/forgot-password", can("public"), async (c) =>
    c.html(
      <Card settings={await requestSettings(c)} title={t("auth.forgot")}>
        <form method="post" action="/admin/forgot-password" class="stack">
          <div class="field">
            <label for="email">{t("auth.your_email")}</label>
            <input id="email" name="email" type="email" autocomplete="username" required autofocus />
          </div>
          <button type="submit" class="button primary">
            {t("auth.email_reset_link")}
          </button>
          <a href="/admin/login" class="small">
            {t("auth.back_to_sign_in")}
          </a>
        </form>
      </Card>,
    ),
  )
  .post("/forgot-password", can("public"), async (c) => {
    const email = text(await readForm(c), "email") ?? "";
    if (email) {
      await requestPasswordReset(system(c), email.slice(0, 254), await links(c));
      kickOutbox(c);
    }
    return c.html(
      <Card settings={await requestSettings(c)} title={t("auth.check_email")} notice={t("auth.reset_sent")}>
        <a href="/admin/login">{t("auth.back_to_sign_in")}</a>
      </Card>,
    );
  })
  .get("/verify-email", can("public"), async (c) => {
    const token = c.req.query("token") ?? "";
    const settings = await requestSettings(c);
    const live = token ? await peekActionToken(c.get("db"), "verify_email", token, new Date().toISOString()) : null;
    if (!live) return c.html(<Card settings={settings} title={t("auth.link_expired")} error={t("auth.link_invalid")} />, 400);
    return c.html(
      <Card settings={settings} title={t("auth.confirm_address")}>
        <p>{t("auth.use_address", { email: String(live.data.email) })}</p>
        <form method="post" action="/admin/verify-email">
          <input type="hidden" name="token" value={token} />
          <button type="submit" class="button primary">
            {t("auth.confirm")}
          </button>
        </form>
      </Card>,
    );
  })
  .post("/verify-email", can("public"), async (c) => {
    const token = text(await readForm(c), "token") ?? "";
    const settings = await requestSettings(c);
    try {
      const email = await confirmEmailChange(system(c), token);
      return c.html(
        <Card settings={settings} title={t("auth.address_confirmed")} notice={t("auth.now_sign_in_with", { email })}>
          <a href="/admin">{t("auth.continue")}</a>
        </Card>,
      );
    } catch (error) {
      if (error instanceof AppError && error.status < 500)
        return c.html(<Card settings={settings} title={t("auth.link_expired")} error={error.message} />, 400);
      throw error;
    }
  });

authPages.route("/", resetPasswordPages);
authPages.route("/", invitationPages);
