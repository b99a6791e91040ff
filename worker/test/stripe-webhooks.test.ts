import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { countRows, fetchWorker } from "./helpers";

const SECRET = "whsec_test_secret";

async function sign(body: string, t: number, secret = SECRET): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${t}.${body}`)));
  return `t=${t},v1=${[...mac].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

function event(id: string) {
  return JSON.stringify({
    id,
    object: "event",
    api_version: "2026-10-28.endive",
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: "payment_intent.succeeded",
    data: { object: { id: "pi_123", object: "payment_intent", amount: 1000, currency: "eur", status: "succeeded" } },
  });
}

const deliver = (body: string, signature?: string) =>
  fetchWorker("http://example.com/webhooks/stripe", {
    method: "POST",
    headers: { "content-type": "application/json", ...(signature ? { "stripe-signature": signature } : {}) },
    body,
  });

describe("POST /webhooks/stripe", () => {
  it("records a signed event once: a repeated delivery is acknowledged and writes nothing", async () => {
    const id = `evt_${Date.now()}`;
    const body = event(id);
    const now = Math.floor(Date.now() / 1000);
    const first = await deliver(body, await sign(body, now));
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ received: true, duplicate: false, outcome: "not ours" });
    const rows = await countRows("stripe_events");
    const again = await deliver(body, await sign(body, now + 5));
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ received: true, duplicate: true });
    expect(await countRows("stripe_events")).toBe(rows);
    const row = await env.DB.prepare("SELECT type, object_id, processed_at FROM stripe_events WHERE id = ?").bind(id).first();
    expect(row).toMatchObject({ type: "payment_intent.succeeded", object_id: "pi_123" });
    expect(row?.processed_at).toBeTruthy();
    const activity = await env.DB.prepare("SELECT count(*) AS n FROM activity_log WHERE entity = 'stripe_event' AND entity_id = ?")
      .bind(id)
      .first<{ n: number }>();
    expect(activity?.n).toBe(1);
  });

  it("refuses a forged, altered, stale or unsigned delivery with a 400 problem, and records nothing", async () => {
    const body = event(`evt_forged_${Date.now()}`);
    const now = Math.floor(Date.now() / 1000);
    const before = await countRows("stripe_events");
    for (const [payload, signature] of [
      [body, await sign(body, now, "whsec_someone_else")],
      [body.replace('"amount":1000', '"amount":1'), await sign(body, now)],
      [body, await sign(body, now - 301)],
      [body, undefined],
      [body, "t=abc,v1=zz"],
    ] as const) {
      const res = await deliver(payload, signature);
      expect(res.status, String(signature)).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
    }
    expect(await countRows("stripe_events")).toBe(before);
  });
});
