import { type Context, Hono } from "hono";
import { z } from "zod";
import { getProduct, listProducts, listProductVersions } from "../../db/queries/catalog";
import { countServicesOfProduct } from "../../db/queries/services";
import { PLAYBOOKS } from "../../domain/catalog/playbooks";
import { createProduct, updateProduct } from "../../domain/catalog/products";
import { BALANCE_UNITS, PRODUCT_STATUSES, PRODUCT_TYPES, ProductCreate, ProductPatch, type ProductView } from "../../domain/catalog/schemas";
import { displayUnits, parseMoneyAmount, parseQuantity } from "../../domain/catalog/units";
import { queuePlaybookCheck } from "../../domain/jobs/check";
import { serviceDeps } from "../../durable/service-client";
import type { AppEnv } from "../../env";
import { t } from "../../i18n/request-locale";
import { NotFound } from "../../lib/errors";
import { allowed, can, writeContext } from "../../middleware/access";
import { CatalogPage, PlaybookVariables, ProductFormPage, type ProductFormValues, ProductPage, productFormValues, varFormValues } from "../../views/catalog";
import { type FormErrors, statusLabel } from "../../views/components";
import { pageContext, redirectWithNotice } from "./context";
import { attempt, type FormBody, list, readForm, text, validate } from "./forms";

const MONEY_FIELDS = ["retail_price", "wholesale_price", "retail_setup_fee", "wholesale_setup_fee"] as const;
const JSON_FIELDS = ["cgrates", "promotion"] as const;
const VAR_PREFIX = "provisioning_json_vars.";

/** How a variable's value reads in its field (text as is, anything else as JSON). */
const varText = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

/**
 * The playbook variables of the form: the "Advanced" JSON object, then one field per variable
 * (`provisioning_json_vars.<name>`; empty clears a variable the playbook declares). A field left as
 * it was keeps the value's type (a number stays a number); typed text is a string.
 */
export function formVars(
  body: FormBody,
  playbook: string | null | undefined,
  previous: Record<string, unknown> = {},
): { vars: Record<string, unknown>; error?: string } {
  const raw = text(body, "provisioning_json_vars");
  let vars: Record<string, unknown> = {};
  let error: string | undefined;
  if (raw) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) vars = { ...(parsed as Record<string, unknown>) };
      else error = `${t("settings.catalog.error.json_object")} {"number_pool":"mobile"}`;
    } catch {
      error = t("settings.catalog.error.json");
    }
  }
  const declared = (playbook && PLAYBOOKS[playbook]?.vars) || {};
  for (const key of Object.keys(body)) {
    if (!key.startsWith(VAR_PREFIX)) continue;
    const name = key.slice(VAR_PREFIX.length);
    if (!/^[A-Za-z0-9_]{1,64}$/.test(name)) continue;
    const value = (text(body, key) ?? "").trim();
    if (value === "") {
      if (name in declared) delete vars[name];
      continue;
    }
    vars[name] = name in previous && varText(previous[name]) === value ? previous[name] : value;
  }
  return { vars, error };
}

/**
 * Reads the product form: prices in the currency's main unit and balances in GB, MB, minutes,
 * seconds, SMS or credit become exact base units; playbook variables come from their fields.
 */
function productInput(
  body: FormBody,
  opts: { currency: string; previousVars?: Record<string, unknown> },
): { input: Record<string, unknown>; errors: FormErrors; shown: ProductFormValues; balanceRows: number[] } {
  const errors: FormErrors = {};
  const currency = (text(body, "currency") ?? "").trim().toUpperCase() || opts.currency;
  const playbook = text(body, "provisioning_play", "null") ?? null;
  const input: Record<string, unknown> = {
    name: text(body, "name") ?? "",
    description: text(body, "description", "null"),
    service_type: text(body, "service_type"),
    status: text(body, "status"),
    tax_class: text(body, "tax_class") ?? "standard",
    recurring_period: text(body, "recurring_period"),
    prorate: text(body, "prorate") === "1",
    allow_negative: text(body, "allow_negative") === "1",
    suspend_when_exhausted: text(body, "suspend_when_exhausted") === "1",
    plan_change_approval: text(body, "plan_change_approval") === "1",
    provisioning_play: playbook,
    required_inventory: (text(body, "required_inventory") ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    components: list(body, "components"),
    compatible_with: list(body, "compatible_with"),
    eligibility: { customer_types: list(body, "customer_types") },
  };
  const typedCurrency = text(body, "currency");
  if (typedCurrency) input.currency = typedCurrency;
  for (const f of MONEY_FIELDS) {
    const raw = text(body, f);
    if (raw === undefined && f !== "retail_price") continue;
    const value = parseMoneyAmount(raw ?? "", currency);
    if (value.ok) input[f] = value.amount;
    else errors[f] = value.message;
  }
  // A group of fields the form did not send is left as it is.
  const sent = (prefix: string) => Object.keys(body).some((k) => k.startsWith(prefix));
  const balances = readBalances(body, currency, errors);
  if (sent("included_balances.")) input.included_balances = balances.balances;
  if (sent("low_balance_thresholds.")) input.low_balance_thresholds = readThresholds(body, currency, errors);
  if (sent("provisioning_json_vars")) {
    const vars = formVars(body, playbook, opts.previousVars);
    input.provisioning_json_vars = vars.vars;
    if (vars.error) errors.provisioning_json_vars = vars.error;
  }
  for (const f of JSON_FIELDS) {
    const raw = text(body, f);
    if (raw === undefined || raw === null) {
      if (f === "promotion") input.promotion = null;
      continue;
    }
    try {
      input[f] = JSON.parse(raw);
    } catch {
      errors[f] = t("settings.catalog.error.json");
    }
  }
  const shown: ProductFormValues = {
    ...Object.fromEntries(Object.entries(body).map(([k, v]) => [k, v])),
    prorate: input.prorate as boolean,
    allow_negative: input.allow_negative as boolean,
    suspend_when_exhausted: input.suspend_when_exhausted as boolean,
    plan_change_approval: input.plan_change_approval as boolean,
  };
  return { input, errors, shown, balanceRows: balances.rows };
}

/** The included-balance rows typed (empty amounts skipped); `rows[k]` is the form row of balance k. */
function readBalances(body: FormBody, currency: string, errors: FormErrors) {
  const amounts = list(body, "included_balances.amount");
  const units = list(body, "included_balances.unit");
  const days = list(body, "included_balances.validity_days");
  const balances: { unit: string; amount: number; validity_days: number | null }[] = [];
  const rows: number[] = [];
  if (amounts.length > 20) errors.included_balances = t("settings.catalog.error.max_balances");
  amounts.slice(0, 20).forEach((raw, i) => {
    if (raw.trim() === "") return;
    const unit = displayUnits(currency).find((u) => u.id === units[i]);
    if (!unit) {
      errors[`included_balances.${i}`] = t("settings.catalog.error.choose_unit");
      return;
    }
    const q = parseQuantity(raw, unit, currency);
    const d = (days[i] ?? "").trim();
    const validity = d === "" ? null : /^\d{1,4}$/.test(d) && Number(d) >= 1 && Number(d) <= 3650 ? Number(d) : undefined;
    if (!q.ok) errors[`included_balances.${i}`] = q.message;
    else if (validity === undefined) errors[`included_balances.${i}`] = t("settings.catalog.error.validity");
    else {
      balances.push({ unit: unit.unit, amount: q.amount, validity_days: validity });
      rows.push(i);
    }
  });
  return { balances, rows };
}

/** Low-balance thresholds typed per unit (empty: none). */
function readThresholds(body: FormBody, currency: string, errors: FormErrors): Record<string, number> {
  const out: Record<string, number> = {};
  for (const unit of BALANCE_UNITS) {
    const name = `low_balance_thresholds.${unit}`;
    const raw = text(body, name);
    if (!raw) continue;
    const fallback = unit === "data" ? "GB" : unit === "voice" ? "min" : unit === "sms" ? "sms" : "money";
    const chosen = displayUnits(currency).find((u) => u.id === (text(body, `${name}.unit`) ?? fallback) && u.unit === unit);
    const q = chosen ? parseQuantity(raw, chosen, currency, { allowZero: true }) : ({ ok: false, message: t("settings.catalog.error.choose_unit") } as const);
    if (q.ok) out[unit] = q.amount;
    else errors[name] = q.message;
  }
  return out;
}

/** Zod errors on a balance (`included_balances.<k>.…`) shown on the form row it came from. */
function onRows(errors: FormErrors, rows: number[]): FormErrors {
  const out: FormErrors = {};
  for (const [path, message] of Object.entries(errors)) {
    const m = path.match(/^included_balances\.(\d+)/);
    out[m ? `included_balances.${rows[Number(m[1])] ?? m[1]}` : path] = message;
  }
  return out;
}

async function otherProducts(c: Context<AppEnv>, except?: string): Promise<ProductView[]> {
  return (await listProducts(c.get("db"), { limit: 200 })).data.filter((p) => p.id !== except);
}

export const catalogPages = new Hono<AppEnv>()
  .get("/catalog", can("catalog:read"), async (c) => {
    const filter = {
      status: z.enum(PRODUCT_STATUSES).optional().catch(undefined).parse(c.req.query("status")),
      type: z.enum(PRODUCT_TYPES).optional().catch(undefined).parse(c.req.query("type")),
    };
    const page = await listProducts(c.get("db"), { ...filter, limit: 200 });
    return c.html(<CatalogPage ctx={pageContext(c)} products={page.data} canWrite={allowed(c, "catalog:write")} filter={filter} />);
  })
  .get("/catalog/new", can("catalog:write"), async (c) =>
    c.html(<ProductFormPage ctx={pageContext(c)} product={null} values={{ status: "draft", prorate: true }} errors={{}} others={await otherProducts(c)} />),
  )
  .get("/catalog/playbook-variables", can("catalog:write"), (c) => {
    // The fields of the playbook just chosen, carrying over what was typed (htmx, on change).
    const query: FormBody = c.req.queries();
    const playbook = text(query, "provisioning_play") ?? null;
    const { vars, error } = formVars(query, null);
    const declared = (playbook && PLAYBOOKS[playbook]?.vars) || {};
    const values = error
      ? { ...varFormValues({}, declared), provisioning_json_vars: text(query, "provisioning_json_vars") ?? "" }
      : varFormValues(vars, declared);
    return c.html(<PlaybookVariables playbook={playbook} values={values} errors={error ? { provisioning_json_vars: error } : {}} />);
  })
  .post("/catalog/new", can("catalog:write"), async (c) => {
    const body = await readForm(c);
    const { input, errors, shown, balanceRows } = productInput(body, { currency: pageContext(c).settings.default_currency });
    const render = async (e: FormErrors, message?: string) =>
      c.html(<ProductFormPage ctx={pageContext(c)} product={null} values={shown} errors={e} message={message} others={await otherProducts(c)} />, 422);
    const parsed = validate(ProductCreate, { ...input, slug: text(body, "slug") ?? "", type: text(body, "type") });
    if (Object.keys(errors).length > 0 || !parsed.ok) return render({ ...(parsed.ok ? {} : onRows(parsed.errors, balanceRows)), ...errors });
    const result = await attempt(() => createProduct(writeContext(c), parsed.data, serviceDeps(c.env).enqueue));
    if (!result.ok) return render(result.errors, result.message);
    return redirectWithNotice(
      c,
      `/admin/catalog/${result.data.id}`,
      t("settings.catalog.notice.created", { name: result.data.name, status: statusLabel(result.data.status) }),
    );
  })
  .get("/catalog/:id", can("catalog:read"), async (c) => {
    const db = c.get("db");
    const product = await getProduct(db, c.req.param("id"));
    if (!product) throw new NotFound(t("settings.catalog.error.no_product"));
    const [versions, count, others] = await Promise.all([
      listProductVersions(db, product.id),
      countServicesOfProduct(db, product.id),
      otherProducts(c, product.id),
    ]);
    return c.html(
      <ProductPage
        ctx={pageContext(c)}
        product={product}
        versions={versions}
        canWrite={allowed(c, "catalog:write")}
        canTest={allowed(c, "services:provision")}
        services={count}
        byId={new Map(others.map((o) => [o.id, o.name]))}
      />,
    );
  })
  .post("/catalog/:id/test-playbook", can("services:provision"), async (c) => {
    await readForm(c);
    const id = c.req.param("id");
    const result = await attempt(() => queuePlaybookCheck(writeContext(c), serviceDeps(c.env, new URL(c.req.url).origin), id));
    if (!result.ok) return c.redirect(`/admin/catalog/${id}?error=${encodeURIComponent(result.message ?? t("settings.catalog.error.check_not_started"))}`, 303);
    return redirectWithNotice(c, `/admin/jobs/${result.data.id}`, t("settings.catalog.notice.check_queued"));
  })
  .get("/catalog/:id/edit", can("catalog:write"), async (c) => {
    const product = await getProduct(c.get("db"), c.req.param("id"));
    if (!product) throw new NotFound(t("settings.catalog.error.no_product"));
    return c.html(
      <ProductFormPage ctx={pageContext(c)} product={product} values={productFormValues(product)} errors={{}} others={await otherProducts(c, product.id)} />,
    );
  })
  .post("/catalog/:id/edit", can("catalog:write"), async (c) => {
    const product = await getProduct(c.get("db"), c.req.param("id"));
    if (!product) throw new NotFound(t("settings.catalog.error.no_product"));
    const { input, errors, shown, balanceRows } = productInput(await readForm(c), {
      currency: product.currency,
      previousVars: product.provisioning_json_vars,
    });
    const render = async (e: FormErrors, message?: string) =>
      c.html(
        <ProductFormPage
          ctx={pageContext(c)}
          product={product}
          values={{ ...shown, slug: product.slug }}
          errors={e}
          message={message}
          others={await otherProducts(c, product.id)}
        />,
        422,
      );
    const parsed = validate(ProductPatch, input);
    if (Object.keys(errors).length > 0 || !parsed.ok) return render({ ...(parsed.ok ? {} : onRows(parsed.errors, balanceRows)), ...errors });
    const result = await attempt(() => updateProduct(writeContext(c), product.id, parsed.data, serviceDeps(c.env).enqueue));
    if (!result.ok) return render(result.errors, result.message);
    const status =
      result.data.status === product.status
        ? ""
        : t(
            (
              {
                active: "settings.catalog.notice.published",
                retired: "settings.catalog.notice.retired",
                draft: "settings.catalog.notice.back_to_draft",
              } as const
            )[result.data.status],
          );
    const version = result.data.version === product.version ? "" : t("settings.catalog.notice.new_version", { version: result.data.version });
    return redirectWithNotice(c, `/admin/catalog/${product.id}`, t("settings.catalog.notice.saved", { name: result.data.name, status, version }));
  });
