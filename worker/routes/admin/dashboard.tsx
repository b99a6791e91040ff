import { Hono } from "hono";
import { listActivity } from "../../db/queries/activity";
import { dashboardCounts } from "../../db/queries/dashboard";
import { runnerHealth } from "../../db/queries/jobs";
import type { AppEnv } from "../../env";
import { allowed, can } from "../../middleware/access";
import { ActivityTable, PageHeader, Time } from "../../views/components";
import { Layout } from "../../views/layout";
import { pageContext } from "./context";

function Stat(props: { label: string; value: number; href?: string }) {
  const body = (
    <>
      <div class="stat-value">{props.value.toLocaleString("en-GB")}</div>
      <div class="stat-label">{props.label}</div>
    </>
  );
  return props.href ? (
    <a class="stat card" href={props.href}>
      {body}
    </a>
  ) : (
    <div class="stat card">{body}</div>
  );
}

export const dashboardPages = new Hono<AppEnv>().get("/", can("authenticated"), async (c) => {
  const db = c.get("db");
  const now = new Date();
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
  const seesCustomers = allowed(c, "customers:read");
  const [counts, activity, health] = await Promise.all([
    seesCustomers ? dashboardCounts(db, monthStart) : Promise.resolve(null),
    allowed(c, "activity:read") ? listActivity(db, { limit: 12 }) : Promise.resolve({ data: [], next_cursor: null }),
    allowed(c, "jobs:read") ? runnerHealth(db, now.toISOString()) : Promise.resolve(null),
  ]);
  const ctx = pageContext(c);
  return c.html(
    <Layout ctx={ctx} title="Dashboard">
      <PageHeader
        title="Dashboard"
        subtitle={`Welcome, ${ctx.principal.name}.`}
        actions={
          allowed(c, "customers:write") && (
            <a class="button primary" href="/admin/customers/new">
              New customer
            </a>
          )
        }
      />
      {health && (
        <section class="card" id="runner-health" aria-labelledby="runner-health-h">
          <h2 id="runner-health-h">Provisioning runner</h2>
          {health.runners.length === 0 ? (
            <p class="alert error">No runner has pulled jobs yet: start one (npm run runner) or jobs will wait.</p>
          ) : (
            <ul class="plain">
              {health.runners.map((r) => {
                const ago = Math.round((now.getTime() - Date.parse(r.lastPullAt)) / 1000);
                return (
                  <li>
                    <strong>{r.label}</strong>: last pull <Time iso={r.lastPullAt} timeZone={ctx.settings.default_timezone} />{" "}
                    <span class={ago > 120 ? "badge badge-failed" : "badge badge-active"}>
                      {ago > 120 ? `silent for ${Math.round(ago / 60)} min` : "healthy"}
                    </span>
                  </li>
                );
              })}
            </ul>
          )}
          <p class="small">
            <a href="/admin/jobs?status=leased">{health.inFlight} in flight</a> · <a href="/admin/jobs?status=ready">{health.ready} waiting</a> ·{" "}
            <a href="/admin/jobs?status=pending" class={health.stalePending > 0 ? "error-text" : undefined}>
              {health.stalePending} stranded in pending
            </a>{" "}
            · <a href="/admin/jobs?status=dead">{health.dead} dead</a>
          </p>
        </section>
      )}
      {counts && (
        <div class="stats">
          <Stat label="Open customers" value={counts.customers.open} href="/admin/customers?status=open" />
          <Stat label="Suspended" value={counts.customers.suspended} href="/admin/customers?status=suspended" />
          <Stat label="Closed" value={counts.customers.closed} href="/admin/customers?status=closed" />
          <Stat label="Archived" value={counts.customers.archived} href="/admin/customers?status=archived" />
          <Stat label="Individuals" value={counts.individual} href="/admin/customers?type=individual" />
          <Stat label="Businesses" value={counts.business} href="/admin/customers?type=business" />
          <Stat label="Contacts" value={counts.contacts} />
          <Stat label="Sites" value={counts.sites} />
          <Stat label="New this month" value={counts.newThisMonth} href="/admin/customers?sort=-created_at" />
        </div>
      )}
      {allowed(c, "activity:read") && (
        <section class="card">
          <div class="section-header">
            <h2>Recent activity</h2>
            <a href="/admin/activity">All activity</a>
          </div>
          <ActivityTable entries={activity.data} timeZone={ctx.settings.default_timezone} showEntity />
        </section>
      )}
    </Layout>,
  );
});
