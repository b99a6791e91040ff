import type { RoleView, UserView } from "../../db/queries/auth";
import { t } from "../../i18n/request-locale";
import { Badge, CsrfField, EmptyState, ErrorSummary, Field, type FormErrors, PageHeader, Table, Time } from "../components";
import { Layout, type PageContext } from "../layout";
import { IdentityBadge } from "./shared";

export function UsersPage(props: { ctx: PageContext; users: UserView[]; roles: RoleView[] }) {
  const roleName = new Map(props.roles.map((r) => [r.id, r.name]));
  const tz = props.ctx.settings.default_timezone;
  return (
    <Layout ctx={props.ctx} title={t("identity.users.title")}>
      <PageHeader
        title={t("identity.users.title")}
        subtitle={t("identity.users.subtitle")}
        actions={
          <a class="button primary" href="/admin/users/new">
            {t("identity.users.invite")}
          </a>
        }
      />
      <section class="card">
        <Table
          rows={props.users}
          empty={<EmptyState title={t("identity.users.empty")} />}
          columns={[
            { header: t("identity.name"), cell: (u) => <a href={`/admin/users/${u.id}`}>{u.name}</a> },
            { header: t("identity.email"), cell: (u) => u.email },
            { header: t("identity.roles"), cell: (u) => u.roles.map((r) => <Badge value={roleName.get(r) ?? r} />) },
            { header: t("identity.status"), cell: (u) => <IdentityBadge value={u.status} /> },
            { header: t("identity.two_factor_short"), cell: (u) => (u.two_factor_enabled ? t("identity.on") : "—") },
            { header: t("identity.users.last_sign_in"), cell: (u) => <Time iso={u.last_login_at} timeZone={tz} /> },
          ]}
        />
      </section>
    </Layout>
  );
}

function RoleChecklist(props: { roles: RoleView[]; selected: readonly string[]; error?: string }) {
  return (
    <fieldset class="span-2 checkbox-group">
      <legend>{t("identity.roles")}</legend>
      {props.roles.map((r) => (
        <label class="checkbox" title={r.description ?? ""}>
          <input type="checkbox" name="roles" value={r.id} checked={props.selected.includes(r.id)} /> {r.name}
          {r.require_two_factor && <span class="muted small"> ({t("identity.two_factor_short")})</span>}
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
  const title = t("identity.users.invite");
  return (
    <Layout ctx={props.ctx} title={title}>
      <PageHeader title={title} back={{ href: "/admin/users", label: t("identity.users.title") }} subtitle={t("identity.users.invite_subtitle")} />
      <form method="post" action="/admin/users/new" class="card form-grid" novalidate>
        <CsrfField token={props.ctx.csrfToken} />
        <ErrorSummary errors={e} message={props.message} />
        <Field name="name" label={t("identity.name")} value={props.values.name} error={e.name} required autofocus />
        <Field name="email" label={t("identity.email")} type="email" value={props.values.email} error={e.email} required />
        <RoleChecklist roles={props.roles} selected={props.values.roles} error={e.roles} />
        <div class="span-2 form-actions">
          <button type="submit" class="button primary">
            {t("identity.users.send_invitation")}
          </button>
          <a class="button" href="/admin/users">
            {t("identity.cancel")}
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
        back={{ href: "/admin/users", label: t("identity.users.title") }}
        subtitle={
          <>
            {u.email} · <IdentityBadge value={u.status} /> · {t("identity.two_factor_short")} {u.two_factor_enabled ? t("identity.on") : t("identity.off")}
          </>
        }
        actions={
          <>
            {u.status === "invited" && action("resend-invitation", t("identity.user.resend_invitation"))}
            {u.status === "disabled"
              ? action("enable", t("identity.user.enable"))
              : !props.isSelf && action("disable", t("identity.user.disable"), true, t("identity.user.disable_confirm", { name: u.name }))}
            {u.two_factor_enabled && action("reset-2fa", t("identity.user.reset_2fa"), true, t("identity.user.reset_2fa_confirm", { name: u.name }))}
            {action("unlock", t("identity.user.unlock"))}
            {action("sign-out-everywhere", t("identity.user.sign_out_everywhere"), true, t("identity.user.sign_out_everywhere_confirm", { name: u.name }))}
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
        <Field name="name" label={t("identity.name")} value={u.name} error={props.errors.name} required />
        <div />
        <RoleChecklist roles={props.roles} selected={u.roles} error={props.errors.roles} />
        <div class="span-2 form-actions">
          <button type="submit" class="button primary">
            {t("identity.save")}
          </button>
        </div>
      </form>
    </Layout>
  );
}
