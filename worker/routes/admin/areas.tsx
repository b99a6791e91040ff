import { asc } from "drizzle-orm";
import { Hono } from "hono";
import { roles, userRoles, users } from "../../db/schema";
import type { Permission } from "../../domain/auth/permissions";
import type { AppEnv } from "../../env";
import { can } from "../../middleware/access";
import { Badge, EmptyState, PageHeader, Time } from "../../views/components";
import { Layout } from "../../views/layout";
import { pageContext } from "./context";

/** Areas whose modules arrive in later releases: navigable now, with an honest empty state. */
const AREAS: { path: string; title: string; permission: Permission; empty: string; detail: string }[] = [
  {
    path: "/services",
    title: "Services",
    permission: "services:read",
    empty: "No services yet.",
    detail: "Services are ordered from the product catalog for a customer; they will be listed here with their status, identifiers and balances.",
  },
  {
    path: "/catalog",
    title: "Catalog",
    permission: "catalog:read",
    empty: "No products yet.",
    detail: "Products (standalone, bundles, add-ons, promotions) with their prices, playbooks and included balances will be managed here.",
  },
  {
    path: "/inventory",
    title: "Inventory",
    permission: "inventory:read",
    empty: "No inventory yet.",
    detail: "SIMs, phone numbers, equipment, IP space and cell sites will be tracked and imported here.",
  },
  {
    path: "/jobs",
    title: "Provisioning",
    permission: "jobs:read",
    empty: "No provisioning jobs yet.",
    detail: "Every provisioning job run by the on-prem runner will be listed here with its live events.",
  },
  {
    path: "/broadcasts",
    title: "Cell broadcast",
    permission: "broadcasts:read",
    empty: "No broadcasts yet.",
    detail: "Emergency alerts (CAP 1.2) will be drafted, approved and sent to the cell broadcast centre from here.",
  },
  {
    path: "/billing",
    title: "Billing",
    permission: "billing:read",
    empty: "No transactions or invoices yet.",
    detail: "Transactions, invoices, payments and bill runs will be managed here.",
  },
];

export const areaPages = new Hono<AppEnv>();

for (const area of AREAS) {
  areaPages.get(area.path, can(area.permission), (c) =>
    c.html(
      <Layout ctx={pageContext(c)} title={area.title}>
        <PageHeader title={area.title} />
        <section class="card">
          <EmptyState title={area.empty}>{area.detail}</EmptyState>
        </section>
      </Layout>,
    ),
  );
}

areaPages.get("/users", can("users:manage"), async (c) => {
  const db = c.get("db");
  const [userRows, links, roleRows] = await Promise.all([
    db.select().from(users).orderBy(asc(users.email)),
    db.select().from(userRoles),
    db.select().from(roles).orderBy(asc(roles.name)),
  ]);
  const roleName = new Map(roleRows.map((r) => [r.id, r.name]));
  const ctx = pageContext(c);
  return c.html(
    <Layout ctx={ctx} title="Users & access">
      <PageHeader title="Users & access" subtitle="Staff accounts and their roles." />
      <section class="card">
        <table class="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Roles</th>
              <th scope="col">Status</th>
              <th scope="col">Last sign-in</th>
            </tr>
          </thead>
          <tbody>
            {userRows.map((u) => (
              <tr>
                <td>{u.name}</td>
                <td>{u.email}</td>
                <td>
                  {links
                    .filter((l) => l.userId === u.id)
                    .map((l) => (
                      <Badge value={roleName.get(l.roleId) ?? l.roleId} />
                    ))}
                </td>
                <td>
                  <Badge value={u.status} />
                </td>
                <td>
                  <Time iso={u.lastLoginAt} timeZone={ctx.settings.default_timezone} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section class="card">
        <h2>Roles</h2>
        {roleRows.length === 0 ? (
          <EmptyState title="No roles." />
        ) : (
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Role</th>
                <th scope="col">Description</th>
                <th scope="col">Permissions</th>
              </tr>
            </thead>
            <tbody>
              {roleRows.map((r) => (
                <tr>
                  <td>{r.name}</td>
                  <td>{r.description}</td>
                  <td class="small">{r.permissions.join(", ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </Layout>,
  );
});
