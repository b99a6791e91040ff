/**
 * The order form's inventory search: items an order may take (in stock, or held for this customer),
 * found by what staff type — an ICCID, an MSISDN in national or international form, a pool, a
 * serial… — and, for phone numbers, only those that fit the product: its `number_pool` when it
 * names one, and mobile numbers for mobile plans, fixed-line ones for the others (libphonenumber's
 * number type; a number of a range it does not know fits only through the product's pool). Quarantined numbers are never offered (they are not in stock).
 */
import { and, asc, eq, isNull, type SQL, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import type { ItemRow } from "../../db/queries/inventory";
import { inventoryItems } from "../../db/schema";
import { callingCodeOf, parsePhone, phoneFits } from "../../lib/phone";

export const PHONE_NUMBER = "phone_number";

/** The product fields a number must fit. */
export type NumberRule = { service_type: string; provisioning_json_vars: Record<string, unknown> };

/** Why a phone number does not suit a product (null when it does), in words staff can act on. */
export function numberProblem(product: NumberRule, fields: Record<string, unknown>): string | null {
  const msisdn = typeof fields.msisdn === "string" ? fields.msisdn : "";
  const pool = product.provisioning_json_vars.number_pool;
  if (typeof pool === "string" && fields.pool !== pool) {
    return `${msisdn} is in pool ${typeof fields.pool === "string" ? fields.pool : "(none)"}; this product takes numbers from pool ${pool}`;
  }
  if (product.service_type === "other") return null;
  const kind = parsePhone(msisdn, null, "possible")?.kind ?? null;
  if (phoneFits(kind, product.service_type)) return null;
  // A range libphonenumber does not know yet: the product's own pool is the operator's word for it.
  if (kind === null && typeof pool === "string") return null;
  if (kind === null) return `${msisdn} is in a range whose type is unknown; give the product a number_pool to offer it`;
  return product.service_type === "mobile"
    ? `${msisdn} is a fixed-line number; a mobile plan needs a mobile number`
    : `${msisdn} is a mobile number; a ${product.service_type.replace("_", " ")} service needs a fixed-line number`;
}

/**
 * What a typed search means for an identifier: digits and letters without separators; a national
 * number ("06 12…") becomes its international prefix for the customer's country ("+33612…"), and
 * a `00` international prefix becomes `+`; the digits as typed are searched too (part of an ICCID
 * such as "0510…" reads like a national number).
 */
export function searchTerms(q: string, country: string | null): string[] {
  const t = q
    .trim()
    .toLowerCase()
    .replace(/[\s\-.()/]/g, "");
  // Digits as typed as well: "0510…" may be part of an ICCID as much as a national number.
  if (/^00\d/.test(t)) return [`+${t.slice(2)}`, t];
  const cc = country ? callingCodeOf(country) : null;
  if (cc && /^0\d/.test(t)) return [`+${cc}${t.slice(1)}`, t];
  return [t];
}

/** Numbers read per page while looking for ones that fit a product, and at most in all. */
const NUMBER_PAGE = 200;
const NUMBER_SCAN_LIMIT = 5_000;

/**
 * Up to `limit` items of `type` an order for `customerId` may take, held ones first, matching `q`
 * (empty: any) in an identifier (the `inventory_keys` index: ICCID, IMSI, MSISDN, serial, MAC…), the
 * pool, or the id; phone numbers only when they fit `product`.
 */
export async function searchOrderInventory(
  db: Db,
  p: {
    customerId: string;
    type: string;
    q: string;
    country: string | null;
    product: NumberRule;
    limit?: number;
    /** Golden numbers too (staff may pick one); "next available" never takes one. */
    golden?: boolean;
  },
): Promise<ItemRow[]> {
  const limit = p.limit ?? 20;
  const where: SQL[] = [eq(inventoryItems.type, p.type), isNull(inventoryItems.serviceId)];
  if (p.golden === false) where.push(sql`coalesce(json_extract(${inventoryItems.fields}, '$.golden'), 0) = 0`);
  const numbers = p.type === PHONE_NUMBER;
  const pool = p.product.provisioning_json_vars.number_pool;
  if (numbers && typeof pool === "string") where.push(sql`json_extract(${inventoryItems.fields}, '$.pool') = ${pool}`);
  const raw = p.q.trim().slice(0, 64);
  if (raw) {
    const [term, asTyped = term] = searchTerms(raw, p.country);
    // instr(), not LIKE: D1 refuses long LIKE patterns, and typed % or _ must not be wildcards.
    // A key is `type:field:value`; `value` (after the second colon) is matched against both terms.
    where.push(
      sql`(${inventoryItems.id} = ${raw}
        OR instr(lower(coalesce(json_extract(${inventoryItems.fields}, '$.pool'), '')), ${raw.toLowerCase()}) = 1
        OR ${inventoryItems.id} IN (SELECT item_id FROM (SELECT item_id, substr(key, instr(key, ':') + instr(substr(key, instr(key, ':') + 1), ':') + 1) AS value FROM inventory_keys)
          WHERE instr(value, ${term}) > 0 OR instr(value, ${asTyped}) > 0))`,
    );
  }
  // Held for this customer first (a few rows, by the customer index), then stock in id order: two
  // queries, so the stock is read along the (type, status, id) index a page at a time instead of
  // all of it sorted for every search (100,000 SIMs, or every order that takes a number).
  const held = await db
    .select()
    .from(inventoryItems)
    .where(and(...where, eq(inventoryItems.status, "reserved"), eq(inventoryItems.customerId, p.customerId)))
    .orderBy(asc(inventoryItems.id));
  const stock = (count: number, offset: number) =>
    db
      .select()
      .from(inventoryItems)
      .where(and(...where, eq(inventoryItems.status, "in_stock")))
      .orderBy(asc(inventoryItems.id))
      .limit(count)
      .offset(offset);
  if (!numbers) return held.length >= limit ? held.slice(0, limit) : [...held, ...(await stock(limit - held.length, 0))];
  // Numbers are filtered by type here (libphonenumber), page by page: a stock whose first numbers are
  // of the other kind (fixed-line numbers imported before mobile ones, no pool) still finds the rest.
  // The first page is small (most stock fits); the next ones are full pages.
  const fitting = held.filter((row) => numberProblem(p.product, row.fields) === null).slice(0, limit);
  for (let offset = 0, page = Math.min(NUMBER_PAGE, limit * 2); fitting.length < limit && offset < NUMBER_SCAN_LIMIT; offset += page, page = NUMBER_PAGE) {
    const rows = await stock(page, offset);
    for (const row of rows) {
      if (fitting.length >= limit) break;
      if (numberProblem(p.product, row.fields) === null) fitting.push(row);
    }
    if (rows.length < page) break;
  }
  return fitting;
}
