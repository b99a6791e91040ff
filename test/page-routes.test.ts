import { describe, expect, it } from "vitest";
import { admin } from "../worker/routes/admin/index";
import { portal } from "../worker/routes/portal/index";
import { ADMIN_PAGES, NOT_PAGES, type PageSpec, PORTAL_PAGES } from "./e2e/page-list";

/**
 * The page checks (test/e2e/admin-pages.test.ts) open every page: this fails, without a browser,
 * when the admin or portal router has a GET route that test/e2e/page-list.ts does not name (or
 * names a route that is gone). Apart from the e2e file, because it loads the worker's routers.
 */

/** The router's GET paths, each once. */
const getRoutes = (app: { routes: { method: string; path: string }[] }) => [...new Set(app.routes.filter((r) => r.method === "GET").map((r) => r.path))].sort();

describe("the page lists", () => {
  it("name every GET route of the admin and portal routers (a new page must be listed)", () => {
    const listed = (area: string, pages: PageSpec[]) => [
      ...pages.map((p) => p.route),
      ...Object.keys(NOT_PAGES)
        .filter((k) => k.startsWith(`${area} `))
        .map((k) => k.slice(area.length + 1)),
    ];
    const missing = (area: string, app: typeof admin, pages: PageSpec[]) => getRoutes(app).filter((r) => !listed(area, pages).includes(r));
    const stale = (area: string, app: typeof admin, pages: PageSpec[]) => listed(area, pages).filter((r) => !getRoutes(app).includes(r));
    expect(missing("admin", admin, ADMIN_PAGES), "admin GET routes missing from ADMIN_PAGES or NOT_PAGES").toEqual([]);
    expect(missing("portal", portal, PORTAL_PAGES), "portal GET routes missing from PORTAL_PAGES or NOT_PAGES").toEqual([]);
    expect(stale("admin", admin, ADMIN_PAGES), "listed admin routes the router no longer has").toEqual([]);
    expect(stale("portal", portal, PORTAL_PAGES), "listed portal routes the router no longer has").toEqual([]);
  });
});
