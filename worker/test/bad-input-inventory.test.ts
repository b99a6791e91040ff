import { describe, expect, it } from "vitest";
import { api, BASE, fetchWorker, tokenFor } from "./helpers";

/** Input an integrator or a user can send to the inventory and runner endpoints: a 4xx, never a 500. */
describe("bad input on inventory and runner endpoints", () => {
  it("answers 4xx to malformed requests", async () => {
    const token = await tokenFor("admin");
    const raw = (path: string, init: RequestInit) =>
      fetchWorker(`${BASE}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } });
    const cases: [string, RequestInit][] = [
      ["/api/v1/inventory/items", { method: "POST", body: "{not json", headers: { "content-type": "application/json" } }],
      ["/api/v1/inventory/items", { method: "POST", body: "type=sim", headers: { "content-type": "application/x-www-form-urlencoded" } }],
      [
        "/api/v1/inventory/items",
        { method: "POST", body: JSON.stringify({ type: "sim", fields: { iccid: { nested: 1 } } }), headers: { "content-type": "application/json" } },
      ],
      ["/api/v1/inventory/items", { method: "POST", body: JSON.stringify({ type: "sim", fields: [] }), headers: { "content-type": "application/json" } }],
      [
        "/api/v1/inventory/import?type=sim",
        { method: "POST", body: new Uint8Array([0, 255, 34, 10, 34, 0]), headers: { "content-type": "text/csv", "idempotency-key": "bin-1" } },
      ],
      ["/api/v1/inventory/import?type=nope", { method: "POST", body: "a\n1", headers: { "content-type": "text/csv", "idempotency-key": "bin-2" } }],
      ["/api/v1/inventory/import", { method: "POST", body: "a\n1", headers: { "content-type": "text/csv" } }],
      ["/api/v1/inventory/import?type=sim&mode=everything", { method: "POST", body: "a\n1", headers: { "content-type": "text/csv" } }],
      ["/api/v1/inventory/export?status=bogus", { method: "GET" }],
      ["/api/v1/inventory/items?cursor=garbage", { method: "GET" }],
      ["/api/v1/inventory/items/inv_nope", { method: "PATCH", body: JSON.stringify({ status: "retired" }), headers: { "content-type": "application/json" } }],
      [
        "/api/v1/inventory/items/inv_nope/allocations",
        { method: "POST", body: JSON.stringify({ prefix_length: 999 }), headers: { "content-type": "application/json", "idempotency-key": "x" } },
      ],
      ["/api/v1/inventory/items/inv_nope/configs/diff?from=a&to=b", { method: "GET" }],
      [
        "/api/v1/inventory/templates",
        { method: "POST", body: JSON.stringify({ slug: "X Y", name: "", fields: "nope" }), headers: { "content-type": "application/json" } },
      ],
      ["/runner/v1/jobs/pull", { method: "POST", body: "{", headers: { "content-type": "application/json" } }],
    ];
    for (const [path, init] of cases) {
      const res = await raw(path, init);
      expect(res.status, `${init.method} ${path}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${init.method} ${path}: ${await res.clone().text()}`).toBeLessThan(500);
    }
    // Identifier search with characters that mean something to SQL or LIKE.
    for (const q of ["%", "_", "'", '"', "\\", "a%b_c", "x".repeat(100)]) {
      expect((await api("GET", `/inventory/items?q=${encodeURIComponent(q)}`)).status, q).toBe(200);
    }
  });
});
