import type { ApiKeyView } from "../../db/queries/auth";
import { t } from "../../i18n/request-locale";
import { CsrfField, EmptyState, ErrorSummary, Field, type FormErrors, PageHeader, Table, Time } from "../components";
import { Layout, type PageContext } from "../layout";
import { IdentityBadge, PermissionChecklist } from "./shared";

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
    <Layout ctx={props.ctx} title={t("identity.keys.title")} wide>
      <PageHeader title={t("identity.keys.title")} subtitle={t("identity.keys.subtitle")} />
      {props.created && (
        <div class="alert success" role="status">
          <strong>{t("identity.keys.created", { name: props.created.name })}</strong>
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
          empty={<EmptyState title={t("identity.keys.empty")} />}
          columns={[
            {
              header: t("identity.name"),
              cell: (k) => (
                <>
                  {k.name}
                  {k.kind === "runner" && <IdentityBadge value="runner" />}
                  {k.description && <div class="muted small">{k.description}</div>}
                </>
              ),
            },
            { header: t("identity.keys.key"), cell: (k) => <code>ocrm_{k.prefix}_…</code> },
            { header: t("identity.permissions"), class: "small", cell: (k) => k.permissions.join(", ") },
            { header: t("identity.keys.expires"), cell: (k) => <Time iso={k.expires_at} timeZone={tz} /> },
            {
              header: t("identity.keys.last_used"),
              cell: (k) => (
                <>
                  <Time iso={k.last_used_at} timeZone={tz} /> <span class="muted small">{k.last_used_ip ?? ""}</span>
                </>
              ),
            },
            {
              header: t("identity.status"),
              cell: (k) =>
                k.revoked_at ? (
                  <IdentityBadge value="revoked" />
                ) : k.expires_at && k.expires_at < new Date().toISOString() ? (
                  <IdentityBadge value="expired" />
                ) : (
                  <IdentityBadge value="active" />
                ),
            },
            {
              header: <span class="visually-hidden">{t("admin.actions")}</span>,
              class: "row-actions",
              cell: (k) =>
                !k.revoked_at && (
                  <>
                    <form
                      method="post"
                      action={`/admin/api-keys/${k.id}/regenerate`}
                      class="inline"
                      hx-confirm={t("identity.keys.regenerate_confirm", { name: k.name })}
                    >
                      <CsrfField token={token} />
                      <button type="submit" class="link-button">
                        {t("identity.keys.regenerate")}
                      </button>
                    </form>
                    <form
                      method="post"
                      action={`/admin/api-keys/${k.id}/revoke`}
                      class="inline"
                      hx-confirm={t("identity.keys.revoke_confirm", { name: k.name })}
                    >
                      <CsrfField token={token} />
                      <button type="submit" class="link-button danger">
                        {t("identity.keys.revoke")}
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
        <h2 class="span-2">{t("identity.keys.new")}</h2>
        <ErrorSummary errors={e} message={props.message} />
        <Field name="name" label={t("identity.name")} value={props.values.name} error={e.name} required />
        <Field name="expires_at" label={t("identity.keys.expires_optional")} type="date" value={props.values.expires_at?.slice(0, 10)} error={e.expires_at} />
        <div class="span-2">
          <Field name="description" label={t("identity.description")} value={props.values.description} error={e.description} />
        </div>
        <div class="span-2">
          <h3>{t("identity.permissions")}</h3>
          {e.permissions && <div class="field-error">{e.permissions}</div>}
          <PermissionChecklist name="permissions" selected={props.values.permissions} allowed={props.grantable} />
        </div>
        <div class="span-2 form-actions">
          <button type="submit" class="button primary">
            {t("identity.keys.create")}
          </button>
        </div>
      </form>
    </Layout>
  );
}
