import { PLAYBOOKS } from "../domain/catalog/playbooks";
import { BALANCE_UNITS, type BalanceUnit, PRODUCT_STATUSES, PRODUCT_TYPES, type ProductView, SERVICE_TYPES } from "../domain/catalog/schemas";
import { type DisplayUnit, displayUnits, moneyToInput, readableQuantity } from "../domain/catalog/units";
import type { MessageKey } from "../i18n/catalogue";
import { currentLocale, t } from "../i18n/request-locale";
import { Badge, CsrfField, EmptyState, ErrorSummary, Field, type FormErrors, PageHeader, SelectField, statusLabel, Table, TextArea, Time } from "./components";
import { formatAmount, formatMoney } from "./format";
import { Layout, type PageContext } from "./layout";

/** Product words the badges do not translate (the others go through statusLabel). */
const PRODUCT_WORDS = new Set(["standalone", "promotion", "iptv", "other", "monthly", "annual", "none"]);

/** A stored product word (type, service type, status, period) in the page's language; English shows it as stored. */
function productWord(value: string): string {
  if (currentLocale() === "en") return value;
  return PRODUCT_WORDS.has(value) ? t(`settings.catalog.word.${value}` as MessageKey) : statusLabel(value);
}

/** Select options of stored words, labelled in the page's language. */
const wordOptions = (values: readonly string[]) => values.map((value) => ({ value, label: productWord(value) }));

/** A unit's name in the page's language ("GB" → « Go »). */
const unitLabel = (u: DisplayUnit, currency: string) => t(`settings.catalog.unit.${u.id}` as MessageKey, { currency });

export function CatalogPage(props: { ctx: PageContext; products: ProductView[]; canWrite: boolean; filter: { status?: string; type?: string } }) {
  return (
    <Layout ctx={props.ctx} title={t("settings.catalog.title")} wide>
      <PageHeader
        title={t("settings.catalog.title")}
        subtitle={t("settings.catalog.subtitle")}
        actions={
          props.canWrite && (
            <a class="button primary" href="/admin/catalog/new">
              {t("settings.catalog.new_product")}
            </a>
          )
        }
      />
      <form class="filters" method="get" action="/admin/catalog">
        <SelectField name="status" label={t("settings.status")} value={props.filter.status} blank={t("settings.any")} options={wordOptions(PRODUCT_STATUSES)} />
        <SelectField name="type" label={t("settings.type")} value={props.filter.type} blank={t("settings.any")} options={wordOptions(PRODUCT_TYPES)} />
        <button type="submit" class="button">
          {t("settings.filter")}
        </button>
      </form>
      <section class="card">
        <Table
          rows={props.products}
          empty={
            <EmptyState title={t("settings.catalog.empty")}>
              {props.canWrite && <a href="/admin/catalog/new">{t("settings.catalog.create_first")}</a>}
            </EmptyState>
          }
          columns={[
            {
              header: t("settings.catalog.product"),
              cell: (p) => (
                <>
                  <a href={`/admin/catalog/${p.id}`}>{p.name}</a>
                  <div class="muted small">
                    {p.slug} · v{p.version}
                  </div>
                </>
              ),
            },
            { header: t("settings.type"), cell: (p) => productWord(p.type) },
            { header: t("settings.catalog.service"), cell: (p) => (currentLocale() === "en" ? p.service_type.replace("_", " ") : productWord(p.service_type)) },
            {
              header: t("settings.catalog.price"),
              class: "nowrap",
              cell: (p) => (
                <>
                  {formatMoney(p.retail_price, p.currency)}
                  {p.recurring_period === "monthly"
                    ? t("settings.catalog.per_month_short")
                    : p.recurring_period === "annual"
                      ? t("settings.catalog.per_year_short")
                      : ""}
                </>
              ),
            },
            { header: t("settings.catalog.setup"), class: "nowrap", cell: (p) => formatMoney(p.retail_setup_fee, p.currency) },
            {
              header: t("settings.catalog.includes"),
              class: "small",
              cell: (p) => p.included_balances.map((b) => formatAmount(b.unit, b.amount, p.currency)).join(", ") || "—",
            },
            { header: t("settings.status"), cell: (p) => <Badge value={p.status} /> },
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
  const title = editing ? t("settings.catalog.edit_title", { name: props.product?.name ?? "" }) : t("settings.catalog.new_product");
  const currency = (str("currency") ?? "").trim().toUpperCase() || props.ctx.settings.default_currency;
  return (
    <Layout ctx={props.ctx} title={title} wide>
      <PageHeader
        title={title}
        back={
          editing
            ? { href: `/admin/catalog/${props.product?.id}`, label: props.product?.name ?? t("settings.catalog.product") }
            : { href: "/admin/catalog", label: t("settings.catalog.title") }
        }
      />
      <form method="post" action={editing ? `/admin/catalog/${props.product?.id}/edit` : "/admin/catalog/new"} class="card form-grid" novalidate>
        <CsrfField token={props.ctx.csrfToken} />
        <ErrorSummary errors={e} message={props.message} />
        <h2 class="span-2">{t("settings.catalog.offer")}</h2>
        <Field name="name" label={t("settings.name")} value={str("name")} error={e.name} required autofocus />
        {editing ? (
          <Field name="slug_display" label={t("settings.catalog.slug")} value={str("slug")} hint={t("settings.catalog.slug_fixed")} />
        ) : (
          <Field name="slug" label={t("settings.catalog.slug")} value={str("slug")} error={e.slug} required hint={`${t("settings.eg")} mobile-10gb`} />
        )}
        {!editing && (
          <SelectField
            name="type"
            label={t("settings.type")}
            value={str("type") ?? "standalone"}
            options={wordOptions(PRODUCT_TYPES)}
            error={e.type}
            required
          />
        )}
        <SelectField
          name="service_type"
          label={t("settings.catalog.service_type")}
          value={str("service_type") ?? "mobile"}
          options={wordOptions(SERVICE_TYPES)}
          error={e.service_type}
          required
        />
        <SelectField
          name="status"
          label={t("settings.status")}
          value={str("status") ?? "draft"}
          options={wordOptions(PRODUCT_STATUSES)}
          error={e.status}
          required
        />
        <div class="span-2">
          <TextArea name="description" label={t("settings.description")} value={str("description")} error={e.description} rows={2} />
        </div>
        <h2 class="span-2">{t("settings.catalog.price")}</h2>
        <Field
          name="currency"
          label={t("settings.catalog.currency")}
          value={str("currency")}
          error={e.currency}
          placeholder={props.ctx.settings.default_currency}
        />
        <Field
          name="tax_class"
          label={t("settings.catalog.tax_class")}
          value={str("tax_class") ?? "standard"}
          error={e.tax_class}
          hint={t("settings.catalog.tax_class_hint")}
        />
        <Field
          name="retail_price"
          label={t("settings.catalog.retail_price")}
          value={str("retail_price")}
          error={e.retail_price}
          required
          hint={t("settings.catalog.retail_price_hint", { currency })}
        />
        <Field name="wholesale_price" label={t("settings.catalog.wholesale_price")} value={str("wholesale_price")} error={e.wholesale_price} />
        <Field name="retail_setup_fee" label={t("settings.catalog.setup_fee")} value={str("retail_setup_fee")} error={e.retail_setup_fee} />
        <Field name="wholesale_setup_fee" label={t("settings.catalog.wholesale_setup_fee")} value={str("wholesale_setup_fee")} error={e.wholesale_setup_fee} />
        <SelectField
          name="recurring_period"
          label={t("settings.catalog.recurring")}
          value={str("recurring_period") ?? "monthly"}
          options={wordOptions(["monthly", "annual", "none"])}
          error={e.recurring_period}
        />
        <div class="field">
          <label class="checkbox">
            <input type="checkbox" name="prorate" value="1" checked={v.prorate !== false} /> {t("settings.catalog.prorate")}
          </label>
          <label class="checkbox">
            <input type="checkbox" name="allow_negative" value="1" checked={v.allow_negative === true} /> {t("settings.catalog.allow_negative")}
          </label>
          <label class="checkbox">
            <input type="checkbox" name="suspend_when_exhausted" value="1" checked={v.suspend_when_exhausted === true} />{" "}
            {t("settings.catalog.suspend_when_exhausted")}
          </label>
          <label class="checkbox">
            <input type="checkbox" name="plan_change_approval" value="1" checked={v.plan_change_approval === true} />{" "}
            {t("settings.catalog.plan_change_approval")}
          </label>
        </div>
        <BalanceRows values={v} errors={e} currency={currency} />
        <LowBalanceFields values={v} errors={e} currency={currency} />
        <h2 class="span-2">{t("settings.catalog.provisioning")}</h2>
        <div class="field">
          <label for="f-provisioning_play">{t("settings.catalog.playbook")}</label>
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
            <option value="">{t("settings.catalog.no_playbook")}</option>
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
          label={t("settings.catalog.required_inventory")}
          value={str("required_inventory")}
          error={e.required_inventory}
          hint={t("settings.catalog.required_inventory_hint")}
        />
        <PlaybookVariables playbook={str("provisioning_play")} values={v} errors={e} />
        <div class="span-2">
          <TextArea
            name="cgrates"
            label={t("settings.catalog.cgrates")}
            value={str("cgrates") ?? "{}"}
            error={e.cgrates}
            rows={2}
            hint='{"account_options":{"allow_negative":false},"action_plan":"AP_MONTHLY","actions":"Action_mobile-10gb"}'
          />
        </div>
        <h2 class="span-2">{t("settings.catalog.structure")}</h2>
        <fieldset class="span-2 checkbox-group">
          <legend>{t("settings.catalog.components_legend")}</legend>
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
          <legend>{t("settings.catalog.attaches_legend")}</legend>
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
            label={t("settings.catalog.promotion_terms")}
            value={str("promotion")}
            error={e.promotion}
            rows={1}
            hint={`{"kind":"percent","value":20,"months":3} · ${t("settings.catalog.promotion_kinds")}`}
          />
        </div>
        <fieldset class="span-2 checkbox-group">
          <legend>{t("settings.catalog.offered_to")}</legend>
          {["individual", "business"].map((type) => (
            <label class="checkbox">
              <input
                type="checkbox"
                name="customer_types"
                value={type}
                checked={(list("customer_types").length ? list("customer_types") : ["individual", "business"]).includes(type)}
              />{" "}
              {statusLabel(type)}
            </label>
          ))}
          {e["eligibility.customer_types"] && <div class="field-error">{e["eligibility.customer_types"]}</div>}
        </fieldset>
        <div class="span-2 form-actions">
          <button type="submit" class="button primary">
            {editing ? t("settings.catalog.save_product") : t("settings.catalog.create_product")}
          </button>
          <a class="button" href={editing ? `/admin/catalog/${props.product?.id}` : "/admin/catalog"}>
            {t("settings.cancel")}
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
        back={{ href: "/admin/catalog", label: t("settings.catalog.title") }}
        subtitle={
          <>
            <Badge value={p.status} /> {productWord(p.type)} · {currentLocale() === "en" ? p.service_type.replace("_", " ") : productWord(p.service_type)} ·{" "}
            <code>{p.slug}</code> · {t("settings.catalog.version_n", { version: p.version })}
          </>
        }
        actions={
          props.canWrite && (
            <a class="button" href={`/admin/catalog/${p.id}/edit`}>
              {t("settings.edit")}
            </a>
          )
        }
      />
      <div class="grid-2">
        <section class="card">
          <h2>{t("settings.catalog.price")}</h2>
          <dl class="details">
            <dt>{t("settings.catalog.retail")}</dt>
            <dd>
              {formatMoney(p.retail_price, p.currency)}{" "}
              {p.recurring_period === "monthly"
                ? t("settings.catalog.per_month")
                : p.recurring_period === "annual"
                  ? t("settings.catalog.per_year")
                  : t("settings.catalog.one_off")}
            </dd>
            <dt>{t("settings.catalog.wholesale")}</dt>
            <dd>{formatMoney(p.wholesale_price, p.currency)}</dd>
            <dt>{t("settings.catalog.setup_fee")}</dt>
            <dd>
              {formatMoney(p.retail_setup_fee, p.currency)} {t("settings.catalog.wholesale_amount", { amount: formatMoney(p.wholesale_setup_fee, p.currency) })}
            </dd>
            <dt>{t("settings.catalog.tax_class")}</dt>
            <dd>{p.tax_class}</dd>
            <dt>{t("settings.catalog.proration")}</dt>
            <dd>{p.prorate ? t("settings.yes") : t("settings.no")}</dd>
            <dt>{t("settings.catalog.includes")}</dt>
            <dd>
              {p.included_balances
                .map((b) => `${formatAmount(b.unit, b.amount, p.currency)}${b.validity_days ? t("settings.catalog.days", { days: b.validity_days }) : ""}`)
                .join(", ") || "—"}
            </dd>
            <dt>{t("settings.catalog.offered_to")}</dt>
            <dd>{p.eligibility.customer_types.map(statusLabel).join(", ")}</dd>
          </dl>
        </section>
        <section class="card">
          <h2>{t("settings.catalog.provisioning")}</h2>
          <dl class="details">
            <dt>{t("settings.catalog.playbook")}</dt>
            <dd>
              {p.provisioning_play ? <code>{p.provisioning_play}.yml</code> : "—"}
              {p.provisioning_play && props.canTest && (
                <form method="post" action={`/admin/catalog/${p.id}/test-playbook`} class="inline">
                  <CsrfField token={props.ctx.csrfToken} />
                  <button type="submit" class="button small">
                    {t("settings.catalog.test_playbook")}
                  </button>
                </form>
              )}
            </dd>
            <dt>{t("settings.catalog.inventory")}</dt>
            <dd>{p.required_inventory.join(", ") || "—"}</dd>
            <dt>{t("settings.catalog.variables")}</dt>
            <dd>
              <code class="break">{JSON.stringify(p.provisioning_json_vars)}</code>
            </dd>
            <dt>CGRateS</dt>
            <dd>
              <code class="break">{JSON.stringify(p.cgrates)}</code>
            </dd>
            {p.components.length > 0 && (
              <>
                <dt>{t("settings.catalog.components")}</dt>
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
                <dt>{t("settings.catalog.attaches_to")}</dt>
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
                <dt>{t("settings.catalog.promotion")}</dt>
                <dd>
                  <code>{JSON.stringify(p.promotion)}</code>
                </dd>
              </>
            )}
            <dt>{t("settings.catalog.services")}</dt>
            <dd>
              <a href={`/admin/services?product_id=${p.id}`}>{t("settings.catalog.services_count", { count: props.services })}</a>
            </dd>
          </dl>
        </section>
      </div>
      <section class="card">
        <h2>{t("settings.catalog.price_versions")}</h2>
        <p class="muted small">{t("settings.catalog.price_versions_hint")}</p>
        <Table
          rows={props.versions}
          columns={[
            {
              header: t("settings.catalog.version"),
              cell: (v) => (
                <>
                  v{v.version} {v.version === p.version && <Badge value="current" />}
                </>
              ),
            },
            { header: t("settings.catalog.retail"), cell: (v) => formatMoney(v.retailPrice, p.currency) },
            { header: t("settings.catalog.setup"), cell: (v) => formatMoney(v.retailSetupFee, p.currency) },
            { header: t("settings.catalog.since"), cell: (v) => <Time iso={v.createdAt} timeZone={tz} /> },
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
      const inventory = needs.inventory.map((g) => g.join(t("settings.catalog.playbook_or"))).join(", ");
      return { value: name, label: `${name} — ${needs.description}${inventory ? t("settings.catalog.playbook_needs", { inventory }) : ""}` };
    });
  if (current && !PLAYBOOKS[current]) options.unshift({ value: current, label: `${current} — ${t("settings.catalog.playbook_missing")}` });
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
            {unitLabel(u, props.currency)}
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
      <legend>{t("settings.catalog.balances")}</legend>
      <p class="hint">{t("settings.catalog.balances_hint", { currency: props.currency })}</p>
      {summary && <div class="field-error">{summary}</div>}
      {rows.map((row, i) => {
        const error = props.errors[`included_balances.${i}`];
        return (
          <div class={error ? "unit-row invalid" : "unit-row"}>
            <div class={error ? "field invalid" : "field"}>
              <label for={`f-included_balances-${i}`}>{t("settings.catalog.amount_n", { n: i + 1 })}</label>
              <input
                id={`f-included_balances-${i}`}
                name="included_balances.amount"
                inputmode="decimal"
                value={row.amount}
                aria-invalid={error ? "true" : undefined}
                aria-describedby={error ? `f-included_balances-${i}-error` : undefined}
              />
            </div>
            <UnitSelect
              id={`f-included_balances-${i}-unit`}
              name="included_balances.unit"
              label={t("settings.catalog.unit")}
              value={row.unit}
              currency={props.currency}
            />
            <div class="field">
              <label for={`f-included_balances-${i}-days`}>{t("settings.catalog.valid_days")}</label>
              <input
                id={`f-included_balances-${i}-days`}
                name="included_balances.validity_days"
                inputmode="numeric"
                value={row.days}
                placeholder={t("settings.catalog.no_expiry")}
              />
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

/** A balance unit's name in the low-balance fields ("Data", « Données »). */
const thresholdLabel = (unit: BalanceUnit) => t(`settings.catalog.threshold.${unit}`);

/** Low-balance thresholds: one amount per balance unit, in the unit people think in. */
function LowBalanceFields(props: { values: ProductFormValues; errors: FormErrors; currency: string }) {
  return (
    <fieldset class="span-2 checkbox-group" id="f-low_balance_thresholds">
      <legend>{t("settings.catalog.low_balance")}</legend>
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
                {thresholdLabel(unit)}
                {unit === "monetary" && ` (${props.currency})`}
              </label>
              <span class="unit-row">
                <input id={id} name={name} inputmode="decimal" value={asText(props.values[name])} aria-invalid={error ? "true" : undefined} />
                {!fixed && (
                  <UnitSelect
                    id={`${id}-unit`}
                    name={`${name}.unit`}
                    label={t("settings.catalog.threshold_unit", { label: thresholdLabel(unit) })}
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
          <legend>{t("settings.catalog.variables_of", { playbook: props.playbook })}</legend>
          {names.length === 0 && <p class="hint">{t("settings.catalog.no_variables")}</p>}
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
                  blank={rule.required ? t("settings.catalog.choose") : t("settings.catalog.not_set")}
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
        <summary>{t("settings.catalog.advanced")}</summary>
        <TextArea
          name="provisioning_json_vars"
          label={t("settings.catalog.advanced_label")}
          value={advanced}
          error={advancedError}
          rows={2}
          hint={`${t("settings.eg")} {"number_pool":"mobile"} — ${t("settings.catalog.advanced_hint")}`}
        />
      </details>
    </div>
  );
}
