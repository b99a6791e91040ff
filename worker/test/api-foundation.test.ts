import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../app";
import { ACCESS, type AccessMiddleware } from "../middleware/access";
import { api, BASE, countRows, unique } from "./helpers";

describe("idempotency keys", () => {
  it("replays the first response for the same key and body, and creates nothing twice", async () => {
    const key = `k-${unique("idem").replace(/\s/g, "")}`;
    const body = { name: unique("Idem"), type: "business" };
    const first = await api("POST", "/customers", { body, headers: { "idempotency-key": key } });
    expect(first.status).toBe(201);
    const before = await countRows("customers");
    const second = await api("POST", "/customers", { body, headers: { "idempotency-key": key } });
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(await countRows("customers")).toBe(before);
  });

  it("refuses the same key with a different body (422) and scopes keys per caller", async () => {
    const key = `k-${unique("idem").replace(/\s/g, "")}`;
    await api("POST", "/customers", { body: { name: unique("One"), type: "business" }, headers: { "idempotency-key": key } });
    const before = await countRows("customers");
    const other = await api("POST", "/customers", { body: { name: unique("Two"), type: "business" }, headers: { "idempotency-key": key } });
    expect(other.status).toBe(422);
    expect(other.body.errors[0].path).toBe("Idempotency-Key");
    expect(await countRows("customers")).toBe(before);
    // The same key used by another caller is a different key.
    const support = await api("POST", "/customers", {
      role: "support",
      body: { name: unique("Three"), type: "business" },
      headers: { "idempotency-key": key },
    });
    expect(support.status).toBe(201);
  });

  it("does not store refused requests, so they can be corrected and retried with the same key", async () => {
    const key = `k-${unique("idem").replace(/\s/g, "")}`;
    const bad = await api("POST", "/customers", { body: { name: "", type: "business" }, headers: { "idempotency-key": key } });
    expect(bad.status).toBe(422);
    const good = await api("POST", "/customers", { body: { name: unique("Fixed"), type: "business" }, headers: { "idempotency-key": key } });
    expect(good.status).toBe(201);
    expect((await api("POST", "/customers", { body: { name: "x", type: "business" }, headers: { "idempotency-key": "bad key with spaces" } })).status).toBe(
      400,
    );
  });
});

describe("API foundation", () => {
  it("sends a page address with a trailing slash to the page without it, and keeps the API's paths exact", async () => {
    for (const [from, to] of [
      ["/admin/", "/admin"],
      ["/admin/customers/?q=ab", "/admin/customers?q=ab"],
      ["/portal/", "/portal"],
    ]) {
      const res = await SELF.fetch(`${BASE}${from}`, { redirect: "manual" });
      expect(res.status, from).toBe(301);
      expect(res.headers.get("location"), from).toBe(to);
    }
    // Never to another host, and not for a form post or the API.
    expect((await SELF.fetch(`${BASE}//evil.example/`, { redirect: "manual" })).status).toBe(404);
    expect((await SELF.fetch(`${BASE}/admin/`, { method: "POST", redirect: "manual" })).status).not.toBe(301);
    expect((await SELF.fetch(`${BASE}/api/v1/customers/`, { redirect: "manual" })).status).toBe(404);
  });

  it("gives every response a request id and answers problem+json for unknown routes", async () => {
    const res = await SELF.fetch(`${BASE}/api/v1/does-not-exist`);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
    const body = (await res.json()) as { request_id: string };
    expect(body.request_id).toBe(res.headers.get("x-request-id"));
    const echoed = await SELF.fetch(`${BASE}/healthz`, { headers: { "x-request-id": "trace-12345678" } });
    expect(echoed.headers.get("x-request-id")).toBe("trace-12345678");
  });

  it("serves an OpenAPI 3.1 document generated from the route schemas, and the docs page", async () => {
    const res = await SELF.fetch(`${BASE}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      paths: Record<string, Record<string, { "x-permission"?: string; responses: object }>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toBe("3.1.0");
    for (const path of [
      "/customers",
      "/customers/{id}",
      "/customers/{id}/contacts",
      "/contacts/{id}",
      "/customers/{id}/sites",
      "/sites/{id}",
      "/customers/{id}/tags",
      "/customers/{id}/attributes",
      "/customers/{id}/archive",
      "/activity",
      "/customers/{id}/activity",
      "/search",
      "/settings",
      "/auth/login",
      "/me",
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    expect(doc.components.schemas.Customer).toBeDefined();
    expect(doc.components.schemas.Problem).toBeDefined();
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(operations)) expect(op["x-permission"], `${method} ${path}`).toBeTruthy();
    }
    const docs = await SELF.fetch(`${BASE}/api/docs`);
    expect(docs.status).toBe(200);
    const html = await docs.text();
    expect(html).toContain("/vendor/swagger-ui/swagger-ui-bundle.js");
    expect(html).not.toMatch(/https?:\/\/(cdn|unpkg|jsdelivr)/);
  });

  it("declares an access rule on every route of the worker", () => {
    const byRoute = new Map<string, unknown[]>();
    for (const r of app.routes) {
      if (r.method === "ALL") continue;
      const key = `${r.method} ${r.path}`;
      const access = (r.handler as Partial<AccessMiddleware>)[ACCESS];
      byRoute.set(key, [...(byRoute.get(key) ?? []), ...(access ? [access] : [])]);
    }
    const undeclared = [...byRoute].filter(([, rules]) => rules.length === 0).map(([k]) => k);
    expect(undeclared).toEqual([]);
    expect(byRoute.size).toBeGreaterThan(40);
  });

  it("lists the permission catalogue", async () => {
    const res = await api("GET", "/permissions");
    expect(res.status).toBe(200);
    expect(res.body.data.map((p: { id: string }) => p.id)).toContain("customers:write");
  });
});
