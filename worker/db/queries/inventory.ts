import { and, asc, desc, eq, type SQL, sql } from "drizzle-orm";
import type { ItemStatus, ItemView } from "../../domain/inventory/schemas";
import { decodeCursor, encodeCursor, type Page } from "../../lib/cursor";
import { inList } from "../bulk";
import type { Db } from "../client";
import { inventoryConfigs, inventoryImports, inventoryItems, inventoryTemplates, ipAllocations } from "../schema";

export type ItemRow = typeof inventoryItems.$inferSelect;
export type TemplateRow = typeof inventoryTemplates.$inferSelect;

export function toTemplateView(t: TemplateRow) {
  return {
    slug: t.slug,
    name: t.name,
    description: t.description,
    fields: t.fields,
    built_in: t.builtIn,
    low_stock_threshold: t.lowStockThreshold,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
  };
}

export function toItemView(r: ItemRow): ItemView {
  let secretFields: string[] = [];
  if (r.secrets) {
    // Sealed as `names|v1.<iv>.<ciphertext>`: the names are kept in clear so pages can say what is held.
    secretFields = (r.secrets.split("|")[0] ?? "").split(",").filter(Boolean);
  }
  return {
    id: r.id,
    type: r.type,
    status: r.status,
    fields: r.fields,
    secret_fields: secretFields,
    location: r.location,
    supplier: r.supplier,
    cost_amount: r.costAmount,
    currency: r.currency,
    customer_id: r.customerId,
    service_id: r.serviceId,
    reserved_until: r.reservedUntil,
    quarantined_until: r.quarantinedUntil,
    notes: r.notes,
    import_id: r.importId,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
  };
}

export async function listTemplates(db: Db): Promise<TemplateRow[]> {
  return db.select().from(inventoryTemplates).orderBy(desc(inventoryTemplates.builtIn), asc(inventoryTemplates.name));
}

export async function getTemplate(db: Db, slug: string): Promise<TemplateRow | undefined> {
  return db.select().from(inventoryTemplates).where(eq(inventoryTemplates.slug, slug)).get();
}

export async function getItem(db: Db, id: string): Promise<ItemRow | undefined> {
  return db.select().from(inventoryItems).where(eq(inventoryItems.id, id)).get();
}

export type ItemFilters = {
  type?: string;
  status?: ItemStatus;
  serviceId?: string;
  customerId?: string;
  location?: string;
  importId?: string;
  q?: string;
};

function itemWhere(f: ItemFilters): SQL[] {
  const where: SQL[] = [];
  if (f.type) where.push(eq(inventoryItems.type, f.type));
  if (f.status) where.push(eq(inventoryItems.status, f.status));
  if (f.serviceId) where.push(eq(inventoryItems.serviceId, f.serviceId));
  if (f.customerId) where.push(eq(inventoryItems.customerId, f.customerId));
  if (f.location) where.push(eq(inventoryItems.location, f.location));
  if (f.importId) where.push(eq(inventoryItems.importId, f.importId));
  if (f.q) {
    // The value part of `type:field:value` contains the term. instr(), not LIKE: D1 refuses LIKE
    // patterns longer than 50 bytes.
    const term = f.q
      .trim()
      .toLowerCase()
      .replace(/[\s\-.()]/g, "");
    where.push(
      sql`(${inventoryItems.id} = ${f.q.trim()} OR ${inventoryItems.id} IN (SELECT item_id FROM inventory_keys WHERE instr(substr(key, instr(key, ':') + instr(substr(key, instr(key, ':') + 1), ':') + 1), ${term}) > 0))`,
    );
  }
  return where;
}

/** Items newest first, filtered, with a keyset cursor. */
export async function listItems(db: Db, f: ItemFilters & { limit: number; cursor?: string }): Promise<Page<ItemView>> {
  const where = itemWhere(f);
  if (f.cursor) where.push(sql`${inventoryItems.id} < ${String(decodeCursor(f.cursor, 1)[0])}`);
  const rows = await db
    .select()
    .from(inventoryItems)
    .where(and(...where))
    .orderBy(desc(inventoryItems.id))
    .limit(f.limit + 1);
  const page = rows.slice(0, f.limit);
  const last = page.at(-1);
  return { data: page.map(toItemView), next_cursor: rows.length > f.limit && last ? encodeCursor([last.id]) : null };
}

/** Every item matching the filters, in id order, a page at a time (the CSV export streams these). */
export async function* allItems(db: Db, f: ItemFilters, pageSize = 1000): AsyncGenerator<ItemRow[]> {
  let after = "";
  for (;;) {
    const where = itemWhere(f);
    if (after) where.push(sql`${inventoryItems.id} > ${after}`);
    const rows = await db
      .select()
      .from(inventoryItems)
      .where(and(...where))
      .orderBy(asc(inventoryItems.id))
      .limit(pageSize);
    if (rows.length === 0) return;
    yield rows;
    after = rows.at(-1)?.id ?? "";
    if (rows.length < pageSize) return;
  }
}

/** Counts per type and status, and per location (the stock dashboard). */
export async function stockCounts(db: Db) {
  const byStatus = await db
    .select({ type: inventoryItems.type, status: inventoryItems.status, n: sql<number>`count(*)` })
    .from(inventoryItems)
    .groupBy(inventoryItems.type, inventoryItems.status);
  const byLocation = await db
    .select({ type: inventoryItems.type, location: inventoryItems.location, n: sql<number>`count(*)` })
    .from(inventoryItems)
    .where(eq(inventoryItems.status, "in_stock"))
    .groupBy(inventoryItems.type, inventoryItems.location);
  return { byStatus, byLocation };
}

export async function inStockCount(db: Db, type: string): Promise<number> {
  const row = await db
    .select({ n: sql<number>`count(*)` })
    .from(inventoryItems)
    .where(and(eq(inventoryItems.type, type), eq(inventoryItems.status, "in_stock")))
    .get();
  return row?.n ?? 0;
}

export async function itemsOfService(db: Db, serviceId: string): Promise<ItemRow[]> {
  return db.select().from(inventoryItems).where(eq(inventoryItems.serviceId, serviceId)).orderBy(asc(inventoryItems.type));
}

export async function itemsByIds(db: Db, ids: string[]): Promise<ItemRow[]> {
  if (ids.length === 0) return [];
  return db.select().from(inventoryItems).where(inList(inventoryItems.id, ids));
}

export async function blockAllocations(db: Db, blockId: string) {
  return db.select().from(ipAllocations).where(eq(ipAllocations.blockId, blockId)).orderBy(asc(ipAllocations.startKey));
}

export async function serviceAllocations(db: Db, serviceId: string) {
  return db.select().from(ipAllocations).where(eq(ipAllocations.serviceId, serviceId)).orderBy(asc(ipAllocations.startKey));
}

export async function itemConfigs(db: Db, itemId: string) {
  return db.select().from(inventoryConfigs).where(eq(inventoryConfigs.itemId, itemId)).orderBy(desc(inventoryConfigs.version));
}

export function toConfigView(c: typeof inventoryConfigs.$inferSelect) {
  return {
    id: c.id,
    item_id: c.itemId,
    version: c.version,
    content: c.content,
    source: c.source,
    job_id: c.jobId,
    note: c.note,
    created_by: c.createdBy,
    created_at: c.createdAt,
  };
}

export async function getInventoryImport(db: Db, id: string) {
  return db.select().from(inventoryImports).where(eq(inventoryImports.id, id)).get();
}
