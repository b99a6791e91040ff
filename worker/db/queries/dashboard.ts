import { sql } from "drizzle-orm";
import type { Db } from "../client";

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
