import { Hono } from "hono";
import { listActivity } from "../../db/queries/activity";
import { activitySubjects } from "../../db/queries/activity-subjects";
import {
  activeServicesByType,
  dashboardCounts,
  expiringCardCount,
  lowStockTypes,
  monthlyRecurringRevenue,
  overdueInvoices,
  serviceOutcomesSince,
} from "../../db/queries/dashboard";
import { runnerHealth } from "../../db/queries/jobs";
import { dayIn, dayStartIn } from "../../domain/activity/filters";
import type { AppEnv } from "../../env";
import { allowed, can } from "../../middleware/access";
import { DashboardPage } from "../../views/dashboard";
import { pageContext } from "./context";

/** Nothing, when the user may not see it: each figure is read only for those who may read its list. */
const when = <T,>(ok: boolean, read: () => Promise<T>): Promise<T | null> => (ok ? read() : Promise.resolve(null));

export const dashboardPages = new Hono<AppEnv>().get("/", can("authenticated"), async (c) => {
  const db = c.get("db");
  const ctx = pageContext(c);
  const now = new Date();
  const nowIso = now.toISOString();
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
  const today = dayIn(now, ctx.settings.default_timezone);
  const todayStart = dayStartIn(today, ctx.settings.default_timezone);
  // Business events unless asked for everything (sign-ins, settings…).
  const allActivity = c.req.query("activity") === "all";
  const seesServices = allowed(c, "services:read");
  const seesMoney = allowed(c, "billing:read");
  const seesActivity = allowed(c, "activity:read");
  const [counts, activity, health, byType, outcomes, mrr, overdue, expiringCards, lowStock] = await Promise.all([
    when(allowed(c, "customers:read"), () => dashboardCounts(db, monthStart)),
    when(seesActivity, () => listActivity(db, { limit: 12, business: !allActivity })),
    when(allowed(c, "jobs:read"), () => runnerHealth(db, nowIso)),
    when(seesServices, () => activeServicesByType(db)),
    when(seesServices || allowed(c, "jobs:read"), () => serviceOutcomesSince(db, todayStart)),
    when(seesMoney, () => monthlyRecurringRevenue(db)),
    // Overdue as the invoice list counts it (due date before today, UTC).
    when(seesMoney, () => overdueInvoices(db, nowIso.slice(0, 10))),
    when(seesMoney, () => expiringCardCount(db, nowIso)),
    when(allowed(c, "inventory:read"), () => lowStockTypes(db)),
  ]);
  const subjects = activity ? await activitySubjects(db, activity.data) : new Map();
  return c.html(
    <DashboardPage
      ctx={ctx}
      now={now}
      today={today}
      canCreateCustomer={allowed(c, "customers:write")}
      health={health}
      failedJobsToday={outcomes?.failedJobs ?? null}
      services={byType && outcomes ? { byType, activated: outcomes.activated, failed: outcomes.failed } : null}
      money={mrr && overdue && expiringCards !== null ? { mrr, overdue, expiringCards } : null}
      lowStock={lowStock}
      counts={counts}
      activity={activity ? { entries: activity.data, subjects, all: allActivity } : null}
    />,
  );
});
