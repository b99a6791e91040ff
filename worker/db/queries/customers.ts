import { and, asc, desc, eq, gt, lt, or, type SQL, sql } from "drizzle-orm";
import type { CustomerSort, CustomerStatus, CustomerView } from "../../domain/customers/schemas";
import { toFtsQuery } from "../../domain/search/documents";
import { decodeCursor, encodeCursor, type Page } from "../../lib/cursor";
import { inList } from "../bulk";
import type { Db } from "../client";
import { type Customer, customerAccounts, customerAttributes, customers, customerTags, tags } from "../schema";

type AttributeValue = string | number | boolean;

export function toCustomerView(row: Customer, tagNames: string[], attributes: Record<string, AttributeValue>): CustomerView {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    status: row.status,
    payment_type: row.paymentType,
    currency: row.currency,
    locale: row.locale,
    timezone: row.timezone,
    external_id: row.externalId,
    notes: row.notes,
    payment_terms_days: row.paymentTermsDays,
    tax_exemption_reason: row.taxExemptionReason,
    tax_exemption_reference: row.taxExemptionReference,
    credit_limit: row.creditLimit,
    auto_pay: row.autoPay,
    stripe_customer_id: row.stripeCustomerId,
    tags: tagNames,
    attributes,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
    archived_at: row.archivedAt,
  };
}

/** Tags and attribute values for a set of customers, in two queries whatever the page size. */
async function decorations(db: Db, ids: string[]) {
  const tagMap = new Map<string, string[]>();
  const attrMap = new Map<string, Record<string, AttributeValue>>();
  if (ids.length === 0) return { tagMap, attrMap };
  const idList = sql`(SELECT value FROM json_each(${JSON.stringify(ids)}))`;
  const [tagRows, attrRows] = await Promise.all([
    db
      .select({ customerId: customerTags.customerId, name: tags.name })
      .from(customerTags)
      .innerJoin(tags, eq(tags.id, customerTags.tagId))
      .where(sql`${customerTags.customerId} IN ${idList}`)
      .orderBy(asc(tags.name)),
    db.select().from(customerAttributes).where(sql`${customerAttributes.customerId} IN ${idList}`),
  ]);
  for (const row of tagRows) tagMap.set(row.customerId, [...(tagMap.get(row.customerId) ?? []), row.name]);
  for (const row of attrRows) attrMap.set(row.customerId, { ...(attrMap.get(row.customerId) ?? {}), [row.key]: row.value });
  return { tagMap, attrMap };
}

export async function findCustomerRow(db: Db, id: string): Promise<Customer | undefined> {
  return db.select().from(customers).where(eq(customers.id, id)).get();
}

/** One customer with its tags and attributes, in a single query (the most frequent read of the API). */
export async function getCustomer(db: Db, id: string): Promise<CustomerView | null> {
  const row = await db
    .select({
      customer: customers,
      tags: sql<string>`(SELECT json_group_array(name) FROM (SELECT t.name FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.customer_id = customers.id ORDER BY t.name))`,
      attributes: sql<string>`(SELECT json_group_object(key, json(value)) FROM customer_attributes a WHERE a.customer_id = customers.id)`,
    })
    .from(customers)
    .where(eq(customers.id, id))
    .get();
  if (!row) return null;
  return toCustomerView(row.customer, JSON.parse(row.tags) as string[], JSON.parse(row.attributes) as Record<string, AttributeValue>);
}

export type CustomerFilters = {
  /** Restricts the list to one customer (customer principals see only their own). */
  onlyId?: string;
  q?: string;
  status?: CustomerStatus[];
  type?: "individual" | "business";
  paymentType?: "prepaid" | "postpaid";
  tags?: string[];
  sort: CustomerSort;
  limit: number;
  cursor?: string;
};

const SORT_COLUMNS = {
  name: customers.name,
  created_at: customers.createdAt,
  updated_at: customers.updatedAt,
} as const;

export async function listCustomers(db: Db, f: CustomerFilters): Promise<Page<CustomerView>> {
  const descending = f.sort.startsWith("-");
  const column = SORT_COLUMNS[f.sort.replace(/^-/, "") as keyof typeof SORT_COLUMNS];
  const where: (SQL | undefined)[] = [];
  if (f.onlyId !== undefined) where.push(eq(customers.id, f.onlyId));
  if (f.status && f.status.length > 0) where.push(inList(customers.status, f.status));
  else where.push(sql`${customers.status} <> 'archived'`);
  if (f.type) where.push(eq(customers.type, f.type));
  if (f.paymentType) where.push(eq(customers.paymentType, f.paymentType));
  for (const tag of f.tags ?? []) {
    where.push(sql`EXISTS (SELECT 1 FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.customer_id = ${customers.id} AND t.name = ${tag})`);
  }
  if (f.q !== undefined && f.q.trim() !== "") {
    const match = toFtsQuery(f.q);
    if (!match) return { data: [], next_cursor: null };
    // Any document of the customer matches: its own name, a contact's email, a site's city…
    where.push(sql`${customers.id} IN (SELECT d.customer_id FROM search_fts JOIN search_docs d ON d.rowid = search_fts.rowid WHERE search_fts MATCH ${match})`);
  }
  if (f.cursor) {
    const [value, id] = decodeCursor(f.cursor, 2);
    const cmp = descending ? lt : gt;
    where.push(or(cmp(column, String(value)), and(eq(column, String(value)), cmp(customers.id, String(id)))));
  }
  const order = descending ? [desc(column), desc(customers.id)] : [asc(column), asc(customers.id)];
  const rows = await db
    .select()
    .from(customers)
    .where(and(...where))
    .orderBy(...order)
    .limit(f.limit + 1);
  const page = rows.slice(0, f.limit);
  const { tagMap, attrMap } = await decorations(
    db,
    page.map((r) => r.id),
  );
  const last = page.at(-1);
  const sortKey = f.sort.replace(/^-/, "") as keyof typeof SORT_COLUMNS;
  const lastValue = last ? { name: last.name, created_at: last.createdAt, updated_at: last.updatedAt }[sortKey] : null;
  return {
    data: page.map((r) => toCustomerView(r, tagMap.get(r.id) ?? [], attrMap.get(r.id) ?? {})),
    next_cursor: rows.length > f.limit && last ? encodeCursor([lastValue, last.id]) : null,
  };
}

export async function listTagNames(db: Db): Promise<{ name: string; count: number }[]> {
  return db
    .select({ name: tags.name, count: sql<number>`count(${customerTags.customerId})` })
    .from(tags)
    .leftJoin(customerTags, eq(customerTags.tagId, tags.id))
    .groupBy(tags.id)
    .orderBy(asc(tags.name));
}

/** Customer names by id (ids not found are left out). */
export async function customerNames(db: Db, ids: readonly string[]): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await db.select({ id: customers.id, name: customers.name }).from(customers).where(inList(customers.id, unique));
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** The portal accounts of a customer: which contact each belongs to, and its status. */
export async function customerAccountLinks(db: Db, customerId: string) {
  return db
    .select({ contactId: customerAccounts.contactId, status: customerAccounts.status, twoFactorSince: customerAccounts.totpEnabledAt })
    .from(customerAccounts)
    .where(eq(customerAccounts.customerId, customerId));
}
