/** The public top-up page: a mobile service by number + SMS code, a fixed one by the client's IP; paid by a card given once. */

import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ulid } from "../lib/ids";
import { parseIp, toHexKey } from "../lib/ip";
import { product, service } from "./billing-helpers";
import { api, BASE, countRows, customerToken, fetchWorker } from "./helpers";

const SIM = "http://127.0.0.1:12916";
let ipSeq = 0;
/** A fresh client address per scenario: the per-IP limits of one do not reach the others. */
const freshIp = () => `192.0.2.${(Date.now() + ipSeq++) % 250}`;
const randomNumber = () => `+3369${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;

function client(ip: string, extra: Record<string, string> = {}) {
  let cookie = "";
  const headers = (more: Record<string, string> = {}) => ({ "cf-connecting-ip": ip, ...(cookie ? { cookie } : {}), ...extra, ...more });
  return {
    get: (path: string) => fetchWorker(`${BASE}${path}`, { headers: headers(), redirect: "manual" }),
    post: async (path: string, form: Record<string, string>, more: Record<string, string> = {}) => {
      const res = await fetchWorker(`${BASE}${path}`, {
        method: "POST",
        redirect: "manual",
        headers: headers({ origin: BASE, "content-type": "application/x-www-form-urlencoded", ...more }),
        body: new URLSearchParams(form),
      });
      const set = res.headers.get("set-cookie");
      if (set?.startsWith("__Host-obss_topup=")) cookie = set.split(";")[0] ?? "";
      return res;
    },
    cookie: () => cookie,
  };
}

async function mobileService(msisdn: string) {
  const me = await customerToken();
  const plan = await product(0);
  const id = await service(me.customerId, plan.id, new Date().toISOString());
  await env.DB.prepare("UPDATE services SET identifiers = json_object('msisdn', ?2) WHERE id = ?1").bind(id, msisdn).run();
  return { id, customerId: me.customerId, planId: plan.id };
}

const latestCode = async (msisdn: string) =>
  (
    await env.DB.prepare("SELECT text FROM sms_outbox WHERE to_phone = ? AND template = 'topup_code' ORDER BY id DESC").bind(msisdn).first<{ text: string }>()
  )?.text.match(/\b(\d{6})\b/)?.[1] ?? "";

describe("public top-up page", () => {
  it("tops up a mobile number proven by an SMS code, paid by a card given once; the balance shows it", async () => {
    const msisdn = randomNumber();
    const svc = await mobileService(msisdn);
    const c = client(freshIp());
    const start = await c.get("/topup");
    expect(start.status).toBe(200);
    expect(await start.text()).toContain('action="/topup/code"');

    expect((await c.post("/topup/code", { number: "06 12" })).status).toBe(422);
    // A number that is not ours: the same answer, no SMS.
    const before = await countRows("sms_outbox");
    const unknown = await c.post("/topup/code", { number: randomNumber() });
    expect(unknown.status).toBe(200);
    expect(await unknown.text()).toContain("a 6-digit code is on its way");
    expect(await countRows("sms_outbox")).toBe(before);

    // Ours, typed with spaces: a code by SMS (only its hash is stored).
    const asked = await c.post("/topup/code", { number: `${msisdn.slice(0, 3)} ${msisdn.slice(3, 4)} ${msisdn.slice(4)}` });
    expect(asked.status).toBe(200);
    const code = await latestCode(msisdn);
    expect(code).toMatch(/^\d{6}$/);
    const stored = await env.DB.prepare("SELECT token_hash FROM action_tokens WHERE subject_id = ? AND purpose = 'topup_code'")
      .bind(svc.id)
      .first<{ token_hash: string }>();
    expect(stored?.token_hash).not.toContain(code);

    const wrong = await c.post("/topup/verify", { number: msisdn, code: code === "000000" ? "111111" : "000000" });
    expect(wrong.status).toBe(422);
    expect(c.cookie()).toBe("");
    const right = await c.post("/topup/verify", { number: msisdn, code });
    expect(right.status).toBe(303);
    expect(right.headers.get("location")).toBe("/topup/service");
    expect(c.cookie()).toMatch(/^__Host-obss_topup=/);
    // The code is spent.
    expect((await client(freshIp()).post("/topup/verify", { number: msisdn, code })).status).toBe(422);

    const page = await (await c.get("/topup/service")).text();
    expect(page).toContain(msisdn);
    expect(page).not.toContain(svc.customerId);
    const csrf = page.match(/name="_csrf" value="([^"]+)"/)?.[1] ?? "";
    const key = page.match(/name="key" value="([^"]+)"/)?.[1] ?? "";
    // A post without the page's token, or from another site, pays nothing.
    expect((await c.post("/topup/pay", { _csrf: "forged", key, choice: "amount", amount: "10.00", stripe_payment_method_id: "pm_card_visa" })).status).toBe(
      403,
    );
    expect(
      (
        await c.post(
          "/topup/pay",
          { _csrf: csrf, key, choice: "amount", amount: "10.00", stripe_payment_method_id: "pm_card_visa" },
          { origin: "https://evil.example" },
        )
      ).status,
    ).toBe(403);
    expect((await c.post("/topup/pay", { _csrf: csrf, key, choice: "amount", amount: "ten", stripe_payment_method_id: "pm_card_visa" })).status).toBe(422);
    const declined = await c.post("/topup/pay", {
      _csrf: csrf,
      key: `${key}-d`,
      choice: "amount",
      amount: "10.00",
      stripe_payment_method_id: "pm_card_chargeDeclined",
    });
    expect(declined.status).toBe(402);
    const paid = await c.post("/topup/pay", { _csrf: csrf, key, choice: "amount", amount: "10.00", stripe_payment_method_id: "pm_card_visa" });
    expect(paid.status).toBe(303);
    expect(paid.headers.get("location")).toBe("/topup/service?done=paid");
    // A double click (the same form) pays once.
    expect((await c.post("/topup/pay", { _csrf: csrf, key, choice: "amount", amount: "10.00", stripe_payment_method_id: "pm_card_visa" })).status).toBe(303);
    const payments = await env.DB.prepare("SELECT id, amount, status, origin, payment_method_id FROM payments WHERE service_id = ? AND status = 'succeeded'")
      .bind(svc.id)
      .all<{ id: string; amount: number; status: string; origin: string; payment_method_id: string | null }>();
    expect(payments.results).toHaveLength(1);
    expect(payments.results[0]).toMatchObject({ origin: "topup_page", payment_method_id: null });
    // The other side: one PaymentIntent, on-session and with no Stripe customer (the card is not saved).
    const sim = (await (await fetch(`${SIM}/_sim/state`)).json()) as {
      payment_intents: { customer: string | null; status: string; amount: number; metadata: Record<string, string> }[];
    };
    const intents = sim.payment_intents.filter((pi) => pi.metadata.payment_id === payments.results[0]?.id);
    expect(intents).toHaveLength(1);
    expect(intents[0]).toMatchObject({ customer: null, status: "succeeded", amount: payments.results[0]?.amount });
    // The balance after: the credit is there, pending until the network confirms it.
    const balance = (await api("GET", `/services/${svc.id}/balance`)).body.buckets.find((b: { unit: string }) => b.unit === "monetary");
    expect(balance?.pending_amount).toBe(1000);
    const after = await (await c.get("/topup/service?done=paid")).text();
    expect(after).toContain("Your top-up is paid");
    expect(after).toContain('data-pending="1000"');
  });

  it("reads a number typed in the operator's national format (its default language's country) or with a 00 prefix", async () => {
    // The operator's language is en-GB: a British mobile number as dialled in Britain.
    const subscriber = String(Math.floor(Math.random() * 1e6)).padStart(6, "0");
    const msisdn = `+447400${subscriber}`;
    await mobileService(msisdn);
    const c = client(freshIp());
    const asked = await c.post("/topup/code", { number: `07400 ${subscriber.slice(0, 3)}-${subscriber.slice(3)}` });
    expect(asked.status).toBe(200);
    const html = await asked.text();
    expect(html).toContain(`value="${msisdn}"`);
    // Said back as the customer dials it.
    expect(html).toContain(`If 07400 ${subscriber} is one of our numbers`);
    expect(await latestCode(msisdn)).toMatch(/^\d{6}$/);
    // The same number from abroad (00 44 …) reaches the same service; a French national number does not parse here.
    expect(await (await client(freshIp()).post("/topup/code", { number: `0044 7400 ${subscriber}` })).text()).toContain(`value="${msisdn}"`);
    const french = await client(freshIp()).post("/topup/code", { number: "06 12" });
    expect(french.status).toBe(422);
    expect(await french.text()).toContain("as you dial it locally");
  });

  it("limits code requests per number and per IP, the same for numbers that are not ours", async () => {
    const ours = randomNumber();
    await mobileService(ours);
    const theirs = randomNumber();
    const statuses = async (number: string) => {
      const out: number[] = [];
      for (let i = 0; i < 6; i++) out.push((await client(freshIp()).post("/topup/code", { number })).status);
      return out;
    };
    const a = await statuses(ours);
    const b = await statuses(theirs);
    expect(a).toEqual(b);
    expect(a.slice(0, 3)).toEqual([200, 200, 200]);
    expect(a.at(-1)).toBe(429);
    // Guessing codes from one address is stopped too.
    const c = client(freshIp());
    const guesses: number[] = [];
    for (let i = 0; i < 14; i++) guesses.push((await c.post("/topup/verify", { number: randomNumber(), code: "123456" })).status);
    expect(guesses.at(-1)).toBe(429);
    // No session without the cookie.
    expect((await client(freshIp()).get("/topup/service")).status).toBe(401);
    expect((await client(freshIp()).post("/topup/pay", { choice: "amount", amount: "10.00" })).status).toBe(401);
  });

  it("finds a fixed service by the client's IP address and offers its top-up packs", async () => {
    const me = await customerToken();
    const plan = await product(2000);
    const id = await service(me.customerId, plan.id, new Date().toISOString());
    const pack = await api("POST", "/products", {
      body: {
        name: `Pack ${ulid().slice(-6)}`,
        slug: `pack-${ulid().toLowerCase().slice(-10)}`,
        type: "addon",
        service_type: "other",
        status: "active",
        retail_price: 500,
        wholesale_price: 100,
        compatible_with: [plan.id],
        included_balances: [{ unit: "data", amount: 1_000_000_000, validity_days: 30 }],
      },
    });
    expect(pack.status, JSON.stringify(pack.body)).toBe(201);
    const third = 1 + (Date.now() % 250);
    const key = (address: string) => toHexKey(4, parseIp(address)?.value ?? 0n);
    const ip = `198.18.${third}.7`;
    await env.DB.prepare(
      "INSERT INTO ip_allocations (id, block_id, service_id, family, cidr, start_key, end_key, created_at) VALUES (?1, 'blk_test', ?2, 4, ?3, ?4, ?5, ?6)",
    )
      .bind(`ipa_${ulid()}`, id, `198.18.${third}.0/29`, key(`198.18.${third}.0`), key(`198.18.${third}.7`), new Date().toISOString())
      .run();
    const c = client(ip);
    const start = await (await c.get("/topup")).text();
    expect(start).toContain(`198.18.${third}.0/29`);
    // Another address sees no connection.
    expect(await (await client("203.0.113.250").get("/topup")).text()).not.toContain('action="/topup/connection"');
    expect((await client("203.0.113.250").post("/topup/connection", {})).headers.get("location")).toBe("/topup");
    const opened = await c.post("/topup/connection", {});
    expect(opened.headers.get("location")).toBe("/topup/service");
    const page = await (await c.get("/topup/service")).text();
    expect(page).toContain(`value="${pack.body.id}"`);
    const csrf = page.match(/name="_csrf" value="([^"]+)"/)?.[1] ?? "";
    const paid = await c.post("/topup/pay", { _csrf: csrf, key: ulid(), choice: pack.body.id, stripe_payment_method_id: "pm_card_mastercard" });
    expect(paid.status, await paid.clone().text()).toBe(303);
    const balance = (await api("GET", `/services/${id}/balance`)).body.buckets.find((b: { unit: string }) => b.unit === "data");
    expect(balance?.pending_amount).toBe(1_000_000_000);
  });
  it("sells days of the service's own plan (1 to 30), priced pro rata, its balances valid that many days", async () => {
    const me = await customerToken();
    const plan = await product(3000, { included_balances: [{ unit: "data", amount: 30_000_000_000, validity_days: 30 }] });
    const id = await service(me.customerId, plan.id, new Date().toISOString());
    const msisdn = randomNumber();
    await env.DB.prepare("UPDATE services SET identifiers = json_object('msisdn', ?2) WHERE id = ?1").bind(id, msisdn).run();
    const c = client(freshIp());
    await c.post("/topup/code", { number: msisdn });
    await c.post("/topup/verify", { number: msisdn, code: await latestCode(msisdn) });
    const page = await (await c.get("/topup/service")).text();
    // 30.00 a month → 1.00 a day before tax, 1.20 with it.
    expect(page).toContain("Days of your plan (1 to 30) · €1.20 a day");
    const csrf = page.match(/name="_csrf" value="([^"]+)"/)?.[1] ?? "";
    for (const days of ["0", "31", "2.5", ""])
      expect((await c.post("/topup/pay", { _csrf: csrf, key: ulid(), choice: "days", days, stripe_payment_method_id: "pm_card_visa" })).status).toBe(422);
    const paid = await c.post("/topup/pay", { _csrf: csrf, key: ulid(), choice: "days", days: "7", stripe_payment_method_id: "pm_card_visa" });
    expect(paid.status).toBe(303);
    const payment = await env.DB.prepare("SELECT amount, top_up FROM payments WHERE service_id = ? AND status = 'succeeded'")
      .bind(id)
      .first<{ amount: number; top_up: string }>();
    expect(payment).toMatchObject({ amount: 840, top_up: JSON.stringify({ days: 7 }) });
    const data = (await api("GET", `/services/${id}/balance`)).body.buckets.find(
      (b: { unit: string; source: string }) => b.unit === "data" && b.source !== "plan",
    );
    expect(data?.pending_amount).toBe(7_000_000_000);
    expect(Math.abs(Date.parse(data?.expires_at ?? "") - (Date.now() + 7 * 86_400_000))).toBeLessThan(5 * 60_000);
    const charge = await env.DB.prepare("SELECT amount, description FROM transactions WHERE service_id = ? AND description LIKE '7 days of%'")
      .bind(id)
      .first<{ amount: number }>();
    expect(charge?.amount).toBe(700);
  });
});
