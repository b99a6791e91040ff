/**
 * What activity entries are about, by name: the customer, the service (product and number), the invoice
 * number, the user… Read for a whole page at once, one statement whatever the mix of entities, and
 * matched back to the entries by entity and id.
 */
import { SEARCH_TYPES, type SearchEntityType } from "../../domain/search/documents";
import type { Db } from "../client";
import type { ActivityView } from "./activity";
import { search } from "./search";

/** An entry's subject as people know it; the href is null for what has no page (a deleted contact). */
export type ActivitySubject = { label: string; href: string | null; detail: string | null };

type NameRow = { entity: string; id: string; label: string | null; detail: string | null; customer_id: string | null; ref: string | null };

/** The main identifier of a service (number, username, circuit) in SQL, as the jobs list shows it. */
const MAIN_IDENTIFIER = `coalesce(s.identifiers ->> '$.msisdn', s.identifiers ->> '$.username', s.identifiers ->> '$.circuit_id', (SELECT value FROM json_each(s.identifiers) LIMIT 1))`;

/** One SELECT per entity kind, over the ids given as one JSON parameter, answering {@link NameRow}'s columns. */
const NAME_QUERIES: Record<string, string> = {
  customer: `SELECT 'customer', id, name, NULL, id, NULL FROM customers WHERE id IN (SELECT value FROM json_each(?))`,
  contact: `SELECT 'contact', id, trim(first_name || ' ' || coalesce(last_name, '')), coalesce(email, phone), customer_id, NULL FROM contacts WHERE id IN (SELECT value FROM json_each(?))`,
  site: `SELECT 'site', id, name, city, customer_id, NULL FROM sites WHERE id IN (SELECT value FROM json_each(?))`,
  service: `SELECT 'service', s.id, p.name || coalesce(' · ' || ${MAIN_IDENTIFIER}, ''), NULL, s.customer_id, NULL
            FROM services s JOIN products p ON p.id = s.product_id WHERE s.id IN (SELECT value FROM json_each(?))`,
  product: `SELECT 'product', id, name, NULL, NULL, NULL FROM products WHERE id IN (SELECT value FROM json_each(?))`,
  inventory_item: `SELECT 'inventory_item', entity_id, title, NULL, customer_id, NULL FROM search_docs WHERE entity_id IN (SELECT value FROM json_each(?))`,
  inventory_template: `SELECT 'inventory_template', slug, name, NULL, NULL, NULL FROM inventory_templates WHERE slug IN (SELECT value FROM json_each(?))`,
  invoice: `SELECT 'invoice', id, CASE kind WHEN 'credit_note' THEN 'Credit note ' ELSE 'Invoice ' END || coalesce(number, '(draft)'), NULL, customer_id, NULL
            FROM invoices WHERE id IN (SELECT value FROM json_each(?))`,
  payment: `SELECT 'payment', p.id, CASE p.purpose WHEN 'top_up' THEN 'Top-up payment' ELSE 'Payment' || coalesce(' of ' || i.number, '') END,
            replace(p.method, '_', ' '), p.customer_id, p.invoice_id
            FROM payments p LEFT JOIN invoices i ON i.id = p.invoice_id WHERE p.id IN (SELECT value FROM json_each(?))`,
  payment_method: `SELECT 'payment_method', id, brand || ' •••• ' || last4, NULL, customer_id, NULL FROM payment_methods WHERE id IN (SELECT value FROM json_each(?))`,
  user: `SELECT 'user', id, name, email, NULL, NULL FROM users WHERE id IN (SELECT value FROM json_each(?))`,
  session: `SELECT 'session', s.id, coalesce(u.name, a.email), coalesce(u.email, 'portal'), a.customer_id, u.id
            FROM sessions s LEFT JOIN users u ON s.subject_type = 'user' AND u.id = s.subject_id
            LEFT JOIN customer_accounts a ON s.subject_type = 'customer' AND a.id = s.subject_id
            WHERE s.id IN (SELECT value FROM json_each(?))`,
  customer_account: `SELECT 'customer_account', id, email, 'portal account', customer_id, NULL FROM customer_accounts WHERE id IN (SELECT value FROM json_each(?))`,
  broadcast: `SELECT 'broadcast', id, event, CASE cap_status WHEN 'Actual' THEN 'cell broadcast' ELSE 'cell broadcast (' || lower(cap_status) || ')' END, NULL, NULL
              FROM broadcasts WHERE id IN (SELECT value FROM json_each(?))`,
  broadcast_template: `SELECT 'broadcast_template', id, name, 'alert template', NULL, NULL FROM broadcast_templates WHERE id IN (SELECT value FROM json_each(?))`,
  job: `SELECT 'job', j.id, replace(j.type, '_', ' ') || ' job', p.name || coalesce(' · ' || ${MAIN_IDENTIFIER}, ''), s.customer_id, NULL
        FROM jobs j LEFT JOIN services s ON s.id = j.service_id LEFT JOIN products p ON p.id = s.product_id WHERE j.id IN (SELECT value FROM json_each(?))`,
  bill_run: `SELECT 'bill_run', id, 'Bill run ' || substr(period_start, 1, 7), NULL, NULL, NULL FROM bill_runs WHERE id IN (SELECT value FROM json_each(?))`,
  promo_code: `SELECT 'promo_code', id, code, 'promo code', NULL, NULL FROM promo_codes WHERE id IN (SELECT value FROM json_each(?))`,
  tax_rate: `SELECT 'tax_rate', id, name, 'tax rate', NULL, NULL FROM tax_rates WHERE id IN (SELECT value FROM json_each(?))`,
  role: `SELECT 'role', id, name, 'role', NULL, NULL FROM roles WHERE id IN (SELECT value FROM json_each(?))`,
  api_key: `SELECT 'api_key', id, name, 'API key', NULL, NULL FROM api_keys WHERE id IN (SELECT value FROM json_each(?))`,
  webhook_endpoint: `SELECT 'webhook_endpoint', id, url, 'webhook', NULL, NULL FROM webhook_endpoints WHERE id IN (SELECT value FROM json_each(?))`,
  attribute_definition: `SELECT 'attribute_definition', key, label, 'attribute', NULL, NULL FROM attribute_definitions WHERE key IN (SELECT value FROM json_each(?))`,
};

/** Where a subject's page is (by entity), from its id, its customer and the row's extra reference. */
const LINKS: Record<string, (id: string, customerId: string | null, ref: string | null) => string | null> = {
  customer: (id) => `/admin/customers/${id}`,
  contact: (_id, customerId) => (customerId ? `/admin/customers/${customerId}#contacts` : null),
  site: (id, customerId) => (customerId ? `/admin/customers/${customerId}#site-${id}` : null),
  service: (id) => `/admin/services/${id}`,
  product: (id) => `/admin/catalog/${id}`,
  inventory_item: (id) => `/admin/inventory/items/${id}`,
  inventory_template: () => "/admin/inventory/types",
  inventory_import: (id) => `/admin/inventory/imports/${id}`,
  invoice: (id) => `/admin/invoices/${id}`,
  payment: (_id, customerId, invoiceId) => (invoiceId ? `/admin/invoices/${invoiceId}` : customerId ? `/admin/payments?customer_id=${customerId}` : null),
  payment_method: (_id, customerId) => (customerId ? `/admin/customers/${customerId}#payments-card` : null),
  user: (id) => `/admin/users/${id}`,
  session: (_id, customerId, userId) => (userId ? `/admin/users/${userId}` : customerId ? `/admin/customers/${customerId}` : null),
  customer_account: (_id, customerId) => (customerId ? `/admin/customers/${customerId}#contacts` : null),
  broadcast: (id) => `/admin/broadcasts/${id}`,
  broadcast_template: () => "/admin/broadcasts/templates",
  job: (id) => `/admin/jobs/${id}`,
  bill_run: (id) => `/admin/bill-runs/${id}`,
  promo_code: () => "/admin/promo-codes",
  tax_rate: (id) => `/admin/tax-rates/${id}`,
  role: (id) => `/admin/roles/${id}`,
  api_key: () => "/admin/api-keys",
  webhook_endpoint: (id) => `/admin/webhooks/${id}`,
  attribute_definition: () => "/admin/settings/attributes",
  settings: () => "/admin/settings",
};

/** What a deleted record was called, from the entry's own changes (its `before`). */
function formerName(entry: ActivityView): string | null {
  for (const field of ["name", "email", "code", "url"]) {
    const value = entry.changes[field]?.before ?? entry.changes[field]?.after;
    if (typeof value === "string" && value !== "") return value;
  }
  const first = entry.changes.first_name?.before;
  return typeof first === "string" ? [first, entry.changes.last_name?.before].filter((v) => typeof v === "string").join(" ") : null;
}

const key = (entity: string, id: string) => `${entity}\u0000${id}`;

/**
 * Names and links for a page of entries, keyed by entry id: one batch of one SELECT per entity kind
 * present, each taking its ids as one JSON parameter (so no limit on bound parameters).
 * The entries' customers are read with them, for the "of customer" detail.
 */
export async function activitySubjects(
  db: Db,
  entries: readonly ActivityView[],
): Promise<Map<string, ActivitySubject & { customer: { id: string; name: string } | null }>> {
  const ids = new Map<string, Set<string>>();
  const want = (entity: string, id: string) => {
    if (!NAME_QUERIES[entity]) return;
    const set = ids.get(entity) ?? new Set<string>();
    set.add(id);
    ids.set(entity, set);
  };
  for (const e of entries) {
    want(e.entity, e.entity_id);
    if (e.customer_id) want("customer", e.customer_id);
  }
  const kinds = [...ids.keys()];
  // One batch (one round trip), a statement per kind: D1 refuses a UNION of more than a few SELECTs.
  const results = kinds.length
    ? await db.$client.batch<NameRow>(
        kinds.map((k) =>
          db.$client
            .prepare(`WITH t(entity, id, label, detail, customer_id, ref) AS (${NAME_QUERIES[k]}) SELECT * FROM t`)
            .bind(JSON.stringify([...(ids.get(k) ?? [])])),
        ),
      )
    : [];
  const rows = results.flatMap((r) => r.results);
  const found = new Map(rows.map((r) => [key(r.entity, r.id), r]));
  const out = new Map<string, ActivitySubject & { customer: { id: string; name: string } | null }>();
  for (const e of entries) {
    const row = found.get(key(e.entity, e.entity_id));
    const customerId = row?.customer_id ?? e.customer_id;
    const customerRow = customerId ? found.get(key("customer", customerId)) : undefined;
    const customer = customerRow && e.entity !== "customer" ? { id: customerRow.id, name: customerRow.label ?? customerRow.id } : null;
    const named = Boolean(NAME_QUERIES[e.entity]);
    // A kind without names (settings, an import, an email) is called by its kind; a record gone since by its former name.
    const label = row?.label || formerName(e) || (named ? e.entity_id : e.entity.replace(/_/g, " "));
    const href = row || !named ? (LINKS[e.entity]?.(e.entity_id, customerId, row?.ref ?? null) ?? null) : null;
    out.set(e.id, { label, href, detail: row ? row.detail : named ? "removed" : null, customer });
  }
  return out;
}

/** The activity entity of each kind of search document. */
const SEARCH_ENTITY: Record<SearchEntityType, string> = {
  customer: "customer",
  contact: "contact",
  site: "site",
  service: "service",
  product: "product",
  inventory: "inventory_item",
};

/** Subjects a filter can name: at most this many of each kind (the filter is meant to find one thing). */
const MATCH_LIMIT = 50;

/**
 * The subjects whose name matches what staff typed: customers (all their entries), services by number or
 * product, products, inventory items, contacts and sites through the search index; invoices by number
 * (prefix); users by name or email; alerts by event. Empty lists when nothing matches.
 */
export async function matchSubjects(db: Db, text: string): Promise<{ entities: [string, string][]; customerIds: string[] }> {
  const typed = text.trim();
  const number = typed.toUpperCase();
  const like = `%${typed.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const [hits, named] = await Promise.all([
    search(db, typed, SEARCH_TYPES, MATCH_LIMIT),
    db.$client
      .prepare(
        `SELECT * FROM (SELECT 'invoice', id FROM invoices WHERE number >= ?1 AND number < ?1 || char(1114111) LIMIT ${MATCH_LIMIT})
         UNION ALL SELECT * FROM (SELECT 'user', id FROM users WHERE name LIKE ?2 ESCAPE '\\' OR email LIKE ?2 ESCAPE '\\' LIMIT ${MATCH_LIMIT})
         UNION ALL SELECT * FROM (SELECT 'broadcast', id FROM broadcasts WHERE event LIKE ?2 ESCAPE '\\' ORDER BY id DESC LIMIT ${MATCH_LIMIT})`,
      )
      .bind(number, like)
      .raw<[string, string]>(),
  ]);
  const customerIds = hits.filter((h) => h.type === "customer").map((h) => h.id);
  const entities = [...hits.filter((h) => h.type !== "customer").map((h): [string, string] => [SEARCH_ENTITY[h.type], h.id]), ...named];
  // A number or SIM found in inventory also brings the service holding it.
  const items = hits.filter((h) => h.type === "inventory").map((h) => h.id);
  if (items.length > 0) {
    const held = await db.$client
      .prepare("SELECT DISTINCT service_id FROM inventory_items WHERE id IN (SELECT value FROM json_each(?)) AND service_id IS NOT NULL")
      .bind(JSON.stringify(items))
      .raw<[string]>();
    for (const [serviceId] of held) entities.push(["service", serviceId]);
  }
  return { entities, customerIds };
}
