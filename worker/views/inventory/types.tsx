import type { TemplateRow } from "../../db/queries/inventory";
import { t } from "../../i18n/request-locale";
import { CsrfField, EmptyState, ErrorSummary, Field, type FormErrors, PageHeader, Table, TextArea } from "../components";
import { Layout, type PageContext } from "../layout";
import { type InventoryCan, InventoryTabs, StatusBadge } from "./shared";

export function TypesPage(props: { ctx: PageContext; templates: TemplateRow[]; inStock: Map<string, number>; can: InventoryCan }) {
  return (
    <Layout ctx={props.ctx} title={t("inventory.types_title")} wide>
      <PageHeader
        title={t("inventory.types_title")}
        back={{ href: "/admin/inventory", label: t("inventory.title") }}
        actions={
          props.can.types && (
            <a class="button primary" href="/admin/inventory/types/new">
              {t("inventory.new_type")}
            </a>
          )
        }
      />
      <InventoryTabs active="types" canImport={props.can.import} />
      <section class="card">
        <Table
          rows={props.templates}
          empty={<EmptyState title={t("inventory.no_types")} />}
          columns={[
            {
              header: t("inventory.col.type"),
              cell: (tpl) => (
                <>
                  <strong>{tpl.name}</strong> {tpl.builtIn && <StatusBadge value="builtin" />}
                  <div class="muted small">
                    <code>{tpl.slug}</code>
                    {tpl.description ? ` · ${tpl.description}` : ""}
                  </div>
                </>
              ),
            },
            {
              header: t("inventory.col.fields"),
              class: "small",
              cell: (tpl) =>
                tpl.fields.map((f) => (
                  <span class="tag" title={`${f.kind}${f.required ? t("inventory.field_required") : ""}${f.unique ? t("inventory.field_identifier") : ""}`}>
                    {f.label}
                    {f.unique ? " ⚿" : ""}
                    {f.kind === "secret" ? " 🔒" : ""}
                  </span>
                )),
            },
            {
              header: t("inventory.col.in_stock"),
              class: "num",
              cell: (tpl) => <a href={`/admin/inventory/items?type=${tpl.slug}&status=in_stock`}>{props.inStock.get(tpl.slug) ?? 0}</a>,
            },
            { header: t("inventory.col.low_stock_alert"), class: "num", cell: (tpl) => tpl.lowStockThreshold ?? <span class="muted">—</span> },
            {
              header: t("inventory.col.actions"),
              class: "row-actions",
              cell: (tpl) => (
                <>
                  {props.can.types && (
                    <a href={`/admin/inventory/types/${tpl.slug}`}>
                      {t("inventory.edit")}
                      <span class="visually-hidden"> {tpl.name}</span>
                    </a>
                  )}
                  {props.can.write && (
                    <a href={`/admin/inventory/items/new?type=${tpl.slug}`}>
                      {t("inventory.add_item")}
                      <span class="visually-hidden">{t("inventory.of_type", { name: tpl.name })}</span>
                    </a>
                  )}
                </>
              ),
            },
          ]}
        />
        <p class="muted small">{t("inventory.types_legend")}</p>
      </section>
    </Layout>
  );
}

export type TypeFormValues = Partial<Record<"slug" | "name" | "description" | "low_stock_threshold" | "fields", string | null>>;

/** Create or edit a type: name, description, threshold, and a custom type's fields as JSON. */
export function TypeFormPage(props: { ctx: PageContext; template: TemplateRow | null; values: TypeFormValues; errors: FormErrors; message?: string }) {
  const tpl = props.template;
  const v = props.values;
  const e = props.errors;
  const fieldErrors = Object.entries(e).filter(([k]) => k === "fields" || k.startsWith("fields."));
  const title = tpl ? t("inventory.edit_type", { name: tpl.name }) : t("inventory.new_type_title");
  return (
    <Layout ctx={props.ctx} title={title}>
      <PageHeader title={title} back={{ href: "/admin/inventory/types", label: t("inventory.types_title") }} />
      <form method="post" action={tpl ? `/admin/inventory/types/${tpl.slug}` : "/admin/inventory/types/new"} class="card form-grid" novalidate>
        <CsrfField token={props.ctx.csrfToken} />
        <div class="span-2">
          <ErrorSummary errors={e} message={props.message} />
        </div>
        <Field name="name" label={t("inventory.name")} value={v.name} error={e.name} required autofocus />
        {tpl ? (
          <div class="field">
            <span class="field-label">{t("inventory.slug")}</span>
            <code>{tpl.slug}</code>
          </div>
        ) : (
          <Field name="slug" label={t("inventory.slug")} value={v.slug} error={e.slug} required hint={t("inventory.slug_hint")} />
        )}
        <div class="span-2">
          <TextArea name="description" label={t("inventory.description")} value={v.description} error={e.description} rows={2} />
        </div>
        <Field
          name="low_stock_threshold"
          label={t("inventory.threshold")}
          type="number"
          value={v.low_stock_threshold}
          error={e.low_stock_threshold}
          hint={t("inventory.threshold_hint")}
        />
        <div class="span-2">
          {tpl?.builtIn ? (
            <div class="field">
              <span class="field-label">{t("inventory.fields")}</span>
              <p class="muted small">{t("inventory.builtin_fixed")}</p>
              <ul class="small">
                {tpl.fields.map((f) => (
                  <li>
                    <strong>{f.label}</strong> <code>{f.name}</code> · {f.kind}
                    {f.required ? t("inventory.dot_required") : ""}
                    {f.unique ? t("inventory.dot_identifier") : ""}
                  </li>
                ))}
              </ul>
            </div>
          ) : (
            <div class={fieldErrors.length ? "field invalid" : "field"}>
              <label for="f-fields">{t("inventory.fields_json")}</label>
              <textarea
                id="f-fields"
                name="fields"
                rows={12}
                class="code"
                aria-invalid={fieldErrors.length ? "true" : undefined}
                aria-describedby="f-fields-hint"
              >
                {v.fields ?? ""}
              </textarea>
              <div class="hint" id="f-fields-hint">
                {t("inventory.fields_json_hint")}
              </div>
              {fieldErrors.map(([k, m]) => (
                <div class="field-error">{k === "fields" ? m : `${k}: ${m}`}</div>
              ))}
            </div>
          )}
        </div>
        <div class="span-2 form-actions">
          <button type="submit" class="button primary">
            {tpl ? t("inventory.save_type") : t("inventory.create_type")}
          </button>
          <a class="button" href="/admin/inventory/types">
            {t("inventory.cancel")}
          </a>
        </div>
      </form>
    </Layout>
  );
}

// ---- order form and service page ----
