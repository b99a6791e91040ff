import { type Context, Hono } from "hono";
import { z } from "zod";
import { getProduct, listProducts, listProductVersions } from "../../db/queries/catalog";
import { countServicesOfProduct } from "../../db/queries/services";
import { createProduct, updateProduct } from "../../domain/catalog/products";
import { PRODUCT_STATUSES, PRODUCT_TYPES, ProductCreate, ProductPatch, type ProductView } from "../../domain/catalog/schemas";
import { queuePlaybookCheck } from "../../domain/jobs/check";
import { serviceDeps } from "../../durable/service-client";
import type { AppEnv } from "../../env";
import { NotFound } from "../../lib/errors";
import { allowed, can, writeContext } from "../../middleware/access";
import { CatalogPage, ProductFormPage, type ProductFormValues, ProductPage, productFormValues } from "../../views/catalog";
import type { FormErrors } from "../../views/components";
import { parseMoney } from "../../views/format";
import { pageContext, redirectWithNotice } from "./context";
import { attempt, type FormBody, list, readForm, text, validate } from "./forms";

const MONEY_FIELDS = ["retail_price", "wholesale_price", "retail_setup_fee", "wholesale_setup_fee"] as const;
const JSON_FIELDS = ["included_balances", "low_balance_thresholds", "provisioning_json_vars", "cgrates", "promotion"] as const;

/** Reads the product form: prices typed as decimals become minor units, JSON fields are parsed. */
function productInput(body: FormBody): { input: Record<string, unknown>; errors: FormErrors; shown: ProductFormValues } {
  const errors: FormErrors = {};
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
    provisioning_play: text(body, "provisioning_play", "null") ?? null,
    required_inventory: (text(body, "required_inventory") ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    components: list(body, "components"),
    compatible_with: list(body, "compatible_with"),
    eligibility: { customer_types: list(body, "customer_types") },
  };
  const currency = text(body, "currency");
  if (currency) input.currency = currency;
  for (const f of MONEY_FIELDS) {
    const raw = text(body, f);
    if (raw === undefined && f !== "retail_price") continue;
    const value = parseMoney(raw ?? "");
    if (value === null) errors[f] = "Must be a price such as 19.99";
    else input[f] = value;
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
      errors[f] = "Not valid JSON";
    }
  }
  const shown: ProductFormValues = {
    ...Object.fromEntries(Object.entries(body).map(([k, v]) => [k, v])),
    prorate: input.prorate as boolean,
    allow_negative: input.allow_negative as boolean,
    suspend_when_exhausted: input.suspend_when_exhausted as boolean,
    plan_change_approval: input.plan_change_approval as boolean,
  };
  return { input, errors, shown };
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
  .post("/catalog/new", can("catalog:write"), async (c) => {
    const body = await readForm(c);
    const { input, errors, shown } = productInput(body);
    const render = async (e: FormErrors, message?: string) =>
      c.html(<ProductFormPage ctx={pageContext(c)} product={null} values={shown} errors={e} message={message} others={await otherProducts(c)} />, 422);
    const parsed = validate(ProductCreate, { ...input, slug: text(body, "slug") ?? "", type: text(body, "type") });
    if (Object.keys(errors).length > 0 || !parsed.ok) return render({ ...(parsed.ok ? {} : parsed.errors), ...errors });
    const result = await attempt(() => createProduct(writeContext(c), parsed.data, serviceDeps(c.env).enqueue));
    if (!result.ok) return render(result.errors, result.message);
    return redirectWithNotice(c, `/admin/catalog/${result.data.id}`, `Product ${result.data.name} created (${result.data.status}).`);
  })
  .get("/catalog/:id", can("catalog:read"), async (c) => {
    const db = c.get("db");
    const product = await getProduct(db, c.req.param("id"));
    if (!product) throw new NotFound("No product with this id.");
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
    if (!result.ok) return c.redirect(`/admin/catalog/${id}?error=${encodeURIComponent(result.message ?? "Could not start the check.")}`, 303);
    return redirectWithNotice(c, `/admin/jobs/${result.data.id}`, "Playbook check queued: this job runs the product's playbook in check mode.");
  })
  .get("/catalog/:id/edit", can("catalog:write"), async (c) => {
    const product = await getProduct(c.get("db"), c.req.param("id"));
    if (!product) throw new NotFound("No product with this id.");
    return c.html(
      <ProductFormPage ctx={pageContext(c)} product={product} values={productFormValues(product)} errors={{}} others={await otherProducts(c, product.id)} />,
    );
  })
  .post("/catalog/:id/edit", can("catalog:write"), async (c) => {
    const product = await getProduct(c.get("db"), c.req.param("id"));
    if (!product) throw new NotFound("No product with this id.");
    const { input, errors, shown } = productInput(await readForm(c));
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
    if (Object.keys(errors).length > 0 || !parsed.ok) return render({ ...(parsed.ok ? {} : parsed.errors), ...errors });
    const result = await attempt(() => updateProduct(writeContext(c), product.id, parsed.data, serviceDeps(c.env).enqueue));
    if (!result.ok) return render(result.errors, result.message);
    const status =
      result.data.status === product.status ? "" : { active: " and published", retired: " and retired", draft: " and back to draft" }[result.data.status];
    const version = result.data.version === product.version ? "" : ` (new price version ${result.data.version})`;
    return redirectWithNotice(c, `/admin/catalog/${product.id}`, `Product ${result.data.name} saved${status}${version}.`);
  });
