/**
 * Outbound webhooks, end to end: an endpoint subscribed to event types receives, signed, exactly the
 * events it asked for — made in the same transaction as the change — retried with backoff after a
 * failure, logged, and replayed on demand. Checked on the receiver's side (the webhook receiver).
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { dispatchEvents, sendDueDeliveries } from "../domain/webhooks/webhooks";
import { api, countRows, pageSession, testContext, unique } from "./helpers";

const RECEIVER = "http://127.0.0.1:12917";
let seq = 0;
const idem = () => ({ "idempotency-key": `hook-${Date.now().toString(36)}-${seq++}` });

type Received = { path: string; signature: string | null; raw: string; body: { id: string; type: string; data: { object: { id: string } } } };
const received = async (path: string) =>
  ((await (await fetch(`${RECEIVER}/_sim/state`)).json()) as { received: Received[] }).received.filter((r) => r.path === path);

async function verify(secret: string, r: Received) {
  const [t, v1] = (r.signature ?? "").split(",").map((p) => p.split("=")[1]);
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${t}.${r.raw}`)));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("") === v1;
}

const at = (minutes: number) => ({ ...testContext(), now: new Date(Date.now() + minutes * 60_000).toISOString() });

async function run(minutes = 0) {
  await dispatchEvents(at(minutes));
  return sendDueDeliveries(at(minutes), env.ENCRYPTION_KEY);
}

describe("outbound webhooks", () => {
  it("delivers the subscribed events signed, once each; retries a failure with backoff; replays on demand", async () => {
    const path = `/hooks/${Date.now()}`;
    const created = await api("POST", "/webhook-endpoints", {
      body: { url: `${RECEIVER}${path}`, events: ["invoice.issued", "customer.created"] },
      headers: idem(),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const secret = created.body.secret as string;
    expect(secret).toMatch(/^whsec_/);
    // The secret is shown once: never again, and sealed at rest.
    expect((await api("GET", `/webhook-endpoints/${created.body.id}`)).body.secret).toBeUndefined();
    const row = await env.DB.prepare("SELECT secret_sealed FROM webhook_endpoints WHERE id = ?").bind(created.body.id).first<{ secret_sealed: string }>();
    expect(row?.secret_sealed).not.toContain(secret);

    // Drain events made by other tests first, so this endpoint sees only what follows.
    await run();
    const customer = await api("POST", "/customers", { body: { name: unique("Hooked"), type: "business" } });
    const txn = await api("POST", "/transactions", {
      body: { customer_id: customer.body.id, kind: "charge", description: "x", amount: 500, currency: "EUR" },
      headers: idem(),
    });
    const draft = await api("POST", "/invoices", { body: { customer_id: customer.body.id, period_start: txn.body.date, period_end: txn.body.date } });
    await api("POST", `/invoices/${draft.body.id}/issue`);
    await run();
    const got = await received(path);
    expect(got.map((r) => r.body.type).sort()).toEqual(["customer.created", "invoice.issued"]);
    for (const r of got) expect(await verify(secret, r)).toBe(true);
    expect(got.find((r) => r.body.type === "invoice.issued")?.body.data.object.id).toBe(draft.body.id);
    // Again: nothing new is sent.
    await run(1);
    expect(await received(path)).toHaveLength(2);

    // The endpoint fails twice: retried after a minute, then after five, and delivered.
    await fetch(`${RECEIVER}/_sim/fail`, { method: "POST", body: JSON.stringify({ status: 503, count: 2 }) });
    const second = await api("POST", "/customers", { body: { name: unique("Hooked again"), type: "business" } });
    expect((await run(2)).failed).toBeGreaterThanOrEqual(1);
    const log = await api("GET", `/webhook-endpoints/${created.body.id}/deliveries`);
    const failing = log.body.data.find((d: { status: string; last_status_code: number }) => d.last_status_code === 503);
    expect(failing).toMatchObject({ status: "pending", attempts: 1, last_error: "HTTP 503" });
    await run(2.5); // not due yet
    await run(3.5); // due: fails again (attempt 2), next in 5 minutes
    await run(9); // due: delivered
    const after = (await api("GET", `/webhook-endpoints/${created.body.id}/deliveries`)).body.data.find((d: { id: string }) => d.id === failing.id);
    expect(after).toMatchObject({ status: "succeeded", attempts: 3, last_status_code: 200 });
    expect((await received(path)).filter((r) => r.body.data.object.id === second.body.id)).toHaveLength(1);

    // Replay: the same event body again, as a new delivery.
    const replay = await api("POST", `/webhook-deliveries/${failing.id}/replay`, { headers: idem() });
    expect(replay.status).toBe(202);
    expect(replay.body).toMatchObject({ replay_of: failing.id, status: "pending" });
    await run(10);
    const copies = (await received(path)).filter((r) => r.body.data.object.id === second.body.id);
    expect(copies).toHaveLength(2);
    expect(copies[0]?.raw).toBe(copies[1]?.raw);
  });

  it("validates endpoints, needs webhooks:manage, and sends nothing to a disabled one", async () => {
    const before = await countRows("webhook_endpoints");
    for (const body of [
      { url: "ftp://example.com/x", events: ["invoice.issued"] },
      { url: "http://example.com/x", events: ["invoice.issued"] },
      { url: "https://example.com/x", events: [] },
      { url: "https://example.com/x", events: ["invoice.eaten"] },
      { url: "https://example.com/x", events: ["invoice.issued"], secret: "mine" },
    ])
      expect((await api("POST", "/webhook-endpoints", { body, headers: idem() })).status).toBe(422);
    expect(
      (await api("POST", "/webhook-endpoints", { body: { url: "https://example.com/x", events: ["invoice.issued"] }, headers: idem(), role: "billing" }))
        .status,
    ).toBe(403);
    expect(await countRows("webhook_endpoints")).toBe(before);
    const path = `/disabled/${Date.now()}`;
    const ep = await api("POST", "/webhook-endpoints", { body: { url: `${RECEIVER}${path}`, events: ["customer.created"] }, headers: idem() });
    expect((await api("PATCH", `/webhook-endpoints/${ep.body.id}`, { body: { status: "disabled" } })).body.status).toBe("disabled");
    await api("POST", "/customers", { body: { name: unique("Unheard"), type: "business" } });
    await run();
    expect(await received(path)).toHaveLength(0);
    expect((await api("DELETE", `/webhook-endpoints/${ep.body.id}`)).status).toBe(204);
    expect((await api("GET", `/webhook-endpoints/${ep.body.id}`)).status).toBe(404);
  });
});

describe("webhook pages", () => {
  it("adds an endpoint from the page (secret shown once), shows its deliveries, disables and deletes it", async () => {
    const s = await pageSession("admin");
    const bad = await s.post("/admin/webhooks", { url: "http://example.com/hook", events: [] });
    expect(bad.status).toBe(422);
    const badHtml = await bad.text();
    expect(badHtml).toContain("https://");
    expect(badHtml).toContain("At least one event type");
    const made = await s.post("/admin/webhooks", {
      url: `${RECEIVER}/page/${Date.now()}`,
      events: ["invoice.issued", "payment.succeeded"],
      description: "ERP",
    });
    expect(made.status).toBe(200);
    const html = await made.text();
    const secret = html.match(/<code>(whsec_[^<]+)<\/code>/)?.[1];
    expect(secret).toBeTruthy();
    const list = await (await s.get("/admin/webhooks")).text();
    expect(list).not.toContain(secret ?? "none");
    const id = (await api("GET", "/webhook-endpoints")).body.data.find((w: { description: string }) => w.description === "ERP")?.id;
    const detail = await s.get(`/admin/webhooks/${id}`);
    expect(detail.status).toBe(200);
    expect(await detail.text()).toContain("Nothing delivered yet.");
    expect((await s.post(`/admin/webhooks/${id}/status`, { status: "disabled" })).status).toBe(303);
    expect((await api("GET", `/webhook-endpoints/${id}`)).body.status).toBe("disabled");
    expect((await s.post(`/admin/webhooks/${id}/delete`, {})).status).toBe(303);
    expect((await (await pageSession("billing")).get("/admin/webhooks")).status).toBe(403);
  });
});
