import type { TemplateRow } from "../../db/queries/inventory";
import { ITEM_STATUSES, type ItemView } from "../../domain/inventory/schemas";
import { t } from "../../i18n/request-locale";
import { CellMap } from "../cell-map";
import { CsrfField, EmptyState, ErrorSummary, Field, type FormErrors, PageHeader, Pager, SelectField, Table, TextArea, Time } from "../components";
import { Layout, type PageContext } from "../layout";
import { type InventoryCan, InventoryTabs, ItemStatusBadge, itemLabel, mainField, query, shownValue, statusLabel } from "./shared";

export type ItemListParams = { type?: string; status?: string; location?: string; q?: string; import_id?: string };

/** The item table with its export link and pager (the htmx target of the list filters). */
/** The cell sites listed (this page of them) with their sectors, on the broadcast pages' SVG map. */
function CellSitesMap(props: { items: ItemView[] }) {
  const cells = props.items.flatMap((i) => {
    const lat = Number(i.fields.latitude);
    const lon = Number(i.fields.longitude);
    const azimuth = i.fields.azimuth === null || i.fields.azimuth === undefined || i.fields.azimuth === "" ? null : Number(i.fields.azimuth);
    if (i.fields.latitude === undefined || i.fields.longitude === undefined || !Number.isFinite(lat) || !Number.isFinite(lon)) return [];
    return [{ id: String(i.fields.cell_id ?? i.id), name: typeof i.fields.name === "string" ? i.fields.name : undefined, lat, lon, azimuth }];
  });
  return <CellMap id="cell-sites-map" label="Cell sites listed on this page" cells={cells} height={360} />;
}

export function ItemResults(props: {
  items: ItemView[];
  templates: Map<string, TemplateRow>;
  params: ItemListParams;
  nextCursor: string | null;
  hasCursor: boolean;
  timeZone: string;
}) {
  const filtered = Object.values(props.params).some(Boolean);
  return (
    <div id="inventory-results">
      <div class="results-bar">
        <a class="button" href={query("/admin/inventory/export", { ...props.params })} download>
          {t("inventory.export_csv")}
        </a>
      </div>
      {props.params.type === "cell_site" && props.items.length > 0 && <CellSitesMap items={props.items} />}
      <Table
        rows={props.items}
        empty={
          <EmptyState title={filtered ? t("inventory.no_match") : t("inventory.none_yet")}>
            {filtered ? (
              <a href="/admin/inventory/items">{t("inventory.clear_filters")}</a>
            ) : (
              <a href="/admin/inventory/import">{t("inventory.import_a_csv")}</a>
            )}
          </EmptyState>
        }
        columns={[
          {
            header: t("inventory.col.identifier"),
            cell: (item) => {
              const template = props.templates.get(item.type);
              const main = mainField(template);
              const others = (template?.fields ?? []).filter((f) => f.unique && f.name !== main?.name && item.fields[f.name]);
              return (
                <>
                  <a href={`/admin/inventory/items/${item.id}`}>
                    <code>{itemLabel(item, template)}</code>
                  </a>
                  {item.fields.golden === true && <span class="badge badge-golden">{t("inventory.golden")}</span>}
                  {others.length > 0 && <div class="muted small">{others.map((f) => `${f.label} ${shownValue(item.fields[f.name])}`).join(" · ")}</div>}
                </>
              );
            },
          },
          { header: t("inventory.col.type"), cell: (item) => props.templates.get(item.type)?.name ?? item.type },
          { header: t("inventory.col.status"), cell: (item) => <ItemStatusBadge item={item} timeZone={props.timeZone} /> },
          { header: t("inventory.col.location"), cell: (item) => item.location ?? <span class="muted">—</span> },
          {
            header: t("inventory.col.held_by"),
            class: "small",
            cell: (item) =>
              item.service_id ? (
                <a href={`/admin/services/${item.service_id}`}>{t("inventory.held_service")}</a>
              ) : item.customer_id ? (
                <a href={`/admin/customers/${item.customer_id}`}>{t("inventory.held_customer")}</a>
              ) : (
                <span class="muted">—</span>
              ),
          },
          { header: t("inventory.col.updated"), class: "nowrap", cell: (item) => <Time iso={item.updated_at} timeZone={props.timeZone} dateOnly /> },
        ]}
      />
      <Pager baseUrl="/admin/inventory/items" params={props.params} nextCursor={props.nextCursor} hasCursor={props.hasCursor} />
    </div>
  );
}

/** The item list with live filters (type, status, location, identifier, import). */
export function ItemListPage(props: {
  ctx: PageContext;
  templates: TemplateRow[];
  items: ItemView[];
  params: ItemListParams;
  nextCursor: string | null;
  hasCursor: boolean;
  can: InventoryCan;
}) {
  const p = props.params;
  return (
    <Layout ctx={props.ctx} title={t("inventory.items_title")} wide>
      <PageHeader
        title={t("inventory.items_title")}
        back={{ href: "/admin/inventory", label: t("inventory.title") }}
        actions={
          props.can.write && (
            <a class="button primary" href={query("/admin/inventory/items/new", { type: p.type })}>
              {t("inventory.add_item")}
            </a>
          )
        }
      />
      <InventoryTabs active="items" canImport={props.can.import} />
      <form
        class="filters"
        method="get"
        action="/admin/inventory/items"
        hx-get="/admin/inventory/items"
        hx-target="#inventory-results"
        hx-swap="outerHTML"
        hx-push-url="true"
        hx-trigger="input changed delay:300ms from:input[type=search], change from:select, change from:input[name=location], submit"
      >
        <div class="field grow">
          <label for="filter-q">{t("inventory.col.identifier")}</label>
          <input id="filter-q" type="search" name="q" value={p.q ?? ""} placeholder={t("inventory.identifier_placeholder")} />
        </div>
        <SelectField
          name="type"
          label={t("inventory.col.type")}
          value={p.type}
          blank={t("inventory.any")}
          options={props.templates.map((tpl) => ({ value: tpl.slug, label: tpl.name }))}
        />
        <SelectField
          name="status"
          label={t("inventory.col.status")}
          value={p.status}
          blank={t("inventory.any")}
          options={ITEM_STATUSES.map((s) => ({ value: s, label: statusLabel(s) }))}
        />
        <div class="field">
          <label for="filter-location">{t("inventory.col.location")}</label>
          <input id="filter-location" name="location" value={p.location ?? ""} />
        </div>
        {p.import_id && (
          <div class="field">
            <span class="field-label">{t("inventory.import")}</span>
            <span>
              <input type="hidden" name="import_id" value={p.import_id} />
              <code>{p.import_id}</code> <a href={query("/admin/inventory/items", { ...p, import_id: undefined })}>{t("inventory.remove")}</a>
            </span>
          </div>
        )}
        <button type="submit" class="button">
          {t("inventory.filter")}
        </button>
      </form>
      <section class="card">
        <ItemResults
          items={props.items}
          templates={new Map(props.templates.map((t) => [t.slug, t]))}
          params={p}
          nextCursor={props.nextCursor}
          hasCursor={props.hasCursor}
          timeZone={props.ctx.settings.default_timezone}
        />
      </section>
    </Layout>
  );
}

// ---- item form fields ----

export type ItemFormValues = Record<string, string | boolean | null | undefined>;

/** One input per template field: checkbox for booleans, select for enums, password input for secrets. */
export function TemplateFieldInputs(props: { template: TemplateRow; values: ItemFormValues; errors: FormErrors; editing?: boolean; heldSecrets?: string[] }) {
  return (
    <>
      {props.template.fields.map((f) => {
        const name = `fields.${f.name}`;
        const id = `f-fields-${f.name}`;
        const value = props.values[name];
        const error = props.errors[name];
        if (f.kind === "boolean") {
          return (
            <div class={error ? "field invalid" : "field"}>
              <span class="field-label">{f.label}</span>
              <label class="checkbox" for={id}>
                <input id={id} type="checkbox" name={name} value="true" checked={value === true || value === "true"} /> {f.label}
              </label>
              {error && <div class="field-error">{error}</div>}
            </div>
          );
        }
        if (f.kind === "enum") {
          return (
            <SelectField
              name={name}
              label={f.label}
              value={typeof value === "string" ? value : null}
              options={f.options ?? []}
              blank={f.required ? undefined : "—"}
              required={f.required}
              error={error}
            />
          );
        }
        if (f.kind === "secret") {
          const held = props.heldSecrets?.includes(f.name);
          return (
            <Field
              name={name}
              label={f.label}
              type="password"
              autocomplete="new-password"
              value=""
              error={error}
              required={f.required && !props.editing}
              hint={props.editing ? (held ? t("inventory.secret_held") : t("inventory.secret_not_set")) : t("inventory.secret_new")}
            />
          );
        }
        return (
          <Field
            name={name}
            label={f.label}
            value={typeof value === "string" ? value : null}
            error={error}
            required={f.required}
            hint={f.unique ? t("inventory.identifier_kind", { kind: f.kind }) : f.kind === "text" ? undefined : f.kind}
          />
        );
      })}
    </>
  );
}

function CommonInputs(props: { values: ItemFormValues; errors: FormErrors; currency: string }) {
  const v = (k: string) => (typeof props.values[k] === "string" ? (props.values[k] as string) : null);
  return (
    <>
      <Field name="location" label={t("inventory.col.location")} value={v("location")} error={props.errors.location} hint={t("inventory.location_hint")} />
      <Field name="supplier" label={t("inventory.supplier")} value={v("supplier")} error={props.errors.supplier} />
      <Field
        name="cost_amount"
        label={t("inventory.cost_currency", { currency: props.currency })}
        value={v("cost_amount")}
        error={props.errors.cost_amount}
        placeholder={t("inventory.cost_placeholder")}
      />
      <Field name="currency" label={t("inventory.currency")} value={v("currency")} error={props.errors.currency} placeholder={props.currency} />
      <div class="span-2">
        <TextArea name="notes" label={t("inventory.notes")} value={v("notes")} error={props.errors.notes} rows={2} />
      </div>
    </>
  );
}

/** The add-item form: a type chooser, then one input per field of the chosen type. */
export function ItemFormPage(props: {
  ctx: PageContext;
  templates: TemplateRow[];
  template: TemplateRow | null;
  values: ItemFormValues;
  errors: FormErrors;
  message?: string;
}) {
  const tpl = props.template;
  if (!tpl) {
    return (
      <Layout ctx={props.ctx} title={t("inventory.add_title")}>
        <PageHeader title={t("inventory.add_title")} back={{ href: "/admin/inventory/items", label: t("inventory.items") }} />
        <form method="get" action="/admin/inventory/items/new" class="card stack narrow-form">
          <ErrorSummary errors={props.errors} message={props.message} />
          <SelectField name="type" label={t("inventory.type_of_item")} options={props.templates.map((x) => ({ value: x.slug, label: x.name }))} required />
          <div class="form-actions">
            <button type="submit" class="button primary">
              {t("inventory.continue")}
            </button>
          </div>
        </form>
      </Layout>
    );
  }
  return (
    <Layout ctx={props.ctx} title={t("inventory.add_type", { type: tpl.name })}>
      <PageHeader
        title={t("inventory.add_type", { type: tpl.name })}
        subtitle={tpl.description ?? undefined}
        back={{ href: `/admin/inventory/items?type=${tpl.slug}`, label: tpl.name }}
      />
      <form method="post" action={`/admin/inventory/items/new?type=${encodeURIComponent(tpl.slug)}`} class="card form-grid" novalidate>
        <CsrfField token={props.ctx.csrfToken} />
        <input type="hidden" name="type" value={tpl.slug} />
        <div class="span-2">
          <ErrorSummary errors={props.errors} message={props.message} />
        </div>
        <h2 class="span-2">{tpl.name}</h2>
        <TemplateFieldInputs template={tpl} values={props.values} errors={props.errors} />
        <h2 class="span-2">{t("inventory.stock")}</h2>
        <CommonInputs values={props.values} errors={props.errors} currency={props.ctx.settings.default_currency} />
        <div class="span-2 form-actions">
          <button type="submit" class="button primary">
            {t("inventory.add_to_stock")}
          </button>
          <a class="button" href="/admin/inventory/items">
            {t("inventory.cancel")}
          </a>
        </div>
      </form>
    </Layout>
  );
}

// ---- item page ----
