import { sql } from "drizzle-orm";
import { expiryBound } from "../../domain/payments/cards";
import type { Db } from "../client";
import { ACTIVITY_ID_MARGIN_MS, activityIdAt } from "./activity";

export type DashboardCounts = {
  customers: Record<"open" | "suspended" | "closed" | "archived", number>;
  individual: number;
  business: number;
  contacts: number;
  sites: number;
  newThisMonth: number;
};

/** Headline counts for the dashboard, in one round trip. */
export async function dashboardCounts(db: Db, monthStart: string): Promise<DashboardCounts> {
  const row = await db.get<Record<string, number>>(sql`
    SELECT
      (SELECT count(*) FROM customers WHERE status = 'open') AS open,
      (SELECT count(*) FROM customers WHERE status = 'suspended') AS suspended,
      (SELECT count(*) FROM customers WHERE status = 'closed') AS closed,
      (SELECT count(*) FROM customers WHERE status = 'archived') AS archived,
      (SELECT count(*) FROM customers WHERE type = 'individual' AND status <> 'archived') AS individual,
      (SELECT count(*) FROM customers WHERE type = 'business' AND status <> 'archived') AS business,
      (SELECT count(*) FROM contacts) AS contacts,
      (SELECT count(*) FROM sites) AS sites,
      (SELECT count(*) FROM customers WHERE created_at >= ${monthStart}) AS new_this_month`);
  const n = (k: string) => Number(row?.[k] ?? 0);
  return {
    customers: { open: n("open"), suspended: n("suspended"), closed: n("closed"), archived: n("archived") },
    individual: n("individual"),
    business: n("business"),
    contacts: n("contacts"),
    sites: n("sites"),
    newThisMonth: n("new_this_month"),
  };
}

/** Active services per service type (mobile, fixed internet…), most first. */
export async function activeServicesByType(db: Db): Promise<{ type: string; n: number }[]> {
  const { results } = await db.$client
    .prepare(
      `SELECT p.service_type AS type, count(*) AS n FROM services s JOIN products p ON p.id = s.product_id
       WHERE s.status = 'active' GROUP BY p.service_type ORDER BY n DESC, type`,
    )
    .all<{ type: string; n: number }>();
  return results;
}

/**
 * Services activated and failed since `since` (the start of the operator's day), counted from the
 * activity log: the id range of the day (ids are time-ordered) keeps it to that day's entries.
 */
export async function serviceOutcomesSince(db: Db, since: string): Promise<{ activated: number; failed: number; failedJobs: number }> {
  const row = await db.$client
    .prepare(
      `SELECT
         (SELECT count(*) FROM activity_log WHERE id >= ?2 AND at >= ?1 AND entity = 'service' AND action = 'service.activate') AS activated,
         (SELECT count(DISTINCT entity_id) FROM activity_log WHERE id >= ?2 AND at >= ?1 AND entity = 'service' AND action = 'service.fail') AS failed,
         (SELECT count(*) FROM jobs WHERE status IN ('failed', 'dead') AND updated_at >= ?1) AS failed_jobs`,
    )
    .bind(since, activityIdAt(Date.parse(since) - ACTIVITY_ID_MARGIN_MS))
    .first<{ activated: number; failed: number; failed_jobs: number }>();
  return { activated: row?.activated ?? 0, failed: row?.failed ?? 0, failedJobs: row?.failed_jobs ?? 0 };
}

/**
 * Monthly recurring revenue per currency, in minor units: the retail price of every active service's
 * product version, monthly prices as they are and annual ones divided by 12 (rounded half-even once per
 * currency, not per service). Catalogue prices, before discounts and as listed (tax-inclusive when the
 * rate is); one-off products (`none`) bring nothing.
 */
export async function monthlyRecurringRevenue(db: Db): Promise<{ currency: string; amount: number }[]> {
  const { results } = await db.$client
    .prepare(
      `SELECT p.currency, p.recurring_period AS period, sum(v.retail_price) AS total
       FROM services s JOIN products p ON p.id = s.product_id JOIN product_versions v ON v.id = s.product_version_id
       WHERE s.status = 'active' AND p.recurring_period IN ('monthly', 'annual')
       GROUP BY p.currency, p.recurring_period`,
    )
    .all<{ currency: string; period: "monthly" | "annual"; total: number }>();
  const byCurrency = new Map<string, { monthly: number; annual: number }>();
  for (const r of results) {
    const sums = byCurrency.get(r.currency) ?? { monthly: 0, annual: 0 };
    sums[r.period] += r.total;
    byCurrency.set(r.currency, sums);
  }
  return [...byCurrency.entries()]
    .map(([currency, s]) => ({ currency, amount: s.monthly + divideHalfEven(s.annual, 12) }))
    .sort((a, b) => a.currency.localeCompare(b.currency));
}

/** n / d in integers, rounded half to even (d > 0). */
export function divideHalfEven(n: number, d: number): number {
  const q = Math.floor(n / d);
  const twice = 2 * (n - q * d);
  return twice > d || (twice === d && q % 2 !== 0) ? q + 1 : q;
}

/** Invoices issued, money still due and past their due date (before `today`, YYYY-MM-DD): how many, and how much per currency. */
export async function overdueInvoices(db: Db, today: string): Promise<{ count: number; amounts: { currency: string; amount: number }[] }> {
  const { results } = await db.$client
    .prepare(
      `SELECT currency, count(*) AS n, sum(amount_due) AS amount FROM invoices
       WHERE status = 'issued' AND kind = 'invoice' AND amount_due > 0 AND due_date < ?1 GROUP BY currency ORDER BY currency`,
    )
    .bind(today)
    .all<{ currency: string; n: number; amount: number }>();
  return { count: results.reduce((sum, r) => sum + r.n, 0), amounts: results.map((r) => ({ currency: r.currency, amount: r.amount })) };
}

/**
 * Inventory types below their low-stock threshold (`inventory_templates.low_stock_threshold`, set per
 * type on the types page; the same threshold that sends the low-stock email). A type without one is
 * never low: how many spare SIMs an operator needs is theirs to say, not a default's.
 */
export async function lowStockTypes(db: Db): Promise<{ slug: string; name: string; threshold: number; inStock: number }[]> {
  const { results } = await db.$client
    .prepare(
      `SELECT slug, name, threshold, in_stock AS inStock FROM (
         SELECT t.slug, t.name, t.low_stock_threshold AS threshold,
                (SELECT count(*) FROM inventory_items i WHERE i.type = t.slug AND i.status = 'in_stock') AS in_stock
         FROM inventory_templates t WHERE t.low_stock_threshold IS NOT NULL)
       WHERE in_stock < threshold ORDER BY name`,
    )
    .all<{ slug: string; name: string; threshold: number; inStock: number }>();
  return results;
}

/** Active cards that expire within `EXPIRY_WARNING_DAYS` (60) or have expired: the count behind the expiring-cards page. */
export async function expiringCardCount(db: Db, now: string): Promise<number> {
  const { year, month } = expiryBound(now);
  const row = await db.$client
    .prepare("SELECT count(*) AS n FROM payment_methods WHERE status = 'active' AND (exp_year < ?1 OR (exp_year = ?1 AND exp_month < ?2))")
    .bind(year, month)
    .first<{ n: number }>();
  return row?.n ?? 0;
}
