import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import phoneNumbersCsv from "../../public/examples/phone-numbers.csv?raw";
import simsCsv from "../../public/examples/sims.csv?raw";
import { demoInventoryCsv } from "../domain/demo/inventory";
import { BUILT_IN_TEMPLATES } from "../domain/inventory/builtins";
import type { ServiceStatePort } from "../domain/services/port";
import { luhnCheckDigit } from "../lib/identifiers";
import { overlaps, parseCidr } from "../lib/ip";
import { api, unique } from "./helpers";

const state = (id: string): ServiceStatePort => env.SERVICE_STATE.get(env.SERVICE_STATE.idFromName(id));
const OP = { actor: { type: "system" as const, id: null, label: "test" }, requestId: null, now: new Date().toISOString() };
let seq = 0;
const idem = () => ({ "idempotency-key": `inv-${Date.now().toString(36)}-${seq++}-${Math.random().toString(36).slice(2, 8)}` });
const digits = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join("");
const iccid = () => {
  const partial = `8933${digits(14)}`;
  return partial + luhnCheckDigit(partial);
};
const imsi = () => `20801${digits(10)}`;
// A French mobile number in an allocated range (06 10 – 06 38): an unallocated one does not fit a mobile plan.
const msisdn = () => `+336${10 + Math.floor(Math.random() * 29)}${digits(6)}`;

/** A custom type per test run keeps stock counts independent of other tests and the demo seed. */
async function customType(fields: unknown[] = [{ name: "serial", label: "Serial", kind: "text", required: true, unique: true }]) {
  const slug = unique("t")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .slice(0, 38);
  const res = await api("POST", "/inventory/templates", { body: { slug, name: `Type ${slug}`, fields } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return slug as string;
}

async function sim(extra: Record<string, unknown> = {}) {
  const res = await api("POST", "/inventory/items", {
    body: { type: "sim", fields: { iccid: iccid(), imsi: imsi(), pin: "1234", puk: "12345678", ki: digits(32) }, ...extra },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

async function customer() {
  return (await api("POST", "/customers", { body: { name: unique("Subscriber"), type: "individual", payment_type: "prepaid" } })).body;
}

async function product(required: string[], extra: Record<string, unknown> = {}) {
  const slug = unique("inv-plan")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 50);
  const res = await api("POST", "/products", {
    body: {
      name: `Plan ${slug}`,
      slug,
      type: "standalone",
      service_type: "mobile",
      status: "active",
      retail_price: 999,
      provisioning_play: "charging_account",
      required_inventory: required,
      ...extra,
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

describe("inventory types", () => {
  it("lists the built-in types exactly as the code defines them (the migration stays in step)", async () => {
    const res = await api("GET", "/inventory/templates");
    expect(res.status).toBe(200);
    for (const t of BUILT_IN_TEMPLATES) {
      const stored = res.body.data.find((x: { slug: string }) => x.slug === t.slug);
      expect(stored, t.slug).toMatchObject({ name: t.name, built_in: true, fields: t.fields });
    }
  });

  it("validates custom types and keeps built-in fields fixed", async () => {
    expect((await api("POST", "/inventory/templates", { body: { slug: "x", name: "X", fields: [] } })).status).toBe(422);
    expect(
      (await api("POST", "/inventory/templates", { body: { slug: "enumless", name: "E", fields: [{ name: "a", label: "A", kind: "enum" }] } })).status,
    ).toBe(422);
    expect((await api("POST", "/inventory/templates", { body: { slug: "sim", name: "Dup", fields: [{ name: "a", label: "A", kind: "text" }] } })).status).toBe(
      409,
    );
    expect((await api("PATCH", "/inventory/templates/sim", { body: { fields: [{ name: "a", label: "A", kind: "text" }] } })).status).toBe(422);
    const slug = await customType();
    await api("POST", "/inventory/items", { body: { type: slug, fields: { serial: unique("S") } } });
    // Fields in use cannot be removed or retyped; adding one is fine.
    expect((await api("PATCH", `/inventory/templates/${slug}`, { body: { fields: [{ name: "other", label: "O", kind: "text" }] } })).status).toBe(409);
    const added = await api("PATCH", `/inventory/templates/${slug}`, {
      body: {
        fields: [
          { name: "serial", label: "Serial", kind: "text", required: true, unique: true },
          { name: "colour", label: "Colour", kind: "text" },
        ],
      },
    });
    expect(added.status).toBe(200);
    expect((await api("PATCH", `/inventory/templates/${slug}`, { body: {} })).status).toBe(200);
    expect(
      (await api("POST", "/inventory/templates", { body: { slug: "nope", name: "N", fields: [{ name: "a", label: "A", kind: "text" }] }, role: "inventory" }))
        .status,
    ).toBe(403);
  });
});

describe("inventory items", () => {
  it("validates every built-in type", async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ["sim", { iccid: "8933000000000000001", imsi: imsi() }, "fields.iccid"], // bad Luhn check digit
      ["sim", { iccid: iccid(), imsi: "20801123" }, "fields.imsi"],
      ["sim", { imsi: imsi() }, "fields.iccid"],
      ["phone_number", { msisdn: "0612345678" }, "fields.msisdn"],
      ["phone_number", { msisdn: msisdn(), golden: "maybe" }, "fields.golden"],
      ["cpe", { serial: "SN1", mac: "zz:zz:zz:zz:zz:zz" }, "fields.mac"],
      ["ip_block", { cidr: "10.0.0.1/24" }, "fields.cidr"],
      ["ip_block", { cidr: "10.0.0.0/33" }, "fields.cidr"],
      ["ip_block", { cidr: "2001:db8::/129" }, "fields.cidr"],
      ["cell_site", { cell_id: "1", tac: 1, mcc: "208", mnc: "01", latitude: 91, longitude: 2 }, "fields.latitude"],
      ["cell_site", { cell_id: "1", tac: 1, mcc: "2080", mnc: "01", latitude: 48, longitude: 2 }, "fields.mcc"],
      ["cell_site", { cell_id: "1", tac: 1, mcc: "208", mnc: "01", latitude: 48, longitude: 2, azimuth: 360 }, "fields.azimuth"],
      ["sim", { iccid: iccid(), imsi: imsi(), colour: "red" }, "fields.colour"],
    ];
    for (const [type, fields, path] of cases) {
      const res = await api("POST", "/inventory/items", { body: { type, fields } });
      expect(res.status, `${type} ${JSON.stringify(fields)}`).toBe(422);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    expect((await api("POST", "/inventory/items", { body: { type: "nope", fields: {} } })).status).toBe(422);
    const mac = await api("POST", "/inventory/items", { body: { type: "cpe", fields: { serial: unique("SN"), mac: "AABB.CCDD.EEFF" } } });
    expect(mac.status).toBe(201);
    expect(mac.body.fields.mac).toBe("aa:bb:cc:dd:ee:ff");
    const v6 = await api("POST", "/inventory/items", { body: { type: "ip_block", fields: { cidr: `2001:DB8:${digits(3)}0::/48` } } });
    expect([201, 409]).toContain(v6.status);
  });

  it("keeps secrets encrypted, never returns them, and refuses duplicate identifiers", async () => {
    const s = await sim({ location: "Paris warehouse" });
    expect(s).toMatchObject({ status: "in_stock", location: "Paris warehouse", secret_fields: ["pin", "puk", "ki"] });
    expect(JSON.stringify(s)).not.toContain("12345678");
    const raw = await env.DB.prepare("SELECT secrets, fields FROM inventory_items WHERE id = ?").bind(s.id).first<{ secrets: string; fields: string }>();
    expect(raw?.secrets).toMatch(/^pin,puk,ki\|v1\./);
    expect(raw?.secrets).not.toContain("12345678");
    // No secret in the plain fields (checked by key and value: a random IMSI may contain "1234").
    const plain = JSON.parse(raw?.fields ?? "{}") as Record<string, unknown>;
    expect(Object.keys(plain).filter((k) => ["pin", "puk", "ki"].includes(k))).toEqual([]);
    expect(Object.values(plain)).not.toContain("1234");
    const dup = await api("POST", "/inventory/items", { body: { type: "sim", fields: { iccid: s.fields.iccid, imsi: imsi() } } });
    expect(dup.status).toBe(409);
    expect(dup.body.detail).toContain("iccid");
    // Found by identifier in the list filter and in global search.
    const listed = await api("GET", `/inventory/items?q=${s.fields.iccid.slice(0, 12)}`);
    expect(listed.body.data.map((i: { id: string }) => i.id)).toContain(s.id);
    const found = await api("GET", `/search?q=${s.fields.iccid}`);
    expect(found.body.data.map((h: { id: string }) => h.id)).toContain(s.id);
    const history = await api("GET", `/activity?entity=inventory_item&entity_id=${s.id}`);
    expect(history.body.data.map((a: { action: string }) => a.action)).toContain("inventory_item.create");
  });

  it("moves items through explicit transitions only and holds numbers for customers", async () => {
    const s = await sim();
    const illegal = await api("PATCH", `/inventory/items/${s.id}`, { body: { status: "assigned" } });
    expect(illegal.status).toBe(409);
    expect(illegal.body.current_status ?? illegal.body.detail).toBeTruthy();
    expect((await api("PATCH", `/inventory/items/${s.id}`, { body: { status: "returned" } })).status).toBe(409);
    const c = await customer();
    const number = (await api("POST", "/inventory/items", { body: { type: "phone_number", fields: { msisdn: msisdn(), golden: true, pool: "gold" } } })).body;
    expect((await api("PATCH", `/inventory/items/${number.id}`, { body: { status: "reserved" } })).status).toBe(422);
    expect(
      (await api("PATCH", `/inventory/items/${number.id}`, { body: { status: "reserved", customer_id: c.id, reserved_until: "2020-01-01T00:00:00Z" } })).status,
    ).toBe(422);
    const held = await api("PATCH", `/inventory/items/${number.id}`, {
      body: { status: "reserved", customer_id: c.id, reserved_until: new Date(Date.now() + 86_400_000).toISOString() },
    });
    expect(held.status).toBe(200);
    expect(held.body).toMatchObject({ status: "reserved", customer_id: c.id });
    const released = await api("PATCH", `/inventory/items/${number.id}`, { body: { status: "in_stock" } });
    expect(released.body).toMatchObject({ status: "in_stock", customer_id: null, reserved_until: null });
    const retired = await api("PATCH", `/inventory/items/${s.id}`, { body: { status: "retired", notes: "damaged" } });
    expect(retired.body.status).toBe("retired");
    expect((await api("PATCH", `/inventory/items/${s.id}`, { body: { status: "in_stock" } })).status).toBe(409);
    expect((await api("PATCH", `/inventory/items/${s.id}`, { body: { fields: { iccid: "123" } } })).status).toBe(422);
    expect((await api("PATCH", `/inventory/items/${s.id}`, { body: { status: "retired" }, role: "read-only" })).status).toBe(403);
  });
});

describe("IP space", () => {
  it("allocates addresses and sub-prefixes that never overlap, even concurrently", async () => {
    const octet = 1 + Math.floor(Math.random() * 250);
    const block = (
      await api("POST", "/inventory/items", { body: { type: "ip_block", fields: { cidr: `10.${octet}.${Math.floor(Math.random() * 250)}.0/26` } } })
    ).body;
    expect(block.id, JSON.stringify(block)).toBeTruthy();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api("POST", `/inventory/items/${block.id}/allocations`, { body: i % 2 ? { prefix_length: 30 } : {}, headers: idem() }),
      ),
    );
    const ok = results.filter((r) => r.status === 201).map((r) => r.body.cidr as string);
    expect(results.every((r) => r.status === 201 || r.status === 409)).toBe(true);
    const prefixes = ok.map((c) => parseCidr(c.includes("/") ? c : `${c}/32`) ?? parseCidr(`${c}/32`));
    for (const [i, a] of prefixes.entries()) {
      for (const b of prefixes.slice(i + 1)) expect(a && b && overlaps(a, b), `${JSON.stringify(ok)}`).toBe(false);
    }
    const listed = await api("GET", `/inventory/items/${block.id}/allocations`);
    expect(listed.body.data.length).toBe(ok.length);
    // Network and broadcast addresses are never handed out.
    expect(ok).not.toContain(`10.${block.fields.cidr.split(".")[1]}.${block.fields.cidr.split(".")[2]}.0/32`);
    // Fill the block, then the next request is a clear 409.
    let last = 201;
    for (let i = 0; i < 80 && last === 201; i++) last = (await api("POST", `/inventory/items/${block.id}/allocations`, { body: {}, headers: idem() })).status;
    expect(last).toBe(409);
    expect((await api("POST", `/inventory/items/${block.id}/allocations`, { body: { prefix_length: 20 }, headers: idem() })).status).toBe(422);
    const v6 = (await api("POST", "/inventory/items", { body: { type: "ip_block", fields: { cidr: `2001:db8:${(octet * 97).toString(16)}::/48` } } })).body;
    const a64 = await api("POST", `/inventory/items/${v6.id}/allocations`, { body: { prefix_length: 64 }, headers: idem() });
    const b64 = await api("POST", `/inventory/items/${v6.id}/allocations`, { body: { prefix_length: 64 }, headers: idem() });
    expect(a64.body.cidr).toMatch(/::\/64$/);
    expect(b64.body.cidr).not.toBe(a64.body.cidr);
    const freed = await api("POST", `/inventory/items/${v6.id}/allocations/${a64.body.id}/release`);
    expect(freed.status).toBe(204);
  });
});

describe("bulk import and export", () => {
  it("reports exactly the bad rows, and honours the mode and dry run", async () => {
    const good = Array.from({ length: 5 }, () => [iccid(), imsi(), "1234"]);
    const stored = await sim();
    const csv = [
      "iccid,imsi,pin,location",
      `${good[0]?.join(",")},Lyon`,
      "8933000000000000001,208011234567890,1,Lyon", // line 3: bad ICCID check digit
      `${good[1]?.join(",")},Lyon`,
      `${good[0]?.[0]},${imsi()},1,Lyon`, // line 5: duplicate of line 2
      `${stored.fields.iccid},${imsi()},1,Lyon`, // line 6: already stored
      `${good[2]?.join(",")}`, // line 7: too few columns
      `${good[3]?.[0]},12345,1,Lyon`, // line 8: bad IMSI
      `${good[4]?.join(",")},Lyon`,
    ].join("\r\n");
    const send = (query: string, body = csv, type = "text/csv") =>
      api("POST", `/inventory/import?type=sim&${query}`, { raw: body, headers: { "content-type": type, ...idem() } });
    const dry = await send("mode=valid_rows&dry_run=true");
    expect(dry.status, JSON.stringify(dry.body)).toBe(200);
    expect(dry.body).toMatchObject({ dry_run: true, imported: 3, rejected: 5, import_id: null });
    expect(dry.body.errors.map((e: { line: number }) => e.line)).toEqual([3, 5, 6, 7, 8]);
    expect(dry.body.errors.find((e: { line: number }) => e.line === 5).message).toContain("line 2");
    expect(dry.body.preview[0].pin).toBe("••••");
    const none = await send("mode=all_or_nothing");
    expect(none.body).toMatchObject({ imported: 0, rejected: 5 });
    expect((await api("GET", `/inventory/items?q=${good[0]?.[0]}`)).body.data).toHaveLength(0);
    const some = await send("mode=valid_rows");
    expect(some.body).toMatchObject({ imported: 3, rejected: 5 });
    expect(some.body.import_id).toMatch(/^imp_/);
    const items = await api("GET", `/inventory/items?import_id=${some.body.import_id}`);
    expect(items.body.data).toHaveLength(3);
    expect(items.body.data[0]).toMatchObject({ status: "in_stock", location: "Lyon", secret_fields: ["pin"] });
    // Imported identifiers are searchable like any item.
    expect((await api("GET", `/search?q=${good[4]?.[0]}`)).body.data.length).toBe(1);
    // The same file again: every row is now a duplicate of a stored item.
    const again = await send("mode=valid_rows");
    expect(again.body.imported).toBe(0);
    expect((await send("mode=valid_rows", "iccid,colour\n1,2")).status).toBe(422);
    expect((await send("mode=valid_rows", "pin\n1")).status).toBe(422);
    expect((await send("mode=valid_rows", 'iccid,imsi\n"unterminated,1')).status).toBe(400);
    expect((await send("mode=valid_rows", "")).status).toBe(400);
    expect((await send("mode=valid_rows", csv, "application/json")).status).toBe(415);
    expect((await api("POST", "/inventory/import?type=sim", { raw: csv, headers: { "content-type": "text/csv" }, role: "support" })).status).toBe(403);
  });

  it("accepts the README's example files and the demo stock as they are", async () => {
    for (const [type, csv] of [["sim", simsCsv], ["phone_number", phoneNumbersCsv], ...demoInventoryCsv().map((d) => [d.type, d.csv])] as [string, string][]) {
      const res = await api("POST", `/inventory/import?type=${type}&dry_run=true`, { raw: csv, headers: { "content-type": "text/csv", ...idem() } });
      expect(res.status, type).toBe(200);
      // Dry run against a database that may already hold them: only duplicates of stored items may be refused.
      expect(
        res.body.errors.filter((e: { message: string }) => !e.message.startsWith("Already in inventory")),
        type,
      ).toEqual([]);
      expect(res.body.total, type).toBe(csv.trim().split(/\r?\n/).length - 1);
    }
  });

  it("exports a filtered list as CSV that imports back", async () => {
    const type = await customType([
      { name: "serial", label: "Serial", kind: "text", required: true, unique: true },
      { name: "secret", label: "Secret", kind: "secret" },
    ]);
    for (const serial of ["A-1", "B,2", '=cmd"']) await api("POST", "/inventory/items", { body: { type, fields: { serial, secret: "hunter2" } } });
    const res = await fetchCsv(`/inventory/export?type=${type}`);
    expect(res.headers.get("content-type")).toContain("text/csv");
    const text = await res.text();
    expect(text.split("\r\n")[0]).toBe(
      "id,type,status,serial,location,supplier,cost_amount,currency,notes,customer_id,service_id,reserved_until,quarantined_until,created_at,updated_at",
    );
    expect(text).toContain('"B,2"');
    expect(text).toContain(`'=cmd`);
    expect(text).not.toContain("hunter2");
    expect(text.trim().split("\r\n")).toHaveLength(4);
  });
});

async function fetchCsv(path: string) {
  const { fetchWorker, BASE, tokenFor } = await import("./helpers");
  return fetchWorker(`${BASE}/api/v1${path}`, { headers: { authorization: `Bearer ${await tokenFor("admin")}` } });
}

describe("allocation during ordering", () => {
  it("100 concurrent orders against 60 SIMs: 60 get distinct SIMs, 40 a clear 409, nothing leaks", async () => {
    const type = await customType([{ name: "serial", label: "Serial", kind: "text", required: true, unique: true }]);
    const csv = ["serial", ...Array.from({ length: 60 }, (_, i) => `${type}-${i}`)].join("\n");
    const imported = await api("POST", `/inventory/import?type=${type}`, { raw: csv, headers: { "content-type": "text/csv", ...idem() } });
    expect(imported.body.imported).toBe(60);
    const p = await product([type]);
    const c = await customer();
    const results = await Promise.all(
      Array.from({ length: 100 }, () => api("POST", `/customers/${c.id}/services`, { body: { product_id: p.id }, headers: idem() })),
    );
    const ok = results.filter((r) => r.status === 202);
    const refused = results.filter((r) => r.status === 409);
    expect(ok).toHaveLength(60);
    expect(refused).toHaveLength(40);
    expect(refused[0]?.body.detail).toContain(`No ${type} available`);
    const serials = ok.map((r) => r.body.service.identifiers.serial);
    expect(new Set(serials).size).toBe(60);
    const held = await api("GET", `/inventory/items?type=${type}&status=reserved&limit=200`);
    expect(held.body.data).toHaveLength(60);
    expect(new Set(held.body.data.map((i: { service_id: string }) => i.service_id)).size).toBe(60);
    expect((await api("GET", `/inventory/items?type=${type}&status=in_stock`)).body.data).toHaveLength(0);
  });

  it("reserves SIM and number with the service, carries them in the job, and moves them with the service's life", async () => {
    const numberValue = msisdn();
    const number = (await api("POST", "/inventory/items", { body: { type: "phone_number", fields: { msisdn: numberValue, golden: true } } })).body;
    const s1 = await sim();
    const p = await product(["sim", "phone_number"]);
    const c = await customer();
    // A golden number is only given when picked; an unknown pick is refused and releases what was taken.
    const bad = await api("POST", `/customers/${c.id}/services`, {
      body: { product_id: p.id, inventory: { sim: s1.id, phone_number: "inv_nope" } },
      headers: idem(),
    });
    expect(bad.status).toBe(409);
    expect((await api("GET", `/inventory/items/${s1.id}`)).body.status).toBe("in_stock");
    expect((await api("POST", `/customers/${c.id}/services`, { body: { product_id: p.id, inventory: { cpe: "x" } }, headers: idem() })).status).toBe(422);
    const ordered = await api("POST", `/customers/${c.id}/services`, {
      body: { product_id: p.id, inventory: { sim: s1.id, phone_number: number.id } },
      headers: idem(),
    });
    expect(ordered.status, JSON.stringify(ordered.body)).toBe(202);
    const serviceId = ordered.body.service.id;
    expect(ordered.body.service.identifiers).toMatchObject({ iccid: s1.fields.iccid, imsi: s1.fields.imsi, msisdn: numberValue });
    const job = await env.DB.prepare("SELECT payload FROM jobs WHERE id = ?").bind(ordered.body.job.id).first<{ payload: string }>();
    const payload = JSON.parse(job?.payload ?? "{}");
    expect(payload.inventory.map((i: { id: string }) => i.id).sort()).toEqual([s1.id, number.id].sort());
    expect(JSON.stringify(payload)).not.toContain("12345678");
    expect((await api("GET", `/inventory/items?service_id=${serviceId}`)).body.data.every((i: { status: string }) => i.status === "reserved")).toBe(true);
    // Staff cannot pull an item out from under a service, nor change its identifiers.
    expect((await api("PATCH", `/inventory/items/${s1.id}`, { body: { status: "in_stock" } })).status).toBe(409);
    expect((await api("PATCH", `/inventory/items/${s1.id}`, { body: { fields: { iccid: iccid() } } })).status).toBe(409);
    expect((await api("PATCH", `/inventory/items/${s1.id}`, { body: { notes: "in the blue box" } })).status).toBe(200);
    // Activation: assigned. Termination: SIM retired (default setting), number quarantined (default 90 days).
    const st = state(serviceId);
    expect((await st.transition(serviceId, "start_provisioning", { ...OP, key: "l1" })).ok).toBe(true);
    expect((await st.transition(serviceId, "activate", { ...OP, key: "a1" })).ok).toBe(true);
    expect((await api("GET", `/inventory/items/${s1.id}`)).body.status).toBe("assigned");
    expect((await api("POST", `/services/${serviceId}/terminate`, { headers: idem() })).status).toBe(202);
    expect((await st.transition(serviceId, "complete_termination", { ...OP, key: "t1" })).ok).toBe(true);
    expect((await api("GET", `/inventory/items/${s1.id}`)).body).toMatchObject({ status: "retired", service_id: null });
    expect((await api("GET", `/inventory/items/${number.id}`)).body).toMatchObject({ status: "quarantined", service_id: null, customer_id: null });
    // Search follows: the SIM reads "retired", the number "quarantined" and no longer belongs to the customer.
    const found = async (q: string) =>
      (await api("GET", `/search?q=${encodeURIComponent(q)}&types=inventory`)).body.data as { id: string; subtitle: string; customer_id: string | null }[];
    expect((await found(s1.fields.iccid)).find((h) => h.id === s1.id)?.subtitle).toMatch(/^retired/);
    const numberHit = (await found(numberValue.replace("+", ""))).find((h) => h.id === number.id);
    expect(numberHit?.subtitle).toMatch(/^quarantined/);
    const history = await api("GET", `/activity?entity=inventory_item&entity_id=${s1.id}`);
    expect(history.body.data.map((a: { action: string }) => a.action)).toEqual(
      expect.arrayContaining(["inventory_item.reserved", "inventory_item.assign", "inventory_item.return"]),
    );
  });

  it("takes next-available numbers from the product's pool", async () => {
    const pool = unique("pool");
    const inPool = msisdn();
    await api("POST", "/inventory/items", { body: { type: "phone_number", fields: { msisdn: msisdn(), pool: "elsewhere" } } });
    await api("POST", "/inventory/items", { body: { type: "phone_number", fields: { msisdn: inPool, pool } } });
    const p = await product(["phone_number"], { provisioning_json_vars: { number_pool: pool } });
    const c = await customer();
    const first = await api("POST", `/customers/${c.id}/services`, { body: { product_id: p.id }, headers: idem() });
    expect(first.body.service.identifiers.msisdn).toBe(inPool);
    expect((await api("POST", `/customers/${c.id}/services`, { body: { product_id: p.id }, headers: idem() })).status).toBe(409);
  });

  it("gives everything back when provisioning fails, addresses included", async () => {
    const block = (
      await api("POST", "/inventory/items", {
        body: { type: "ip_block", fields: { cidr: `100.${64 + Math.floor(Math.random() * 60)}.${Math.floor(Math.random() * 250)}.0/28` } },
      })
    ).body;
    const s1 = await sim();
    const p = await product(["sim", "ip_block"]);
    const c = await customer();
    const ordered = await api("POST", `/customers/${c.id}/services`, {
      body: { product_id: p.id, inventory: { sim: s1.id, ip_block: block.id } },
      headers: idem(),
    });
    expect(ordered.status, JSON.stringify(ordered.body)).toBe(202);
    const serviceId = ordered.body.service.id;
    expect(ordered.body.service.identifiers.ip).toMatch(/^100\.\d+\.\d+\.1$/);
    expect((await api("GET", `/inventory/items/${block.id}/allocations`)).body.data[0].service_id).toBe(serviceId);
    const st = state(serviceId);
    await st.transition(serviceId, "start_provisioning", { ...OP, key: "l1" });
    expect((await st.transition(serviceId, "fail", { ...OP, key: "f1" })).ok).toBe(true);
    expect((await api("GET", `/inventory/items/${s1.id}`)).body).toMatchObject({ status: "in_stock", service_id: null });
    expect((await api("GET", `/inventory/items/${block.id}/allocations`)).body.data).toHaveLength(0);
  });
});

describe("equipment configuration and stock", () => {
  it("versions a device's configuration and diffs two versions", async () => {
    const cpe = (await api("POST", "/inventory/items", { body: { type: "cpe", fields: { serial: unique("CPE"), model: "X1" } } })).body;
    const v1 = await api("POST", `/inventory/items/${cpe.id}/configs`, { body: { content: "hostname cpe\nvlan 10\nntp a\n" } });
    expect(v1.body.version).toBe(1);
    expect((await api("POST", `/inventory/items/${cpe.id}/configs`, { body: { content: "hostname cpe\nvlan 10\nntp a\n" } })).status).toBe(409);
    const v2 = await api("POST", `/inventory/items/${cpe.id}/configs`, { body: { content: "hostname cpe\nvlan 20\nntp a\n", note: "move to vlan 20" } });
    expect(v2.body.version).toBe(2);
    const diff = await api("GET", `/inventory/items/${cpe.id}/configs/diff?from=1&to=2`);
    expect(diff.body).toMatchObject({ added: 1, removed: 1 });
    expect(diff.body.lines.filter((l: { op: string }) => l.op !== "same").map((l: { text: string }) => l.text)).toEqual(["vlan 10", "vlan 20"]);
    expect((await api("GET", `/inventory/items/${cpe.id}/configs/diff?from=1&to=9`)).status).toBe(404);
    const s = await sim();
    expect((await api("POST", `/inventory/items/${s.id}/configs`, { body: { content: "x" } })).status).toBe(422);
  });

  it("alerts the notification list once when stock falls below the threshold", async () => {
    // Twelve addresses: their emails are more values than D1 binds in one statement (12 × 11 columns).
    const list = Array.from({ length: 12 }, (_, i) => `stock${i}@example.com`);
    expect((await api("PATCH", "/settings", { body: { notification_emails: list } })).status).toBe(200);
    const type = await customType();
    for (let i = 0; i < 3; i++) await api("POST", "/inventory/items", { body: { type, fields: { serial: `${type}-${i}` } } });
    expect((await api("PATCH", `/inventory/templates/${type}`, { body: { low_stock_threshold: 2 } })).status).toBe(200);
    const count = async () =>
      (
        await env.DB.prepare("SELECT count(*) AS n FROM email_outbox WHERE template = 'low_stock' AND subject LIKE ?")
          .bind(`%Type ${type}%`)
          .first<{ n: number }>()
      )?.n;
    expect(await count()).toBe(0);
    const items = (await api("GET", `/inventory/items?type=${type}`)).body.data;
    await api("PATCH", `/inventory/items/${items[0].id}`, { body: { status: "retired" } });
    expect(await count()).toBe(0);
    expect((await api("PATCH", `/inventory/items/${items[1].id}`, { body: { status: "retired" } })).status).toBe(200);
    expect(await count()).toBe(12);
    await api("PATCH", `/inventory/items/${items[2].id}`, { body: { status: "retired" } });
    expect(await count()).toBe(12);
    const stock = await api("GET", "/inventory/stock");
    expect(stock.body.low_stock).toEqual(expect.arrayContaining([{ type, in_stock: 0, threshold: 2 }]));
    await api("PATCH", "/settings", { body: { notification_emails: [] } });
  });
});
