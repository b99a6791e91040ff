import { type Context, Hono } from "hono";
import { z } from "zod";
import { listActivity } from "../../db/queries/activity";
import { customerNames } from "../../db/queries/customers";
import {
  blockAllocations,
  getItem,
  getTemplate,
  type ItemFilters,
  itemConfigs,
  listItems,
  listTemplates,
  stockCounts,
  type TemplateRow,
  toItemView,
} from "../../db/queries/inventory";
import { allocateIp, IP_BLOCK, releaseIp } from "../../domain/inventory/allocation";
import { CONFIGURABLE_TYPES, getConfigVersion, saveConfig } from "../../domain/inventory/configs";
import { checkFields } from "../../domain/inventory/fields";
import { exportCsv } from "../../domain/inventory/import";
import { createItem, updateItem } from "../../domain/inventory/items";
import { endQuarantine } from "../../domain/inventory/quarantine";
import { ConfigCreate, ITEM_STATUSES, ItemCreate, ItemPatch, type ItemStatus, QuarantineEnd } from "../../domain/inventory/schemas";
import type { AppEnv } from "../../env";
import { t } from "../../i18n/request-locale";
import { diffStats, lineDiff } from "../../lib/diff";
import { AppError, NotFound } from "../../lib/errors";
import { ulid } from "../../lib/ids";
import { allowed, can, writeContext } from "../../middleware/access";
import { oncePerForm } from "../../middleware/idempotency";
import { errorMap, type FormErrors, statusLabel } from "../../views/components";
import { parseMoney } from "../../views/format";
import {
  ConfigDiffPage,
  type InventoryCan,
  InventoryDashboard,
  ItemFormPage,
  type ItemFormValues,
  ItemListPage,
  type ItemListParams,
  ItemPage,
  ItemResults,
  itemLabel,
} from "../../views/inventory";
import { inventoryEnv } from "../api/inventory";
import { pageContext, redirectWithNotice, wantsFragment } from "./context";
import { type FormBody, readForm, text, validate } from "./forms";

/** Largest CSV accepted by the import wizard (bytes), as for the API. */
export const MAX_CSV_BYTES = 40 * 1024 * 1024;

const ListQuery = z.object({
  type: z.string().max(40).optional().catch(undefined),
  status: z.enum(ITEM_STATUSES).optional().catch(undefined),
  location: z.string().trim().max(120).optional().catch(undefined),
  q: z.string().trim().max(100).optional().catch(undefined),
  import_id: z.string().max(64).optional().catch(undefined),
  cursor: z.string().max(500).optional().catch(undefined),
});

function listParams(c: Context<AppEnv>): { params: ItemListParams; filters: ItemFilters; cursor?: string } {
  const q = ListQuery.parse(c.req.query());
  const params: ItemListParams = {
    type: q.type || undefined,
    status: q.status,
    location: q.location || undefined,
    q: q.q || undefined,
    import_id: q.import_id || undefined,
  };
  return {
    params,
    filters: { type: params.type, status: q.status, location: params.location, q: params.q, importId: params.import_id },
    cursor: q.cursor || undefined,
  };
}

export function inventoryCan(c: Context<AppEnv>): InventoryCan {
  return { write: allowed(c, "inventory:write"), import: allowed(c, "inventory:import"), types: allowed(c, "inventory:types") };
}

/** A domain failure as inline form errors; a 409 naming a field (a duplicate identifier) is shown on that field. */
type Outcome<T> = { ok: true; data: T } | { ok: false; status: 409 | 422; errors: FormErrors; message: string };

export async function tryDomain<T>(run: () => Promise<T>, fieldPrefix = "fields."): Promise<Outcome<T>> {
  try {
    return { ok: true, data: await run() };
  } catch (error) {
    if (error instanceof AppError && error.status < 500 && error.status !== 401 && error.status !== 403 && error.status !== 404) {
      const errors = errorMap(error.errors);
      const field = error.extra?.field;
      if (error.status === 409 && typeof field === "string") errors[`${fieldPrefix}${field}`] = t("inventory.error.duplicate");
      return { ok: false, status: error.status === 409 ? 409 : 422, errors, message: error.message };
    }
    throw error;
  }
}

async function loadItem(c: Context<AppEnv>, id: string) {
  const row = await getItem(c.get("db"), id);
  if (!row) throw new NotFound(t("inventory.error.no_item"));
  const template = await getTemplate(c.get("db"), row.type);
  if (!template) throw new NotFound(t("inventory.error.no_item_type"));
  return { item: toItemView(row), template };
}

async function renderItemPage(
  c: Context<AppEnv>,
  id: string,
  extra: { errors?: FormErrors; message?: string; notice?: string; values?: ItemFormValues } = {},
  status: 200 | 409 | 422 = 200,
) {
  const db = c.get("db");
  const { item, template } = await loadItem(c, id);
  const [activity, allocations, configs, customer] = await Promise.all([
    listActivity(db, { entity: "inventory_item", entityId: id, limit: 50 }),
    item.type === IP_BLOCK ? blockAllocations(db, id) : Promise.resolve(null),
    CONFIGURABLE_TYPES.has(item.type) ? itemConfigs(db, id) : Promise.resolve(null),
    item.customer_id ? customerNames(db, [item.customer_id]) : Promise.resolve(new Map<string, string>()),
  ]);
  return c.html(
    <ItemPage
      ctx={pageContext(c)}
      item={item}
      template={template}
      customerName={(item.customer_id && customer.get(item.customer_id)) || null}
      activity={activity.data}
      allocations={allocations?.map((a) => ({ id: a.id, cidr: a.cidr, serviceId: a.serviceId, createdAt: a.createdAt })) ?? null}
      configs={
        configs?.map((v) => ({ version: v.version, source: v.source, note: v.note, createdBy: v.createdBy, createdAt: v.createdAt, content: v.content })) ??
        null
      }
      can={inventoryCan(c)}
      formKey={ulid()}
      {...extra}
    />,
    status,
  );
}

/** The item notices (settings.inventory.notice.*) that name an item. */
type ItemNotice = "now_status" | "saved" | "added" | "unquarantined" | "allocated" | "already_allocated" | "released" | "config_saved";

/** 303 to an item's page (at `anchor`) with a notice naming it: the message's `{item}` is "<type> <label>". */
async function itemDone(c: Context<AppEnv>, id: string, notice: ItemNotice, params: Record<string, string> = {}, anchor = "") {
  const { item, template } = await loadItem(c, id);
  const named = `${template.name} ${itemLabel(item, template)}`;
  return redirectWithNotice(c, `/admin/inventory/items/${id}${anchor}`, t(`settings.inventory.notice.${notice}`, { ...params, item: named }));
}

/** Validates and applies an item change from one of the item page's forms; errors come back on the page. */
async function patchItem(c: Context<AppEnv>, id: string, patch: Record<string, unknown>, shown: ItemFormValues) {
  const parsed = validate(ItemPatch, patch);
  if (!parsed.ok) return renderItemPage(c, id, { errors: parsed.errors, values: shown }, 422);
  const result = await tryDomain(() => updateItem(writeContext(c), inventoryEnv(c), id, parsed.data));
  if (!result.ok) return renderItemPage(c, id, { errors: result.errors, message: result.message, values: shown }, result.status);
  return patch.status ? itemDone(c, id, "now_status", { status: statusLabel(result.data.status) }) : itemDone(c, id, "saved");
}

/** The template's values read from a form: booleans from checkboxes, secrets only when typed. */
function templateValues(template: TemplateRow, body: FormBody, editing: boolean): Record<string, string | boolean | null> {
  const values: Record<string, string | boolean | null> = {};
  for (const f of template.fields) {
    const key = `fields.${f.name}`;
    if (f.kind === "boolean") values[f.name] = text(body, key) === "true";
    else if (f.kind === "secret") {
      const v = text(body, key);
      if (v) values[f.name] = v;
    } else {
      const v = text(body, key, editing ? "null" : "omit");
      if (v !== undefined) values[f.name] = v;
    }
  }
  return values;
}

/** What the form shows again after an error (never the secrets typed). */
function shownValues(template: TemplateRow, body: FormBody): ItemFormValues {
  const shown: ItemFormValues = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === "string") shown[k] = v;
  for (const f of template.fields) {
    if (f.kind === "secret") delete shown[`fields.${f.name}`];
    if (f.kind === "boolean") shown[`fields.${f.name}`] = text(body, `fields.${f.name}`) === "true";
  }
  return shown;
}

// ---- import helpers ----

/** The header row of a CSV without parsing the whole file (the first line break outside quotes). */
export const inventoryPages = new Hono<AppEnv>()
  .get("/inventory", can("inventory:read"), async (c) => {
    const db = c.get("db");
    const [{ byStatus, byLocation }, templates] = await Promise.all([stockCounts(db), listTemplates(db)]);
    return c.html(
      <InventoryDashboard
        ctx={pageContext(c)}
        templates={templates}
        byStatus={byStatus.map((r) => ({ ...r, status: r.status as ItemStatus }))}
        byLocation={byLocation}
        can={inventoryCan(c)}
      />,
    );
  })
  .get("/inventory/items", can("inventory:read"), async (c) => {
    const db = c.get("db");
    const { params, filters, cursor } = listParams(c);
    const [page, templates] = await Promise.all([listItems(db, { ...filters, limit: 50, cursor }), listTemplates(db)]);
    const ctx = pageContext(c);
    if (wantsFragment(c, "inventory-results")) {
      return c.html(
        <ItemResults
          items={page.data}
          templates={new Map(templates.map((t) => [t.slug, t]))}
          params={params}
          nextCursor={page.next_cursor}
          hasCursor={Boolean(cursor)}
          timeZone={ctx.settings.default_timezone}
        />,
      );
    }
    return c.html(
      <ItemListPage
        ctx={ctx}
        templates={templates}
        items={page.data}
        params={params}
        nextCursor={page.next_cursor}
        hasCursor={Boolean(cursor)}
        can={inventoryCan(c)}
      />,
    );
  })
  .get("/inventory/export", can("inventory:read"), async (c) => {
    const { params, filters } = listParams(c);
    const stream = await exportCsv(c.get("db"), filters);
    const name = `inventory-${params.type ?? "all"}-${new Date().toISOString().slice(0, 10)}.csv`;
    return new Response(stream, {
      headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${name}"`, "cache-control": "no-store" },
    });
  })
  .get("/inventory/items/new", can("inventory:write"), async (c) => {
    const db = c.get("db");
    const templates = await listTemplates(db);
    const slug = c.req.query("type");
    const template = slug ? (templates.find((t) => t.slug === slug) ?? null) : null;
    return c.html(
      <ItemFormPage
        ctx={pageContext(c)}
        templates={templates}
        template={template}
        values={{}}
        errors={slug && !template ? { type: t("inventory.error.no_such_type") } : {}}
      />,
    );
  })
  .post("/inventory/items/new", can("inventory:write"), async (c) => {
    const db = c.get("db");
    const body = await readForm(c);
    const templates = await listTemplates(db);
    const slug = text(body, "type") ?? c.req.query("type");
    const template = templates.find((t) => t.slug === slug);
    if (!template) {
      return c.html(
        <ItemFormPage ctx={pageContext(c)} templates={templates} template={null} values={{}} errors={{ type: t("inventory.error.choose_type") }} />,
        422,
      );
    }
    const render = (errors: FormErrors, message: string | undefined, status: 409 | 422) =>
      c.html(
        <ItemFormPage ctx={pageContext(c)} templates={templates} template={template} values={shownValues(template, body)} errors={errors} message={message} />,
        status,
      );
    const errors: FormErrors = {};
    const costText = text(body, "cost_amount");
    const cost = costText ? parseMoney(costText) : null;
    if (costText && cost === null) errors.cost_amount = t("inventory.error.amount");
    const input = {
      type: template.slug,
      fields: templateValues(template, body, false),
      location: text(body, "location"),
      supplier: text(body, "supplier"),
      notes: text(body, "notes"),
      cost_amount: cost,
      currency: cost !== null ? (text(body, "currency")?.toUpperCase() ?? pageContext(c).settings.default_currency) : null,
    };
    // Every problem at once: the field rules of the type as well as the form's own.
    for (const e of checkFields(template.slug, template.fields, input.fields).errors) errors[`fields.${e.path}`] ??= e.message;
    const parsed = validate(ItemCreate, input);
    if (!parsed.ok || Object.keys(errors).length > 0) return render({ ...(parsed.ok ? {} : parsed.errors), ...errors }, undefined, 422);
    const result = await tryDomain(() => createItem(writeContext(c), inventoryEnv(c), parsed.data));
    if (!result.ok) return render(result.errors, result.message, result.status);
    return itemDone(c, result.data.id, "added");
  })
  .get("/inventory/items/:id", can("inventory:read"), (c) => renderItemPage(c, c.req.param("id")))
  .post("/inventory/items/:id/status", can("inventory:write"), async (c) => {
    const id = c.req.param("id");
    await loadItem(c, id);
    const body = await readForm(c);
    const status = text(body, "status");
    const until = text(body, "reserved_until");
    const shown: ItemFormValues = { status, customer_id: text(body, "customer_id"), reserved_until: until };
    const patch: Record<string, unknown> = { status };
    if (status === "reserved") {
      patch.customer_id = text(body, "customer_id")?.trim() ?? null;
      if (until) patch.reserved_until = /^\d{4}-\d{2}-\d{2}$/.test(until) ? `${until}T23:59:59Z` : until;
    }
    return patchItem(c, id, patch, shown);
  })
  .post("/inventory/items/:id/end-quarantine", can("inventory:write"), async (c) => {
    const id = c.req.param("id");
    await loadItem(c, id);
    const parsed = validate(QuarantineEnd, { reason: text(await readForm(c), "reason") ?? "" });
    if (!parsed.ok) return renderItemPage(c, id, { errors: parsed.errors }, 422);
    const result = await tryDomain(() => endQuarantine(writeContext(c), inventoryEnv(c), id, parsed.data.reason));
    if (!result.ok) return renderItemPage(c, id, { errors: result.errors, message: result.message }, result.status);
    return itemDone(c, id, "unquarantined");
  })
  .post("/inventory/items/:id/edit", can("inventory:write"), async (c) => {
    const id = c.req.param("id");
    const { template } = await loadItem(c, id);
    const body = await readForm(c);
    const patch = { fields: templateValues(template, body, true), location: text(body, "location", "null"), notes: text(body, "notes", "null") };
    const shown = shownValues(template, body);
    return patchItem(c, id, patch, shown);
  })
  .post("/inventory/items/:id/allocations", can("inventory:write"), async (c) => {
    const id = c.req.param("id");
    await loadItem(c, id);
    const body = await readForm(c);
    const lengthText = text(body, "prefix_length");
    const length = lengthText ? Number(lengthText) : null;
    if (lengthText && (!Number.isInteger(length) || (length ?? 0) < 1 || (length ?? 0) > 128)) {
      return renderItemPage(c, id, { errors: { prefix_length: t("inventory.error.prefix_length") }, values: { prefix_length: lengthText } }, 422);
    }
    let cidr = "";
    const result = await tryDomain(() =>
      oncePerForm(c, text(body, "key"), async () => {
        cidr = (await allocateIp(writeContext(c), id, { serviceId: null, prefixLength: length })).cidr;
        return `/admin/inventory/items/${id}#alloc-h`;
      }),
    );
    if (!result.ok) return renderItemPage(c, id, { errors: result.errors, message: result.message, values: { prefix_length: lengthText } }, result.status);
    return cidr ? itemDone(c, id, "allocated", { cidr }, "#alloc-h") : itemDone(c, id, "already_allocated", {}, "#alloc-h");
  })
  .post("/inventory/items/:id/allocations/:allocation_id/release", can("inventory:write"), async (c) => {
    const id = c.req.param("id");
    await loadItem(c, id);
    const result = await tryDomain(() => releaseIp(writeContext(c), id, c.req.param("allocation_id")));
    if (!result.ok) return renderItemPage(c, id, { errors: result.errors, message: result.message }, result.status);
    return itemDone(c, id, "released", {}, "#alloc-h");
  })
  .post("/inventory/items/:id/configs", can("inventory:write"), async (c) => {
    const id = c.req.param("id");
    await loadItem(c, id);
    const body = await readForm(c);
    const raw = body.content;
    const content = (Array.isArray(raw) ? (raw[0] ?? "") : (raw ?? "")).replace(/\r\n/g, "\n");
    const shown: ItemFormValues = { content, note: text(body, "note") };
    const parsed = validate(ConfigCreate, { content, note: text(body, "note") ?? null });
    if (!parsed.ok) return renderItemPage(c, id, { errors: parsed.errors, values: shown }, 422);
    const result = await tryDomain(() =>
      oncePerForm(c, text(body, "key"), async () => {
        await saveConfig(writeContext(c), id, parsed.data);
        return `/admin/inventory/items/${id}#config-h`;
      }),
    );
    if (!result.ok)
      return renderItemPage(c, id, { errors: { content: result.message, ...result.errors }, message: result.message, values: shown }, result.status);
    return itemDone(c, id, "config_saved", {}, "#config-h");
  })
  .get("/inventory/items/:id/configs/diff", can("inventory:read"), async (c) => {
    const id = c.req.param("id");
    const { item, template } = await loadItem(c, id);
    const versions = z.object({ from: z.coerce.number().int().min(1), to: z.coerce.number().int().min(1) }).safeParse(c.req.query());
    if (!versions.success) throw new NotFound(t("inventory.error.two_versions"));
    const { from, to } = versions.data;
    const ctx = { db: c.get("db") };
    const [a, b] = await Promise.all([getConfigVersion(ctx, id, from), getConfigVersion(ctx, id, to)]);
    const lines = lineDiff(a.content, b.content);
    const stats = diffStats(lines);
    return c.html(<ConfigDiffPage ctx={pageContext(c)} item={item} template={template} from={from} to={to} lines={lines} {...stats} />);
  });
