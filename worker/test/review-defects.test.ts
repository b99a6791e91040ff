import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ServiceStatePort } from "../domain/services/port";
import worker from "../index";
import { api, BASE, countRows, customerToken, fetchWorker, PASSWORD, pageSession, unique } from "./helpers";

/** Each defect found by the operations review, reproduced as it was found: every test failed before its fix. */

const idem = () => ({ "idempotency-key": `rev-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}` });

async function activeCustomerWithService() {
  const customer = (await api("POST", "/customers", { body: { name: unique("Review"), type: "individual", payment_type: "prepaid" } })).body;
  const product = (
    await api("POST", "/products", {
      body: {
        name: unique("Review product"),
        slug: `review-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`,
        type: "standalone",
        service_type: "other",
        status: "active",
        retail_price: 100,
        provisioning_play: "charging_account",
      },
    })
  ).body;
  const order = await api("POST", `/customers/${customer.id}/services`, { body: { product_id: product.id }, headers: idem() });
  expect(order.status, JSON.stringify(order.body)).toBe(202);
  return { customerId: customer.id as string, productId: product.id as string, serviceId: order.body.service.id as string };
}

describe("review defects", () => {
  it("refuses empty ids (422) instead of a D1 foreign-key 500 that broke the service for good", async () => {
    const { customerId, productId, serviceId } = await activeCustomerWithService();
    for (const body of [{ site_id: "" }, { contact_id: "" }, { site_id: "  " }]) {
      const patched = await api("PATCH", `/services/${serviceId}`, { body, headers: idem() });
      expect(patched.status, JSON.stringify(body)).toBe(422);
    }
    const services = await countRows("services");
    for (const body of [
      { product_id: productId, site_id: "" },
      { product_id: productId, contact_id: "" },
      { product_id: "" },
      { product_id: productId, inventory: { sim: "" } },
    ]) {
      expect((await api("POST", `/customers/${customerId}/services`, { body, headers: idem() })).status, JSON.stringify(body)).toBe(422);
    }
    expect(await countRows("services")).toBe(services);
    // The service still takes changes.
    expect((await api("PATCH", `/services/${serviceId}`, { body: { site_id: null }, headers: idem() })).status).toBe(200);
  });

  it("stops every request with a 500 naming the setting when a secret is missing or weak", async () => {
    for (const [name, value] of [
      ["AUTH_SECRET", undefined],
      ["AUTH_SECRET", "short"],
      ["ENCRYPTION_KEY", ""],
      ["PASSWORD_PEPPER", undefined],
    ] as const) {
      const ctx = createExecutionContext();
      const broken = { ...env, APP_ENV: "production", [name]: value } as Env;
      for (const path of ["/healthz", "/api/v1/me", "/admin/login"]) {
        const res = await worker.fetch(new Request(`${BASE}${path}`), broken, ctx);
        expect(res.status, `${name}=${value} ${path}`).toBe(500);
        expect(await res.text()).toContain(name);
      }
      await waitOnExecutionContext(ctx);
    }
  });

  it("keeps customer accounts out of the staff admin", async () => {
    const { email } = await customerToken();
    const login = await fetchWorker(`${BASE}/admin/login`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE },
      body: new URLSearchParams({ email, password: PASSWORD, next: "/admin" }),
    });
    expect(login.status).toBe(401);
    expect(login.headers.get("set-cookie") ?? "").not.toContain("session");
  });

  it("lets only outbox:retry send a failed email again (read-only staff may look)", async () => {
    const readonly = await pageSession("read-only");
    expect((await readonly.post("/admin/outbox/eml_x/retry", {})).status).toBe(403);
    expect((await api("POST", "/outbox/eml_x/retry", { role: "read-only" })).status).toBe(403);
    expect((await api("POST", "/outbox/eml_nope/retry")).status).toBe(404);
  });

  it("confines a runner key to the runner API", async () => {
    const created = await api("POST", "/api-keys", { body: { name: unique("runner"), kind: "runner", permissions: ["customers:read"] } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const key = created.body.secret as string;
    for (const path of ["/me", "/permissions", "/me/sessions", "/customers", "/search?q=ab"]) {
      const res = await fetchWorker(`${BASE}/api/v1${path}`, { headers: { authorization: `Bearer ${key}` } });
      expect(res.status, path).toBe(403);
    }
    const pull = await fetchWorker(`${BASE}/runner/v1/jobs/pull`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ batch_size: 1 }),
    });
    expect(pull.status).toBe(200);
  });

  it("answers malformed filters with a 400, never a 500, and never echoes them into headers", async () => {
    for (const tag of ["\u0000", "x".repeat(300), ",,", "<script>", "-vip", "a\nb"]) {
      expect((await api("GET", `/customers?tag=${encodeURIComponent(tag)}`)).status, tag).toBe(400);
    }
    for (const type of ["sim\r\nSet-Cookie: x=1", "sim\u0000", "../etc", "SIM"]) {
      const res = await api("GET", `/inventory/export?type=${encodeURIComponent(type)}`);
      expect(res.status, JSON.stringify(type)).toBe(400);
      expect(res.headers.get("set-cookie")).toBeNull();
    }
    expect((await api("GET", "/inventory/export?type=sim")).status).toBe(200);
  });

  it("keeps the problem's own type when a conflict carries details (out of stock)", async () => {
    const customer = (await api("POST", "/customers", { body: { name: unique("Stockless"), type: "individual", payment_type: "prepaid" } })).body;
    const type = `rare_${Date.now().toString(36)}`;
    await api("POST", "/inventory/templates", {
      body: { slug: type, name: "Rare thing", fields: [{ name: "serial", label: "Serial", kind: "text", unique: true }] },
    });
    const product = (
      await api("POST", "/products", {
        body: {
          name: unique("Needs rare"),
          slug: `rare-${Date.now().toString(36)}`,
          type: "standalone",
          service_type: "other",
          status: "active",
          retail_price: 1,
          provisioning_play: "charging_account",
          required_inventory: [type],
        },
      })
    ).body;
    const order = await api("POST", `/customers/${customer.id}/services`, { body: { product_id: product.id }, headers: idem() });
    expect(order.status, JSON.stringify(order.body)).toBe(409);
    expect(order.body.type).toBe("https://docs.open-bss.dev/problems/conflict");
    expect(order.body.inventory_type).toBe(type);
  });
});

describe("review defects: stored secrets and text", () => {
  it("never keeps a secret shown once in clear in the idempotency store, and still replays it", async () => {
    const headers = { "idempotency-key": `key-${Date.now().toString(36)}` };
    const created = await api("POST", "/api-keys", { body: { name: unique("Idem key"), permissions: ["customers:read"] }, headers });
    expect(created.status).toBe(201);
    const secret = created.body.secret as string;
    const stored = await env.DB.prepare("SELECT response_body FROM idempotency_keys WHERE key = ?")
      .bind(headers["idempotency-key"])
      .first<{ response_body: string }>();
    expect(stored?.response_body).toMatch(/^v1\./);
    expect(stored?.response_body).not.toContain(secret.slice(-20));
    const replay = await api("POST", "/api-keys", { body: { name: created.body.name, permissions: ["customers:read"] }, headers });
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body.secret).toBe(secret);
  });

  it("refuses text that is not valid Unicode (a lone surrogate) and stores nothing", async () => {
    const before = await countRows("customers");
    for (const name of ['"A\\ud800B"', '"\\udc00"', '"ok\\ud83d"']) {
      const res = await api("POST", "/customers", { raw: `{"name":${name},"type":"individual"}`, headers: { "content-type": "application/json" } });
      expect(res.status, name).toBe(422);
      expect(res.body.errors).toEqual([{ path: "name", message: "Not valid Unicode" }]);
    }
    // A real emoji (a surrogate pair) is fine.
    expect(
      (await api("POST", "/customers", { raw: '{"name":"Café \\ud83d\\ude00","type":"individual"}', headers: { "content-type": "application/json" } })).status,
    ).toBe(201);
    expect(await countRows("customers")).toBe(before + 1);
  });
});

describe("review defects: email", () => {
  it("keeps Mailjet's MessageID digit for digit (ids exceed 2^53)", async () => {
    const { emailRow, sendDueEmails } = await import("../domain/email/outbox");
    const { mailjetMailer } = await import("../integrations/mailjet");
    const { db } = await import("./helpers");
    const { emailOutbox } = await import("../db/schema");
    const row = emailRow(new Date().toISOString(), { email: `big.${Date.now()}@example.com` }, { template: "t", subject: "Big id", text: "x", html: "x" });
    await db().insert(emailOutbox).values(row);
    await sendDueEmails(db(), mailjetMailer(env, "Test"), new Date(Date.now() + 1000), 200);
    const stored = await env.DB.prepare("SELECT status, provider_message_id FROM email_outbox WHERE id = ?")
      .bind(row.id)
      .first<{ status: string; provider_message_id: string }>();
    expect(stored?.status).toBe("sent");
    const sim = (await (await fetch("http://127.0.0.1:12912/_sim/state")).json()) as { messages: { messageId: string; customId: string | null }[] };
    const sent = sim.messages.find((m) => m.customId === row.id);
    expect(BigInt(sent?.messageId ?? "0")).toBeGreaterThan(2n ** 53n);
    expect(stored?.provider_message_id).toBe(sent?.messageId);
  });

  it("holds the outbox, attempts untouched, when Mailjet refuses the credentials (401), and says so once", async () => {
    const { emailRow, sendDueEmails } = await import("../domain/email/outbox");
    const { mailjetMailer } = await import("../integrations/mailjet");
    const { db } = await import("./helpers");
    const { emailOutbox } = await import("../db/schema");
    const rows = [1, 2].map((i) =>
      emailRow(
        new Date(Date.now() - 60_000).toISOString(),
        { email: `held${i}.${Date.now()}@example.com` },
        { template: "t", subject: `Held ${i}`, text: "x", html: "x" },
      ),
    );
    await db().insert(emailOutbox).values(rows);
    const result = await sendDueEmails(db(), mailjetMailer({ ...env, MAILJET_API_SECRET: "wrong" }, "Test"), new Date(), 200);
    expect(result.held).toContain("refused the credentials (HTTP 401)");
    for (const r of rows) {
      const stored = await env.DB.prepare("SELECT status, attempts FROM email_outbox WHERE id = ?").bind(r.id).first<{ status: string; attempts: number }>();
      expect(stored).toEqual({ status: "pending", attempts: 0 });
    }
  });
});

describe("review defects: a write-through D1 refuses", () => {
  const OP = { actor: { type: "system" as const, id: null, label: "test" }, requestId: null, now: new Date().toISOString() };
  const stateOf = (id: string): ServiceStatePort => env.SERVICE_STATE.get(env.SERVICE_STATE.idFromName(id));
  const d1Status = async (id: string) => (await env.DB.prepare("SELECT status FROM services WHERE id = ?").bind(id).first<{ status: string }>())?.status;

  it("never strands the object: the change is set aside and undone, later changes go through, and staff see it", async () => {
    const { serviceId } = await activeCustomerWithService();
    const state = stateOf(serviceId);
    // An add-on row naming a product that does not exist: D1's foreign key refuses the whole batch.
    const bad = await state.transition(serviceId, "start_provisioning", {
      ...OP,
      key: "refused-1",
      effects: { addons: [{ id: `sad_${Date.now()}`, serviceId, productId: "prd_missing", productVersionId: "prv_missing", createdAt: OP.now }] },
    });
    expect(bad).toMatchObject({ ok: false, error: { status: 409 } });
    expect(await d1Status(serviceId)).toBe("pending");
    // Replaying the refused key answers the refusal, never a success.
    expect((await state.transition(serviceId, "start_provisioning", { ...OP, key: "refused-1" })).ok).toBe(false);
    // The object went back to pending, so the same move with good data works and reaches D1.
    expect((await state.transition(serviceId, "start_provisioning", { ...OP, key: "good-1" })).ok).toBe(true);
    expect(await d1Status(serviceId)).toBe("provisioning");
    expect((await state.transition(serviceId, "activate", { ...OP, key: "good-2" })).ok).toBe(true);
    expect(await d1Status(serviceId)).toBe("active");
    const stuck = await env.DB.prepare("SELECT id, op_key, error, summary, rolled_back, resolved_at FROM stuck_writes WHERE service_id = ?")
      .bind(serviceId)
      .all<{ id: string; op_key: string; error: string; summary: string; rolled_back: string; resolved_at: string | null }>();
    expect(stuck.results).toHaveLength(1);
    expect(stuck.results[0]).toMatchObject({ op_key: "refused-1", rolled_back: "status provisioning → pending", resolved_at: null });
    expect(stuck.results[0]?.error).toMatch(/FOREIGN KEY/i);
    expect(stuck.results[0]?.summary).toContain("1 add-ons");

    const s = await pageSession("admin");
    const listed = await (await s.get("/admin/stuck-writes")).text();
    expect(listed).toContain(`data-stuck-write="${stuck.results[0]?.id}"`);
    expect(await (await s.get("/admin/jobs")).text()).toMatch(/Stuck writes \(\d+\)/);
    const short = await s.post(`/admin/stuck-writes/${stuck.results[0]?.id}/resolve`, { resolution: "x" });
    expect(short.status).toBe(422);
    expect(await short.text()).toContain("at least 3 characters");
    const readOnly = await pageSession("read-only");
    expect((await readOnly.post(`/admin/stuck-writes/${stuck.results[0]?.id}/resolve`, { resolution: "looked at it" })).status).toBe(403);
    expect((await s.post(`/admin/stuck-writes/${stuck.results[0]?.id}/resolve`, { resolution: "bad add-on id, nothing to redo" })).status).toBe(303);
    const handled = await env.DB.prepare("SELECT resolved_by, resolution FROM stuck_writes WHERE id = ?").bind(stuck.results[0]?.id).first();
    expect(handled).toMatchObject({ resolution: "bad add-on id, nothing to redo" });
    expect(await countRows("activity_log WHERE action = 'service.stuck_write_resolved'")).toBeGreaterThan(0);
  });

  it("forgets a service D1 never created, so the object is not stuck on it", async () => {
    const serviceId = `svc_refused${Date.now()}`;
    const state = stateOf(serviceId);
    const created = await state.create({
      key: "create-refused",
      service: {
        id: serviceId,
        customerId: "cus_missing",
        productId: "prd_missing",
        productVersionId: "prv_missing",
        status: "pending",
        identifiers: {},
        createdAt: OP.now,
        updatedAt: OP.now,
      },
      children: [],
      allowNegative: false,
      thresholds: {},
      effects: {},
    } as unknown as Parameters<ServiceStatePort["create"]>[0]);
    expect(created).toMatchObject({ ok: false, error: { status: 409 } });
    expect(await d1Status(serviceId)).toBeUndefined();
    // Not stranded: the object answers like one that never existed.
    expect((await state.transition(serviceId, "start_provisioning", { ...OP, key: "after" })).ok).toBe(false);
    const row = await env.DB.prepare("SELECT rolled_back FROM stuck_writes WHERE service_id = ?").bind(serviceId).first<{ rolled_back: string }>();
    expect(row?.rolled_back).toBe("service creation");
  });
});
