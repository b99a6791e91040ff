import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { z } from "zod";
import {
  blockAllocations,
  getItem,
  getTemplate,
  itemConfigs,
  listItems,
  listTemplates,
  stockCounts,
  toConfigView,
  toItemView,
  toTemplateView,
} from "../../db/queries/inventory";
import { allocateIp, releaseIp } from "../../domain/inventory/allocation";
import { getConfigVersion, saveConfig } from "../../domain/inventory/configs";
import { exportCsv, importItems } from "../../domain/inventory/import";
import { checkLowStock, createItem, createTemplate, type InventoryEnv, updateItem, updateTemplate } from "../../domain/inventory/items";
import { endQuarantine } from "../../domain/inventory/quarantine";
import {
  Config,
  ConfigCreate,
  IMPORT_MODES,
  ImportReport,
  IpAllocate,
  IpAllocation,
  ITEM_STATUSES,
  Item,
  ItemCreate,
  ItemPatch,
  QuarantineEnd,
  Template,
  TemplateCreate,
  TemplatePatch,
} from "../../domain/inventory/schemas";
import { cursorParam, pageLimit } from "../../domain/validation";
import type { AppEnv } from "../../env";
import { diffStats, lineDiff } from "../../lib/diff";
import { AppError, NotFound } from "../../lib/errors";
import { writeContext } from "../../middleware/access";
import { apiRoute, IdParam, jsonBody, jsonResponse, pageOf, problems } from "./helpers";

export function inventoryEnv(c: Context<AppEnv>): InventoryEnv {
  return { encryptionKey: c.env.ENCRYPTION_KEY, baseUrl: new URL(c.req.url).origin };
}

const SlugParam = z.object({
  slug: z
    .string()
    .max(40)
    .meta({ param: { name: "slug", in: "path" } }),
});
const Filters = z.object({
  // A type slug (it also names the export file, so nothing else may pass).
  type: z
    .string()
    .regex(/^[a-z][a-z0-9_]{1,39}$/, { message: "An inventory type slug such as sim or phone_number" })
    .optional(),
  status: z.enum(ITEM_STATUSES).optional(),
  service_id: z.string().max(64).optional(),
  customer_id: z.string().max(64).optional(),
  location: z.string().max(120).optional(),
  import_id: z.string().max(64).optional(),
  q: z.string().trim().max(100).optional().meta({ description: "An identifier (ICCID, IMSI, MSISDN, serial, MAC, prefix…) or part of one" }),
});
const filtersOf = (q: z.infer<typeof Filters>) => ({
  type: q.type,
  status: q.status,
  serviceId: q.service_id,
  customerId: q.customer_id,
  location: q.location,
  importId: q.import_id,
  q: q.q,
});

/** Largest CSV accepted by one import (bytes): 200,000 SIM rows with secrets fit with room to spare. */
const MAX_CSV_BYTES = 40 * 1024 * 1024;

export const inventoryApi = new OpenAPIHono<AppEnv>()
  .openapi(
    apiRoute("inventory:read", {
      method: "get",
      path: "/inventory/templates",
      tags: ["Inventory"],
      summary: "List inventory types",
      responses: { 200: jsonResponse(z.object({ data: z.array(Template) }), "Built-in types first"), ...problems(401, 403) },
    }),
    async (c) => c.json({ data: (await listTemplates(c.get("db"))).map(toTemplateView) }, 200),
  )
  .openapi(
    apiRoute("inventory:types", {
      method: "post",
      path: "/inventory/templates",
      tags: ["Inventory"],
      summary: "Define a custom inventory type",
      request: { body: jsonBody(TemplateCreate) },
      responses: { 201: jsonResponse(Template, "The type"), ...problems(400, 401, 403, 409, 415, 422) },
    }),
    async (c) => c.json(await createTemplate(writeContext(c), c.req.valid("json")), 201),
  )
  .openapi(
    apiRoute("inventory:read", {
      method: "get",
      path: "/inventory/templates/{slug}",
      tags: ["Inventory"],
      summary: "Get an inventory type",
      request: { params: SlugParam },
      responses: { 200: jsonResponse(Template, "The type"), ...problems(401, 403, 404) },
    }),
    async (c) => {
      const t = await getTemplate(c.get("db"), c.req.valid("param").slug);
      if (!t) throw new NotFound("No inventory type with this slug.");
      return c.json(toTemplateView(t), 200);
    },
  )
  .openapi(
    apiRoute("inventory:types", {
      method: "patch",
      path: "/inventory/templates/{slug}",
      tags: ["Inventory"],
      summary: "Change an inventory type",
      description: "Name, description and low-stock threshold of any type; the fields of custom types (not removing or retyping fields in use).",
      request: { params: SlugParam, body: jsonBody(TemplatePatch) },
      responses: { 200: jsonResponse(Template, "The type"), ...problems(400, 401, 403, 404, 409, 415, 422) },
    }),
    async (c) => {
      const ctx = writeContext(c);
      const slug = c.req.valid("param").slug;
      const view = await updateTemplate(ctx, slug, c.req.valid("json"));
      await checkLowStock(ctx, inventoryEnv(c), slug);
      return c.json(view, 200);
    },
  )
  .openapi(
    apiRoute("inventory:read", {
      method: "get",
      path: "/inventory/items",
      tags: ["Inventory"],
      summary: "List inventory items",
      request: { query: Filters.extend({ limit: pageLimit, cursor: cursorParam }) },
      responses: { 200: jsonResponse(pageOf(Item), "Newest first"), ...problems(400, 401, 403) },
    }),
    async (c) => {
      const q = c.req.valid("query");
      return c.json(await listItems(c.get("db"), { ...filtersOf(q), limit: q.limit, cursor: q.cursor }), 200);
    },
  )
  .openapi(
    apiRoute("inventory:write", {
      method: "post",
      path: "/inventory/items",
      tags: ["Inventory"],
      summary: "Add an item to stock",
      description: "Fields are checked against the type (ICCID Luhn check, IMSI, E.164, MAC, CIDR…); secrets are encrypted at rest.",
      request: { body: jsonBody(ItemCreate) },
      responses: { 201: jsonResponse(Item, "The item, in stock"), ...problems(400, 401, 403, 409, 415, 422) },
    }),
    async (c) => c.json(await createItem(writeContext(c), inventoryEnv(c), c.req.valid("json")), 201),
  )
  .openapi(
    apiRoute("inventory:read", {
      method: "get",
      path: "/inventory/items/{id}",
      tags: ["Inventory"],
      summary: "Get an inventory item",
      request: { params: IdParam },
      responses: { 200: jsonResponse(Item, "The item (secrets never returned)"), ...problems(401, 403, 404) },
    }),
    async (c) => {
      const item = await getItem(c.get("db"), c.req.valid("param").id);
      if (!item) throw new NotFound("No inventory item with this id.");
      return c.json(toItemView(item), 200);
    },
  )
  .openapi(
    apiRoute("inventory:write", {
      method: "patch",
      path: "/inventory/items/{id}",
      tags: ["Inventory"],
      summary: "Change an inventory item",
      description:
        "Fields, location and notes; `status` is an explicit transition (in_stock → reserved → assigned → returned → in_stock, or retired; a quarantined number can only be retired here, see end-quarantine). Reserving a number for a customer: `{status: reserved, customer_id, reserved_until}`.",
      request: { params: IdParam, body: jsonBody(ItemPatch) },
      responses: { 200: jsonResponse(Item, "The item"), ...problems(400, 401, 403, 404, 409, 415, 422) },
    }),
    async (c) => c.json(await updateItem(writeContext(c), inventoryEnv(c), c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(
    apiRoute("inventory:write", {
      method: "post",
      path: "/inventory/items/{id}/end-quarantine",
      tags: ["Inventory"],
      summary: "End a number's quarantine early",
      description:
        "A phone number released from a service is `quarantined` until `quarantined_until` (the `number_quarantine_days` setting), then back in stock. This puts it back in stock now; the reason is kept in its history. 409 when it is not quarantined.",
      request: { params: IdParam, body: jsonBody(QuarantineEnd) },
      responses: { 200: jsonResponse(Item, "The item, in stock"), ...problems(400, 401, 403, 404, 409, 415, 422) },
    }),
    async (c) => c.json(await endQuarantine(writeContext(c), inventoryEnv(c), c.req.valid("param").id, c.req.valid("json").reason), 200),
  )
  .openapi(
    apiRoute("inventory:import", {
      method: "post",
      path: "/inventory/import",
      tags: ["Inventory"],
      summary: "Bulk import items from CSV",
      description:
        "Body: `text/csv`, the header row names the type's fields (plus optional location, supplier, cost_amount, currency, notes). Every row is checked, duplicates within the file and against stored items are reported with their line (line 1 = the header). `all_or_nothing` writes nothing when any row is bad; `valid_rows` writes the good ones. `dry_run=true` only reports.",
      request: {
        query: z.object({
          type: z.string().min(1).max(40),
          mode: z.enum(IMPORT_MODES).default("all_or_nothing"),
          dry_run: z.enum(["true", "false"]).default("false"),
        }),
        body: { required: true, content: { "text/csv": { schema: z.string() } } },
      },
      responses: { 200: jsonResponse(ImportReport, "The row-level report"), ...problems(400, 401, 403, 413, 415, 422) },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const type = (c.req.header("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
      if (type !== "text/csv" && type !== "text/plain") throw new AppError(415, "Unsupported media type", "Send the file as text/csv.");
      if (Number(c.req.header("content-length") ?? 0) > MAX_CSV_BYTES) throw new AppError(413, "Payload too large", "At most 40 MB per import.");
      const ctx = writeContext(c);
      const report = await importItems(ctx, inventoryEnv(c), await c.req.text(), { type: q.type, mode: q.mode, dryRun: q.dry_run === "true" });
      if (!report.dry_run && report.imported > 0) await checkLowStock(ctx, inventoryEnv(c), q.type);
      return c.json(report, 200);
    },
  )
  .openapi(
    apiRoute("inventory:read", {
      method: "get",
      path: "/inventory/export",
      tags: ["Inventory"],
      summary: "Export a filtered list as CSV",
      description: "Same filters as the item list; secrets are never exported. Headers are field names, so the file imports back.",
      request: { query: Filters },
      responses: { 200: { description: "CSV", content: { "text/csv": { schema: z.string() } } }, ...problems(400, 401, 403) },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const stream = await exportCsv(c.get("db"), filtersOf(q));
      const name = `inventory-${q.type ?? "all"}-${new Date().toISOString().slice(0, 10)}.csv`;
      return new Response(stream, {
        headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${name}"` },
      }) as never;
    },
  )
  .openapi(
    apiRoute("inventory:read", {
      method: "get",
      path: "/inventory/stock",
      tags: ["Inventory"],
      summary: "Stock counts per type, status and location",
      responses: {
        200: jsonResponse(
          z.object({
            by_status: z.array(z.object({ type: z.string(), status: z.enum(ITEM_STATUSES), count: z.number() })),
            by_location: z.array(z.object({ type: z.string(), location: z.string().nullable(), count: z.number() })),
            low_stock: z.array(z.object({ type: z.string(), in_stock: z.number(), threshold: z.number() })),
          }),
          "Counts",
        ),
        ...problems(401, 403),
      },
    }),
    async (c) => {
      const db = c.get("db");
      const [{ byStatus, byLocation }, templates] = await Promise.all([stockCounts(db), listTemplates(db)]);
      const inStock = (type: string) => byStatus.find((r) => r.type === type && r.status === "in_stock")?.n ?? 0;
      return c.json(
        {
          by_status: byStatus.map((r) => ({ type: r.type, status: r.status, count: r.n })),
          by_location: byLocation.map((r) => ({ type: r.type, location: r.location, count: r.n })),
          low_stock: templates
            .filter((t) => t.lowStockThreshold !== null && inStock(t.slug) < t.lowStockThreshold)
            .map((t) => ({ type: t.slug, in_stock: inStock(t.slug), threshold: t.lowStockThreshold ?? 0 })),
        },
        200,
      );
    },
  )
  .openapi(
    apiRoute("inventory:read", {
      method: "get",
      path: "/inventory/items/{id}/allocations",
      tags: ["Inventory"],
      summary: "Addresses and sub-prefixes allocated from an IP block",
      request: { params: IdParam },
      responses: { 200: jsonResponse(z.object({ data: z.array(IpAllocation) }), "By address"), ...problems(401, 403, 404) },
    }),
    async (c) => {
      const id = c.req.valid("param").id;
      const item = await getItem(c.get("db"), id);
      if (item?.type !== "ip_block") throw new NotFound("No IP block with this id.");
      const rows = await blockAllocations(c.get("db"), id);
      return c.json({ data: rows.map((a) => ({ id: a.id, block_id: a.blockId, service_id: a.serviceId, cidr: a.cidr, created_at: a.createdAt })) }, 200);
    },
  )
  .openapi(
    apiRoute(
      "inventory:write",
      {
        method: "post",
        path: "/inventory/items/{id}/allocations",
        tags: ["Inventory"],
        summary: "Allocate the next free address or sub-prefix from an IP block",
        description:
          "Without `prefix_length`, a single address (IPv4 network and broadcast addresses excluded). Allocations never overlap, whatever the concurrency.",
        request: { params: IdParam, body: jsonBody(IpAllocate) },
        responses: { 201: jsonResponse(IpAllocation, "The allocation"), ...problems(400, 401, 403, 404, 409, 415, 422) },
      },
      { idempotent: true },
    ),
    async (c) => {
      const ctx = writeContext(c);
      const body = c.req.valid("json");
      const blockId = c.req.valid("param").id;
      if (body.service_id) {
        const service = await ctx.db.query.services.findFirst({ where: (s, { eq }) => eq(s.id, body.service_id ?? "") });
        if (!service) throw new AppError(422, "Validation failed", "Unknown service.", [{ path: "service_id", message: "No such service" }]);
      }
      const grant = await allocateIp(ctx, blockId, { serviceId: body.service_id ?? null, prefixLength: body.prefix_length ?? null });
      return c.json({ ...grant, service_id: body.service_id ?? null, created_at: ctx.now }, 201);
    },
  )
  .openapi(
    apiRoute("inventory:write", {
      method: "post",
      path: "/inventory/items/{id}/allocations/{allocation_id}/release",
      tags: ["Inventory"],
      summary: "Free an allocation made by hand",
      request: {
        params: IdParam.extend({
          allocation_id: z
            .string()
            .max(64)
            .meta({ param: { name: "allocation_id", in: "path" } }),
        }),
      },
      responses: { 204: { description: "Freed" }, ...problems(401, 403, 404, 409) },
    }),
    async (c) => {
      const p = c.req.valid("param");
      await releaseIp(writeContext(c), p.id, p.allocation_id);
      return c.body(null, 204);
    },
  )
  .openapi(
    apiRoute("inventory:read", {
      method: "get",
      path: "/inventory/items/{id}/configs",
      tags: ["Inventory"],
      summary: "A device's configuration versions",
      request: { params: IdParam },
      responses: { 200: jsonResponse(z.object({ data: z.array(Config) }), "Newest first"), ...problems(401, 403, 404) },
    }),
    async (c) => {
      const id = c.req.valid("param").id;
      if (!(await getItem(c.get("db"), id))) throw new NotFound("No inventory item with this id.");
      return c.json({ data: (await itemConfigs(c.get("db"), id)).map(toConfigView) }, 200);
    },
  )
  .openapi(
    apiRoute("inventory:write", {
      method: "post",
      path: "/inventory/items/{id}/configs",
      tags: ["Inventory"],
      summary: "Save a new configuration version",
      request: { params: IdParam, body: jsonBody(ConfigCreate) },
      responses: { 201: jsonResponse(Config, "The new version"), ...problems(400, 401, 403, 404, 409, 415, 422) },
    }),
    async (c) => c.json(await saveConfig(writeContext(c), c.req.valid("param").id, c.req.valid("json")), 201),
  )
  .openapi(
    apiRoute("inventory:read", {
      method: "get",
      path: "/inventory/items/{id}/configs/diff",
      tags: ["Inventory"],
      summary: "Line diff between two configuration versions",
      request: {
        params: IdParam,
        query: z.object({ from: z.coerce.number().int().min(1), to: z.coerce.number().int().min(1) }),
      },
      responses: {
        200: jsonResponse(
          z.object({
            from: z.number(),
            to: z.number(),
            added: z.number(),
            removed: z.number(),
            lines: z.array(
              z.object({ op: z.enum(["same", "add", "del"]), text: z.string(), old_line: z.number().nullable(), new_line: z.number().nullable() }),
            ),
          }),
          "The diff",
        ),
        ...problems(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const id = c.req.valid("param").id;
      const { from, to } = c.req.valid("query");
      const ctx = { db: c.get("db") };
      const [a, b] = await Promise.all([getConfigVersion(ctx, id, from), getConfigVersion(ctx, id, to)]);
      const lines = lineDiff(a.content, b.content);
      return c.json({ from, to, ...diffStats(lines), lines: lines.map((l) => ({ op: l.op, text: l.text, old_line: l.oldLine, new_line: l.newLine })) }, 200);
    },
  );
