import { and, eq, inArray, sql } from "drizzle-orm";
import { bulkInsert } from "../../db/bulk";
import { prepared, runBatch, type Statement } from "../../db/client";
import { getItem, getTemplate, type ItemRow, inStockCount, type TemplateRow, toItemView, toTemplateView } from "../../db/queries/inventory";
import { getSettings } from "../../db/queries/settings";
import { customers, emailOutbox, type InventoryFieldDef, inventoryItems, inventoryKeys, inventoryTemplates } from "../../db/schema";
import { AppError, Conflict, Invalid, NotFound } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { seal } from "../../lib/secret-box";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";
import { emailRow } from "../email/outbox";
import { notificationLocales } from "../email/staff-locale";
import { lowStockEmail } from "../email/templates";
import { inventoryDocument } from "../search/documents";
import { indexDocument } from "../search/index-statements";
import { type CheckedFields, checkFields } from "./fields";
import {
  ITEM_TRANSITIONS,
  type ItemCreateInput,
  type ItemPatchInput,
  type ItemStatus,
  type ItemView,
  type TemplateCreateInput,
  type TemplatePatchInput,
} from "./schemas";

/** What inventory writes need beyond the database: the key that seals secrets, the link base for emails. */
export type InventoryEnv = { encryptionKey: string; baseUrl: string };

/** Secrets of one item sealed together: `names|v1.<iv>.<ciphertext>` (names in clear, values encrypted). */
export async function sealSecrets(key: string, secrets: Record<string, string>): Promise<string | null> {
  const names = Object.keys(secrets);
  if (names.length === 0) return null;
  return `${names.join(",")}|${await seal(key, JSON.stringify(secrets))}`;
}

export async function loadTemplate(ctx: Pick<WriteContext, "db">, slug: string, path = "type"): Promise<TemplateRow> {
  const template = await getTemplate(ctx.db, slug);
  if (!template) throw new Invalid(`Unknown inventory type ${slug}.`, [{ path, message: "No such inventory type" }]);
  return template;
}

export function identifierFields(template: Pick<TemplateRow, "fields">): string[] {
  return template.fields.filter((f) => f.unique).map((f) => f.name);
}

export function itemDocument(item: Pick<ItemRow, "id" | "type" | "status" | "location" | "customerId" | "fields">, template: TemplateRow) {
  return inventoryDocument(item, template.name, identifierFields(template));
}

function refuse(checked: CheckedFields, prefix = "fields"): void {
  if (checked.errors.length > 0) {
    throw new Invalid(
      "Some fields are not valid for this inventory type.",
      checked.errors.map((e) => ({ path: `${prefix}.${e.path}`, message: e.message })),
    );
  }
}

/** Refuses identifiers another item already has, naming the field (a race is caught by the primary key). */
async function refuseTakenKeys(ctx: WriteContext, keys: string[], itemId: string | null): Promise<void> {
  if (keys.length === 0) return;
  const taken = await ctx.db.select().from(inventoryKeys).where(inArray(inventoryKeys.key, keys));
  const other = taken.find((t) => t.itemId !== itemId);
  if (other) {
    const [, field = "identifier", value = ""] = other.key.split(":");
    throw new Conflict(`Item ${other.itemId} already has ${field} ${value}.`, { field, item_id: other.itemId });
  }
}

function mapKeyViolation(error: unknown): never {
  if (error instanceof Error && /UNIQUE constraint failed: inventory_keys/.test(error.message)) {
    throw new Conflict("Another item was just given one of these identifiers.");
  }
  throw error;
}

// ---- templates ----

export async function createTemplate(ctx: WriteContext, input: TemplateCreateInput) {
  if (await getTemplate(ctx.db, input.slug)) throw new Conflict(`The inventory type ${input.slug} already exists.`);
  const row: TemplateRow = {
    slug: input.slug,
    name: input.name,
    description: input.description ?? null,
    fields: input.fields as InventoryFieldDef[],
    builtIn: false,
    lowStockThreshold: input.low_stock_threshold ?? null,
    lowStockAlertedAt: null,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
  await runBatch(ctx.db, [
    ctx.db.insert(inventoryTemplates).values(row),
    recordActivity(ctx, {
      entity: "inventory_template",
      entityId: row.slug,
      customerId: null,
      action: "inventory_template.create",
      after: toTemplateView(row),
    }),
  ]);
  return toTemplateView(row);
}

/**
 * Changes a type. Built-in types keep their fields (the product relies on them); a custom type's
 * fields may change, but not in a way that drops or retypes a field items of it already use.
 */
export async function updateTemplate(ctx: WriteContext, slug: string, patch: TemplatePatchInput) {
  const before = await getTemplate(ctx.db, slug);
  if (!before) throw new NotFound("No inventory type with this slug.");
  if (patch.fields && before.builtIn) throw new Invalid("The fields of a built-in type are fixed.", [{ path: "fields", message: "Built-in type" }]);
  if (patch.fields) {
    const used = await ctx.db.select({ n: sql<number>`count(*)` }).from(inventoryItems).where(eq(inventoryItems.type, slug)).get();
    if ((used?.n ?? 0) > 0) {
      const next = new Map(patch.fields.map((f) => [f.name, f]));
      const broken = before.fields.filter((f) => next.get(f.name)?.kind !== f.kind || next.get(f.name)?.unique !== f.unique);
      if (broken.length > 0) {
        throw new Conflict(`Items of this type use ${broken.map((f) => f.name).join(", ")}: those fields cannot be removed or retyped.`);
      }
    }
  }
  const after: TemplateRow = {
    ...before,
    name: patch.name ?? before.name,
    description: patch.description === undefined ? before.description : patch.description,
    fields: (patch.fields as InventoryFieldDef[] | undefined) ?? before.fields,
    lowStockThreshold: patch.low_stock_threshold === undefined ? before.lowStockThreshold : patch.low_stock_threshold,
    lowStockAlertedAt: patch.low_stock_threshold === undefined ? before.lowStockAlertedAt : null,
    updatedAt: ctx.now,
  };
  await runBatch(ctx.db, [
    ctx.db.update(inventoryTemplates).set(after).where(eq(inventoryTemplates.slug, slug)),
    recordActivity(ctx, {
      entity: "inventory_template",
      entityId: slug,
      customerId: null,
      action: "inventory_template.update",
      before: toTemplateView(before),
      after: toTemplateView(after),
    }),
  ]);
  return toTemplateView(after);
}

// ---- items ----

export async function createItem(ctx: WriteContext, env: InventoryEnv, input: ItemCreateInput): Promise<ItemView> {
  const template = await loadTemplate(ctx, input.type);
  const checked = checkFields(template.slug, template.fields, input.fields);
  refuse(checked);
  await refuseTakenKeys(ctx, checked.keys, null);
  const row: ItemRow = {
    id: newId("item"),
    type: template.slug,
    status: "in_stock",
    fields: checked.fields,
    secrets: await sealSecrets(env.encryptionKey, checked.secrets),
    location: input.location ?? null,
    supplier: input.supplier ?? null,
    costAmount: input.cost_amount ?? null,
    currency: input.currency ?? null,
    customerId: null,
    serviceId: null,
    reservedUntil: null,
    quarantinedUntil: null,
    notes: input.notes ?? null,
    importId: null,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
  const view = toItemView(row);
  await runBatch(ctx.db, [
    ctx.db.insert(inventoryItems).values(row),
    ...(checked.keys.length ? [ctx.db.insert(inventoryKeys).values(checked.keys.map((key) => ({ key, itemId: row.id })))] : []),
    indexDocument(ctx.db, itemDocument(row, template)),
    recordActivity(ctx, { entity: "inventory_item", entityId: row.id, customerId: null, action: "inventory_item.create", after: view }),
  ]).catch(mapKeyViolation);
  return view;
}

export function checkItemTransition(from: ItemStatus, to: ItemStatus): void {
  if (from === to) return;
  if (!ITEM_TRANSITIONS[from].includes(to)) {
    throw new AppError(409, "Conflict", `An item cannot go from ${from} to ${to}.`, undefined, {
      current_status: from,
      allowed: ITEM_TRANSITIONS[from],
    });
  }
}

/**
 * Edits an item: its fields (identifiers re-keyed, secrets re-sealed when sent), where it is, and
 * explicit status transitions. Items held by a service change status only through that service
 * (order, failure, termination), never by hand.
 */
export async function updateItem(ctx: WriteContext, env: InventoryEnv, id: string, patch: ItemPatchInput): Promise<ItemView> {
  const before = await getItem(ctx.db, id);
  if (!before) throw new NotFound("No inventory item with this id.");
  const template = await loadTemplate(ctx, before.type);
  const statements: Statement[] = [];
  let fields = before.fields;
  let secrets = before.secrets;
  if (patch.fields) {
    const checked = checkFields(template.slug, template.fields, patch.fields, true);
    refuse(checked);
    // A service's identifiers came from its items: they do not change under it.
    const sent = patch.fields;
    const changedIds = identifierFields(template).some((f) => f in sent && checked.fields[f] !== before.fields[f]);
    if (before.serviceId && changedIds) {
      throw new Conflict(`This item is held by service ${before.serviceId}: its identifiers cannot change while it is.`, { service_id: before.serviceId });
    }
    fields = { ...before.fields, ...checked.fields };
    const all = checkFields(template.slug, template.fields, { ...fields }, false);
    const keys = all.keys;
    await refuseTakenKeys(ctx, keys, id);
    statements.push(ctx.db.delete(inventoryKeys).where(eq(inventoryKeys.itemId, id)));
    if (keys.length) statements.push(ctx.db.insert(inventoryKeys).values(keys.map((key) => ({ key, itemId: id }))));
    if (Object.keys(checked.secrets).length > 0) secrets = await sealSecrets(env.encryptionKey, checked.secrets);
  }
  let status = before.status;
  let customerId = before.customerId;
  let reservedUntil = before.reservedUntil;
  if (patch.status && patch.status !== before.status) {
    if (before.serviceId) {
      throw new Conflict(`This item is held by service ${before.serviceId}; it changes with that service.`, { service_id: before.serviceId });
    }
    checkItemTransition(before.status, patch.status);
    status = patch.status;
    if (status !== "reserved") {
      customerId = null;
      reservedUntil = null;
    }
  }
  if (patch.customer_id !== undefined || patch.reserved_until !== undefined) {
    if (status !== "reserved") {
      throw new Invalid("Only a reserved item is held for a customer.", [{ path: "customer_id", message: "Set status to reserved" }]);
    }
    if (patch.customer_id !== undefined) customerId = patch.customer_id;
    if (patch.reserved_until !== undefined) reservedUntil = patch.reserved_until;
  }
  if (status === "reserved" && !before.serviceId) {
    if (!customerId) throw new Invalid("A reservation needs the customer it is held for.", [{ path: "customer_id", message: "Required" }]);
    const customer = await ctx.db.select({ id: customers.id }).from(customers).where(eq(customers.id, customerId)).get();
    if (!customer) throw new Invalid("Unknown customer.", [{ path: "customer_id", message: "No such customer" }]);
    if (reservedUntil && reservedUntil <= ctx.now)
      throw new Invalid("The reservation must end in the future.", [{ path: "reserved_until", message: "In the past" }]);
  }
  const after: ItemRow = {
    ...before,
    fields,
    secrets,
    status,
    customerId,
    reservedUntil: reservedUntil ? new Date(reservedUntil).toISOString() : null,
    quarantinedUntil: status === "quarantined" ? before.quarantinedUntil : null,
    location: patch.location === undefined ? before.location : patch.location,
    supplier: patch.supplier === undefined ? before.supplier : patch.supplier,
    costAmount: patch.cost_amount === undefined ? before.costAmount : patch.cost_amount,
    currency: patch.currency === undefined ? before.currency : patch.currency,
    notes: patch.notes === undefined ? before.notes : patch.notes,
    updatedAt: ctx.now,
  };
  // A conditional update: a concurrent change of status (an order taking it) makes this one a 409.
  const update = ctx.db
    .update(inventoryItems)
    .set(after)
    .where(and(eq(inventoryItems.id, id), eq(inventoryItems.status, before.status), eq(inventoryItems.updatedAt, before.updatedAt)))
    .returning({ id: inventoryItems.id });
  const beforeView = toItemView(before);
  const afterView = toItemView(after);
  const results = await ctx.db
    .batch([
      update,
      ...statements,
      indexDocument(ctx.db, itemDocument(after, template)),
      recordActivity(ctx, {
        entity: "inventory_item",
        entityId: id,
        customerId: after.customerId ?? before.customerId,
        action: status !== before.status ? `inventory_item.${status}` : "inventory_item.update",
        before: { ...beforeView, secrets_changed: false },
        after: { ...afterView, secrets_changed: secrets !== before.secrets },
      }),
    ])
    .catch(mapKeyViolation);
  if ((results[0] as { id: string }[]).length === 0) throw new Conflict("The item changed meanwhile; reload and try again.");
  if (status !== before.status) await checkLowStock(ctx, env, before.type);
  return afterView;
}

/**
 * Low-stock alert: when a type with a threshold has fewer items in stock, the notification list is
 * emailed once; the alert re-arms when stock is back at or above the threshold.
 */
export async function checkLowStock(ctx: WriteContext, env: InventoryEnv, type: string): Promise<void> {
  const template = await getTemplate(ctx.db, type);
  if (!template || template.lowStockThreshold === null) return;
  const inStock = await inStockCount(ctx.db, type);
  const low = inStock < template.lowStockThreshold;
  if (low && !template.lowStockAlertedAt) {
    const { data: settings } = await getSettings(ctx.db);
    // Claimed by a conditional update so two requests crossing the threshold together send one alert.
    const claim = await ctx.db
      .update(inventoryTemplates)
      .set({ lowStockAlertedAt: ctx.now })
      .where(and(eq(inventoryTemplates.slug, type), sql`${inventoryTemplates.lowStockAlertedAt} IS NULL`))
      .returning({ slug: inventoryTemplates.slug });
    if (claim.length === 0) return;
    const threshold = template.lowStockThreshold;
    const locales = await notificationLocales(ctx.db, settings.notification_emails, settings.default_locale);
    const rows = settings.notification_emails.map((to) =>
      emailRow(
        ctx.now,
        { email: to },
        lowStockEmail(settings, { type: template.name, inStock, threshold, url: `${env.baseUrl}/admin/inventory`, locale: locales.get(to) }),
      ),
    );
    // The emails as one bulk insert: up to 20 addresses × 11 columns is over D1's 100 parameters.
    const d1 = ctx.db.$client;
    await d1.batch([
      ...bulkInsert(d1, emailOutbox, rows),
      prepared(
        d1,
        recordActivity(ctx, {
          entity: "inventory_template",
          entityId: type,
          customerId: null,
          action: "inventory_template.low_stock",
          changes: { in_stock: { before: null, after: inStock } },
        }),
      ),
    ]);
  } else if (!low && template.lowStockAlertedAt) {
    await ctx.db.update(inventoryTemplates).set({ lowStockAlertedAt: null }).where(eq(inventoryTemplates.slug, type));
  }
}
