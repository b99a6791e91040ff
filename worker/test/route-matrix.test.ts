import { describe, expect, it } from "vitest";
import { app } from "../app";
import { BUILT_IN_ROLES, CUSTOMER_PERMISSIONS, type Permission } from "../domain/auth/permissions";
import { ACCESS, type AccessMiddleware, type AccessRule } from "../middleware/access";
import { BASE, customerToken, fetchWorker, pageSession, type RoleName, tokenFor } from "./helpers";

/** Routes that end the caller's own session: covered by their own tests, not hammered here. */
const SKIP = new Set(["POST /api/v1/auth/logout", "POST /api/v1/me/sessions/revoke-all", "POST /admin/logout", "POST /admin/account/sessions/revoke-all"]);

type RouteRule = { method: string; path: string; rule: AccessRule };

/** Every route of the app with its declared access rule, straight from the route table. */
function declaredRoutes(): RouteRule[] {
  const byKey = new Map<string, RouteRule>();
  const undeclared: string[] = [];
  const seen = new Set<string>();
  for (const r of app.routes) {
    if (r.method === "ALL") continue;
    const key = `${r.method} ${r.path}`;
    seen.add(key);
    const rule = (r.handler as Partial<AccessMiddleware>)[ACCESS];
    if (rule) byKey.set(key, { method: r.method, path: r.path, rule });
  }
  for (const key of seen) if (!byKey.has(key)) undeclared.push(key);
  if (undeclared.length > 0) throw new Error(`Routes without an access rule: ${undeclared.join(", ")}`);
  return [...byKey.values()];
}

const concrete = (path: string) => path.replace(/:[A-Za-z_]+/g, "nonexistent0");

describe("route × role matrix", () => {
  const routes = declaredRoutes();

  it("covers every route, each with exactly one declared rule", () => {
    expect(routes.length).toBeGreaterThan(100);
    for (const r of routes)
      expect(["public", "authenticated", ...BUILT_IN_ROLES.flatMap((b) => b.permissions), "runner:access", "roles:manage"]).toContain(r.rule.access);
  });

  it.each(BUILT_IN_ROLES.map((r) => ({ name: r.name as RoleName, permissions: new Set<Permission>(r.permissions) })))(
    "allows $name exactly the routes whose permission the role holds",
    async (role) => {
      const failures: string[] = [];
      const token = await tokenFor(role.name);
      const page = await pageSession(role.name);
      for (const r of routes) {
        const key = `${r.method} ${r.path}`;
        if (SKIP.has(key) || r.rule.access === "public") continue;
        const expected = r.rule.access === "authenticated" || role.permissions.has(r.rule.access as Permission);
        const url = concrete(r.path);
        let status: number;
        if (r.path.startsWith("/api/")) {
          const init: RequestInit = { method: r.method, headers: { authorization: `Bearer ${token}` } };
          if (r.method !== "GET" && r.method !== "DELETE") {
            init.headers = { ...init.headers, "content-type": "application/json" };
            init.body = "{}";
          }
          status = (await fetchWorker(`${BASE}${url}`, init)).status;
        } else {
          status = r.method === "GET" ? (await page.get(url)).status : (await page.post(url, {})).status;
        }
        const granted = status !== 401 && status !== 403;
        if (granted !== expected) failures.push(`${role.name}: ${key} → ${status} (expected ${expected ? "allowed" : "403"})`);
      }
      expect(failures).toEqual([]);
    },
    120_000,
  );

  it("refuses anonymous callers: 401 on the API, a redirect to sign-in on pages", async () => {
    const failures: string[] = [];
    for (const r of routes) {
      if (r.rule.access === "public") continue;
      const res = await fetchWorker(`${BASE}${concrete(r.path)}`, {
        method: r.method,
        redirect: "manual",
        headers: { origin: BASE, "sec-fetch-site": "same-origin", "content-type": "application/json" },
        body: r.method === "GET" ? undefined : "{}",
      });
      const expected = r.path.startsWith("/api/") || r.path.startsWith("/runner/") ? 401 : 303;
      if (res.status !== expected) failures.push(`${r.method} ${r.path} → ${res.status}`);
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it("lets customer accounts reach only the routes that opt in and scope to them", async () => {
    const { token } = await customerToken();
    const failures: string[] = [];
    for (const r of routes) {
      if (!r.path.startsWith("/api/") || r.rule.access === "public" || SKIP.has(`${r.method} ${r.path}`)) continue;
      const expected = r.rule.access === "authenticated" || (r.rule.customers && CUSTOMER_PERMISSIONS.includes(r.rule.access as Permission));
      const res = await fetchWorker(`${BASE}${concrete(r.path)}`, {
        method: r.method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: r.method === "GET" || r.method === "DELETE" ? undefined : "{}",
      });
      const granted = res.status !== 401 && res.status !== 403;
      if (granted !== expected) failures.push(`${r.method} ${r.path} → ${res.status}`);
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
