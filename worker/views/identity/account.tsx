import { raw } from "hono/html";
import { t } from "../../i18n/request-locale";
import { Badge, CsrfField, ErrorSummary, Field, type FormErrors, PageHeader, SelectField, Table, Time } from "../components";
import { Layout, type PageContext } from "../layout";
import type { SessionRow } from "./shared";

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
    <Layout ctx={props.ctx} title="My account">
      <PageHeader title="My account" subtitle={`${props.user.name} · ${props.user.email}`} />
      {props.notice && (
        <div class="alert success" role="status">
          {props.notice}
        </div>
      )}
      <ErrorSummary errors={e} message={props.message} />
      <div class="grid-2">
        <section class="card" aria-labelledby="pw-h">
          <h2 id="pw-h">Password</h2>
          <form method="post" action="/admin/account/password" class="stack">
            <CsrfField token={props.ctx.csrfToken} />
            <Field name="current_password" label="Current password" type="password" autocomplete="current-password" error={e.current_password} required />
            <Field
              name="new_password"
              label="New password"
              type="password"
              autocomplete="new-password"
              error={e.new_password}
              required
              hint="At least 12 characters; not a common password. Your other sessions are signed out."
            />
            <button type="submit" class="button">
              Change password
            </button>
          </form>
        </section>
        <section class="card" aria-labelledby="email-h">
          <h2 id="email-h">Email address</h2>
          <form method="post" action="/admin/account/email" class="stack">
            <CsrfField token={props.ctx.csrfToken} />
            <Field
              name="new_email"
              label="New email"
              type="email"
              error={e.new_email}
              required
              hint="We send a link to the new address; nothing changes until you follow it."
            />
            <Field name="password" label="Password" type="password" autocomplete="current-password" error={e.password} required />
            <button type="submit" class="button">
              Send confirmation link
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
          <h2 id="tfa-h">Two-factor authentication</h2>
          <a class="button" href="/admin/account/2fa">
            {props.user.twoFactor ? "Manage" : "Set up"}
          </a>
        </div>
        <p>
          {props.user.twoFactor ? (
            <>
              <Badge value="enabled" /> {props.user.backupCodesLeft} unused backup code(s) left.
            </>
          ) : (
            <>
              <Badge value="disabled" /> Protect your account with an authenticator app.
            </>
          )}
        </p>
      </section>
      <section class="card" aria-labelledby="sessions-h">
        <div class="section-header">
          <h2 id="sessions-h">Where you are signed in</h2>
          <form method="post" action="/admin/account/sessions/revoke-all" hx-confirm="Sign out of every other session?">
            <CsrfField token={props.ctx.csrfToken} />
            <button type="submit" class="button danger">
              Sign out everywhere else
            </button>
          </form>
        </div>
        <Table
          rows={props.sessions}
          columns={[
            {
              header: "Device",
              cell: (s) => (
                <>
                  {s.kind === "web" ? "Browser" : "API"} <span class="muted small">{(s.userAgent ?? "").slice(0, 60)}</span>
                  {s.id === props.currentSession && <Badge value="current" />}
                </>
              ),
            },
            { header: "IP", cell: (s) => s.ip ?? "—" },
            { header: "Signed in", cell: (s) => <Time iso={s.createdAt} timeZone={tz} /> },
            { header: "Last active", cell: (s) => <Time iso={s.lastSeenAt} timeZone={tz} /> },
            {
              header: <span class="visually-hidden">Actions</span>,
              cell: (s) =>
                s.id !== props.currentSession && (
                  <form method="post" action={`/admin/account/sessions/${s.id}/revoke`} class="inline">
                    <CsrfField token={props.ctx.csrfToken} />
                    <button type="submit" class="link-button danger">
                      Sign out
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
    <Layout ctx={props.ctx} title="Two-factor authentication">
      <PageHeader title="Two-factor authentication" back={{ href: "/admin/account", label: "My account" }} />
      {props.required && !props.enabled && (
        <div class="alert" role="status">
          Your role requires two-factor authentication. Set it up to continue.
        </div>
      )}
      {props.error && (
        <div class="alert error" role="alert">
          {props.error}
        </div>
      )}
      {props.backupCodes ? (
        <section class="card">
          <h2>Your backup codes</h2>
          <p>Each code works once if you lose your phone. Store them somewhere safe now: they are not shown again.</p>
          <ul class="backup-codes" aria-label="Backup codes">
            {props.backupCodes.map((c) => (
              <li>
                <code>{c}</code>
              </li>
            ))}
          </ul>
          <a class="button primary" href="/admin/account">
            I have stored them
          </a>
        </section>
      ) : props.setup ? (
        <section class="card">
          <h2>Scan this code with your authenticator app</h2>
          <div class="qr" role="img" aria-label="QR code of the authenticator setup link">
            {raw(props.setup.qrSvg)}
          </div>
          <p class="small">
            Or enter this key by hand: <code class="secret">{props.setup.secret}</code>
          </p>
          <details>
            <summary>Setup link (otpauth URI)</summary>
            <code class="break">{props.setup.uri}</code>
          </details>
          <form method="post" action="/admin/account/2fa/enable" class="stack narrow-form">
            <CsrfField token={token} />
            <div class="field">
              <label for="code">Code shown by the app</label>
              <input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required autofocus maxlength={6} />
            </div>
            <button type="submit" class="button primary">
              Turn on two-factor authentication
            </button>
          </form>
        </section>
      ) : props.enabled ? (
        <div class="grid-2">
          <section class="card">
            <h2>New backup codes</h2>
            <form method="post" action="/admin/account/2fa/backup-codes" class="stack">
              <CsrfField token={token} />
              <div class="field">
                <label for="code-bc">Current code</label>
                <input id="code-bc" name="code" inputmode="numeric" autocomplete="one-time-code" required maxlength={6} />
              </div>
              <button type="submit" class="button">
                Replace my backup codes
              </button>
            </form>
          </section>
          <section class="card">
            <h2>Turn off</h2>
            <form method="post" action="/admin/account/2fa/disable" class="stack">
              <CsrfField token={token} />
              <div class="field">
                <label for="code-off">Current code or backup code</label>
                <input id="code-off" name="code" autocomplete="one-time-code" required maxlength={20} />
              </div>
              <button type="submit" class="button danger">
                Turn off two-factor authentication
              </button>
            </form>
          </section>
        </div>
      ) : (
        <section class="card">
          <p>Use an authenticator app (Google Authenticator, Aegis, 1Password, …) to generate a code at each sign-in.</p>
          <form method="post" action="/admin/account/2fa/setup">
            <CsrfField token={token} />
            <button type="submit" class="button primary">
              Set up two-factor authentication
            </button>
          </form>
        </section>
      )}
    </Layout>
  );
}
