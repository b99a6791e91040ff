import { type Context, Hono } from "hono";
import { getAttributeDefinition, listAttributeDefinitions } from "../../db/queries/attributes";
import { getSettings } from "../../db/queries/settings";
import { defineAttribute, deleteAttribute, updateAttribute } from "../../domain/attributes/definitions";
import { ATTRIBUTE_TYPES, AttributeDefinitionCreate, AttributeDefinitionPatch } from "../../domain/attributes/schemas";
import { type SettingsData, SettingsPatch } from "../../domain/settings/schemas";
import { updateSettings } from "../../domain/settings/update-settings";
import type { AppEnv } from "../../env";
import { t } from "../../i18n/request-locale";
import { integrationStatuses } from "../../integrations/status";
import { NotFound } from "../../lib/errors";
import { allowed, can, writeContext } from "../../middleware/access";
import {
  Badge,
  CsrfField,
  EmptyState,
  ErrorSummary,
  editDeleteColumn,
  Field,
  type FormErrors,
  PageHeader,
  SelectField,
  Table,
  TextArea,
} from "../../views/components";
import type { Definition } from "../../views/customers/shared";
import { Layout, type PageContext } from "../../views/layout";
import { pageContext, redirectWithNotice } from "./context";
import { attempt, readForm, text, validate } from "./forms";

type SettingsValues = Partial<Record<keyof SettingsData, string | number | null>>;

function SettingsPage(props: {
  ctx: PageContext;
  values: SettingsValues;
  errors: FormErrors;
  message?: string;
  saved?: boolean;
  canManage: boolean;
  integrations: ReturnType<typeof integrationStatuses>;
}) {
  const v = props.values;
  const e = props.errors;
  return (
    <Layout ctx={props.ctx} title={t("settings.title")}>
      <PageHeader
        title={t("settings.title")}
        actions={
          <a class="button" href="/admin/settings/attributes">
            {t("settings.custom_attributes")}
          </a>
        }
      />
      {props.saved && (
        <div class="alert success" role="status">
          {t("settings.saved")}
        </div>
      )}
      <form method="post" action="/admin/settings" class="card form-grid" novalidate>
        <CsrfField token={props.ctx.csrfToken} />
        <ErrorSummary errors={e} message={props.message} />
        <h2 class="span-2">{t("settings.operator")}</h2>
        <Field name="operator_name" label={t("settings.operator_name")} value={v.operator_name} error={e.operator_name} required />
        <Field name="legal_name" label={t("settings.legal_name")} value={v.legal_name} error={e.legal_name} />
        <Field name="registration_number" label={t("settings.registration_number")} value={v.registration_number} error={e.registration_number} />
        <Field name="vat_number" label={t("settings.vat_number")} value={v.vat_number} error={e.vat_number} />
        <div class="span-2">
          <TextArea name="legal_address" label={t("settings.legal_address")} value={v.legal_address} error={e.legal_address} />
        </div>
        <Field name="support_email" label={t("settings.support_email")} type="email" value={v.support_email} error={e.support_email} />
        <Field name="support_phone" label={t("settings.support_phone")} value={v.support_phone} error={e.support_phone} />
        <Field name="website" label={t("settings.website")} value={v.website} error={e.website} />
        <div />
        <h2 class="span-2">{t("settings.branding")}</h2>
        <div class="span-2">
          <TextArea name="logo" label={t("settings.logo")} value={v.logo} error={e.logo} rows={2} hint={t("settings.logo_hint")} />
        </div>
        <Field name="primary_color" label={t("settings.primary_color")} type="color" value={v.primary_color} error={e.primary_color} />
        <Field name="accent_color" label={t("settings.accent_color")} type="color" value={v.accent_color} error={e.accent_color} />
        <h2 class="span-2">{t("settings.defaults")}</h2>
        <Field name="default_currency" label={t("settings.currency")} value={v.default_currency} error={e.default_currency} required />
        <Field name="default_locale" label={t("settings.locale")} value={v.default_locale} error={e.default_locale} required />
        <Field
          name="default_timezone"
          label={t("settings.timezone")}
          value={v.default_timezone}
          error={e.default_timezone}
          required
          hint={t("settings.timezone_hint")}
        />
        <div />
        <h2 class="span-2">{t("settings.security")}</h2>
        <Field
          name="session_idle_minutes"
          label={t("settings.session_idle")}
          type="number"
          value={v.session_idle_minutes}
          error={e.session_idle_minutes}
          required
        />
        <Field
          name="session_absolute_hours"
          label={t("settings.session_absolute")}
          type="number"
          value={v.session_absolute_hours}
          error={e.session_absolute_hours}
          required
        />
        <Field
          name="remember_me_days"
          label={t("settings.remember_me")}
          type="number"
          value={v.remember_me_days}
          error={e.remember_me_days}
          required
          hint={t("settings.remember_me_hint")}
        />
        <div class="field">
          <span class="hint">
            {t("settings.two_factor_hint")} <a href="/admin/roles">{t("settings.roles")}</a>.
          </span>
        </div>
        <h2 class="span-2">{t("settings.inventory")}</h2>
        <SelectField
          name="sim_on_termination"
          label={t("settings.sim_on_termination")}
          value={String(v.sim_on_termination ?? "retire")}
          error={e.sim_on_termination}
          options={[
            { value: "retire", label: t("settings.sim_retire") },
            { value: "restock", label: t("settings.sim_restock") },
          ]}
        />
        <Field
          name="number_quarantine_days"
          label={t("settings.quarantine_days")}
          type="number"
          value={v.number_quarantine_days}
          error={e.number_quarantine_days}
          hint={t("settings.quarantine_days_hint")}
        />
        <h2 class="span-2">{t("settings.dunning")}</h2>
        <Field
          name="dunning_retry_days"
          label={t("settings.dunning_retry")}
          value={v.dunning_retry_days}
          error={e.dunning_retry_days ?? Object.entries(e).find(([k]) => k.startsWith("dunning_retry_days."))?.[1]}
          hint={t("settings.dunning_retry_hint")}
        />
        <Field
          name="dunning_suspend_after_days"
          label={t("settings.dunning_suspend")}
          type="number"
          value={v.dunning_suspend_after_days}
          error={e.dunning_suspend_after_days}
          hint={t("settings.dunning_suspend_hint")}
        />
        <h2 class="span-2">{t("settings.broadcast")}</h2>
        <div class="span-2">
          <TextArea
            name="broadcast_plmns"
            label={t("settings.plmns")}
            value={v.broadcast_plmns}
            error={e.broadcast_plmns ?? Object.entries(e).find(([k]) => k.startsWith("broadcast_plmns."))?.[1]}
            hint={t("settings.plmns_hint")}
          />
        </div>
        <h2 class="span-2">{t("settings.notifications")}</h2>
        <div class="span-2">
          <TextArea
            name="notification_emails"
            label={t("settings.notification_list")}
            value={v.notification_emails}
            error={e.notification_emails ?? Object.entries(e).find(([k]) => k.startsWith("notification_emails."))?.[1]}
            hint={t("settings.notification_list_hint")}
          />
        </div>
        {props.canManage && (
          <div class="span-2 form-actions">
            <button type="submit" class="button primary">
              {t("settings.save")}
            </button>
          </div>
        )}
      </form>
      <section class="card">
        <h2>{t("settings.integrations")}</h2>
        <Table
          rows={props.integrations}
          columns={[
            { header: t("settings.service"), cell: (i) => i.name },
            { header: t("settings.status"), cell: (i) => <Badge value={i.mode} label={t(`settings.integration.mode.${i.mode}`)} /> },
            { header: t("settings.endpoint"), cell: (i) => <code>{i.endpoint ?? "—"}</code> },
            { header: t("settings.detail"), cell: (i) => i.detail },
          ]}
        />
      </section>
    </Layout>
  );
}

function toValues(s: SettingsData): SettingsValues {
  return {
    ...s,
    notification_emails: s.notification_emails.join("\n"),
    dunning_retry_days: s.dunning_retry_days.join(", "),
    broadcast_plmns: s.broadcast_plmns.map((n) => `${n.mcc}-${n.mnc} ${n.name}`).join("\n"),
  };
}

type AttrValues = {
  key?: string | null;
  label?: string | null;
  type?: string | null;
  options?: string | null;
  required?: boolean;
  description?: string | null;
};

function AttributeForm(props: { ctx: PageContext; action: string; values: AttrValues; errors: FormErrors; editing: boolean; message?: string }) {
  const v = props.values;
  const e = props.errors;
  return (
    <form method="post" action={props.action} class="card form-grid" novalidate>
      <CsrfField token={props.ctx.csrfToken} />
      <h2 class="span-2">{props.editing ? t("settings.attr.edit", { name: v.key ?? "" }) : t("settings.attr.new")}</h2>
      <ErrorSummary errors={e} message={props.message} />
      {!props.editing && <Field name="key" label={t("settings.attr.key")} value={v.key} error={e.key} required hint={t("settings.attr.key_hint")} />}
      <Field name="label" label={t("settings.attr.label")} value={v.label} error={e.label} required />
      {!props.editing && (
        <SelectField
          name="type"
          label={t("settings.type")}
          value={v.type ?? "text"}
          options={ATTRIBUTE_TYPES.map((type) => ({ value: type, label: t(`settings.attr.type.${type}`) }))}
          error={e.type}
          required
        />
      )}
      <Field name="options" label={t("settings.attr.options")} value={v.options} error={e.options} hint={t("settings.attr.options_hint")} />
      <div class="field">
        <label class="checkbox">
          <input type="checkbox" name="required" value="true" checked={v.required} /> {t("settings.attr.required_for_every")}
        </label>
      </div>
      <Field name="description" label={t("settings.description")} value={v.description} error={e.description} />
      <div class="span-2 form-actions">
        <button type="submit" class="button primary">
          {props.editing ? t("settings.attr.save") : t("settings.attr.add")}
        </button>
        {props.editing && (
          <a class="button" href="/admin/settings/attributes">
            {t("settings.cancel")}
          </a>
        )}
      </div>
    </form>
  );
}

const splitOptions = (s: string | null | undefined) =>
  s === undefined || s === null
    ? undefined
    : s
        .split(",")
        .map((o) => o.trim())
        .filter(Boolean);

async function attributesPage(
  c: Context<AppEnv>,
  form: { values: AttrValues; errors: FormErrors; message?: string } = { values: {}, errors: {} },
  status: 200 | 409 | 422 = 200,
) {
  const definitions = await listAttributeDefinitions(c.get("db"));
  const ctx = pageContext(c);
  const canManage = allowed(c, "attributes:manage");
  return c.html(
    <Layout ctx={ctx} title={t("settings.custom_attributes")}>
      <PageHeader
        title={t("settings.custom_attributes")}
        back={{ href: "/admin/settings", label: t("settings.title") }}
        subtitle={t("settings.attr.subtitle")}
      />
      <section class="card">
        <Table
          rows={definitions}
          empty={<EmptyState title={t("settings.attr.empty")} />}
          columns={[
            { header: t("settings.attr.label"), cell: (d) => d.label },
            { header: t("settings.attr.key"), cell: (d) => <code>{d.key}</code> },
            {
              header: t("settings.type"),
              cell: (d) => (
                <>
                  {t(`settings.attr.type.${d.type}`)}
                  {d.type === "enum" && <div class="muted small">{d.options.join(", ")}</div>}
                </>
              ),
            },
            { header: t("settings.attr.required"), cell: (d) => (d.required ? t("settings.yes") : t("settings.no")) },
            editDeleteColumn<Definition>({
              when: canManage,
              csrfToken: ctx.csrfToken,
              path: (d) => `/admin/settings/attributes/${d.key}`,
              confirm: (d) => t("settings.attr.delete_confirm", { label: d.label }),
            }),
          ]}
        />
      </section>
      {canManage && (
        <AttributeForm ctx={ctx} action="/admin/settings/attributes" values={form.values} errors={form.errors} message={form.message} editing={false} />
      )}
    </Layout>,
    status,
  );
}

export const settingsPages = new Hono<AppEnv>()
  .get("/settings", can("settings:read"), async (c) => {
    const { data } = await getSettings(c.get("db"));
    return c.html(
      <SettingsPage
        ctx={pageContext(c)}
        values={toValues(data)}
        errors={{}}
        saved={c.req.query("saved") === "1"}
        canManage={allowed(c, "settings:manage")}
        integrations={integrationStatuses(c.env)}
      />,
    );
  })
  .post("/settings", can("settings:manage"), async (c) => {
    const body = await readForm(c);
    const emails = (text(body, "notification_emails") ?? "")
      .split(/[\s,;]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    const input = {
      operator_name: text(body, "operator_name") ?? "",
      legal_name: text(body, "legal_name", "null"),
      legal_address: text(body, "legal_address", "null"),
      registration_number: text(body, "registration_number", "null"),
      vat_number: text(body, "vat_number", "null"),
      support_email: text(body, "support_email", "null"),
      support_phone: text(body, "support_phone", "null"),
      website: text(body, "website", "null"),
      logo: text(body, "logo", "null"),
      primary_color: text(body, "primary_color"),
      accent_color: text(body, "accent_color"),
      default_currency: text(body, "default_currency") ?? "",
      default_locale: text(body, "default_locale") ?? "",
      default_timezone: text(body, "default_timezone") ?? "",
      notification_emails: emails,
      session_idle_minutes: text(body, "session_idle_minutes"),
      session_absolute_hours: text(body, "session_absolute_hours"),
      remember_me_days: text(body, "remember_me_days"),
      sim_on_termination: text(body, "sim_on_termination"),
      number_quarantine_days: text(body, "number_quarantine_days"),
      dunning_retry_days: (text(body, "dunning_retry_days") ?? "")
        .split(/[\s,;]+/)
        .filter(Boolean)
        .map((d) => (/^\d+$/.test(d) ? Number(d) : d)),
      dunning_suspend_after_days: text(body, "dunning_suspend_after_days", "null"),
      broadcast_plmns: (text(body, "broadcast_plmns") ?? "")
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter(Boolean)
        .map((line) => {
          const m = line.match(/^(\d+)-(\d+)\s+(.+)$/);
          return m ? { mcc: m[1] ?? "", mnc: m[2] ?? "", name: m[3] ?? "" } : { mcc: line, mnc: "", name: "" };
        }),
    };
    const shown: SettingsValues = {
      ...input,
      notification_emails: emails.join("\n"),
      dunning_retry_days: input.dunning_retry_days.join(", "),
      broadcast_plmns: text(body, "broadcast_plmns") ?? "",
    };
    const parsed = validate(SettingsPatch, input);
    const render = (errors: FormErrors, message?: string) =>
      c.html(<SettingsPage ctx={pageContext(c)} values={shown} errors={errors} message={message} canManage integrations={integrationStatuses(c.env)} />, 422);
    if (!parsed.ok) return render(parsed.errors);
    const result = await attempt(() => updateSettings(writeContext(c), parsed.data));
    if (!result.ok) return render(result.errors, result.message);
    return redirectWithNotice(c, "/admin/settings", t("settings.saved"));
  })
  .get("/settings/attributes", can("customers:read"), (c) => attributesPage(c))
  .post("/settings/attributes", can("attributes:manage"), async (c) => {
    const body = await readForm(c);
    const values: AttrValues = {
      key: text(body, "key"),
      label: text(body, "label"),
      type: text(body, "type"),
      options: text(body, "options"),
      required: text(body, "required") === "true",
      description: text(body, "description"),
    };
    const parsed = validate(AttributeDefinitionCreate, { ...values, key: values.key ?? "", label: values.label ?? "", options: splitOptions(values.options) });
    if (!parsed.ok) return attributesPage(c, { values, errors: parsed.errors }, 422);
    const result = await attempt(() => defineAttribute(writeContext(c), parsed.data));
    if (!result.ok) return attributesPage(c, { values, errors: result.errors, message: result.message }, 422);
    return redirectWithNotice(c, "/admin/settings/attributes", t("settings.attr.notice.added", { label: parsed.data.label }));
  })
  .get("/settings/attributes/:key/edit", can("attributes:manage"), async (c) => {
    const def = await getAttributeDefinition(c.get("db"), c.req.param("key"));
    if (!def) throw new NotFound(t("settings.attr.error.no_attribute"));
    const ctx = pageContext(c);
    return c.html(
      <Layout ctx={ctx} title={t("settings.attr.edit", { name: def.label })}>
        <PageHeader
          title={t("settings.attr.edit", { name: def.label })}
          back={{ href: "/admin/settings/attributes", label: t("settings.custom_attributes") }}
          subtitle={t("settings.attr.edit_subtitle", { type: t(`settings.attr.type.${def.type}`) })}
        />
        <AttributeForm
          ctx={ctx}
          action={`/admin/settings/attributes/${def.key}/edit`}
          values={{ ...def, options: def.options.join(", ") }}
          errors={{}}
          editing
        />
      </Layout>,
    );
  })
  .post("/settings/attributes/:key/edit", can("attributes:manage"), async (c) => {
    const def = await getAttributeDefinition(c.get("db"), c.req.param("key"));
    if (!def) throw new NotFound(t("settings.attr.error.no_attribute"));
    const body = await readForm(c);
    const values: AttrValues = {
      key: def.key,
      label: text(body, "label"),
      options: text(body, "options"),
      required: text(body, "required") === "true",
      description: text(body, "description", "null"),
    };
    const ctx = pageContext(c);
    const render = (errors: FormErrors, message?: string) =>
      c.html(
        <Layout ctx={ctx} title={t("settings.attr.edit", { name: def.label })}>
          <PageHeader
            title={t("settings.attr.edit", { name: def.label })}
            back={{ href: "/admin/settings/attributes", label: t("settings.custom_attributes") }}
          />
          <AttributeForm ctx={ctx} action={`/admin/settings/attributes/${def.key}/edit`} values={values} errors={errors} message={message} editing />
        </Layout>,
        422,
      );
    const parsed = validate(AttributeDefinitionPatch, {
      label: values.label ?? "",
      options: def.type === "enum" ? splitOptions(values.options ?? "") : undefined,
      required: values.required,
      description: values.description,
    });
    if (!parsed.ok) return render(parsed.errors);
    const result = await attempt(() => updateAttribute(writeContext(c), def.key, parsed.data));
    if (!result.ok) return render(result.errors, result.message);
    return redirectWithNotice(c, "/admin/settings/attributes", t("settings.attr.notice.saved", { label: parsed.data.label ?? def.label }));
  })
  .post("/settings/attributes/:key/delete", can("attributes:manage"), async (c) => {
    const key = c.req.param("key");
    const result = await attempt(() => deleteAttribute(writeContext(c), key));
    if (!result.ok) return attributesPage(c, { values: {}, errors: {}, message: result.message }, 409);
    return redirectWithNotice(c, "/admin/settings/attributes", t("settings.attr.notice.deleted", { key }));
  });
