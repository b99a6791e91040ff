import type { TemplateRow } from "../../db/queries/inventory";
import { Badge, CsrfField, EmptyState, ErrorSummary, Field, type FormErrors, PageHeader, Table, TextArea } from "../components";
import { Layout, type PageContext } from "../layout";
import { type InventoryCan, InventoryTabs } from "./shared";

export function TypesPage(props: { ctx: PageContext; templates: TemplateRow[]; inStock: Map<string, number>; can: InventoryCan }) {
  return (
    <Layout ctx={props.ctx} title="Inventory types" wide>
      <PageHeader
        title="Inventory types"
        back={{ href: "/admin/inventory", label: "Inventory" }}
        actions={
          props.can.types && (
            <a class="button primary" href="/admin/inventory/types/new">
              New type
            </a>
          )
        }
      />
      <InventoryTabs active="types" canImport={props.can.import} />
      <section class="card">
        <Table
          rows={props.templates}
          empty={<EmptyState title="No inventory types." />}
          columns={[
            {
              header: "Type",
              cell: (t) => (
                <>
                  <strong>{t.name}</strong> {t.builtIn && <Badge value="builtin" />}
                  <div class="muted small">
                    <code>{t.slug}</code>
                    {t.description ? ` · ${t.description}` : ""}
                  </div>
                </>
              ),
            },
            {
              header: "Fields",
              class: "small",
              cell: (t) =>
                t.fields.map((f) => (
                  <span class="tag" title={`${f.kind}${f.required ? ", required" : ""}${f.unique ? ", identifier" : ""}`}>
                    {f.label}
                    {f.unique ? " ⚿" : ""}
                    {f.kind === "secret" ? " 🔒" : ""}
                  </span>
                )),
            },
            {
              header: "In stock",
              class: "num",
              cell: (t) => <a href={`/admin/inventory/items?type=${t.slug}&status=in_stock`}>{props.inStock.get(t.slug) ?? 0}</a>,
            },
            { header: "Low-stock alert", class: "num", cell: (t) => t.lowStockThreshold ?? <span class="muted">—</span> },
            {
              header: "Actions",
              class: "row-actions",
              cell: (t) => (
                <>
                  {props.can.types && (
                    <a href={`/admin/inventory/types/${t.slug}`}>
                      Edit<span class="visually-hidden"> {t.name}</span>
                    </a>
                  )}
                  {props.can.write && (
                    <a href={`/admin/inventory/items/new?type=${t.slug}`}>
                      Add item<span class="visually-hidden"> of type {t.name}</span>
                    </a>
                  )}
                </>
              ),
            },
          ]}
        />
        <p class="muted small">⚿ identifier (unique, searchable) · 🔒 secret (encrypted at rest, never shown)</p>
      </section>
    </Layout>
  );
}

export type TypeFormValues = Partial<Record<"slug" | "name" | "description" | "low_stock_threshold" | "fields", string | null>>;

/** Create or edit a type: name, description, threshold, and a custom type's fields as JSON. */
export function TypeFormPage(props: { ctx: PageContext; template: TemplateRow | null; values: TypeFormValues; errors: FormErrors; message?: string }) {
  const t = props.template;
  const v = props.values;
  const e = props.errors;
  const fieldErrors = Object.entries(e).filter(([k]) => k === "fields" || k.startsWith("fields."));
  const title = t ? `Edit ${t.name}` : "New inventory type";
  return (
    <Layout ctx={props.ctx} title={title}>
      <PageHeader title={title} back={{ href: "/admin/inventory/types", label: "Inventory types" }} />
      <form method="post" action={t ? `/admin/inventory/types/${t.slug}` : "/admin/inventory/types/new"} class="card form-grid" novalidate>
        <CsrfField token={props.ctx.csrfToken} />
        <div class="span-2">
          <ErrorSummary errors={e} message={props.message} />
        </div>
        <Field name="name" label="Name" value={v.name} error={e.name} required autofocus />
        {t ? (
          <div class="field">
            <span class="field-label">Slug</span>
            <code>{t.slug}</code>
          </div>
        ) : (
          <Field name="slug" label="Slug" value={v.slug} error={e.slug} required hint="e.g. router (lowercase letters, digits and _)" />
        )}
        <div class="span-2">
          <TextArea name="description" label="Description" value={v.description} error={e.description} rows={2} />
        </div>
        <Field
          name="low_stock_threshold"
          label="Low-stock threshold"
          type="number"
          value={v.low_stock_threshold}
          error={e.low_stock_threshold}
          hint="Alert when fewer items are in stock; empty for no alert"
        />
        <div class="span-2">
          {t?.builtIn ? (
            <div class="field">
              <span class="field-label">Fields</span>
              <p class="muted small">The fields of a built-in type are fixed.</p>
              <ul class="small">
                {t.fields.map((f) => (
                  <li>
                    <strong>{f.label}</strong> <code>{f.name}</code> · {f.kind}
                    {f.required ? " · required" : ""}
                    {f.unique ? " · identifier" : ""}
                  </li>
                ))}
              </ul>
            </div>
          ) : (
            <div class={fieldErrors.length ? "field invalid" : "field"}>
              <label for="f-fields">Fields (JSON)</label>
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
                A list of {"{"}"name", "label", "kind", "required", "unique", "options"{"}"}. Kinds: text, integer, decimal, boolean, enum (with options),
                iccid, imsi, e164, mac, cidr, ip, latitude, longitude, azimuth, digits, secret.
              </div>
              {fieldErrors.map(([k, m]) => (
                <div class="field-error">{k === "fields" ? m : `${k}: ${m}`}</div>
              ))}
            </div>
          )}
        </div>
        <div class="span-2 form-actions">
          <button type="submit" class="button primary">
            {t ? "Save type" : "Create type"}
          </button>
          <a class="button" href="/admin/inventory/types">
            Cancel
          </a>
        </div>
      </form>
    </Layout>
  );
}

// ---- order form and service page ----
