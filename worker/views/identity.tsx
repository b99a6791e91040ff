import { raw } from "hono/html";
import type { ApiKeyView, RoleView, UserView } from "../db/queries/auth";
import { ALL_PERMISSIONS, PERMISSIONS } from "../domain/auth/permissions";
import { Badge, CsrfField, EmptyState, ErrorSummary, Field, type FormErrors, PageHeader, Time } from "./components";
import { Layout, type PageContext } from "./layout";

type SessionRow = {
  id: string;
  kind: string;
  ip: string | null;
  userAgent: string | null;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  remember: boolean;
};

/** Permissions grouped by resource for checkbox lists. */
function groupedPermissions() {
  const groups = new Map<string, string[]>();
  for (const p of ALL_PERMISSIONS) {
    if (p === "runner:access") continue;
    const [resource] = p.split(":");
    groups.set(resource ?? p, [...(groups.get(resource ?? p) ?? []), p]);
  }
  return [...groups];
}

export function PermissionChecklist(props: { name: string; selected: readonly string[]; allowed?: ReadonlySet<string>; disabled?: boolean }) {
  return (
    <div class="permission-grid">
      {groupedPermissions().map(([resource, perms]) => (
        <fieldset class="checkbox-group">
          <legend>{resource.replace(/_/g, " ")}</legend>
          {perms.map((p) => (
            <label class="checkbox" title={PERMISSIONS[p as keyof typeof PERMISSIONS]}>
              <input
                type="checkbox"
                name={props.name}
                value={p}
                checked={props.selected.includes(p)}
                disabled={props.disabled || (props.allowed ? !props.allowed.has(p) : false)}
              />{" "}
              {p.split(":")[1]}
            </label>
          ))}
        </fieldset>
      ))}
    </div>
  );
}

export function AccountPage(props: {
  ctx: PageContext;
  user: { email: string; name: string; twoFactor: boolean; backupCodesLeft: number };
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
        <table class="table">
          <thead>
            <tr>
              <th scope="col">Device</th>
              <th scope="col">IP</th>
              <th scope="col">Signed in</th>
              <th scope="col">Last active</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {props.sessions.map((s) => (
              <tr>
                <td>
                  {s.kind === "web" ? "Browser" : "API"} <span class="muted small">{(s.userAgent ?? "").slice(0, 60)}</span>
                  {s.id === props.currentSession && <Badge value="current" />}
                </td>
                <td>{s.ip ?? "—"}</td>
                <td>
                  <Time iso={s.createdAt} timeZone={tz} />
                </td>
                <td>
                  <Time iso={s.lastSeenAt} timeZone={tz} />
                </td>
                <td>
                  {s.id !== props.currentSession && (
                    <form method="post" action={`/admin/account/sessions/${s.id}/revoke`} class="inline">
                      <CsrfField token={props.ctx.csrfToken} />
                      <button type="submit" class="link-button danger">
                        Sign out
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
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

export function UsersPage(props: { ctx: PageContext; users: UserView[]; roles: RoleView[] }) {
  const roleName = new Map(props.roles.map((r) => [r.id, r.name]));
  const tz = props.ctx.settings.default_timezone;
  return (
    <Layout ctx={props.ctx} title="Users">
      <PageHeader
        title="Users"
        subtitle="Staff accounts and their roles."
        actions={
          <a class="button primary" href="/admin/users/new">
            Invite a user
          </a>
        }
      />
      <section class="card">
        {props.users.length === 0 ? (
          <EmptyState title="No users." />
        ) : (
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Roles</th>
                <th scope="col">Status</th>
                <th scope="col">2FA</th>
                <th scope="col">Last sign-in</th>
              </tr>
            </thead>
            <tbody>
              {props.users.map((u) => (
                <tr>
                  <td>
                    <a href={`/admin/users/${u.id}`}>{u.name}</a>
                  </td>
                  <td>{u.email}</td>
                  <td>
                    {u.roles.map((r) => (
                      <Badge value={roleName.get(r) ?? r} />
                    ))}
                  </td>
                  <td>
                    <Badge value={u.status} />
                  </td>
                  <td>{u.two_factor_enabled ? "on" : "—"}</td>
                  <td>
                    <Time iso={u.last_login_at} timeZone={tz} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </Layout>
  );
}

function RoleChecklist(props: { roles: RoleView[]; selected: readonly string[]; error?: string }) {
  return (
    <fieldset class="span-2 checkbox-group">
      <legend>Roles</legend>
      {props.roles.map((r) => (
        <label class="checkbox" title={r.description ?? ""}>
          <input type="checkbox" name="roles" value={r.id} checked={props.selected.includes(r.id)} /> {r.name}
          {r.require_two_factor && <span class="muted small"> (2FA)</span>}
        </label>
      ))}
      {props.error && <div class="field-error">{props.error}</div>}
    </fieldset>
  );
}

export function UserFormPage(props: {
  ctx: PageContext;
  roles: RoleView[];
  values: { email?: string; name?: string; roles: string[] };
  errors: FormErrors;
  message?: string;
}) {
  const e = props.errors;
  return (
    <Layout ctx={props.ctx} title="Invite a user">
      <PageHeader
        title="Invite a user"
        back={{ href: "/admin/users", label: "Users" }}
        subtitle="They receive an email with a single-use link to choose their password."
      />
      <form method="post" action="/admin/users/new" class="card form-grid" novalidate>
        <CsrfField token={props.ctx.csrfToken} />
        <ErrorSummary errors={e} message={props.message} />
        <Field name="name" label="Name" value={props.values.name} error={e.name} required autofocus />
        <Field name="email" label="Email" type="email" value={props.values.email} error={e.email} required />
        <RoleChecklist roles={props.roles} selected={props.values.roles} error={e.roles} />
        <div class="span-2 form-actions">
          <button type="submit" class="button primary">
            Send invitation
          </button>
          <a class="button" href="/admin/users">
            Cancel
          </a>
        </div>
      </form>
    </Layout>
  );
}

export function UserPage(props: {
  ctx: PageContext;
  user: UserView;
  roles: RoleView[];
  errors: FormErrors;
  message?: string;
  notice?: string;
  isSelf: boolean;
}) {
  const u = props.user;
  const token = props.ctx.csrfToken;
  const action = (name: string, label: string, danger = false, confirm?: string) => (
    <form method="post" action={`/admin/users/${u.id}/action`} class="inline" hx-confirm={confirm}>
      <CsrfField token={token} />
      <input type="hidden" name="action" value={name} />
      <button type="submit" class={danger ? "button danger" : "button"}>
        {label}
      </button>
    </form>
  );
  return (
    <Layout ctx={props.ctx} title={u.name}>
      <PageHeader
        title={u.name}
        back={{ href: "/admin/users", label: "Users" }}
        subtitle={
          <>
            {u.email} · <Badge value={u.status} /> · 2FA {u.two_factor_enabled ? "on" : "off"}
          </>
        }
        actions={
          <>
            {u.status === "invited" && action("resend-invitation", "Resend invitation")}
            {u.status === "disabled"
              ? action("enable", "Enable")
              : !props.isSelf && action("disable", "Disable", true, `Disable ${u.name}? They are signed out at once.`)}
            {u.two_factor_enabled && action("reset-2fa", "Reset 2FA", true, `Remove ${u.name}'s two-factor authentication?`)}
            {action("unlock", "Unlock sign-in")}
            {action("sign-out-everywhere", "Sign out everywhere", true, `Sign ${u.name} out of every session?`)}
          </>
        }
      />
      {props.notice && (
        <div class="alert success" role="status">
          {props.notice}
        </div>
      )}
      <form method="post" action={`/admin/users/${u.id}`} class="card form-grid" novalidate>
        <CsrfField token={token} />
        <ErrorSummary errors={props.errors} message={props.message} />
        <Field name="name" label="Name" value={u.name} error={props.errors.name} required />
        <div />
        <RoleChecklist roles={props.roles} selected={u.roles} error={props.errors.roles} />
        <div class="span-2 form-actions">
          <button type="submit" class="button primary">
            Save
          </button>
        </div>
      </form>
    </Layout>
  );
}

export function RolesPage(props: { ctx: PageContext; roles: RoleView[] }) {
  return (
    <Layout ctx={props.ctx} title="Roles">
      <PageHeader
        title="Roles"
        subtitle="A user's access is the union of their roles' permissions."
        actions={
          <a class="button primary" href="/admin/roles/new">
            New role
          </a>
        }
      />
      <section class="card">
        <table class="table">
          <thead>
            <tr>
              <th scope="col">Role</th>
              <th scope="col">Description</th>
              <th scope="col">Permissions</th>
              <th scope="col">2FA required</th>
            </tr>
          </thead>
          <tbody>
            {props.roles.map((r) => (
              <tr>
                <td>
                  <a href={`/admin/roles/${r.id}`}>{r.name}</a> {r.built_in && <Badge value="built-in" />}
                </td>
                <td>{r.description}</td>
                <td class="small">{r.permissions.length}</td>
                <td>{r.require_two_factor ? "yes" : "no"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </Layout>
  );
}

export function RoleFormPage(props: {
  ctx: PageContext;
  existing: RoleView | null;
  values: { name?: string; description?: string | null; permissions: string[]; require_two_factor: boolean };
  errors: FormErrors;
  message?: string;
  grantable: ReadonlySet<string>;
}) {
  const r = props.existing;
  const builtIn = r?.built_in ?? false;
  const e = props.errors;
  const title = r ? `Role ${r.name}` : "New role";
  return (
    <Layout ctx={props.ctx} title={title} wide>
      <PageHeader
        title={title}
        back={{ href: "/admin/roles", label: "Roles" }}
        subtitle={builtIn ? "Built-in role: its permissions are fixed; you can require 2FA for it." : undefined}
      />
      <form method="post" action={r ? `/admin/roles/${r.id}` : "/admin/roles/new"} class="card form-grid" novalidate>
        <CsrfField token={props.ctx.csrfToken} />
        <ErrorSummary errors={e} message={props.message} />
        {!r && <Field name="name" label="Name" value={props.values.name} error={e.name} required hint="Lowercase, e.g. noc-operator" />}
        {!builtIn && <Field name="description" label="Description" value={props.values.description} error={e.description} />}
        <div class="span-2 field">
          <label class="checkbox">
            <input type="checkbox" name="require_two_factor" value="1" checked={props.values.require_two_factor} /> Members must use two-factor authentication
          </label>
        </div>
        <div class="span-2">
          <h2>Permissions</h2>
          {e.permissions && <div class="field-error">{e.permissions}</div>}
          <PermissionChecklist name="permissions" selected={props.values.permissions} allowed={props.grantable} disabled={builtIn} />
        </div>
        <div class="span-2 form-actions">
          <button type="submit" class="button primary">
            {r ? "Save role" : "Create role"}
          </button>
        </div>
      </form>
      {r && !builtIn && (
        <form method="post" action={`/admin/roles/${r.id}/delete`} hx-confirm={`Delete role ${r.name}?`}>
          <CsrfField token={props.ctx.csrfToken} />
          <button type="submit" class="button danger">
            Delete role
          </button>
        </form>
      )}
    </Layout>
  );
}

export function ApiKeysPage(props: {
  ctx: PageContext;
  keys: ApiKeyView[];
  values: { name?: string; description?: string | null; permissions: string[]; expires_at?: string | null };
  errors: FormErrors;
  message?: string;
  created?: { name: string; secret: string };
  grantable: ReadonlySet<string>;
}) {
  const tz = props.ctx.settings.default_timezone;
  const token = props.ctx.csrfToken;
  const e = props.errors;
  return (
    <Layout ctx={props.ctx} title="API keys" wide>
      <PageHeader title="API keys" subtitle="For integrations: send `Authorization: Bearer <key>`. A key can do at most what its creator can." />
      {props.created && (
        <div class="alert success" role="status">
          <strong>Key “{props.created.name}” — copy it now, it is not shown again:</strong>
          <p>
            <code class="break" id="new-key-secret">
              {props.created.secret}
            </code>
          </p>
        </div>
      )}
      <section class="card">
        {props.keys.length === 0 ? (
          <EmptyState title="No API keys yet." />
        ) : (
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Permissions</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {props.keys.map((k) => (
                <tr>
                  <td>
                    {k.name}
                    {k.kind === "runner" && <Badge value="runner" />}
                    {k.description && <div class="muted small">{k.description}</div>}
                  </td>
                  <td>
                    <code>ocrm_{k.prefix}_…</code>
                  </td>
                  <td class="small">{k.permissions.join(", ")}</td>
                  <td>
                    <Time iso={k.expires_at} timeZone={tz} />
                  </td>
                  <td>
                    <Time iso={k.last_used_at} timeZone={tz} /> <span class="muted small">{k.last_used_ip ?? ""}</span>
                  </td>
                  <td>
                    {k.revoked_at ? (
                      <Badge value="revoked" />
                    ) : k.expires_at && k.expires_at < new Date().toISOString() ? (
                      <Badge value="expired" />
                    ) : (
                      <Badge value="active" />
                    )}
                  </td>
                  <td class="row-actions">
                    {!k.revoked_at && (
                      <>
                        <form
                          method="post"
                          action={`/admin/api-keys/${k.id}/regenerate`}
                          class="inline"
                          hx-confirm={`Issue a new secret for ${k.name}? The current one stops working at once.`}
                        >
                          <CsrfField token={token} />
                          <button type="submit" class="link-button">
                            Regenerate
                          </button>
                        </form>
                        <form method="post" action={`/admin/api-keys/${k.id}/revoke`} class="inline" hx-confirm={`Revoke ${k.name}?`}>
                          <CsrfField token={token} />
                          <button type="submit" class="link-button danger">
                            Revoke
                          </button>
                        </form>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <form method="post" action="/admin/api-keys" class="card form-grid" novalidate>
        <CsrfField token={token} />
        <h2 class="span-2">New API key</h2>
        <ErrorSummary errors={e} message={props.message} />
        <Field name="name" label="Name" value={props.values.name} error={e.name} required />
        <Field name="expires_at" label="Expires (optional)" type="date" value={props.values.expires_at?.slice(0, 10)} error={e.expires_at} />
        <div class="span-2">
          <Field name="description" label="Description" value={props.values.description} error={e.description} />
        </div>
        <div class="span-2">
          <h3>Permissions</h3>
          {e.permissions && <div class="field-error">{e.permissions}</div>}
          <PermissionChecklist name="permissions" selected={props.values.permissions} allowed={props.grantable} />
        </div>
        <div class="span-2 form-actions">
          <button type="submit" class="button primary">
            Create key
          </button>
        </div>
      </form>
    </Layout>
  );
}

export function OutboxPage(props: {
  ctx: PageContext;
  emails: {
    id: string;
    template: string;
    toEmail: string;
    subject: string;
    status: string;
    attempts: number;
    lastError: string | null;
    createdAt: string;
    sentAt: string | null;
    nextAttemptAt: string;
  }[];
  status?: string;
  nextCursor: string | null;
  canRetry: boolean;
}) {
  const tz = props.ctx.settings.default_timezone;
  return (
    <Layout ctx={props.ctx} title="Email outbox" wide>
      <PageHeader title="Email outbox" subtitle="Every email is queued here first and sent through Mailjet with retries." />
      <nav class="tabs" aria-label="Filter by status">
        {["", "pending", "sent", "failed"].map((s) => (
          <a
            href={s ? `/admin/outbox?status=${s}` : "/admin/outbox"}
            class={(props.status ?? "") === s ? "active" : ""}
            aria-current={(props.status ?? "") === s ? "page" : undefined}
          >
            {s || "all"}
          </a>
        ))}
      </nav>
      <section class="card">
        {props.emails.length === 0 ? (
          <EmptyState title="No emails." />
        ) : (
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Queued</th>
                <th scope="col">To</th>
                <th scope="col">Subject</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {props.emails.map((m) => (
                <tr>
                  <td class="nowrap">
                    <Time iso={m.createdAt} timeZone={tz} />
                  </td>
                  <td>{m.toEmail}</td>
                  <td>
                    {m.subject}
                    <div class="muted small">{m.template}</div>
                  </td>
                  <td>
                    <Badge value={m.status} />
                  </td>
                  <td>{m.attempts}</td>
                  <td class="small">
                    {m.status === "sent" ? (
                      <Time iso={m.sentAt} timeZone={tz} />
                    ) : m.status === "pending" ? (
                      <>
                        next try <Time iso={m.nextAttemptAt} timeZone={tz} />
                      </>
                    ) : null}
                    {m.lastError && <div class="field-error">{m.lastError}</div>}
                    {m.status === "failed" && props.canRetry && (
                      <form method="post" action={`/admin/outbox/${m.id}/retry`}>
                        <CsrfField token={props.ctx.csrfToken} />
                        <button type="submit" class="link-button">
                          Retry
                        </button>
                      </form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {props.nextCursor && (
          <nav class="pager">
            <span />
            <a href={`/admin/outbox?${new URLSearchParams({ ...(props.status ? { status: props.status } : {}), cursor: props.nextCursor })}`}>Next page »</a>
          </nav>
        )}
      </section>
    </Layout>
  );
}
