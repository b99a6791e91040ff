import type { RoleView } from "../../db/queries/auth";
import { Badge, CsrfField, ErrorSummary, Field, type FormErrors, PageHeader, Table } from "../components";
import { Layout, type PageContext } from "../layout";
import { PermissionChecklist } from "./shared";

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
        <Table
          rows={props.roles}
          columns={[
            {
              header: "Role",
              cell: (r) => (
                <>
                  <a href={`/admin/roles/${r.id}`}>{r.name}</a> {r.built_in && <Badge value="built-in" />}
                </>
              ),
            },
            { header: "Description", cell: (r) => r.description },
            { header: "Permissions", class: "small", cell: (r) => r.permissions.length },
            { header: "2FA required", cell: (r) => (r.require_two_factor ? "yes" : "no") },
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
