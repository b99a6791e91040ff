import type { RoleView } from "../../db/queries/auth";
import { t } from "../../i18n/request-locale";
import { CsrfField, ErrorSummary, Field, type FormErrors, PageHeader, Table } from "../components";
import { Layout, type PageContext } from "../layout";
import { IdentityBadge, PermissionChecklist } from "./shared";

export function RolesPage(props: { ctx: PageContext; roles: RoleView[] }) {
  return (
    <Layout ctx={props.ctx} title={t("identity.roles")}>
      <PageHeader
        title={t("identity.roles")}
        subtitle={t("identity.roles.subtitle")}
        actions={
          <a class="button primary" href="/admin/roles/new">
            {t("identity.roles.new")}
          </a>
        }
      />
      <section class="card">
        <Table
          rows={props.roles}
          columns={[
            {
              header: t("identity.role"),
              cell: (r) => (
                <>
                  <a href={`/admin/roles/${r.id}`}>{r.name}</a> {r.built_in && <IdentityBadge value="built-in" />}
                </>
              ),
            },
            { header: t("identity.description"), cell: (r) => r.description },
            { header: t("identity.permissions"), class: "small", cell: (r) => r.permissions.length },
            { header: t("identity.roles.two_factor_required"), cell: (r) => (r.require_two_factor ? t("identity.yes") : t("identity.no")) },
          ]}
        />
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
  const title = r ? t("identity.role.title", { name: r.name }) : t("identity.roles.new");
  return (
    <Layout ctx={props.ctx} title={title} wide>
      <PageHeader title={title} back={{ href: "/admin/roles", label: t("identity.roles") }} subtitle={builtIn ? t("identity.role.built_in") : undefined} />
      <form method="post" action={r ? `/admin/roles/${r.id}` : "/admin/roles/new"} class="card form-grid" novalidate>
        <CsrfField token={props.ctx.csrfToken} />
        <ErrorSummary errors={e} message={props.message} />
        {!r && <Field name="name" label={t("identity.name")} value={props.values.name} error={e.name} required hint={t("identity.role.name_hint")} />}
        {!builtIn && <Field name="description" label={t("identity.description")} value={props.values.description} error={e.description} />}
        <div class="span-2 field">
          <label class="checkbox">
            <input type="checkbox" name="require_two_factor" value="1" checked={props.values.require_two_factor} /> {t("identity.role.require_two_factor")}
          </label>
        </div>
        <div class="span-2">
          <h2>{t("identity.permissions")}</h2>
          {e.permissions && <div class="field-error">{e.permissions}</div>}
          <PermissionChecklist name="permissions" selected={props.values.permissions} allowed={props.grantable} disabled={builtIn} />
        </div>
        <div class="span-2 form-actions">
          <button type="submit" class="button primary">
            {r ? t("identity.role.save") : t("identity.role.create")}
          </button>
        </div>
      </form>
      {r && !builtIn && (
        <form method="post" action={`/admin/roles/${r.id}/delete`} hx-confirm={t("identity.role.delete_confirm", { name: r.name })}>
          <CsrfField token={props.ctx.csrfToken} />
          <button type="submit" class="button danger">
            {t("identity.role.delete")}
          </button>
        </form>
      )}
    </Layout>
  );
}
