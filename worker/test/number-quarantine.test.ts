import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { ServiceStatePort } from "../domain/services/port";
import { scheduledTasks } from "../scheduled";
import { api, pageSession, unique } from "./helpers";

const DAY = 86_400_000;
let n = 0;
const key = () => ({ "idempotency-key": `nq-${Date.now().toString(36)}-${n++}` });
const setQuarantine = (days: unknown) => api("PATCH", "/settings", { body: { number_quarantine_days: days } });
const item = async (id: string) => (await api("GET", `/inventory/items/${id}`)).body;
const history = async (id: string) =>
  (await api("GET", `/activity?entity=inventory_item&entity_id=${id}`)).body.data as { action: string; changes: Record<string, { after: unknown }> }[];

/** A number in a pool of its own, and a product that takes numbers from that pool only. */
async function numberAndProduct() {
  const pool = unique("qpool");
  const msisdn = `+337${String(Math.floor(Math.random() * 1e8)).padStart(8, "0")}`;
  const number = await api("POST", "/inventory/items", { body: { type: "phone_number", fields: { msisdn, pool } } });
  expect(number.status, JSON.stringify(number.body)).toBe(201);
  const slug = unique("q-plan")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-");
  const product = await api("POST", "/products", {
    body: {
      name: `Quarantine ${slug}`,
      slug,
      type: "standalone",
      service_type: "mobile",
      status: "active",
      retail_price: 500,
      provisioning_play: "charging_account",
      required_inventory: ["phone_number"],
      provisioning_json_vars: { number_pool: pool },
    },
  });
  expect(product.status, JSON.stringify(product.body)).toBe(201);
  const customer = (await api("POST", "/customers", { body: { name: unique("Holder"), type: "individual", payment_type: "prepaid" } })).body;
  const order = (picks?: Record<string, string>) =>
    api("POST", `/customers/${customer.id}/services`, { body: { product_id: product.body.id, ...(picks ? { inventory: picks } : {}) }, headers: key() });
  return { number: number.body as { id: string }, order };
}

/** Orders the number, then ends the service: terminated after activation, or failed during provisioning. */
async function releaseThrough(end: "terminate" | "fail", now = new Date().toISOString()) {
  const setup = await numberAndProduct();
  const ordered = await setup.order();
  expect(ordered.status, JSON.stringify(ordered.body)).toBe(202);
  const serviceId: string = ordered.body.service.id;
  const st: ServiceStatePort = env.SERVICE_STATE.get(env.SERVICE_STATE.idFromName(serviceId));
  const op = (k: string) => ({ actor: { type: "system" as const, id: null, label: "test" }, requestId: null, now, key: `${k}-${serviceId}` });
  expect((await st.transition(serviceId, "start_provisioning", op("p"))).ok).toBe(true);
  if (end === "fail") {
    expect((await st.transition(serviceId, "fail", op("f"))).ok).toBe(true);
  } else {
    expect((await st.transition(serviceId, "activate", op("a"))).ok).toBe(true);
    expect((await api("POST", `/services/${serviceId}/terminate`, { headers: key() })).status).toBe(202);
    expect((await st.transition(serviceId, "complete_termination", op("t"))).ok).toBe(true);
  }
  return { ...setup, now };
}

afterEach(async () => {
  expect((await setQuarantine(90)).status).toBe(200);
});

describe("number quarantine", () => {
  it("quarantines a terminated service's number for the configured days and never offers it meanwhile", async () => {
    expect((await setQuarantine(30)).status).toBe(200);
    const { number, order, now } = await releaseThrough("terminate");
    const until = new Date(Date.parse(now) + 30 * DAY).toISOString();
    expect(await item(number.id)).toMatchObject({ status: "quarantined", quarantined_until: until, service_id: null, customer_id: null });
    // Next-available allocation skips it (its pool has nothing else); picking it names the day it is free.
    const automatic = await order();
    expect(automatic.status).toBe(409);
    expect(automatic.body.detail).toContain("No phone_number available");
    const picked = await order({ phone_number: number.id });
    expect(picked.status).toBe(409);
    expect(picked.body.detail).toContain(`quarantined until ${until.slice(0, 10)}`);
    // Listed and filtered as quarantined; the list page says until when.
    const listed = (await api("GET", "/inventory/items?type=phone_number&status=quarantined&limit=200")).body.data as { id: string }[];
    expect(listed.map((i) => i.id)).toContain(number.id);
    const s = await pageSession();
    const page = await (await s.get(`/admin/inventory/items/${number.id}`)).text();
    expect(page).toContain("quarantined until");
    expect(page).toContain("End quarantine now");
  });

  it("gives a failed provisioning's number straight back: the service never became active, nobody had it", async () => {
    const { number } = await releaseThrough("fail");
    expect(await item(number.id)).toMatchObject({ status: "in_stock", quarantined_until: null });
  });

  it("puts the number back in stock once the quarantine has ended, exactly once", async () => {
    expect((await setQuarantine(10)).status).toBe(200);
    const { number, order, now } = await releaseThrough("terminate");
    const cron = (at: number) => scheduledTasks(env, new Date(Date.parse(now) + at).toISOString()).end_number_quarantines?.();
    await cron(9 * DAY);
    expect((await item(number.id)).status).toBe("quarantined");
    expect(await cron(10 * DAY + 1000)).toMatchObject({ returned: expect.any(Number) });
    expect(await item(number.id)).toMatchObject({ status: "in_stock", quarantined_until: null });
    expect(await cron(11 * DAY)).toMatchObject({ returned: 0 });
    const ended = (await history(number.id)).filter((a) => a.action === "inventory_item.quarantine_ended");
    expect(ended).toHaveLength(1);
    // Back in stock: the next order gets it.
    const again = await order();
    expect(again.status, JSON.stringify(again.body)).toBe(202);
    expect(again.body.service.identifiers.msisdn).toBeTruthy();
  });

  it("lets staff with inventory write end a quarantine early, with a reason, and refuses read-only staff", async () => {
    const { number, order } = await releaseThrough("terminate");
    const path = `/inventory/items/${number.id}/end-quarantine`;
    expect((await api("POST", path, { body: { reason: "Customer asked for it back" }, role: "read-only" })).status).toBe(403);
    expect((await api("POST", path, { body: { reason: "  " } })).status).toBe(422);
    expect((await item(number.id)).status).toBe("quarantined");
    const ended = await api("POST", path, { body: { reason: "Customer asked for it back" } });
    expect(ended.status, JSON.stringify(ended.body)).toBe(200);
    expect(ended.body).toMatchObject({ status: "in_stock", quarantined_until: null });
    const entry = (await history(number.id)).find((a) => a.action === "inventory_item.quarantine_ended");
    expect(entry?.changes.reason?.after).toBe("Customer asked for it back");
    expect((await api("POST", path, { body: { reason: "again" } })).status).toBe(409);
    expect((await order({ phone_number: number.id })).status).toBe(202);
  });

  it("ends a quarantine early from the item page", async () => {
    const { number } = await releaseThrough("terminate");
    const readOnly = await pageSession("read-only");
    expect((await readOnly.post(`/admin/inventory/items/${number.id}/end-quarantine`, { reason: "x" })).status).toBe(403);
    const s = await pageSession();
    expect((await s.post(`/admin/inventory/items/${number.id}/end-quarantine`, { reason: "" })).status).toBe(422);
    const done = await s.post(`/admin/inventory/items/${number.id}/end-quarantine`, { reason: "Ported back by the same customer" });
    expect(done.status).toBe(303);
    expect((await item(number.id)).status).toBe("in_stock");
  });

  it("reuses numbers at once when the setting is 0", async () => {
    expect((await setQuarantine(0)).status).toBe(200);
    const { number, order } = await releaseThrough("terminate");
    expect(await item(number.id)).toMatchObject({ status: "in_stock", quarantined_until: null });
    expect((await order()).status).toBe(202);
  });

  it("validates the setting in the API and on the settings page", async () => {
    for (const bad of [-1, 3651, 1.5, "abc", null, true]) {
      const res = await setQuarantine(bad);
      expect(res.status, `${JSON.stringify(bad)} → ${JSON.stringify(res.body)}`).toBe(422);
    }
    expect((await setQuarantine(3650)).body.number_quarantine_days).toBe(3650);
    expect((await setQuarantine("45")).body.number_quarantine_days).toBe(45);
    expect((await api("GET", "/settings")).body.number_quarantine_days).toBe(45);
    const s = await pageSession();
    const page = await (await s.get("/admin/settings")).text();
    expect(page).toMatch(/name="number_quarantine_days"[^>]*value="45"|value="45"[^>]*name="number_quarantine_days"/);
    const form = Object.fromEntries(
      [...page.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)].filter((m) => m[1] !== "_csrf").map((m) => [m[1] ?? "", m[2] ?? ""]),
    );
    const refused = await s.post("/admin/settings", { ...form, number_quarantine_days: "-3" });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain("At least 0 days");
  });
});
