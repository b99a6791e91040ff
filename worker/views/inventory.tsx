import type { ActivityView } from "../db/queries/activity";
import type { TemplateRow } from "../db/queries/inventory";
import type { InventoryFieldDef } from "../db/schema";
import { IMPORT_MODES, type ImportReportView, ITEM_STATUSES, ITEM_TRANSITIONS, type ItemStatus, type ItemView } from "../domain/inventory/schemas";
import type { DiffLine } from "../lib/diff";
import {
  ActivityTable,
  Badge,
  CsrfField,
  EmptyState,
  ErrorSummary,
  Field,
  type FormErrors,
  PageHeader,
  Pager,
  SelectField,
  TextArea,
  Time,
} from "./components";
import { formatMoney } from "./format";
import { Layout, type PageContext } from "./layout";

/** Columns every type accepts besides its own fields (location, supplier, cost, notes). */
export const COMMON_IMPORT_COLUMNS = ["location", "supplier", "cost_amount", "currency", "notes"] as const;

const STATUS_LABELS: Record<ItemStatus, string> = {
  in_stock: "In stock",
  reserved: "Reserved",
  assigned: "Assigned",
  returned: "Returned",
  retired: "Retired",
};

/** The field that names an item of a type: its first identifier, else its first public field. */
export function mainField(template: Pick<TemplateRow, "fields"> | undefined): InventoryFieldDef | undefined {
  if (!template) return undefined;
  return template.fields.find((f) => f.unique) ?? template.fields.find((f) => f.kind !== "secret");
}

/** An item's label: the value of its type's main identifier, or its id. */
export function itemLabel(item: Pick<ItemView, "id" | "fields">, template: Pick<TemplateRow, "fields"> | undefined): string {
  const main = mainField(template);
  const value = main ? item.fields[main.name] : null;
  return value === null || value === undefined || value === "" ? item.id : String(value);
}

function shownValue(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "boolean") return value ? "yes" : "no";
  return String(value);
}

function query(base: string, params: Record<string, string | undefined>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) sp.set(k, v);
  const s = sp.toString();
  return s ? `${base}?${s}` : base;
}

function InventoryTabs(props: { active: "dashboard" | "items" | "import" | "types"; canImport: boolean }) {
  const tabs: { key: typeof props.active; href: string; label: string }[] = [
    { key: "dashboard", href: "/admin/inventory", label: "Stock" },
    { key: "items", href: "/admin/inventory/items", label: "Items" },
    ...(props.canImport ? [{ key: "import" as const, href: "/admin/inventory/import", label: "Import" }] : []),
    { key: "types", href: "/admin/inventory/types", label: "Types" },
  ];
  return (
    <nav class="tabs inventory-tabs" aria-label="Inventory">
      {tabs.map((t) => (
        <a href={t.href} class={t.key === props.active ? "active" : ""} aria-current={t.key === props.active ? "page" : undefined}>
          {t.label}
        </a>
      ))}
    </nav>
  );
}

export type InventoryCan = { write: boolean; import: boolean; types: boolean };

// ---- dashboard ----

/** The stock dashboard: counts per type × status, in stock by location, low-stock warnings. */
export function InventoryDashboard(props: {
  ctx: PageContext;
  templates: TemplateRow[];
  byStatus: { type: string; status: ItemStatus; n: number }[];
  byLocation: { type: string; location: string | null; n: number }[];
  can: InventoryCan;
}) {
  const count = (type: string, status: ItemStatus) => props.byStatus.find((r) => r.type === type && r.status === status)?.n ?? 0;
  const total = props.byStatus.reduce((sum, r) => sum + r.n, 0);
  const names = new Map(props.templates.map((t) => [t.slug, t.name]));
  const low = props.templates.filter((t) => t.lowStockThreshold !== null && count(t.slug, "in_stock") < t.lowStockThreshold);
  const lowSlugs = new Set(low.map((t) => t.slug));
  const rows = props.templates.filter((t) => props.byStatus.some((r) => r.type === t.slug) || lowSlugs.has(t.slug));
  return (
    <Layout ctx={props.ctx} title="Inventory" wide>
      <PageHeader
        title="Inventory"
        subtitle="SIM cards, numbers, equipment, IP space and cell sites, from stock to the services that hold them."
        actions={
          <>
            {props.can.import && (
              <a class="button" href="/admin/inventory/import">
                Import CSV
              </a>
            )}
            {props.can.write && (
              <a class="button primary" href="/admin/inventory/items/new">
                Add item
              </a>
            )}
          </>
        }
      />
      <InventoryTabs active="dashboard" canImport={props.can.import} />
      {low.length > 0 && (
        <div class="alert warning" role="status">
          <strong>Low stock</strong>
          <ul>
            {low.map((t) => (
              <li>
                <a href={query("/admin/inventory/items", { type: t.slug, status: "in_stock" })}>{t.name}</a>: {count(t.slug, "in_stock")} in stock, below the
                threshold of {t.lowStockThreshold}
              </li>
            ))}
          </ul>
        </div>
      )}
      {total === 0 ? (
        <section class="card">
          <EmptyState title="No inventory yet.">
            {props.can.import && <a href="/admin/inventory/import">Import a CSV file</a>}
            {props.can.import && props.can.write && " or "}
            {props.can.write && <a href="/admin/inventory/items/new">add an item</a>}
            {(props.can.import || props.can.write) && " · "}
            <a href="/admin/inventory/types">See the inventory types</a>
          </EmptyState>
        </section>
      ) : (
        <>
          <section class="card" aria-labelledby="stock-h">
            <h2 id="stock-h">Items by type and status</h2>
            <table class="table stock-table">
              <thead>
                <tr>
                  <th scope="col">Type</th>
                  {ITEM_STATUSES.map((s) => (
                    <th scope="col" class="num">
                      {STATUS_LABELS[s]}
                    </th>
                  ))}
                  <th scope="col" class="num">
                    Total
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((t) => {
                  const isLow = lowSlugs.has(t.slug);
                  return (
                    <tr class={isLow ? "low-stock" : undefined}>
                      <th scope="row">
                        <a href={query("/admin/inventory/items", { type: t.slug })}>{t.name}</a>
                        {isLow && (
                          <span class="badge badge-low_stock" title={`Below the threshold of ${t.lowStockThreshold}`}>
                            low stock
                          </span>
                        )}
                        {t.lowStockThreshold !== null && <div class="muted small">alert below {t.lowStockThreshold} in stock</div>}
                      </th>
                      {ITEM_STATUSES.map((s) => {
                        const n = count(t.slug, s);
                        return (
                          <td class="num">
                            {n === 0 ? (
                              <span class="muted">0</span>
                            ) : (
                              <a href={query("/admin/inventory/items", { type: t.slug, status: s })} aria-label={`${n} ${t.name} ${STATUS_LABELS[s]}`}>
                                {n}
                              </a>
                            )}
                          </td>
                        );
                      })}
                      <td class="num">
                        <strong>{ITEM_STATUSES.reduce((sum, s) => sum + count(t.slug, s), 0)}</strong>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </section>
          <section class="card" aria-labelledby="location-h">
            <h2 id="location-h">In stock by location</h2>
            {props.byLocation.length === 0 ? (
              <EmptyState title="Nothing in stock." />
            ) : (
              <table class="table">
                <thead>
                  <tr>
                    <th scope="col">Location</th>
                    <th scope="col">Type</th>
                    <th scope="col" class="num">
                      In stock
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {[...props.byLocation]
                    .sort((a, b) => (a.location ?? "").localeCompare(b.location ?? "") || a.type.localeCompare(b.type))
                    .map((r) => (
                      <tr>
                        <td>{r.location ?? <span class="muted">No location</span>}</td>
                        <td>{names.get(r.type) ?? r.type}</td>
                        <td class="num">
                          <a href={query("/admin/inventory/items", { type: r.type, status: "in_stock", location: r.location ?? undefined })}>{r.n}</a>
                        </td>
                      </tr>
                    ))}
                </tbody>
              </table>
            )}
          </section>
        </>
      )}
    </Layout>
  );
}

// ---- item list ----

export type ItemListParams = { type?: string; status?: string; location?: string; q?: string; import_id?: string };

/** The item table with its export link and pager (the htmx target of the list filters). */
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
      {props.items.length === 0 ? (
        <EmptyState title={filtered ? "No items match." : "No inventory yet."}>
          {filtered ? <a href="/admin/inventory/items">Clear the filters</a> : <a href="/admin/inventory/import">Import a CSV file</a>}
        </EmptyState>
      ) : (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">Identifier</th>
              <th scope="col">Type</th>
              <th scope="col">Status</th>
              <th scope="col">Location</th>
              <th scope="col">Held by</th>
              <th scope="col">Updated</th>
            </tr>
          </thead>
          <tbody>
            {props.items.map((item) => {
              const template = props.templates.get(item.type);
              const main = mainField(template);
              const others = (template?.fields ?? []).filter((f) => f.unique && f.name !== main?.name && item.fields[f.name]);
              return (
                <tr>
                  <td>
                    <a href={`/admin/inventory/items/${item.id}`}>
                      <code>{itemLabel(item, template)}</code>
                    </a>
                    {item.fields.golden === true && <span class="badge badge-golden">golden</span>}
                    {others.length > 0 && <div class="muted small">{others.map((f) => `${f.label} ${shownValue(item.fields[f.name])}`).join(" · ")}</div>}
                  </td>
                  <td>{template?.name ?? item.type}</td>
                  <td>
                    <Badge value={item.status} />
                  </td>
                  <td>{item.location ?? <span class="muted">—</span>}</td>
                  <td class="small">
                    {item.service_id ? (
                      <a href={`/admin/services/${item.service_id}`}>service</a>
                    ) : item.customer_id ? (
                      <a href={`/admin/customers/${item.customer_id}`}>customer</a>
                    ) : (
                      <span class="muted">—</span>
                    )}
                  </td>
                  <td class="nowrap">
                    <Time iso={item.updated_at} timeZone={props.timeZone} dateOnly />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
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
function TemplateFieldInputs(props: { template: TemplateRow; values: ItemFormValues; errors: FormErrors; editing?: boolean; heldSecrets?: string[] }) {
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

export type ItemAllocation = { id: string; cidr: string; serviceId: string | null; createdAt: string };
export type ItemConfig = { version: number; source: string; note: string | null; createdBy: string | null; createdAt: string; content: string };

/** One item: details, status change, allocations (IP blocks), configurations (devices), edit form, history. */
export function ItemPage(props: {
  ctx: PageContext;
  item: ItemView;
  template: TemplateRow;
  customerName: string | null;
  activity: ActivityView[];
  allocations: ItemAllocation[] | null;
  configs: ItemConfig[] | null;
  can: InventoryCan;
  formKey: string;
  errors?: FormErrors;
  message?: string;
  notice?: string;
  values?: ItemFormValues;
}) {
  const item = props.item;
  const t = props.template;
  const tz = props.ctx.settings.default_timezone;
  const token = props.ctx.csrfToken;
  const e = props.errors ?? {};
  const label = itemLabel(item, t);
  const transitions = ITEM_TRANSITIONS[item.status];
  const values: ItemFormValues = props.values ?? {
    ...Object.fromEntries(
      t.fields
        .filter((f) => f.kind !== "secret")
        .map((f) => [
          `fields.${f.name}`,
          f.kind === "boolean" ? item.fields[f.name] === true : shownValue(item.fields[f.name]) === "—" ? "" : String(item.fields[f.name]),
        ]),
    ),
    location: item.location,
    notes: item.notes,
  };
  const latest = props.configs?.[0];
  return (
    <Layout ctx={props.ctx} title={`${t.name} ${label}`} wide>
      <PageHeader
        title={`${t.name} ${label}`}
        back={{ href: `/admin/inventory/items?type=${t.slug}`, label: `${t.name} items` }}
        subtitle={
          <>
            <Badge value={item.status} /> <code>{item.id}</code>
            {item.import_id && (
              <>
                {" "}
                · from import <a href={`/admin/inventory/imports/${item.import_id}`}>{item.import_id}</a>
              </>
            )}
          </>
        }
      />
      <ErrorSummary errors={e} message={props.message} />
      {props.notice && (
        <div class="alert success" role="status">
          {props.notice}
        </div>
      )}
      <div class="grid-2">
        <section class="card" aria-labelledby="item-details-h">
          <h2 id="item-details-h">Details</h2>
          <dl class="details">
            {t.fields.map((f) => (
              <>
                <dt>{f.label}</dt>
                <dd>
                  {f.kind === "secret" ? (
                    item.secret_fields.includes(f.name) ? (
                      <span class="secret-held">held, encrypted</span>
                    ) : (
                      <span class="muted">not set</span>
                    )
                  ) : f.unique ? (
                    <code>{shownValue(item.fields[f.name])}</code>
                  ) : (
                    shownValue(item.fields[f.name])
                  )}
                </dd>
              </>
            ))}
            <dt>Status</dt>
            <dd>
              <Badge value={item.status} />
              {item.reserved_until && (
                <span class="small">
                  {" "}
                  until <Time iso={item.reserved_until} timeZone={tz} />
                </span>
              )}
            </dd>
            <dt>Customer</dt>
            <dd>{item.customer_id ? <a href={`/admin/customers/${item.customer_id}`}>{props.customerName ?? item.customer_id}</a> : "—"}</dd>
            <dt>Service</dt>
            <dd>{item.service_id ? <a href={`/admin/services/${item.service_id}`}>{item.service_id}</a> : "—"}</dd>
            <dt>Location</dt>
            <dd>{shownValue(item.location)}</dd>
            <dt>Supplier</dt>
            <dd>{shownValue(item.supplier)}</dd>
            <dt>Cost</dt>
            <dd>{item.cost_amount !== null ? formatMoney(item.cost_amount, item.currency ?? props.ctx.settings.default_currency) : "—"}</dd>
            <dt>Added</dt>
            <dd>
              <Time iso={item.created_at} timeZone={tz} />
            </dd>
          </dl>
          {item.notes && <p class="notes">{item.notes}</p>}
        </section>
        <section class="card" aria-labelledby="item-status-h">
          <h2 id="item-status-h">Status</h2>
          {item.service_id ? (
            <p class="muted">Held by a service: it changes with that service (activation, termination).</p>
          ) : transitions.length === 0 ? (
            <p class="muted">A retired item stays retired.</p>
          ) : !props.can.write ? (
            <p class="muted">Changing the status requires the inventory:write permission.</p>
          ) : (
            <form method="post" action={`/admin/inventory/items/${item.id}/status`} class="stack">
              <CsrfField token={token} />
              <SelectField
                name="status"
                label="Change to"
                value={typeof values.status === "string" ? values.status : transitions[0]}
                options={transitions.map((s) => ({ value: s, label: STATUS_LABELS[s] }))}
                error={e.status}
              />
              {transitions.includes("reserved") && (
                <fieldset class="checkbox-group stack">
                  <legend>When reserving for a customer</legend>
                  <Field
                    name="customer_id"
                    label="Customer id"
                    value={typeof values.customer_id === "string" ? values.customer_id : null}
                    error={e.customer_id}
                    placeholder="cus_…"
                  />
                  <Field
                    name="reserved_until"
                    label="Held until (optional)"
                    type="date"
                    value={typeof values.reserved_until === "string" ? values.reserved_until : null}
                    error={e.reserved_until}
                    hint="Back to stock after this day"
                  />
                </fieldset>
              )}
              <div class="form-actions">
                <button type="submit" class="button primary">
                  Change status
                </button>
              </div>
            </form>
          )}
        </section>
      </div>
      {props.allocations && (
        <section class="card" aria-labelledby="alloc-h">
          <h2 id="alloc-h">Allocations</h2>
          {props.allocations.length === 0 ? (
            <EmptyState title="Nothing allocated from this block." />
          ) : (
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">Address or prefix</th>
                  <th scope="col">Held by</th>
                  <th scope="col">Since</th>
                  {props.can.write && <th scope="col">Actions</th>}
                </tr>
              </thead>
              <tbody>
                {props.allocations.map((a) => (
                  <tr>
                    <td>
                      <code>{a.cidr}</code>
                    </td>
                    <td>{a.serviceId ? <a href={`/admin/services/${a.serviceId}`}>{a.serviceId}</a> : <span class="muted">manual</span>}</td>
                    <td class="nowrap">
                      <Time iso={a.createdAt} timeZone={tz} />
                    </td>
                    {props.can.write && (
                      <td>
                        {!a.serviceId && (
                          <form
                            method="post"
                            action={`/admin/inventory/items/${item.id}/allocations/${a.id}/release`}
                            class="inline"
                            hx-confirm={`Release ${a.cidr}?`}
                          >
                            <CsrfField token={token} />
                            <button type="submit" class="link-button danger">
                              Release <span class="visually-hidden">{a.cidr}</span>
                            </button>
                          </form>
                        )}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {props.can.write && item.status !== "retired" && (
            <form method="post" action={`/admin/inventory/items/${item.id}/allocations`} class="filters allocate-form">
              <CsrfField token={token} />
              <input type="hidden" name="key" value={`${props.formKey}-alloc`} />
              <Field
                name="prefix_length"
                label="Prefix length (optional)"
                type="number"
                value={typeof values.prefix_length === "string" ? values.prefix_length : null}
                error={e.prefix_length}
                hint="Empty: one address; 30, 29, 64…: a sub-prefix"
              />
              <button type="submit" class="button">
                Allocate next free
              </button>
            </form>
          )}
        </section>
      )}
      {props.configs && (
        <section class="card" aria-labelledby="config-h">
          <h2 id="config-h">Configuration</h2>
          {props.configs.length === 0 ? (
            <EmptyState title="No configuration saved yet." />
          ) : (
            <>
              <table class="table">
                <thead>
                  <tr>
                    <th scope="col">Version</th>
                    <th scope="col">Source</th>
                    <th scope="col">Note</th>
                    <th scope="col">By</th>
                    <th scope="col">Saved</th>
                  </tr>
                </thead>
                <tbody>
                  {props.configs.map((cfg) => (
                    <tr>
                      <td>
                        v{cfg.version} {cfg === latest && <Badge value="current" />}
                      </td>
                      <td>{cfg.source}</td>
                      <td>{cfg.note ?? <span class="muted">—</span>}</td>
                      <td>{cfg.createdBy ?? "—"}</td>
                      <td class="nowrap">
                        <Time iso={cfg.createdAt} timeZone={tz} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {props.configs.length > 1 && (
                <form method="get" action={`/admin/inventory/items/${item.id}/configs/diff`} class="filters">
                  <SelectField
                    name="from"
                    label="Compare version"
                    value={String(props.configs[1]?.version ?? 1)}
                    options={props.configs.map((cfg) => ({ value: String(cfg.version), label: `v${cfg.version}` }))}
                  />
                  <SelectField
                    name="to"
                    label="with version"
                    value={String(latest?.version ?? 1)}
                    options={props.configs.map((cfg) => ({ value: String(cfg.version), label: `v${cfg.version}` }))}
                  />
                  <button type="submit" class="button">
                    Show differences
                  </button>
                </form>
              )}
            </>
          )}
          {props.can.write && (
            <form method="post" action={`/admin/inventory/items/${item.id}/configs`} class="stack config-form">
              <CsrfField token={token} />
              <input type="hidden" name="key" value={`${props.formKey}-config`} />
              <TextArea
                name="content"
                label={latest ? `New version (from v${latest.version})` : "First version"}
                value={typeof values.content === "string" ? values.content : (latest?.content ?? "")}
                error={e.content}
                rows={12}
              />
              <Field name="note" label="Note (optional)" value={typeof values.note === "string" ? values.note : null} error={e.note} />
              <div class="form-actions">
                <button type="submit" class="button primary">
                  Save as new version
                </button>
              </div>
            </form>
          )}
        </section>
      )}
      {props.can.write && (
        <section class="card" aria-labelledby="edit-h">
          <h2 id="edit-h">Edit</h2>
          <form method="post" action={`/admin/inventory/items/${item.id}/edit`} class="form-grid" novalidate>
            <CsrfField token={token} />
            <TemplateFieldInputs template={t} values={values} errors={e} editing heldSecrets={item.secret_fields} />
            <Field name="location" label="Location" value={typeof values.location === "string" ? values.location : null} error={e.location} />
            <div class="span-2">
              <TextArea name="notes" label="Notes" value={typeof values.notes === "string" ? values.notes : null} error={e.notes} rows={2} />
            </div>
            <div class="span-2 form-actions">
              <button type="submit" class="button primary">
                Save changes
              </button>
            </div>
          </form>
        </section>
      )}
      <section class="card" aria-labelledby="history-h">
        <h2 id="history-h">History</h2>
        <ActivityTable entries={props.activity} timeZone={tz} />
      </section>
    </Layout>
  );
}

/** Line diff between two configuration versions of a device. */
export function ConfigDiffPage(props: {
  ctx: PageContext;
  item: ItemView;
  template: TemplateRow;
  from: number;
  to: number;
  lines: DiffLine[];
  added: number;
  removed: number;
}) {
  const label = itemLabel(props.item, props.template);
  const title = `Configuration v${props.from} → v${props.to}`;
  return (
    <Layout ctx={props.ctx} title={`${title} · ${label}`} wide>
      <PageHeader
        title={title}
        back={{ href: `/admin/inventory/items/${props.item.id}#config-h`, label: `${props.template.name} ${label}` }}
        subtitle={
          <>
            <span class="diff-added">+{props.added}</span> <span class="diff-removed">−{props.removed}</span> lines
          </>
        }
      />
      <section class="card">
        {props.lines.length === 0 ? (
          <EmptyState title="Both versions are empty." />
        ) : props.added === 0 && props.removed === 0 ? (
          <EmptyState title="The two versions are identical." />
        ) : (
          <table class="table diff-table">
            <caption class="visually-hidden">
              Lines removed from v{props.from} and added in v{props.to}
            </caption>
            <thead>
              <tr>
                <th scope="col" class="num">
                  v{props.from}
                </th>
                <th scope="col" class="num">
                  v{props.to}
                </th>
                <th scope="col">
                  <span class="visually-hidden">Change</span>
                </th>
                <th scope="col">Line</th>
              </tr>
            </thead>
            <tbody>
              {props.lines.map((l) => (
                <tr class={l.op === "add" ? "diff-add" : l.op === "del" ? "diff-del" : "diff-same"}>
                  <td class="num muted">{l.oldLine ?? ""}</td>
                  <td class="num muted">{l.newLine ?? ""}</td>
                  <td class="diff-op">
                    {l.op === "add" ? "+" : l.op === "del" ? "−" : ""}
                    <span class="visually-hidden">{l.op === "add" ? " added" : l.op === "del" ? " removed" : ""}</span>
                  </td>
                  <td>
                    <code class="diff-text">{l.text}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </Layout>
  );
}

// ---- import wizard ----

/** Import step 1: type, mode and the CSV file. */
export function ImportUploadPage(props: {
  ctx: PageContext;
  templates: TemplateRow[];
  values: { type?: string; mode?: string };
  errors: FormErrors;
  message?: string;
  can: InventoryCan;
}) {
  return (
    <Layout ctx={props.ctx} title="Import inventory">
      <PageHeader title="Import inventory" back={{ href: "/admin/inventory", label: "Inventory" }} subtitle="Step 1 of 3: choose the file" />
      <InventoryTabs active="import" canImport={props.can.import} />
      <form method="post" action="/admin/inventory/import" enctype="multipart/form-data" class="card stack import-form">
        <CsrfField token={props.ctx.csrfToken} />
        <input type="hidden" name="step" value="upload" />
        <ErrorSummary errors={props.errors} message={props.message} />
        <SelectField
          name="type"
          label="Type of items"
          value={props.values.type}
          options={props.templates.map((t) => ({ value: t.slug, label: t.name }))}
          error={props.errors.type}
          required
        />
        <ModeField value={props.values.mode} />
        <div class={props.errors.file ? "field invalid" : "field"}>
          <label for="f-file">
            CSV file
            <span class="req" aria-hidden="true">
              {" "}
              *
            </span>
          </label>
          <input id="f-file" type="file" name="file" accept=".csv,text/csv" required aria-describedby="f-file-hint" />
          <div class="hint" id="f-file-hint">
            A header row, then one row per item. You map the columns to fields in the next step. Up to 200,000 rows.
          </div>
          {props.errors.file && <div class="field-error">{props.errors.file}</div>}
        </div>
        <div class="form-actions">
          <button type="submit" class="button primary">
            Upload and map columns
          </button>
        </div>
      </form>
    </Layout>
  );
}

function ModeField(props: { value?: string }) {
  const value = props.value ?? "valid_rows";
  const labels: Record<(typeof IMPORT_MODES)[number], string> = {
    valid_rows: "Import the valid rows, report the others",
    all_or_nothing: "All or nothing: one bad row imports nothing",
  };
  return (
    <fieldset class="checkbox-group">
      <legend>Mode</legend>
      {IMPORT_MODES.map((m) => (
        <label class="checkbox">
          <input type="radio" name="mode" value={m} checked={m === value} /> {labels[m]}
        </label>
      ))}
    </fieldset>
  );
}

function ReportSummary(props: { total: number; imported: number; rejected: number; dryRun: boolean }) {
  return (
    <dl class="report-counts">
      <div>
        <dt>Rows</dt>
        <dd>{props.total}</dd>
      </div>
      <div class="ok">
        <dt>{props.dryRun ? "Would be imported" : "Imported"}</dt>
        <dd>{props.imported}</dd>
      </div>
      <div class={props.rejected > 0 ? "bad" : undefined}>
        <dt>Rejected</dt>
        <dd>{props.rejected}</dd>
      </div>
    </dl>
  );
}

function RowErrors(props: { errors: { line: number; field: string | null; message: string }[]; truncated: boolean }) {
  if (props.errors.length === 0) return <p class="muted">No row errors.</p>;
  return (
    <>
      <table class="table row-errors">
        <caption class="visually-hidden">Row errors</caption>
        <thead>
          <tr>
            <th scope="col" class="num">
              Line
            </th>
            <th scope="col">Field</th>
            <th scope="col">Problem</th>
          </tr>
        </thead>
        <tbody>
          {props.errors.map((e) => (
            <tr>
              <td class="num">{e.line}</td>
              <td>{e.field ? <code>{e.field}</code> : <span class="muted">row</span>}</td>
              <td>{e.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.truncated && <p class="muted small">Only the first 1,000 errors are listed.</p>}
    </>
  );
}

export type ImportState = { type: string; mode: string; csv: string; header: string[]; mapping: string[]; key: string };

/** Hidden fields that carry the file and the choices from one step to the next. */
function ImportCarry(props: { state: ImportState; withMapping: boolean }) {
  const s = props.state;
  return (
    <>
      <input type="hidden" name="type" value={s.type} />
      <input type="hidden" name="key" value={s.key} />
      {props.withMapping && (
        <>
          <input type="hidden" name="mode" value={s.mode} />
          {s.mapping.map((m, i) => (
            <input type="hidden" name={`map.${i}`} value={m} />
          ))}
        </>
      )}
      <textarea name="csv" hidden tabindex={-1}>
        {`\n${s.csv}`}
      </textarea>
    </>
  );
}

/** Import steps 2 and 3: the column mapping, then the dry-run report with the Import button. */
export function ImportWizardPage(props: {
  ctx: PageContext;
  template: TemplateRow;
  state: ImportState;
  stage: "map" | "preview";
  report?: ImportReportView;
  errors: FormErrors;
  message?: string;
  can: InventoryCan;
}) {
  const t = props.template;
  const s = props.state;
  const targets = [
    ...t.fields.map((f) => ({ value: f.name, label: `${f.label} (${f.name})${f.required ? " *" : ""}` })),
    // The CSV carries money in minor units (175 = 1.75), like the API; the label says so.
    ...COMMON_IMPORT_COLUMNS.map((c) => ({ value: c, label: c === "cost_amount" ? "cost (minor units: 175 = 1.75)" : c.replace("_", " ") })),
  ];
  const report = props.report;
  const blocked = report && report.mode === "all_or_nothing" && report.errors.length > 0;
  return (
    <Layout ctx={props.ctx} title={`Import ${t.name}`} wide>
      <PageHeader
        title={`Import ${t.name}`}
        back={{ href: "/admin/inventory/import", label: "Start again" }}
        subtitle={props.stage === "map" ? "Step 2 of 3: map the columns, then preview" : "Step 3 of 3: check the dry run, then import"}
      />
      <ErrorSummary errors={props.errors} message={props.message} />
      {props.stage === "map" ? (
        <form method="post" action="/admin/inventory/import" enctype="multipart/form-data" class="card stack">
          <CsrfField token={props.ctx.csrfToken} />
          <ImportCarry state={s} withMapping={false} />
          <h2>Columns</h2>
          <p class="muted small">{s.header.length} column(s) found. Choose the field each column fills, or ignore it. Fields marked * are required.</p>
          <table class="table mapping">
            <thead>
              <tr>
                <th scope="col">CSV column</th>
                <th scope="col">Field</th>
              </tr>
            </thead>
            <tbody>
              {s.header.map((h, i) => (
                <tr>
                  <th scope="row">
                    <label for={`f-map-${i}`}>
                      <code>{h || `(column ${i + 1})`}</code>
                    </label>
                  </th>
                  <td>
                    <select id={`f-map-${i}`} name={`map.${i}`}>
                      <option value="">Ignore</option>
                      {targets.map((o) => (
                        <option value={o.value} selected={s.mapping[i] === o.value}>
                          {o.label}
                        </option>
                      ))}
                    </select>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <ModeField value={s.mode} />
          <div class="form-actions">
            <button type="submit" name="step" value="preview" class="button primary">
              Preview (dry run)
            </button>
          </div>
        </form>
      ) : (
        report && (
          <>
            <section class="card" aria-labelledby="report-h">
              <h2 id="report-h">Dry run</h2>
              <ReportSummary total={report.total} imported={report.imported} rejected={report.rejected} dryRun />
              {blocked && (
                <div class="alert error" role="alert">
                  All or nothing: with {report.rejected} bad row(s) nothing would be imported. Fix the file, or go back and import the valid rows only.
                </div>
              )}
              <form method="post" action="/admin/inventory/import" enctype="multipart/form-data" class="form-actions">
                <CsrfField token={props.ctx.csrfToken} />
                <ImportCarry state={s} withMapping />
                {!blocked && report.imported > 0 && (
                  <button type="submit" name="step" value="import" class="button primary">
                    Import {report.imported} row(s)
                  </button>
                )}
                <button type="submit" name="step" value="map" class="button">
                  Change the mapping
                </button>
              </form>
            </section>
            <section class="card" aria-labelledby="errors-h">
              <h2 id="errors-h">Row errors</h2>
              <RowErrors errors={report.errors} truncated={report.errors_truncated} />
            </section>
            <section class="card" aria-labelledby="preview-h">
              <h2 id="preview-h">First rows as they would be stored</h2>
              <PreviewTable rows={report.preview} />
            </section>
          </>
        )
      )}
    </Layout>
  );
}

function PreviewTable(props: { rows: Record<string, unknown>[] }) {
  if (props.rows.length === 0) return <EmptyState title="No valid rows." />;
  const columns = [...new Set(props.rows.flatMap((r) => Object.keys(r)))];
  return (
    <div class="scroll-x">
      <table class="table">
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col">{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((r) => (
            <tr>
              {columns.map((c) => {
                const v = r[c];
                return <td>{typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? shownValue(v) : "—"}</td>;
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** What an import wrote (or why nothing was written), with a link to the imported items. */
export function ImportResultPage(props: {
  ctx: PageContext;
  template: TemplateRow | undefined;
  result: {
    id: string | null;
    mode: string;
    total: number;
    imported: number;
    rejected: number;
    errors: { line: number; field: string | null; message: string }[];
    createdBy?: string | null;
    createdAt?: string;
  };
  can: InventoryCan;
}) {
  const r = props.result;
  const name = props.template?.name ?? "items";
  return (
    <Layout ctx={props.ctx} title={`Import of ${name}`} wide>
      <PageHeader
        title={`Import of ${name}`}
        back={{ href: "/admin/inventory", label: "Inventory" }}
        subtitle={
          r.id ? (
            <>
              <code>{r.id}</code> · {r.mode.replace(/_/g, " ")}
              {r.createdAt && (
                <>
                  {" "}
                  · <Time iso={r.createdAt} timeZone={props.ctx.settings.default_timezone} />
                </>
              )}
              {r.createdBy && ` · by ${r.createdBy}`}
            </>
          ) : (
            "Nothing was imported."
          )
        }
        actions={
          props.can.import && (
            <a class="button" href="/admin/inventory/import">
              New import
            </a>
          )
        }
      />
      <section class="card">
        {r.id ? (
          <div class="alert success" role="status">
            {r.imported} item(s) imported. <a href={`/admin/inventory/items?import_id=${encodeURIComponent(r.id)}`}>See the imported items</a>
          </div>
        ) : (
          <div class="alert error" role="alert">
            No row was imported.
          </div>
        )}
        <ReportSummary total={r.total} imported={r.imported} rejected={r.rejected} dryRun={false} />
      </section>
      <section class="card" aria-labelledby="errors-h">
        <h2 id="errors-h">Row errors</h2>
        <RowErrors errors={r.errors} truncated={r.errors.length >= 1000} />
      </section>
    </Layout>
  );
}

// ---- types ----

/** The inventory types with their fields, stock and thresholds. */
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
        {props.templates.length === 0 ? (
          <EmptyState title="No inventory types." />
        ) : (
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Type</th>
                <th scope="col">Fields</th>
                <th scope="col" class="num">
                  In stock
                </th>
                <th scope="col" class="num">
                  Low-stock alert
                </th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {props.templates.map((t) => (
                <tr>
                  <td>
                    <strong>{t.name}</strong> {t.builtIn && <Badge value="builtin" />}
                    <div class="muted small">
                      <code>{t.slug}</code>
                      {t.description ? ` · ${t.description}` : ""}
                    </div>
                  </td>
                  <td class="small">
                    {t.fields.map((f) => (
                      <span class="tag" title={`${f.kind}${f.required ? ", required" : ""}${f.unique ? ", identifier" : ""}`}>
                        {f.label}
                        {f.unique ? " ⚿" : ""}
                        {f.kind === "secret" ? " 🔒" : ""}
                      </span>
                    ))}
                  </td>
                  <td class="num">
                    <a href={`/admin/inventory/items?type=${t.slug}&status=in_stock`}>{props.inStock.get(t.slug) ?? 0}</a>
                  </td>
                  <td class="num">{t.lowStockThreshold ?? <span class="muted">—</span>}</td>
                  <td class="row-actions">
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
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
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

export type OrderInventoryGroup = { type: string; name: string; options: { value: string; label: string }[] };

/** The per-type pickers of the order form (an htmx fragment): "Next available" or a chosen item. */
export function OrderInventoryFields(props: { groups: OrderInventoryGroup[] }) {
  return (
    <>
      {props.groups.map((g) => (
        <div class="field">
          <label for={`f-inventory-${g.type}`}>{g.name}</label>
          <select id={`f-inventory-${g.type}`} name={`inventory.${g.type}`}>
            <option value="">Next available</option>
            {g.options.map((o) => (
              <option value={o.value}>{o.label}</option>
            ))}
          </select>
        </div>
      ))}
    </>
  );
}

/** What a service holds: its inventory items and IP allocations. */
export function ServiceInventory(props: {
  items: ItemView[];
  allocations: { id: string; blockId: string; cidr: string }[];
  templates: Map<string, TemplateRow>;
  linkable: boolean;
}) {
  if (props.items.length === 0 && props.allocations.length === 0) return <EmptyState title="No inventory held by this service." />;
  const link = (href: string, text: string) => (props.linkable ? <a href={href}>{text}</a> : <span>{text}</span>);
  return (
    <table class="table">
      <thead>
        <tr>
          <th scope="col">Type</th>
          <th scope="col">Item</th>
          <th scope="col">Status</th>
        </tr>
      </thead>
      <tbody>
        {props.items.map((item) => {
          const t = props.templates.get(item.type);
          return (
            <tr>
              <td>{t?.name ?? item.type}</td>
              <td>
                <code>{link(`/admin/inventory/items/${item.id}`, itemLabel(item, t))}</code>
              </td>
              <td>
                <Badge value={item.status} />
              </td>
            </tr>
          );
        })}
        {props.allocations.map((a) => (
          <tr>
            <td>IP address</td>
            <td>
              <code>{link(`/admin/inventory/items/${a.blockId}`, a.cidr)}</code>
            </td>
            <td>
              <Badge value="allocated" />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
