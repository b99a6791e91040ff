import type { ApiKeyView } from "../../db/queries/auth";
import { Badge, CsrfField, EmptyState, ErrorSummary, Field, type FormErrors, PageHeader, Table, Time } from "../components";
import { Layout, type PageContext } from "../layout";
import { PermissionChecklist } from "./shared";

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
        <Table
          rows={props.keys}
          empty={<EmptyState title="No API keys yet." />}
          columns={[
            {
              header: "Name",
              cell: (k) => (
                <>
                  {k.name}
                  {k.kind === "runner" && <Badge value="runner" />}
                  {k.description && <div class="muted small">{k.description}</div>}
                </>
              ),
            },
            { header: "Key", cell: (k) => <code>ocrm_{k.prefix}_…</code> },
            { header: "Permissions", class: "small", cell: (k) => k.permissions.join(", ") },
            { header: "Expires", cell: (k) => <Time iso={k.expires_at} timeZone={tz} /> },
            {
              header: "Last used",
              cell: (k) => (
                <>
                  <Time iso={k.last_used_at} timeZone={tz} /> <span class="muted small">{k.last_used_ip ?? ""}</span>
                </>
              ),
            },
            {
              header: "Status",
              cell: (k) =>
                k.revoked_at ? (
                  <Badge value="revoked" />
                ) : k.expires_at && k.expires_at < new Date().toISOString() ? (
                  <Badge value="expired" />
                ) : (
                  <Badge value="active" />
                ),
            },
            {
              header: <span class="visually-hidden">Actions</span>,
              class: "row-actions",
              cell: (k) =>
                !k.revoked_at && (
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
                ),
            },
          ]}
        />
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
