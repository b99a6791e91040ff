import { Hono } from "hono";
import type { Permission } from "../../domain/auth/permissions";
import type { AppEnv } from "../../env";
import { can } from "../../middleware/access";
import { EmptyState, PageHeader } from "../../views/components";
import { Layout } from "../../views/layout";
import { pageContext } from "./context";

/** Areas whose modules arrive in later releases: navigable now, with an honest empty state. */
const AREAS: { path: string; title: string; permission: Permission; empty: string; detail: string }[] = [
  {
    path: "/broadcasts",
    title: "Cell broadcast",
    permission: "broadcasts:read",
    empty: "No broadcasts yet.",
    detail: "Emergency alerts (CAP 1.2) will be drafted, approved and sent to the cell broadcast centre from here.",
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
