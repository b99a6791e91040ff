import type { TemplateRow } from "../../db/queries/inventory";
import { ITEM_STATUSES, type ItemView } from "../../domain/inventory/schemas";
import { CellMap } from "../cell-map";
import { CsrfField, EmptyState, ErrorSummary, Field, type FormErrors, PageHeader, Pager, SelectField, Table, TextArea, Time } from "../components";
import { Layout, type PageContext } from "../layout";
import { type InventoryCan, InventoryTabs, ItemStatusBadge, itemLabel, mainField, query, STATUS_LABELS, shownValue } from "./shared";

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
          Export CSV
        </a>
      </div>
      {props.params.type === "cell_site" && props.items.length > 0 && <CellSitesMap items={props.items} />}
      <Table
        rows={props.items}
        empty={
          <EmptyState title={filtered ? "No items match." : "No inventory yet."}>
            {filtered ? <a href="/admin/inventory/items">Clear the filters</a> : <a href="/admin/inventory/import">Import a CSV file</a>}
          </EmptyState>
        }
        columns={[
          {
            header: "Identifier",
            cell: (item) => {
              const template = props.templates.get(item.type);
              const main = mainField(template);
              const others = (template?.fields ?? []).filter((f) => f.unique && f.name !== main?.name && item.fields[f.name]);
              return (
                <>
                  <a href={`/admin/inventory/items/${item.id}`}>
                    <code>{itemLabel(item, template)}</code>
                  </a>
                  {item.fields.golden === true && <span class="badge badge-golden">golden</span>}
                  {others.length > 0 && <div class="muted small">{others.map((f) => `${f.label} ${shownValue(item.fields[f.name])}`).join(" · ")}</div>}
                </>
              );
            },
          },
          { header: "Type", cell: (item) => props.templates.get(item.type)?.name ?? item.type },
          { header: "Status", cell: (item) => <ItemStatusBadge item={item} timeZone={props.timeZone} /> },
          { header: "Location", cell: (item) => item.location ?? <span class="muted">—</span> },
          {
            header: "Held by",
            class: "small",
            cell: (item) =>
              item.service_id ? (
                <a href={`/admin/services/${item.service_id}`}>service</a>
              ) : item.customer_id ? (
                <a href={`/admin/customers/${item.customer_id}`}>customer</a>
              ) : (
                <span class="muted">—</span>
              ),
          },
          { header: "Updated", class: "nowrap", cell: (item) => <Time iso={item.updated_at} timeZone={props.timeZone} dateOnly /> },
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
    <Layout ctx={props.ctx} title="Inventory items" wide>
      <PageHeader
        title="Inventory items"
        back={{ href: "/admin/inventory", label: "Inventory" }}
        actions={
          props.can.write && (
            <a class="button primary" href={query("/admin/inventory/items/new", { type: p.type })}>
              Add item
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
          <label for="filter-q">Identifier</label>
          <input id="filter-q" type="search" name="q" value={p.q ?? ""} placeholder="ICCID, IMSI, MSISDN, serial, MAC, prefix…" />
        </div>
        <SelectField name="type" label="Type" value={p.type} blank="Any" options={props.templates.map((t) => ({ value: t.slug, label: t.name }))} />
        <SelectField name="status" label="Status" value={p.status} blank="Any" options={ITEM_STATUSES.map((s) => ({ value: s, label: STATUS_LABELS[s] }))} />
        <div class="field">
          <label for="filter-location">Location</label>
          <input id="filter-location" name="location" value={p.location ?? ""} />
        </div>
        {p.import_id && (
          <div class="field">
            <span class="field-label">Import</span>
            <span>
              <input type="hidden" name="import_id" value={p.import_id} />
              <code>{p.import_id}</code> <a href={query("/admin/inventory/items", { ...p, import_id: undefined })}>Remove</a>
            </span>
          </div>
        )}
        <button type="submit" class="button">
          Filter
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
              hint={props.editing ? (held ? "Held, encrypted. Leave empty to keep it." : "Not set.") : "Encrypted at rest, never shown again."}
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
            hint={f.unique ? `Identifier (${f.kind})` : f.kind === "text" ? undefined : f.kind}
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
      <Field name="location" label="Location" value={v("location")} error={props.errors.location} hint="Warehouse, shop, van…" />
      <Field name="supplier" label="Supplier" value={v("supplier")} error={props.errors.supplier} />
      <Field name="cost_amount" label={`Cost (${props.currency})`} value={v("cost_amount")} error={props.errors.cost_amount} placeholder="0.00" />
      <Field name="currency" label="Currency" value={v("currency")} error={props.errors.currency} placeholder={props.currency} />
      <div class="span-2">
        <TextArea name="notes" label="Notes" value={v("notes")} error={props.errors.notes} rows={2} />
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
  const t = props.template;
  if (!t) {
    return (
      <Layout ctx={props.ctx} title="Add inventory item">
        <PageHeader title="Add inventory item" back={{ href: "/admin/inventory/items", label: "Items" }} />
        <form method="get" action="/admin/inventory/items/new" class="card stack narrow-form">
          <ErrorSummary errors={props.errors} message={props.message} />
          <SelectField name="type" label="Type of item" options={props.templates.map((x) => ({ value: x.slug, label: x.name }))} required />
          <div class="form-actions">
            <button type="submit" class="button primary">
              Continue
            </button>
          </div>
        </form>
      </Layout>
    );
  }
  return (
    <Layout ctx={props.ctx} title={`Add ${t.name}`}>
      <PageHeader title={`Add ${t.name}`} subtitle={t.description ?? undefined} back={{ href: `/admin/inventory/items?type=${t.slug}`, label: t.name }} />
      <form method="post" action={`/admin/inventory/items/new?type=${encodeURIComponent(t.slug)}`} class="card form-grid" novalidate>
        <CsrfField token={props.ctx.csrfToken} />
        <input type="hidden" name="type" value={t.slug} />
        <div class="span-2">
          <ErrorSummary errors={props.errors} message={props.message} />
        </div>
        <h2 class="span-2">{t.name}</h2>
        <TemplateFieldInputs template={t} values={props.values} errors={props.errors} />
        <h2 class="span-2">Stock</h2>
        <CommonInputs values={props.values} errors={props.errors} currency={props.ctx.settings.default_currency} />
        <div class="span-2 form-actions">
          <button type="submit" class="button primary">
            Add to stock
          </button>
          <a class="button" href="/admin/inventory/items">
            Cancel
          </a>
        </div>
      </form>
    </Layout>
  );
}

// ---- item page ----
