import { describe, expect, it } from "vitest";
import { luhnCheckDigit } from "../lib/identifiers";
import { api, BASE, countRows, fetchWorker, pageSession, unique } from "./helpers";

const digits = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join("");
const iccid = () => {
  const partial = `8933${digits(14)}`;
  return partial + luhnCheckDigit(partial);
};
const imsi = () => `20801${digits(10)}`;

/** A custom type per test keeps counts independent of other tests and the demo seed. */
async function customType(fields: unknown[] = [{ name: "serial", label: "Serial", kind: "text", required: true, unique: true }], extra = {}) {
  const slug = unique("pg")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .slice(0, 38);
  const res = await api("POST", "/inventory/templates", { body: { slug, name: `Type ${slug}`, fields, ...extra } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return slug as string;
}

async function item(type: string, fields: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const res = await api("POST", "/inventory/items", { body: { type, fields, ...extra } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

type Session = Awaited<ReturnType<typeof pageSession>>;

/** A multipart form post (the import wizard), as a browser sends it. */
function postMultipart(s: Session, path: string, fields: Record<string, string>, file?: { name: string; content: string }) {
  const form = new FormData();
  form.append("_csrf", s.csrf);
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  if (file) form.append("file", new File([file.content], file.name, { type: "text/csv" }));
  return fetchWorker(`${BASE}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie: s.cookie, origin: BASE, "sec-fetch-site": "same-origin" },
    body: form,
  });
}

/** The value of a hidden or selected form control in rendered HTML. */
function textareaValue(html: string, name: string): string {
  const raw = html.match(new RegExp(`<textarea name="${name}"[^>]*>([\\s\\S]*?)</textarea>`))?.[1] ?? "";
  return raw
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

describe("inventory pages", () => {
  it("shows stock counts per type and status, flags low stock, and links to the filtered list", async () => {
    const type = await customType(undefined, { low_stock_threshold: 5 });
    await item(type, { serial: unique("S") });
    const b = await item(type, { serial: unique("S") });
    expect((await api("PATCH", `/inventory/items/${b.id}`, { body: { status: "retired" } })).status).toBe(200);
    const s = await pageSession("read-only");
    const res = await s.get("/admin/inventory");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`href="/admin/inventory/items?type=${type}&amp;status=in_stock"`);
    expect(html).toContain(`href="/admin/inventory/items?type=${type}&amp;status=retired"`);
    expect(html).toContain("Low stock");
    expect(html).toContain('class="low-stock"');
    expect(html).toContain("1 in stock, below the threshold of 5");
  });

  it("filters the list by type, status, location and identifier; the fragment answers htmx", async () => {
    const type = await customType();
    const lyon = await item(type, { serial: unique("LYON") }, { location: "Lyon depot" });
    const paris = await item(type, { serial: unique("PARIS") }, { location: "Paris" });
    const s = await pageSession("read-only");
    const byLocation = await (await s.get(`/admin/inventory/items?type=${type}&location=${encodeURIComponent("Lyon depot")}`)).text();
    expect(byLocation).toContain(lyon.fields.serial);
    expect(byLocation).not.toContain(paris.fields.serial);
    const byQ = await (await s.get(`/admin/inventory/items?q=${encodeURIComponent(paris.fields.serial)}`)).text();
    expect(byQ).toContain(paris.fields.serial);
    expect(byQ).not.toContain(lyon.fields.serial);
    const none = await (await s.get(`/admin/inventory/items?type=${type}&status=retired`)).text();
    expect(none).toContain("No items match.");
    const fragment = await s.get(`/admin/inventory/items?type=${type}`, { "hx-request": "true", "hx-target": "inventory-results" });
    const body = await fragment.text();
    expect(body.startsWith('<div id="inventory-results">')).toBe(true);
    expect(body).toContain(lyon.fields.serial);
    expect(body).toContain(`href="/admin/inventory/export?type=${type}"`);
  });

  it("exports the filtered list as CSV from a cookie session", async () => {
    const type = await customType();
    const a = await item(type, { serial: unique("EXP") });
    const s = await pageSession("read-only");
    const res = await s.get(`/admin/inventory/export?type=${type}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/csv");
    const csv = await res.text();
    expect(csv.split("\n")[0]).toContain("serial");
    expect(csv).toContain(a.fields.serial);
  });

  it("adds an item from the form: inline 422 errors write nothing, a duplicate is shown on its field, success opens the item", async () => {
    const s = await pageSession("inventory");
    const form = await (await s.get("/admin/inventory/items/new?type=sim")).text();
    expect(form).toContain('name="fields.iccid"');
    expect(form).toContain('type="password"');
    const before = await countRows("inventory_items");
    const bad = await s.post("/admin/inventory/items/new?type=sim", {
      type: "sim",
      "fields.iccid": "8933000000000000001",
      "fields.imsi": "123",
      cost_amount: "abc",
    });
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(html).toContain("Please correct the highlighted fields.");
    expect(html).toContain("Not a valid ICCID");
    expect(html).toContain("An IMSI has exactly 15 digits");
    expect(html).toContain('value="8933000000000000001"');
    expect(await countRows("inventory_items")).toBe(before);
    const good = { type: "sim", "fields.iccid": iccid(), "fields.imsi": imsi(), "fields.pin": "1234", location: "Shop", cost_amount: "1.50" };
    const ok = await s.post("/admin/inventory/items/new?type=sim", good);
    expect(ok.status).toBe(303);
    const path = ok.headers.get("location") ?? "";
    expect(path).toMatch(/^\/admin\/inventory\/items\/inv_/);
    const page = await (await s.get(path)).text();
    expect(page).toContain(good["fields.iccid"]);
    expect(page).toContain("held, encrypted");
    expect(page).not.toContain(">1234<");
    expect(page).toContain("inventory_item.create");
    const dup = await s.post("/admin/inventory/items/new?type=sim", { ...good, "fields.imsi": imsi() });
    expect(dup.status).toBe(409);
    const dupHtml = await dup.text();
    expect(dupHtml).toContain("already has iccid");
    expect(dupHtml).toContain("Already used by another item");
  });

  it("changes an item's status through the allowed transitions only", async () => {
    const type = await customType();
    const it0 = await item(type, { serial: unique("ST") });
    const customer = (await api("POST", "/customers", { body: { name: unique("Holder"), type: "individual" } })).body;
    const s = await pageSession("inventory");
    const page = await (await s.get(`/admin/inventory/items/${it0.id}`)).text();
    expect(page).toContain('<option value="reserved"');
    expect(page).toContain('<option value="retired"');
    expect(page).not.toContain('<option value="assigned"');
    const missing = await s.post(`/admin/inventory/items/${it0.id}/status`, { status: "reserved" });
    expect(missing.status).toBe(422);
    expect(await missing.text()).toContain("A reservation needs the customer it is held for.");
    const illegal = await s.post(`/admin/inventory/items/${it0.id}/status`, { status: "returned" });
    expect(illegal.status).toBe(409);
    const reserved = await s.post(`/admin/inventory/items/${it0.id}/status`, { status: "reserved", customer_id: customer.id, reserved_until: "2099-12-31" });
    expect(reserved.status).toBe(303);
    const after = (await api("GET", `/inventory/items/${it0.id}`)).body;
    expect(after).toMatchObject({ status: "reserved", customer_id: customer.id, reserved_until: "2099-12-31T23:59:59.000Z" });
    const view = await (await s.get(`/admin/inventory/items/${it0.id}`)).text();
    expect(view).toContain(customer.name);
    expect(view).toContain("inventory_item.reserved");
  });

  it("saves device configuration versions and shows their diff", async () => {
    const cpe = await item("cpe", { serial: unique("CPE").replace(/\s/g, "") });
    const s = await pageSession("inventory");
    expect((await s.post(`/admin/inventory/items/${cpe.id}/configs`, { key: unique("k1"), content: "hostname a\nvlan 10\n" })).status).toBe(303);
    expect((await s.post(`/admin/inventory/items/${cpe.id}/configs`, { key: unique("k2"), content: "hostname b\nvlan 10\n" })).status).toBe(303);
    const same = await s.post(`/admin/inventory/items/${cpe.id}/configs`, { key: unique("k3"), content: "hostname b\nvlan 10\n" });
    expect(same.status).toBe(409);
    const diff = await (await s.get(`/admin/inventory/items/${cpe.id}/configs/diff?from=1&to=2`)).text();
    expect(diff).toMatch(/class="diff-del"[\s\S]*hostname a/);
    expect(diff).toMatch(/class="diff-add"[\s\S]*hostname b/);
  });

  it("allocates from an IP block by hand and releases it", async () => {
    const block = await item("ip_block", { cidr: `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.0/29` });
    const s = await pageSession("inventory");
    expect((await s.post(`/admin/inventory/items/${block.id}/allocations`, { key: unique("a"), prefix_length: "30" })).status).toBe(303);
    const allocations = (await api("GET", `/inventory/items/${block.id}/allocations`)).body.data;
    expect(allocations).toHaveLength(1);
    const page = await (await s.get(`/admin/inventory/items/${block.id}`)).text();
    expect(page).toContain(allocations[0].cidr);
    expect((await s.post(`/admin/inventory/items/${block.id}/allocations/${allocations[0].id}/release`, {})).status).toBe(303);
    expect((await api("GET", `/inventory/items/${block.id}/allocations`)).body.data).toHaveLength(0);
  });

  it("imports through the wizard: upload, column mapping, dry run with the bad line, import, items listed", async () => {
    const type = await customType([
      { name: "serial", label: "Serial number", kind: "text", required: true, unique: true },
      { name: "mac", label: "MAC", kind: "mac" },
    ]);
    const serials = [unique("IMP"), unique("IMP"), unique("IMP")].map((x) => x.replace(/\s/g, ""));
    const csv = `Serial Number,MAC,Comment\n${serials[0]},aa:bb:cc:dd:ee:01,first\n${serials[1]},not-a-mac,second\n${serials[2]},,third\n`;
    const s = await pageSession("inventory");
    const upload = await postMultipart(s, "/admin/inventory/import", { step: "upload", type, mode: "valid_rows" }, { name: "devices.csv", content: csv });
    expect(upload.status).toBe(200);
    const mapping = await upload.text();
    expect(mapping).toContain("Serial Number");
    expect(mapping).toMatch(/name="map\.0"[\s\S]*?<option value="serial" selected/);
    expect(mapping).toMatch(/name="map\.1"[\s\S]*?<option value="mac" selected/);
    const carried = textareaValue(mapping, "csv");
    expect(carried.replace(/^\n/, "")).toBe(csv);
    const key = mapping.match(/name="key" value="([^"]+)"/)?.[1] ?? "";
    const before = await countRows("inventory_items");

    const preview = await postMultipart(s, "/admin/inventory/import", {
      step: "preview",
      type,
      mode: "valid_rows",
      key,
      csv: carried,
      "map.0": "serial",
      "map.1": "mac",
      "map.2": "",
    });
    expect(preview.status).toBe(200);
    const report = await preview.text();
    expect(report).toContain("Dry run");
    expect(report).toMatch(/<td class="num">3<\/td>\s*<td><code>mac<\/code><\/td>/);
    expect(report).toContain("Import 2 row(s)");
    expect(report).toContain(serials[0]);
    expect(await countRows("inventory_items")).toBe(before);

    const done = await postMultipart(s, "/admin/inventory/import", {
      step: "import",
      type,
      mode: "valid_rows",
      key,
      csv: textareaValue(report, "csv"),
      "map.0": "serial",
      "map.1": "mac",
      "map.2": "",
    });
    expect(done.status).toBe(303);
    const resultPath = done.headers.get("location") ?? "";
    expect(resultPath).toMatch(/^\/admin\/inventory\/imports\/imp/);
    const result = await (await s.get(resultPath)).text();
    expect(result).toContain("2 item(s) imported.");
    const importId = resultPath.split("/").pop() ?? "";
    const listed = await (await s.get(`/admin/inventory/items?import_id=${importId}`)).text();
    expect(listed).toContain(serials[0]);
    expect(listed).toContain(serials[2]);
    expect(listed).not.toContain(serials[1]);
    expect(await countRows("inventory_items")).toBe(before + 2);
  });

  it("refuses an upload without a file and a header that does not fit the type", async () => {
    const type = await customType();
    const s = await pageSession("inventory");
    expect((await postMultipart(s, "/admin/inventory/import", { step: "upload", type })).status).toBe(422);
    const res = await postMultipart(s, "/admin/inventory/import", { step: "preview", type, csv: "colour\nred\n", "map.0": "" });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain("Required field has no column");
  });

  it("creates and edits a custom type from the form, JSON errors inline", async () => {
    const s = await pageSession("admin");
    const slug = unique("ty")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "_")
      .slice(0, 30);
    const bad = await s.post("/admin/inventory/types/new", { slug, name: "Router", fields: '[{"name":"Bad Name","label":"X","kind":"text"}]' });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("lowercase letters, digits and _");
    const broken = await s.post("/admin/inventory/types/new", { slug, name: "Router", fields: "[oops" });
    expect(await broken.text()).toContain("Not valid JSON");
    const ok = await s.post("/admin/inventory/types/new", {
      slug,
      name: "Router",
      low_stock_threshold: "3",
      fields: '[{"name":"serial","label":"Serial","kind":"text","required":true,"unique":true}]',
    });
    expect(ok.status).toBe(303);
    expect((await s.post(`/admin/inventory/types/${slug}`, { name: "Router v2", low_stock_threshold: "", fields: "[]" })).status).toBe(422);
    expect(
      (
        await s.post(`/admin/inventory/types/${slug}`, {
          name: "Router v2",
          low_stock_threshold: "",
          fields: '[{"name":"serial","label":"Serial","kind":"text"}]',
        })
      ).status,
    ).toBe(303);
    expect((await api("GET", `/inventory/templates/${slug}`)).body).toMatchObject({ name: "Router v2", low_stock_threshold: null });
    expect(await (await s.get("/admin/inventory/types")).text()).toContain("Router v2");
    expect((await s.post("/admin/inventory/types/sim", { name: "SIM card", low_stock_threshold: "" })).status).toBe(303);
  });

  it("offers in-stock and reserved items in the order form and shows them on the service", async () => {
    const number = await item("phone_number", { msisdn: `+3361${digits(7)}`, golden: true });
    const customer = (await api("POST", "/customers", { body: { name: unique("Orderer"), type: "individual", payment_type: "prepaid" } })).body;
    const slug = unique("ord")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .slice(0, 40);
    const product = (
      await api("POST", "/products", {
        body: {
          name: `Plan ${slug}`,
          slug,
          type: "standalone",
          service_type: "mobile",
          status: "active",
          retail_price: 500,
          provisioning_play: "voip",
          required_inventory: ["phone_number"],
        },
      })
    ).body;
    const s = await pageSession("support");
    const customerPage = await (await s.get(`/admin/customers/${customer.id}`)).text();
    expect(customerPage).toContain(`hx-get="/admin/customers/${customer.id}/order-inventory"`);
    const fragment = await (await s.get(`/admin/customers/${customer.id}/order-inventory?product_id=${product.id}`)).text();
    expect(fragment).toContain('name="inventory.phone_number"');
    expect(fragment).toContain("Next available");
    expect(fragment).toContain('name="q.phone_number"');
    const found = await (
      await s.get(
        `/admin/customers/${customer.id}/order-inventory/search?type=phone_number&product_id=${product.id}&q.phone_number=${number.fields.msisdn.slice(1)}`,
      )
    ).text();
    expect(found).toContain(`value="${number.id}"`);
    expect(found).toContain(`${number.fields.msisdn} ★ golden`);
    const key = customerPage.match(/name="key" value="([^"]+)"/)?.[1] ?? "";
    const ordered = await s.post(`/admin/customers/${customer.id}/services`, { key, product_id: product.id, "inventory.phone_number": number.id });
    expect(ordered.status).toBe(303);
    const servicePath = ordered.headers.get("location") ?? "";
    expect(servicePath).toMatch(/^\/admin\/services\//);
    const servicePage = await (await s.get(servicePath)).text();
    expect(servicePage).toContain(`href="/admin/inventory/items/${number.id}"`);
    expect(servicePage).toContain(number.fields.msisdn);
    expect(await (await s.get(`/admin/customers/${customer.id}/order-inventory?product_id=nope`)).text()).toBe("");
  });

  it("refuses the pages to a role without inventory:read", async () => {
    const s = await pageSession("billing");
    for (const path of ["/admin/inventory", "/admin/inventory/items", "/admin/inventory/export", "/admin/inventory/types", "/admin/inventory/import"]) {
      expect((await s.get(path)).status, path).toBe(403);
    }
    const reader = await pageSession("read-only");
    expect((await reader.get("/admin/inventory/import")).status).toBe(403);
    expect((await reader.get("/admin/inventory/items/new")).status).toBe(403);
  });

  it("escapes field values", async () => {
    const type = await customType([
      { name: "serial", label: "Serial", kind: "text", required: true, unique: true },
      { name: "note", label: "Note", kind: "text" },
    ]);
    const x = await item(type, { serial: unique("X"), note: "<script>alert(1)</script>" }, { location: '"><img src=x onerror=alert(1)>' });
    const s = await pageSession("read-only");
    for (const path of [`/admin/inventory/items/${x.id}`, `/admin/inventory/items?type=${type}`, "/admin/inventory"]) {
      const html = await (await s.get(path)).text();
      expect(html, path).not.toContain("<script>alert(1)</script>");
      expect(html, path).not.toContain("<img src=x");
    }
    expect(await (await s.get(`/admin/inventory/items/${x.id}`)).text()).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  });
});
