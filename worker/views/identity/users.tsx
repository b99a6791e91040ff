import type { RoleView, UserView } from "../../db/queries/auth";
import { Badge, CsrfField, EmptyState, ErrorSummary, Field, type FormErrors, PageHeader, Table, Time } from "../components";
import { Layout, type PageContext } from "../layout";

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
        <Table
          rows={props.users}
          empty={<EmptyState title="No users." />}
          columns={[
            { header: "Name", cell: (u) => <a href={`/admin/users/${u.id}`}>{u.name}</a> },
            { header: "Email", cell: (u) => u.email },
            { header: "Roles", cell: (u) => u.roles.map((r) => <Badge value={roleName.get(r) ?? r} />) },
            { header: "Status", cell: (u) => <Badge value={u.status} /> },
            { header: "2FA", cell: (u) => (u.two_factor_enabled ? "on" : "—") },
            { header: "Last sign-in", cell: (u) => <Time iso={u.last_login_at} timeZone={tz} /> },
          ]}
        />
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
