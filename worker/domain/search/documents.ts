/**
 * What the global search index holds for each entity. Pure functions: the worker, the demo seed and
 * the benchmark build documents the same way.
 */
export type SearchEntityType = "customer" | "contact" | "site" | "service" | "product" | "inventory";
export const SEARCH_TYPES: readonly SearchEntityType[] = ["customer", "contact", "site", "service", "product", "inventory"];

export type SearchDocument = {
  entityType: SearchEntityType;
  entityId: string;
  customerId: string | null;
  title: string;
  subtitle: string;
  keywords: string;
};

const join = (...parts: (string | null | undefined)[]) => parts.filter((p) => p && p.trim() !== "").join(" · ");
const words = (...parts: (string | null | undefined)[]) => parts.filter((p) => p && p.trim() !== "").join(" ");

/**
 * Ids are indexed without their type prefix ("cus_01j…" → "01j…"): the prefix alone would make
 * "con" or "cus" match every contact or customer.
 */
function idTerm(id: string): string {
  return id.replace(/^[a-z]+_/, "");
}

/** Digits of a phone number, with and without the country code, so "0612…" and "33612…" both match. */
function phoneTerms(phone: string | null | undefined): string {
  if (!phone) return "";
  const digits = phone.replace(/\D/g, "");
  return words(digits, digits.length > 9 ? `0${digits.slice(-9)}` : null, digits.slice(-9));
}

export function customerDocument(c: { id: string; name: string; type: string; status: string; externalId: string | null }): SearchDocument {
  return {
    entityType: "customer",
    entityId: c.id,
    customerId: c.id,
    title: c.name,
    subtitle: join(c.type === "business" ? "Business" : "Individual", c.status, c.externalId ? `ext ${c.externalId}` : null),
    keywords: words(idTerm(c.id), c.externalId),
  };
}

export function contactDocument(
  c: { id: string; customerId: string; firstName: string; lastName: string | null; email: string | null; phone: string | null },
  customerName: string,
): SearchDocument {
  return {
    entityType: "contact",
    entityId: c.id,
    customerId: c.customerId,
    title: words(c.firstName, c.lastName),
    subtitle: join(customerName, c.email, c.phone),
    keywords: words(idTerm(c.id), c.email, phoneTerms(c.phone)),
  };
}

export function siteDocument(
  s: {
    id: string;
    customerId: string;
    name: string;
    addressLine1: string;
    addressLine2: string | null;
    city: string;
    postalCode: string | null;
    region: string | null;
    country: string;
  },
  customerName: string,
): SearchDocument {
  return {
    entityType: "site",
    entityId: s.id,
    customerId: s.customerId,
    title: s.name,
    subtitle: join(customerName, words(s.addressLine1, s.addressLine2), words(s.postalCode, s.city), s.country),
    keywords: words(idTerm(s.id)),
  };
}

export function productDocument(p: { id: string; name: string; slug: string; type: string; serviceType: string; status: string }): SearchDocument {
  return {
    entityType: "product",
    entityId: p.id,
    customerId: null,
    title: p.name,
    subtitle: join(p.type, p.serviceType.replace("_", " "), p.status),
    keywords: words(idTerm(p.id), p.slug),
  };
}

export function serviceDocument(
  s: { id: string; customerId: string; status: string; identifiers: Record<string, string> },
  productName: string,
  customerName: string,
): SearchDocument {
  const ids = Object.values(s.identifiers).filter(Boolean);
  return {
    entityType: "service",
    entityId: s.id,
    customerId: s.customerId,
    title: ids[0] ? `${productName} · ${ids[0]}` : productName,
    subtitle: join(customerName, s.status, ...ids.slice(1)),
    keywords: words(idTerm(s.id), ...ids, ...ids.map((i) => i.replace(/\D/g, "")).filter((d) => d.length >= 6)),
  };
}

/**
 * Turns what a user typed into a safe FTS5 query: every word becomes a quoted prefix term, all
 * required. Returns null when nothing searchable is left.
 */
export function toFtsQuery(input: string): string | null {
  const terms = input
    .normalize("NFKC")
    .replace(/\b[a-z]{2,4}_(?=[0-9a-z]{4})/gi, "")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 0)
    .slice(0, 8);
  if (terms.length === 0) return null;
  return terms.map((t) => `"${t}"*`).join(" ");
}

/**
 * An inventory item: titled by its type and first identifier (ICCID, MSISDN, serial, CIDR…), every
 * identifier searchable; phone numbers also by their national digits.
 */
export function inventoryDocument(
  item: { id: string; type: string; status: string; location: string | null; customerId: string | null; fields: Record<string, unknown> },
  typeName: string,
  identifierFields: readonly string[],
): SearchDocument {
  const ids = identifierFields.map((f) => item.fields[f]).filter((v): v is string | number => typeof v === "string" || typeof v === "number");
  const msisdn = typeof item.fields.msisdn === "string" ? item.fields.msisdn : null;
  return {
    entityType: "inventory",
    entityId: item.id,
    customerId: item.customerId,
    title: words(typeName, ids[0] === undefined ? idTerm(item.id) : String(ids[0])),
    subtitle: join(item.status.replace("_", " "), item.location, ...ids.slice(1).map(String)),
    keywords: words(idTerm(item.id), ...ids.map((v) => String(v).replace(/[^0-9A-Za-z]/g, " ")), phoneTerms(msisdn)),
  };
}
