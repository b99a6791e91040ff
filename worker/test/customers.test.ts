import { describe, expect, it } from "vitest";
import { api, countRows, unique } from "./helpers";

async function createCustomer(extra: Record<string, unknown> = {}) {
  const res = await api("POST", "/customers", { body: { name: unique("Cust"), type: "individual", ...extra } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

describe("customers API", () => {
  it("creates a customer with operator defaults, tags and a Location header", async () => {
    const res = await api("POST", "/customers", { body: { name: "  Zoé Martin  ", type: "individual", tags: ["VIP", "fibre", "vip"] } });
    expect(res.status).toBe(201);
    expect(res.body.id).toMatch(/^cus_[0-9a-z]{26}$/);
    expect(res.body).toMatchObject({ name: "Zoé Martin", status: "open", payment_type: "postpaid", currency: "EUR", tags: ["fibre", "vip"] });
    expect(res.headers.get("location")).toBe(`/api/v1/customers/${res.body.id}`);
    const got = await api("GET", `/customers/${res.body.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(res.body);
  });

  it("refuses bad input with problem+json and writes nothing", async () => {
    const before = await countRows("customers");
    const activityBefore = await countRows("activity_log");
    const cases: [unknown, number, string][] = [
      [{ name: "", type: "individual" }, 422, "name"],
      [{ name: "X", type: "robot" }, 422, "type"],
      [{ name: "X", type: "business", currency: "EURO" }, 422, "currency"],
      [{ name: "X", type: "business", timezone: "Mars/Olympus" }, 422, "timezone"],
      [{ name: "X", type: "business", locale: "not a locale!" }, 422, "locale"],
      [{ name: "X", type: "business", unexpected: true }, 422, ""],
      [{ name: "X", type: "business", tags: ["ok", "<script>"] }, 422, "tags.1"],
      [{ name: "X", type: "business", attributes: { nope: 1 } }, 422, "attributes.nope"],
      [[], 422, ""],
    ];
    for (const [body, status, path] of cases) {
      const res = await api("POST", "/customers", { body });
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      expect(res.body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
      if (path) expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    const malformed = await api("POST", "/customers", { raw: "{not json", headers: { "content-type": "application/json" } });
    expect(malformed.status).toBe(400);
    const wrongType = await api("POST", "/customers", { raw: "name=x", headers: { "content-type": "text/plain" } });
    expect(wrongType.status).toBe(415);
    expect(await countRows("customers")).toBe(before);
    expect(await countRows("activity_log")).toBe(activityBefore);
  });

  it("answers 404 for unknown ids and 400 for bad query parameters", async () => {
    expect((await api("GET", "/customers/cus_doesnotexist")).status).toBe(404);
    expect((await api("PATCH", "/customers/cus_doesnotexist", { body: { name: "x" } })).status).toBe(404);
    expect((await api("GET", "/customers?limit=500")).status).toBe(400);
    expect((await api("GET", "/customers?limit=abc")).status).toBe(400);
    expect((await api("GET", "/customers?status=bogus")).status).toBe(400);
    expect((await api("GET", "/customers?cursor=garbage")).status).toBe(400);
    expect((await api("GET", "/nowhere")).status).toBe(404);
  });

  it("updates fields, clears nullable ones, and refuses status in PATCH", async () => {
    const c = await createCustomer({ notes: "old", external_id: unique("EXT").replace(/\s/g, "") });
    const res = await api("PATCH", `/customers/${c.id}`, { body: { name: "Renamed Person", notes: null, payment_type: "prepaid" } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: "Renamed Person", notes: null, payment_type: "prepaid", external_id: c.external_id });
    expect((await api("PATCH", `/customers/${c.id}`, { body: { status: "closed" } })).status).toBe(422);
  });

  it("keeps external_id unique (409)", async () => {
    const ext = unique("EXT").replace(/\s/g, "");
    await createCustomer({ external_id: ext });
    const before = await countRows("customers");
    const dup = await api("POST", "/customers", { body: { name: "Dup", type: "business", external_id: ext } });
    expect(dup.status).toBe(409);
    expect(await countRows("customers")).toBe(before);
    const other = await createCustomer();
    expect((await api("PATCH", `/customers/${other.id}`, { body: { external_id: ext } })).status).toBe(409);
  });

  it("follows explicit status transitions and refuses illegal ones with 409", async () => {
    const c = await createCustomer();
    const step = (t: string) => api("POST", `/customers/${c.id}/${t}`);
    expect((await step("resume")).status).toBe(409);
    expect((await step("restore")).status).toBe(409);
    expect((await step("reopen")).status).toBe(409);
    expect((await step("suspend")).body.status).toBe("suspended");
    expect((await step("suspend")).status).toBe(409);
    expect((await step("resume")).body.status).toBe("open");
    expect((await step("close")).body.status).toBe("closed");
    expect((await step("reopen")).body.status).toBe("open");
    const archived = await step("archive");
    expect(archived.body).toMatchObject({ status: "archived", archived_at: expect.any(String) });
    // Archived customers are read-only until restored.
    expect((await api("PATCH", `/customers/${c.id}`, { body: { name: "nope" } })).status).toBe(409);
    expect((await api("POST", `/customers/${c.id}/contacts`, { body: { first_name: "A", email: "a@example.com" } })).status).toBe(409);
    expect((await step("archive")).status).toBe(409);
    const restored = await step("restore");
    expect(restored.body).toMatchObject({ status: "closed", archived_at: null });
    const transition = await api("POST", `/customers/${c.id}/reopen`, { body: { reason: "came back" } });
    expect(transition.status).toBe(200);
  });

  it("lists with filters, sorting and cursor pagination without gaps or repeats", async () => {
    const tag = unique("page").replace(/\s/g, "-").toLowerCase();
    const made: string[] = [];
    for (let i = 0; i < 7; i++) made.push((await createCustomer({ name: `Paging ${tag} ${i}`, tags: [tag] })).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { status: number; body: { data: { id: string; name: string }[]; next_cursor: string | null } } = await api(
        "GET",
        `/customers?tag=${tag}&limit=3&sort=-name${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expect(res.status).toBe(200);
      seen.push(...res.body.data.map((c) => c.id));
      cursor = res.body.next_cursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...made].reverse());
    // Archived customers are hidden unless asked for.
    await api("POST", `/customers/${made[0]}/archive`);
    const visible = await api("GET", `/customers?tag=${tag}&limit=50`);
    expect(visible.body.data).toHaveLength(6);
    const archived = await api("GET", `/customers?tag=${tag}&status=archived`);
    expect(archived.body.data.map((c: { id: string }) => c.id)).toEqual([made[0]]);
  });

  it("filters by type, payment type, several tags and q", async () => {
    const marker = unique("Filt").replace(/\s/g, "");
    const a = await createCustomer({ name: `${marker} Alpha`, type: "business", payment_type: "prepaid", tags: ["f-one", "f-two"] });
    await createCustomer({ name: `${marker} Beta`, type: "individual", tags: ["f-one"] });
    const res = await api("GET", `/customers?q=${marker}&type=business&payment_type=prepaid&tag=f-one,f-two`);
    expect(res.body.data.map((c: { id: string }) => c.id)).toEqual([a.id]);
    const both = await api("GET", `/customers?q=${marker.slice(0, -2)}`);
    expect(both.body.data.length).toBeGreaterThanOrEqual(2);
  });

  it("replaces tags and attributes, validating values against definitions", async () => {
    const key = `seg_${Date.now().toString(36)}`;
    const def = await api("POST", "/attribute-definitions", { body: { key, label: "Segment", type: "enum", options: ["smb", "enterprise"] } });
    expect(def.status).toBe(201);
    const dateKey = `${key}_d`;
    await api("POST", "/attribute-definitions", { body: { key: dateKey, label: "Renewal", type: "date" } });
    const c = await createCustomer();
    const tags = await api("PUT", `/customers/${c.id}/tags`, { body: ["Gold", "north"] });
    expect(tags.body.tags).toEqual(["gold", "north"]);
    const attrs = await api("PUT", `/customers/${c.id}/attributes`, { body: { [key]: "smb", [dateKey]: "2027-02-28" } });
    expect(attrs.status).toBe(200);
    expect(attrs.body.attributes).toMatchObject({ [key]: "smb", [dateKey]: "2027-02-28" });
    const bad = await api("PUT", `/customers/${c.id}/attributes`, { body: { [key]: "huge", [dateKey]: "2027-02-30" } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([`attributes.${key}`, `attributes.${dateKey}`].sort());
    const after = await api("GET", `/customers/${c.id}`);
    expect(after.body.attributes[key]).toBe("smb");
    // A value in use blocks deleting the definition.
    expect((await api("DELETE", `/attribute-definitions/${key}`)).status).toBe(409);
    await api("PUT", `/customers/${c.id}/attributes`, { body: { [dateKey]: "2027-03-01" } });
    expect((await api("DELETE", `/attribute-definitions/${key}`)).status).toBe(204);
    expect((await api("GET", `/attribute-definitions/${key}`)).status).toBe(404);
  });

  it("enforces required attributes and type-checks every kind", async () => {
    const base = `req_${Date.now().toString(36)}`;
    const defs = [
      { key: `${base}_n`, label: "Num", type: "number" },
      { key: `${base}_b`, label: "Flag", type: "boolean" },
      { key: `${base}_t`, label: "Text", type: "text" },
    ];
    for (const d of defs) expect((await api("POST", "/attribute-definitions", { body: d })).status).toBe(201);
    expect((await api("POST", "/attribute-definitions", { body: defs[0] })).status).toBe(409);
    expect((await api("POST", "/attribute-definitions", { body: { key: "Bad Key", label: "x", type: "text" } })).status).toBe(422);
    expect((await api("POST", "/attribute-definitions", { body: { key: `${base}_e`, label: "x", type: "enum" } })).status).toBe(422);
    const c = await createCustomer();
    const bad = await api("PUT", `/customers/${c.id}/attributes`, { body: { [`${base}_n`]: "twelve", [`${base}_b`]: "maybe", [`${base}_t`]: 5 } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toHaveLength(3);
    const good = await api("PUT", `/customers/${c.id}/attributes`, { body: { [`${base}_n`]: 12.5, [`${base}_b`]: false, [`${base}_t`]: "hello" } });
    expect(good.body.attributes).toMatchObject({ [`${base}_n`]: 12.5, [`${base}_b`]: false, [`${base}_t`]: "hello" });
    // Clean up so other tests creating customers are not affected by extra definitions.
    await api("PUT", `/customers/${c.id}/attributes`, { body: {} });
    for (const d of defs) expect((await api("DELETE", `/attribute-definitions/${d.key}`)).status).toBe(204);
  });
});
