import { Hono } from "hono";
import { getTemplate, listTemplates, stockCounts } from "../../db/queries/inventory";
import { checkLowStock, createTemplate, updateTemplate } from "../../domain/inventory/items";
import { TemplateCreate, TemplatePatch } from "../../domain/inventory/schemas";
import type { AppEnv } from "../../env";
import { t } from "../../i18n/request-locale";
import { NotFound } from "../../lib/errors";
import { can, writeContext } from "../../middleware/access";
import type { FormErrors } from "../../views/components";
import { TypeFormPage, type TypeFormValues, TypesPage } from "../../views/inventory";
import { inventoryEnv } from "../api/inventory";
import { pageContext, redirectWithNotice } from "./context";
import { type FormBody, readForm, text, validate } from "./forms";

/** Largest CSV accepted by the import wizard (bytes), as for the API. */
import { inventoryCan, tryDomain } from "./inventory";

/** Inventory types: list, create, edit (fields, low-stock threshold). */
export const inventoryTypePages = new Hono<AppEnv>()
  .get("/inventory/types", can("inventory:read"), async (c) => {
    const db = c.get("db");
    const [templates, { byStatus }] = await Promise.all([listTemplates(db), stockCounts(db)]);
    const inStock = new Map(byStatus.filter((r) => r.status === "in_stock").map((r) => [r.type, r.n]));
    return c.html(<TypesPage ctx={pageContext(c)} templates={templates} inStock={inStock} can={inventoryCan(c)} />);
  })
  .get("/inventory/types/new", can("inventory:types"), (c) =>
    c.html(
      <TypeFormPage
        ctx={pageContext(c)}
        template={null}
        values={{ fields: JSON.stringify([{ name: "serial", label: "Serial number", kind: "text", required: true, unique: true }], null, 2) }}
        errors={{}}
      />,
    ),
  )
  .post("/inventory/types/new", can("inventory:types"), async (c) => {
    const body = await readForm(c);
    const values = typeValues(body);
    const { input, errors } = typeInput(values);
    const parsed = validate(TemplateCreate, { ...input, slug: values.slug ?? "" });
    const render = (e: FormErrors, message: string | undefined, status: 409 | 422) =>
      c.html(<TypeFormPage ctx={pageContext(c)} template={null} values={values} errors={e} message={message} />, status);
    if (!parsed.ok || Object.keys(errors).length > 0) return render({ ...(parsed.ok ? {} : parsed.errors), ...errors }, undefined, 422);
    const result = await tryDomain(() => createTemplate(writeContext(c), parsed.data), "");
    if (!result.ok) return render(result.errors, result.message, result.status);
    return redirectWithNotice(c, "/admin/inventory/types", t("settings.inventory.notice.type_created", { name: parsed.data.name }));
  })
  .get("/inventory/types/:slug", can("inventory:types"), async (c) => {
    const template = await getTemplate(c.get("db"), c.req.param("slug"));
    if (!template) throw new NotFound(t("inventory.error.no_type_slug"));
    const values: TypeFormValues = {
      name: template.name,
      description: template.description,
      low_stock_threshold: template.lowStockThreshold === null ? "" : String(template.lowStockThreshold),
      fields: JSON.stringify(template.fields, null, 2),
    };
    return c.html(<TypeFormPage ctx={pageContext(c)} template={template} values={values} errors={{}} />);
  })
  .post("/inventory/types/:slug", can("inventory:types"), async (c) => {
    const template = await getTemplate(c.get("db"), c.req.param("slug"));
    if (!template) throw new NotFound(t("inventory.error.no_type_slug"));
    const values = typeValues(await readForm(c));
    const { input, errors } = typeInput(values, template.builtIn);
    const parsed = validate(TemplatePatch, input);
    const render = (e: FormErrors, message: string | undefined, status: 409 | 422) =>
      c.html(<TypeFormPage ctx={pageContext(c)} template={template} values={values} errors={e} message={message} />, status);
    if (!parsed.ok || Object.keys(errors).length > 0) return render({ ...(parsed.ok ? {} : parsed.errors), ...errors }, undefined, 422);
    const ctx = writeContext(c);
    const result = await tryDomain(() => updateTemplate(ctx, template.slug, parsed.data), "");
    if (!result.ok) return render(result.errors, result.message, result.status);
    await checkLowStock(ctx, inventoryEnv(c), template.slug);
    return redirectWithNotice(c, "/admin/inventory/types", t("settings.inventory.notice.type_saved", { name: parsed.data.name ?? template.name }));
  });

function typeValues(body: FormBody): TypeFormValues {
  return {
    slug: text(body, "slug") ?? null,
    name: text(body, "name") ?? null,
    description: text(body, "description") ?? null,
    low_stock_threshold: text(body, "low_stock_threshold") ?? null,
    fields: text(body, "fields") ?? null,
  };
}

/** The type form as the API's input: the threshold as a number, the fields parsed from JSON. */
function typeInput(values: TypeFormValues, builtIn = false): { input: Record<string, unknown>; errors: FormErrors } {
  const errors: FormErrors = {};
  const input: Record<string, unknown> = { name: values.name ?? "", description: values.description ?? null };
  const threshold = values.low_stock_threshold?.trim();
  if (!threshold) input.low_stock_threshold = null;
  else if (/^\d+$/.test(threshold)) input.low_stock_threshold = Number(threshold);
  else errors.low_stock_threshold = t("inventory.error.threshold");
  if (!builtIn) {
    try {
      input.fields = JSON.parse(values.fields ?? "");
    } catch {
      errors.fields = t("inventory.error.json");
    }
  }
  return { input, errors };
}
