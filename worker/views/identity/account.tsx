import { raw } from "hono/html";
import { t } from "../../i18n/request-locale";
import { CsrfField, ErrorSummary, Field, type FormErrors, PageHeader, SelectField, Table, Time } from "../components";
import { Layout, type PageContext } from "../layout";
import { IdentityBadge, type SessionRow } from "./shared";

export function AccountPage(props: {
  ctx: PageContext;
  user: { email: string; name: string; locale: "en" | "fr" | null; twoFactor: boolean; backupCodesLeft: number };
  sessions: SessionRow[];
  currentSession: string | null;
  errors?: FormErrors;
  message?: string;
  notice?: string;
}) {
  const e = props.errors ?? {};
  const tz = props.ctx.settings.default_timezone;
  return (
    <Layout ctx={props.ctx} title={t("identity.account.title")}>
      <PageHeader title={t("identity.account.title")} subtitle={`${props.user.name} · ${props.user.email}`} />
      {props.notice && (
        <div class="alert success" role="status">
          {props.notice}
        </div>
      )}
      <ErrorSummary errors={e} message={props.message} />
      <div class="grid-2">
        <section class="card" aria-labelledby="pw-h">
          <h2 id="pw-h">{t("identity.password")}</h2>
          <form method="post" action="/admin/account/password" class="stack">
            <CsrfField token={props.ctx.csrfToken} />
            <Field
              name="current_password"
              label={t("identity.account.current_password")}
              type="password"
              autocomplete="current-password"
              error={e.current_password}
              required
            />
            <Field
              name="new_password"
              label={t("identity.account.new_password")}
              type="password"
              autocomplete="new-password"
              error={e.new_password}
              required
              hint={t("identity.account.new_password_hint")}
            />
            <button type="submit" class="button">
              {t("identity.account.change_password")}
            </button>
          </form>
        </section>
        <section class="card" aria-labelledby="email-h">
          <h2 id="email-h">{t("identity.account.email_address")}</h2>
          <form method="post" action="/admin/account/email" class="stack">
            <CsrfField token={props.ctx.csrfToken} />
            <Field
              name="new_email"
              label={t("identity.account.new_email")}
              type="email"
              error={e.new_email}
              required
              hint={t("identity.account.new_email_hint")}
            />
            <Field name="password" label={t("identity.password")} type="password" autocomplete="current-password" error={e.password} required />
            <button type="submit" class="button">
              {t("identity.account.send_link")}
            </button>
          </form>
        </section>
      </div>
      <section class="card" aria-labelledby="lang-h">
        <h2 id="lang-h">{t("admin.language")}</h2>
        <p class="muted small">{t("admin.language_hint")}</p>
        <form method="post" action="/admin/account/language" class="filters">
          <CsrfField token={props.ctx.csrfToken} />
          <SelectField
            name="locale"
            label={t("admin.language")}
            value={props.user.locale ?? "browser"}
            error={e.locale}
            options={[
              { value: "browser", label: t("admin.language_browser") },
              { value: "en", label: "English" },
              { value: "fr", label: "Français" },
            ]}
          />
          <button type="submit" class="button">
            {t("admin.language_save")}
          </button>
        </form>
      </section>
      <section class="card" aria-labelledby="tfa-h">
        <div class="section-header">
          <h2 id="tfa-h">{t("identity.two_factor")}</h2>
          <a class="button" href="/admin/account/2fa">
            {props.user.twoFactor ? t("identity.account.manage") : t("identity.account.set_up")}
          </a>
        </div>
        <p>
          {props.user.twoFactor ? (
            <>
              <IdentityBadge value="enabled" /> {t("identity.account.backup_left", { count: props.user.backupCodesLeft })}
            </>
          ) : (
            <>
              <IdentityBadge value="disabled" /> {t("identity.account.protect")}
            </>
          )}
        </p>
      </section>
      <section class="card" aria-labelledby="sessions-h">
        <div class="section-header">
          <h2 id="sessions-h">{t("identity.account.sessions")}</h2>
          <form method="post" action="/admin/account/sessions/revoke-all" hx-confirm={t("identity.account.revoke_all_confirm")}>
            <CsrfField token={props.ctx.csrfToken} />
            <button type="submit" class="button danger">
              {t("identity.account.revoke_all")}
            </button>
          </form>
        </div>
        <Table
          rows={props.sessions}
          columns={[
            {
              header: t("identity.account.device"),
              cell: (s) => (
                <>
                  {s.kind === "web" ? t("identity.account.browser") : "API"} <span class="muted small">{(s.userAgent ?? "").slice(0, 60)}</span>
                  {s.id === props.currentSession && <IdentityBadge value="current" />}
                </>
              ),
            },
            { header: "IP", cell: (s) => s.ip ?? "—" },
            { header: t("identity.account.signed_in"), cell: (s) => <Time iso={s.createdAt} timeZone={tz} /> },
            { header: t("identity.account.last_active"), cell: (s) => <Time iso={s.lastSeenAt} timeZone={tz} /> },
            {
              header: <span class="visually-hidden">{t("admin.actions")}</span>,
              cell: (s) =>
                s.id !== props.currentSession && (
                  <form method="post" action={`/admin/account/sessions/${s.id}/revoke`} class="inline">
                    <CsrfField token={props.ctx.csrfToken} />
                    <button type="submit" class="link-button danger">
                      {t("identity.account.sign_out")}
                    </button>
                  </form>
                ),
            },
          ]}
        />
      </section>
    </Layout>
  );
}

export function TwoFactorPage(props: {
  ctx: PageContext;
  enabled: boolean;
  required: boolean;
  setup?: { secret: string; uri: string; qrSvg: string };
  backupCodes?: string[];
  error?: string;
}) {
  const token = props.ctx.csrfToken;
  return (
    <Layout ctx={props.ctx} title={t("identity.two_factor")}>
      <PageHeader title={t("identity.two_factor")} back={{ href: "/admin/account", label: t("identity.account.title") }} />
      {props.required && !props.enabled && (
        <div class="alert" role="status">
          {t("identity.tfa.required")}
        </div>
      )}
      {props.error && (
        <div class="alert error" role="alert">
          {props.error}
        </div>
      )}
      {props.backupCodes ? (
        <section class="card">
          <h2>{t("identity.tfa.codes_title")}</h2>
          <p>{t("identity.tfa.codes_intro")}</p>
          <ul class="backup-codes" aria-label={t("identity.tfa.codes_label")}>
            {props.backupCodes.map((c) => (
              <li>
                <code>{c}</code>
              </li>
            ))}
          </ul>
          <a class="button primary" href="/admin/account">
            {t("identity.tfa.codes_done")}
          </a>
        </section>
      ) : props.setup ? (
        <section class="card">
          <h2>{t("identity.tfa.scan")}</h2>
          <div class="qr" role="img" aria-label={t("identity.tfa.qr_label")}>
            {raw(props.setup.qrSvg)}
          </div>
          <p class="small">
            {t("identity.tfa.manual_key")} <code class="secret">{props.setup.secret}</code>
          </p>
          <details>
            <summary>{t("identity.tfa.setup_link")}</summary>
            <code class="break">{props.setup.uri}</code>
          </details>
          <form method="post" action="/admin/account/2fa/enable" class="stack narrow-form">
            <CsrfField token={token} />
            <div class="field">
              <label for="code">{t("identity.tfa.code_from_app")}</label>
              <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required autofocus maxlength={6} />
            </div>
            <button type="submit" class="button primary">
              {t("identity.tfa.turn_on")}
            </button>
          </form>
        </section>
      ) : props.enabled ? (
        <div class="grid-2">
          <section class="card">
            <h2>{t("identity.tfa.new_codes")}</h2>
            <form method="post" action="/admin/account/2fa/backup-codes" class="stack">
              <CsrfField token={token} />
              <div class="field">
                <label for="code-bc">{t("identity.tfa.current_code")}</label>
                <input id="code-bc" name="code" inputmode="numeric" autocomplete="one-time-code" required maxlength={6} />
              </div>
              <button type="submit" class="button">
                {t("identity.tfa.replace_codes")}
              </button>
            </form>
          </section>
          <section class="card">
            <h2>{t("identity.tfa.turn_off_title")}</h2>
            <form method="post" action="/admin/account/2fa/disable" class="stack">
              <CsrfField token={token} />
              <div class="field">
                <label for="code-off">{t("identity.tfa.current_or_backup")}</label>
                <input id="code-off" name="code" autocomplete="one-time-code" required maxlength={20} />
              </div>
              <button type="submit" class="button danger">
                {t("identity.tfa.turn_off")}
              </button>
            </form>
          </section>
        </div>
      ) : (
        <section class="card">
          <p>{t("identity.tfa.intro")}</p>
          <form method="post" action="/admin/account/2fa/setup">
            <CsrfField token={token} />
            <button type="submit" class="button primary">
              {t("identity.tfa.set_up")}
            </button>
          </form>
        </section>
      )}
    </Layout>
  );
}
