/** What search results belong to, by name: a hit's customer, a service's product, the service holding an item. */
import type { Db } from "../client";
import type { SearchHit } from "./search";

export type HitContext = {
  customer: { id: string; name: string } | null;
  product: { id: string; name: string } | null;
  service: { id: string; label: string } | null;
};

/**
 * The context of a page of hits, keyed by hit id, in one statement: the customers of the hits, the
 * products of service hits, and the services (product · number) holding inventory hits.
 */
export async function searchContext(db: Db, hits: readonly SearchHit[]): Promise<Map<string, HitContext>> {
  const out = new Map<string, HitContext>();
  if (hits.length === 0) return out;
  const customerIds = [...new Set(hits.flatMap((h) => (h.customer_id && h.type !== "customer" ? [h.customer_id] : [])))];
  const serviceIds = hits.filter((h) => h.type === "service").map((h) => h.id);
  const itemIds = hits.filter((h) => h.type === "inventory").map((h) => h.id);
  const rows = await db.$client
    .prepare(
      `SELECT 'customer' AS kind, id, id AS ref, name FROM customers WHERE id IN (SELECT value FROM json_each(?1))
       UNION ALL
       SELECT 'product', s.id, p.id, p.name FROM services s JOIN products p ON p.id = s.product_id WHERE s.id IN (SELECT value FROM json_each(?2))
       UNION ALL
       SELECT 'service', i.id, s.id, p.name || coalesce(' · ' || coalesce(s.identifiers ->> '$.msisdn', s.identifiers ->> '$.username', s.identifiers ->> '$.circuit_id'), '')
       FROM inventory_items i JOIN services s ON s.id = i.service_id JOIN products p ON p.id = s.product_id
       WHERE i.id IN (SELECT value FROM json_each(?3))`,
    )
    .bind(JSON.stringify(customerIds), JSON.stringify(serviceIds), JSON.stringify(itemIds))
    .raw<[string, string, string, string]>();
  const customers = new Map<string, string>();
  const products = new Map<string, { id: string; name: string }>();
  const services = new Map<string, { id: string; label: string }>();
  for (const [kind, id, ref, name] of rows) {
    if (kind === "customer") customers.set(id, name);
    else if (kind === "product") products.set(id, { id: ref, name });
    else services.set(id, { id: ref, label: name });
  }
  for (const h of hits) {
    const customerName = h.customer_id && h.type !== "customer" ? customers.get(h.customer_id) : undefined;
    out.set(h.id, {
      customer: h.customer_id && customerName !== undefined ? { id: h.customer_id, name: customerName } : null,
      product: products.get(h.id) ?? null,
      service: services.get(h.id) ?? null,
    });
  }
  return out;
}
