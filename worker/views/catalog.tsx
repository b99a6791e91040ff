import { PLAYBOOKS } from "../domain/catalog/playbooks";
import { BALANCE_UNITS, type BalanceUnit, PRODUCT_STATUSES, PRODUCT_TYPES, type ProductView, SERVICE_TYPES } from "../domain/catalog/schemas";
import { displayUnits, moneyToInput, readableQuantity } from "../domain/catalog/units";
import { Badge, CsrfField, EmptyState, ErrorSummary, Field, type FormErrors, PageHeader, SelectField, Table, TextArea, Time } from "./components";
import { formatAmount, formatMoney } from "./format";
import { Layout, type PageContext } from "./layout";

export function CatalogPage(props: { ctx: PageContext; products: ProductView[]; canWrite: boolean; filter: { status?: string; type?: string } }) {
  return (
    <Layout ctx={props.ctx} title="Catalog" wide>
      <PageHeader
        title="Catalog"
        subtitle="Products are offers; services are their instances for customers."
        actions={
          props.canWrite && (
            <a class="button primary" href="/admin/catalog/new">
              New product
            </a>
          )
        }
      />
      <form class="filters" method="get" action="/admin/catalog">
        <SelectField name="status" label="Status" value={props.filter.status} blank="Any" options={PRODUCT_STATUSES} />
        <SelectField name="type" label="Type" value={props.filter.type} blank="Any" options={PRODUCT_TYPES} />
        <button type="submit" class="button">
          Filter
        </button>
      </form>
      <section class="card">
        <Table
          rows={props.products}
          empty={<EmptyState title="No products yet.">{props.canWrite && <a href="/admin/catalog/new">Create the first product</a>}</EmptyState>}
          columns={[
            {
              header: "Product",
              cell: (p) => (
                <>
                  <a href={`/admin/catalog/${p.id}`}>{p.name}</a>
                  <div class="muted small">
                    {p.slug} · v{p.version}
                  </div>
                </>
              ),
            },
            { header: "Type", cell: (p) => p.type },
            { header: "Service", cell: (p) => p.service_type.replace("_", " ") },
            {
              header: "Price",
              class: "nowrap",
              cell: (p) => (
                <>
                  {formatMoney(p.retail_price, p.currency)}
                  {p.recurring_period === "monthly" ? " / month" : p.recurring_period === "annual" ? " / year" : ""}
                </>
              ),
            },
            { header: "Setup", class: "nowrap", cell: (p) => formatMoney(p.retail_setup_fee, p.currency) },
            { header: "Includes", class: "small", cell: (p) => p.included_balances.map((b) => formatAmount(b.unit, b.amount, p.currency)).join(", ") || "—" },
            { header: "Status", cell: (p) => <Badge value={p.status} /> },
          ]}
        />
      </section>
    </Layout>
  );
}

export type ProductFormValues = Record<string, string | string[] | boolean | undefined | null>;

const json = (v: unknown) => JSON.stringify(v ?? null, null, 0);

/** Form values of an existing product: prices in the currency's main unit, balances in their most readable unit. */
export function productFormValues(p: ProductView): ProductFormValues {
  const money = (minor: number) => moneyToInput(minor, p.currency);
  const balances = p.included_balances.map((b) => readableQuantity(b.unit, b.amount, p.currency));
  const declared = p.provisioning_play ? (PLAYBOOKS[p.provisioning_play]?.vars ?? {}) : {};
  const thresholds: ProductFormValues = {};
  for (const unit of BALANCE_UNITS) {
    const amount = p.low_balance_thresholds[unit];
    if (amount === undefined) continue;
    const q = readableQuantity(unit, amount, p.currency);
    thresholds[`low_balance_thresholds.${unit}`] = q.value;
    thresholds[`low_balance_thresholds.${unit}.unit`] = q.unit;
  }
  return {
    name: p.name,
    slug: p.slug,
    description: p.description,
    type: p.type,
    service_type: p.service_type,
    status: p.status,
    currency: p.currency,
    tax_class: p.tax_class,
    retail_price: money(p.retail_price),
    wholesale_price: money(p.wholesale_price),
    retail_setup_fee: money(p.retail_setup_fee),
    wholesale_setup_fee: money(p.wholesale_setup_fee),
    recurring_period: p.recurring_period,
    prorate: p.prorate,
    provisioning_play: p.provisioning_play,
    ...varFormValues(p.provisioning_json_vars, declared),
    required_inventory: p.required_inventory.join(", "),
    cgrates: json(p.cgrates),
    "included_balances.amount": balances.map((b) => b.value),
    "included_balances.unit": balances.map((b) => b.unit),
    "included_balances.validity_days": p.included_balances.map((b) => (b.validity_days === null ? "" : String(b.validity_days))),
    ...thresholds,
    components: p.components,
    compatible_with: p.compatible_with,
    promotion: p.promotion ? json(p.promotion) : "",
    customer_types: p.eligibility.customer_types,
    allow_negative: p.allow_negative,
    suspend_when_exhausted: p.suspend_when_exhausted,
    plan_change_approval: p.plan_change_approval,
  };
}

/**
 * Playbook variables as form values: one field per variable the playbook declares
 * (`provisioning_json_vars.<name>`), the others as a JSON object (the "Advanced" box).
 */
export function varFormValues(vars: Record<string, unknown>, declared: Record<string, unknown>): ProductFormValues {
  const out: ProductFormValues = {};
  const others: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(vars)) {
    if (name in declared) out[`provisioning_json_vars.${name}`] = typeof value === "string" ? value : JSON.stringify(value);
    else others[name] = value;
  }
  out.provisioning_json_vars = Object.keys(others).length > 0 ? JSON.stringify(others) : "";
  return out;
}

export function ProductFormPage(props: {
  ctx: PageContext;
  product: ProductView | null;
  values: ProductFormValues;
  errors: FormErrors;
  message?: string;
  others: ProductView[];
}) {
  const v = props.values;
  const e = props.errors;
  const editing = props.product !== null;
  const str = (k: string) => (typeof v[k] === "string" ? (v[k] as string) : null);
  const list = (k: string) => (Array.isArray(v[k]) ? (v[k] as string[]) : []);
  const title = editing ? `Edit ${props.product?.name}` : "New product";
  const currency = (str("currency") ?? "").trim().toUpperCase() || props.ctx.settings.default_currency;
  return (
    <Layout ctx={props.ctx} title={title} wide>
      <PageHeader
        title={title}
        back={editing ? { href: `/admin/catalog/${props.product?.id}`, label: props.product?.name ?? "Product" } : { href: "/admin/catalog", label: "Catalog" }}
      />
      <form method="post" action={editing ? `/admin/catalog/${props.product?.id}/edit` : "/admin/catalog/new"} class="card form-grid" novalidate>
        <CsrfField token={props.ctx.csrfToken} />
        <ErrorSummary errors={e} message={props.message} />
        <h2 class="span-2">Offer</h2>
        <Field name="name" label="Name" value={str("name")} error={e.name} required autofocus />
        {editing ? (
          <Field name="slug_display" label="Slug" value={str("slug")} hint="Fixed once created" />
        ) : (
          <Field name="slug" label="Slug" value={str("slug")} error={e.slug} required hint="e.g. mobile-10gb" />
        )}
        {!editing && <SelectField name="type" label="Type" value={str("type") ?? "standalone"} options={PRODUCT_TYPES} error={e.type} required />}
        <SelectField name="service_type" label="Service type" value={str("service_type") ?? "mobile"} options={SERVICE_TYPES} error={e.service_type} required />
        <SelectField name="status" label="Status" value={str("status") ?? "draft"} options={PRODUCT_STATUSES} error={e.status} required />
        <div class="span-2">
          <TextArea name="description" label="Description" value={str("description")} error={e.description} rows={2} />
        </div>
        <h2 class="span-2">Price</h2>
        <Field name="currency" label="Currency" value={str("currency")} error={e.currency} placeholder={props.ctx.settings.default_currency} />
        <Field name="tax_class" label="Tax class" value={str("tax_class") ?? "standard"} error={e.tax_class} hint="standard or zero" />
        <Field
          name="retail_price"
          label="Retail price"
          value={str("retail_price")}
          error={e.retail_price}
          required
          hint={`Per period, in ${currency}, e.g. 19.99`}
        />
        <Field name="wholesale_price" label="Wholesale price" value={str("wholesale_price")} error={e.wholesale_price} />
        <Field name="retail_setup_fee" label="Setup fee" value={str("retail_setup_fee")} error={e.retail_setup_fee} />
        <Field name="wholesale_setup_fee" label="Wholesale setup fee" value={str("wholesale_setup_fee")} error={e.wholesale_setup_fee} />
        <SelectField
          name="recurring_period"
          label="Recurring"
          value={str("recurring_period") ?? "monthly"}
          options={["monthly", "annual", "none"]}
          error={e.recurring_period}
        />
        <div class="field">
          <label class="checkbox">
            <input type="checkbox" name="prorate" value="1" checked={v.prorate !== false} /> Prorate plan changes
          </label>
          <label class="checkbox">
            <input type="checkbox" name="allow_negative" value="1" checked={v.allow_negative === true} /> Balance may go negative
          </label>
          <label class="checkbox">
            <input type="checkbox" name="suspend_when_exhausted" value="1" checked={v.suspend_when_exhausted === true} /> Suspend a prepaid service when its
            balance runs out
          </label>
          <label class="checkbox">
            <input type="checkbox" name="plan_change_approval" value="1" checked={v.plan_change_approval === true} /> Customers' requests to change to this plan
            need staff approval
          </label>
        </div>
        <BalanceRows values={v} errors={e} currency={currency} />
        <LowBalanceFields values={v} errors={e} currency={currency} />
        <h2 class="span-2">Provisioning</h2>
        <div class="field">
          <label for="f-provisioning_play">Playbook</label>
          <select
            id="f-provisioning_play"
            name="provisioning_play"
            aria-invalid={e.provisioning_play ? "true" : undefined}
            hx-get="/admin/catalog/playbook-variables"
            hx-trigger="change"
            hx-target="#playbook-variables"
            hx-swap="outerHTML"
            hx-include="[name='provisioning_play'], [name^='provisioning_json_vars']"
          >
            <option value="">None (add-ons and promotions only)</option>
            {playbookOptions(str("provisioning_play")).map((o) => (
              <option value={o.value} selected={o.value === (str("provisioning_play") ?? "")}>
                {o.label}
              </option>
            ))}
          </select>
          {e.provisioning_play && <div class="field-error">{e.provisioning_play}</div>}
        </div>
        <Field
          name="required_inventory"
          label="Required inventory"
          value={str("required_inventory")}
          error={e.required_inventory}
          hint="Comma-separated types, e.g. sim, phone_number"
        />
        <PlaybookVariables playbook={str("provisioning_play")} values={v} errors={e} />
        <div class="span-2">
          <TextArea
            name="cgrates"
            label="CGRateS settings (JSON)"
            value={str("cgrates") ?? "{}"}
            error={e.cgrates}
            rows={2}
            hint='{"account_options":{"allow_negative":false},"action_plan":"AP_MONTHLY","actions":"Action_mobile-10gb"}'
          />
        </div>
        <h2 class="span-2">Structure</h2>
        <fieldset class="span-2 checkbox-group">
          <legend>Bundle components (bundles)</legend>
          {props.others
            .filter((o) => o.type === "standalone")
            .map((o) => (
              <label class="checkbox">
                <input type="checkbox" name="components" value={o.id} checked={list("components").includes(o.id)} /> {o.name}
              </label>
            ))}
          {e.components && <div class="field-error">{e.components}</div>}
        </fieldset>
        <fieldset class="span-2 checkbox-group">
          <legend>Attaches to (add-ons and promotions)</legend>
          {props.others
            .filter((o) => o.type === "standalone" || o.type === "bundle")
            .map((o) => (
              <label class="checkbox">
                <input type="checkbox" name="compatible_with" value={o.id} checked={list("compatible_with").includes(o.id)} /> {o.name}
              </label>
            ))}
          {e.compatible_with && <div class="field-error">{e.compatible_with}</div>}
        </fieldset>
        <div class="span-2">
          <TextArea
            name="promotion"
            label="Promotion terms (JSON, promotions only)"
            value={str("promotion")}
            error={e.promotion}
            rows={1}
            hint='{"kind":"percent","value":20,"months":3} · kinds: percent, fixed, free_months'
          />
        </div>
        <fieldset class="span-2 checkbox-group">
          <legend>Offered to</legend>
          {["individual", "business"].map((t) => (
            <label class="checkbox">
              <input
                type="checkbox"
                name="customer_types"
                value={t}
                checked={(list("customer_types").length ? list("customer_types") : ["individual", "business"]).includes(t)}
              />{" "}
              {t}
            </label>
          ))}
          {e["eligibility.customer_types"] && <div class="field-error">{e["eligibility.customer_types"]}</div>}
        </fieldset>
        <div class="span-2 form-actions">
          <button type="submit" class="button primary">
            {editing ? "Save product" : "Create product"}
          </button>
          <a class="button" href={editing ? `/admin/catalog/${props.product?.id}` : "/admin/catalog"}>
            Cancel
          </a>
        </div>
      </form>
    </Layout>
  );
}

export function ProductPage(props: {
  ctx: PageContext;
  product: ProductView;
  versions: { id: string; version: number; retailPrice: number; retailSetupFee: number; createdAt: string }[];
  canWrite: boolean;
  /** May start a `--check` run of the product's playbook (services:provision). */
  canTest?: boolean;
  services: number;
  byId: Map<string, string>;
}) {
  const p = props.product;
  const tz = props.ctx.settings.default_timezone;
  return (
    <Layout ctx={props.ctx} title={p.name} wide>
      <PageHeader
        title={p.name}
        back={{ href: "/admin/catalog", label: "Catalog" }}
        subtitle={
          <>
            <Badge value={p.status} /> {p.type} · {p.service_type.replace("_", " ")} · <code>{p.slug}</code> · version {p.version}
          </>
        }
        actions={
          props.canWrite && (
            <a class="button" href={`/admin/catalog/${p.id}/edit`}>
              Edit
            </a>
          )
        }
      />
      <div class="grid-2">
        <section class="card">
          <h2>Price</h2>
          <dl class="details">
            <dt>Retail</dt>
            <dd>
              {formatMoney(p.retail_price, p.currency)}{" "}
              {p.recurring_period === "monthly" ? "per month" : p.recurring_period === "annual" ? "per year" : "one-off"}
            </dd>
            <dt>Wholesale</dt>
            <dd>{formatMoney(p.wholesale_price, p.currency)}</dd>
            <dt>Setup fee</dt>
            <dd>
              {formatMoney(p.retail_setup_fee, p.currency)} (wholesale {formatMoney(p.wholesale_setup_fee, p.currency)})
            </dd>
            <dt>Tax class</dt>
            <dd>{p.tax_class}</dd>
            <dt>Proration</dt>
            <dd>{p.prorate ? "yes" : "no"}</dd>
            <dt>Includes</dt>
            <dd>
              {p.included_balances
                .map((b) => `${formatAmount(b.unit, b.amount, p.currency)}${b.validity_days ? ` (${b.validity_days} days)` : ""}`)
                .join(", ") || "—"}
            </dd>
            <dt>Offered to</dt>
            <dd>{p.eligibility.customer_types.join(", ")}</dd>
          </dl>
        </section>
        <section class="card">
          <h2>Provisioning</h2>
          <dl class="details">
            <dt>Playbook</dt>
            <dd>
              {p.provisioning_play ? <code>{p.provisioning_play}.yml</code> : "—"}
              {p.provisioning_play && props.canTest && (
                <form method="post" action={`/admin/catalog/${p.id}/test-playbook`} class="inline">
                  <CsrfField token={props.ctx.csrfToken} />
                  <button type="submit" class="button small">
                    Test this playbook (dry run)
                  </button>
                </form>
              )}
            </dd>
            <dt>Inventory</dt>
            <dd>{p.required_inventory.join(", ") || "—"}</dd>
            <dt>Variables</dt>
            <dd>
              <code class="break">{JSON.stringify(p.provisioning_json_vars)}</code>
            </dd>
            <dt>CGRateS</dt>
            <dd>
              <code class="break">{JSON.stringify(p.cgrates)}</code>
            </dd>
            {p.components.length > 0 && (
              <>
                <dt>Components</dt>
                <dd>
                  {p.components.map((id) => (
                    <a class="tag" href={`/admin/catalog/${id}`}>
                      {props.byId.get(id) ?? id}
                    </a>
                  ))}
                </dd>
              </>
            )}
            {p.compatible_with.length > 0 && (
              <>
                <dt>Attaches to</dt>
                <dd>
                  {p.compatible_with.map((id) => (
                    <a class="tag" href={`/admin/catalog/${id}`}>
                      {props.byId.get(id) ?? id}
                    </a>
                  ))}
                </dd>
              </>
            )}
            {p.promotion && (
              <>
                <dt>Promotion</dt>
                <dd>
                  <code>{JSON.stringify(p.promotion)}</code>
                </dd>
              </>
            )}
            <dt>Services</dt>
            <dd>
              <a href={`/admin/services?product_id=${p.id}`}>{props.services} service(s)</a>
            </dd>
          </dl>
        </section>
      </div>
      <section class="card">
        <h2>Price versions</h2>
        <p class="muted small">A price change makes a new version for new orders; existing services keep theirs until their plan is changed.</p>
        <Table
          rows={props.versions}
          columns={[
            {
              header: "Version",
              cell: (v) => (
                <>
                  v{v.version} {v.version === p.version && <Badge value="current" />}
                </>
              ),
            },
            { header: "Retail", cell: (v) => formatMoney(v.retailPrice, p.currency) },
            { header: "Setup", cell: (v) => formatMoney(v.retailSetupFee, p.currency) },
            { header: "Since", cell: (v) => <Time iso={v.createdAt} timeZone={tz} /> },
          ]}
        />
      </section>
    </Layout>
  );
}

/** The playbooks a product may name, each with what it needs (playbooks/<name>.needs.json). */
function playbookOptions(current: string | null | undefined): { value: string; label: string }[] {
  const options = Object.entries(PLAYBOOKS)
    .filter(([, needs]) => needs.products.length > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, needs]) => {
      const inventory = needs.inventory.map((g) => g.join(" or ")).join(", ");
      return { value: name, label: `${name} — ${needs.description}${inventory ? ` (needs ${inventory})` : ""}` };
    });
  if (current && !PLAYBOOKS[current]) options.unshift({ value: current, label: `${current} — not in playbooks/` });
  return options;
}

const asList = (v: ProductFormValues[string]): string[] => (Array.isArray(v) ? v : typeof v === "string" ? [v] : []);
const asText = (v: ProductFormValues[string]): string => (typeof v === "string" ? v : "");

/** The unit select of a balance amount: the units of `only` (or of every balance, grouped). */
function UnitSelect(props: { id: string; name: string; label: string; value: string; currency: string; only?: BalanceUnit }) {
  const units = displayUnits(props.currency).filter((u) => !props.only || u.unit === props.only);
  return (
    <div class="field">
      <label for={props.id} class={props.only ? "visually-hidden" : undefined}>
        {props.label}
      </label>
      <select id={props.id} name={props.name}>
        {units.map((u) => (
          <option value={u.id} selected={u.id === props.value}>
            {u.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/**
 * Included balances as rows of amount + unit + validity (no JavaScript needed: the rows sent, plus
 * two blank ones to add more). Amounts are typed in GB, MB, minutes, seconds, SMS or the currency.
 */
function BalanceRows(props: { values: ProductFormValues; errors: FormErrors; currency: string }) {
  const amounts = asList(props.values["included_balances.amount"]);
  const units = asList(props.values["included_balances.unit"]);
  const days = asList(props.values["included_balances.validity_days"]);
  const rows = amounts.map((amount, i) => ({ amount, unit: units[i] ?? "GB", days: days[i] ?? "" }));
  while (rows.length > 0 && (rows[rows.length - 1]?.amount ?? "").trim() === "") rows.pop();
  const blanks = Math.max(0, Math.min(2, 20 - rows.length));
  for (let i = 0; i < blanks; i++) rows.push({ amount: "", unit: "GB", days: "" });
  const summary = props.errors.included_balances;
  return (
    <fieldset class="span-2 checkbox-group" id="f-included_balances">
      <legend>Included balances</legend>
      <p class="hint">
        Data in GB or MB (1 GB = 1024 MB), voice in minutes or seconds, SMS, or credit in {props.currency}. Leave the amount empty to drop a row.
      </p>
      {summary && <div class="field-error">{summary}</div>}
      {rows.map((row, i) => {
        const error = props.errors[`included_balances.${i}`];
        return (
          <div class={error ? "unit-row invalid" : "unit-row"}>
            <div class={error ? "field invalid" : "field"}>
              <label for={`f-included_balances-${i}`}>Amount {i + 1}</label>
              <input
                id={`f-included_balances-${i}`}
                name="included_balances.amount"
                inputmode="decimal"
                value={row.amount}
                aria-invalid={error ? "true" : undefined}
                aria-describedby={error ? `f-included_balances-${i}-error` : undefined}
              />
            </div>
            <UnitSelect id={`f-included_balances-${i}-unit`} name="included_balances.unit" label="Unit" value={row.unit} currency={props.currency} />
            <div class="field">
              <label for={`f-included_balances-${i}-days`}>Valid for (days)</label>
              <input id={`f-included_balances-${i}-days`} name="included_balances.validity_days" inputmode="numeric" value={row.days} placeholder="no expiry" />
            </div>
            {error && (
              <div class="field-error" id={`f-included_balances-${i}-error`}>
                {error}
              </div>
            )}
          </div>
        );
      })}
    </fieldset>
  );
}

const THRESHOLD_LABELS: Record<BalanceUnit, string> = { data: "Data", voice: "Voice", sms: "SMS", monetary: "Credit" };

/** Low-balance thresholds: one amount per balance unit, in the unit people think in. */
function LowBalanceFields(props: { values: ProductFormValues; errors: FormErrors; currency: string }) {
  return (
    <fieldset class="span-2 checkbox-group" id="f-low_balance_thresholds">
      <legend>Low-balance warnings (when a balance falls below)</legend>
      {props.errors.low_balance_thresholds && <div class="field-error">{props.errors.low_balance_thresholds}</div>}
      <div class="unit-row">
        {BALANCE_UNITS.map((unit) => {
          const name = `low_balance_thresholds.${unit}`;
          const id = `f-low_balance_thresholds-${unit}`;
          const error = props.errors[name];
          const fixed = unit === "sms" ? "SMS" : unit === "monetary" ? props.currency : null;
          return (
            <div class={error ? "field invalid" : "field"}>
              <label for={id}>
                {THRESHOLD_LABELS[unit]}
                {unit === "monetary" && ` (${props.currency})`}
              </label>
              <span class="unit-row">
                <input id={id} name={name} inputmode="decimal" value={asText(props.values[name])} aria-invalid={error ? "true" : undefined} />
                {!fixed && (
                  <UnitSelect
                    id={`${id}-unit`}
                    name={`${name}.unit`}
                    label={`${THRESHOLD_LABELS[unit]} unit`}
                    value={asText(props.values[`${name}.unit`]) || (unit === "data" ? "GB" : "min")}
                    currency={props.currency}
                    only={unit}
                  />
                )}
                {fixed && <input type="hidden" name={`${name}.unit`} value={unit === "sms" ? "sms" : "money"} />}
              </span>
              {error && <div class="field-error">{error}</div>}
            </div>
          );
        })}
      </div>
    </fieldset>
  );
}

/**
 * The chosen playbook's variables, one field each (a select for a closed list, required ones
 * marked), from `playbooks/<name>.needs.json`; variables it does not declare stay as JSON under
 * "Advanced". Replaced (htmx) when the playbook changes; without JavaScript, after a submit.
 */
export function PlaybookVariables(props: { playbook: string | null | undefined; values: ProductFormValues; errors: FormErrors }) {
  const declared = props.playbook ? (PLAYBOOKS[props.playbook]?.vars ?? {}) : {};
  const names = Object.keys(declared);
  const advanced = asText(props.values.provisioning_json_vars);
  const advancedError = props.errors.provisioning_json_vars;
  return (
    <div id="playbook-variables" class="span-2 stack" aria-live="polite">
      {props.playbook && (
        <fieldset class="checkbox-group">
          <legend>Variables of {props.playbook}</legend>
          {names.length === 0 && <p class="hint">This playbook reads no product variables.</p>}
          <div class="form-grid">
            {names.map((name) => {
              const rule = declared[name];
              const field = `provisioning_json_vars.${name}`;
              const value = asText(props.values[field]);
              const error = props.errors[field];
              const label = rule?.description ? `${name} — ${rule.description}` : name;
              return rule?.enum ? (
                <SelectField
                  name={field}
                  id={`f-provisioning_json_vars-${name}`}
                  label={label}
                  value={value}
                  blank={rule.required ? "Choose…" : "Not set (the playbook's default)"}
                  options={rule.enum}
                  error={error}
                  required={rule.required}
                />
              ) : (
                <Field name={field} label={label} value={value} error={error} required={rule?.required} />
              );
            })}
          </div>
        </fieldset>
      )}
      <details open={advanced !== "" || advancedError !== undefined ? true : undefined}>
        <summary>Advanced: other variables (JSON)</summary>
        <TextArea
          name="provisioning_json_vars"
          label="Variables the playbook does not declare, as a JSON object"
          value={advanced}
          error={advancedError}
          rows={2}
          hint='e.g. {"number_pool":"mobile"} — read by the worker (number_pool, ip_prefix_length, ip_family) or by custom playbooks'
        />
      </details>
    </div>
  );
}
