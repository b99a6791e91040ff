import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RunningSimulator } from "../lib/server";
import { SIMULATED_API_VERSION, startStripeSimulator } from "./server";

const KEY = "sk_test_sim_0123456789";
const WHSEC = "whsec_test_0123456789";

/** A real webhook endpoint: records each POST; answers the statuses queued in `answers`, then 200. */
type Received = { body: string; signature: string; type: string; id: string };
let received: Received[] = [];
let answers: number[] = [];
let receiver: Server;
let receiverUrl: string;

let sim: RunningSimulator;
let stripe: Stripe;

beforeAll(async () => {
  receiver = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const event = JSON.parse(body) as { id: string; type: string };
    received.push({ body, signature: String(req.headers["stripe-signature"]), type: event.type, id: event.id });
    res.writeHead(answers.shift() ?? 200).end();
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/stripe`;
  sim = await startStripeSimulator(0, { secretKey: KEY, webhookSecret: WHSEC, webhookUrl: receiverUrl, retryDelaysMs: [50, 100], deliveryTimeoutMs: 1_000 });
  // As the worker configures it (TOOLCHAIN.md: fetch client, host/port/protocol).
  stripe = new Stripe(KEY, { httpClient: Stripe.createFetchHttpClient(), host: "127.0.0.1", port: sim.port, protocol: "http" });
});
afterAll(async () => {
  await sim.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});
beforeEach(async () => {
  await fetch(`${sim.url}/_sim/reset`, { method: "POST" });
  // Let a delivery the reset interrupted land before counting afresh.
  await new Promise((r) => setTimeout(r, 30));
  received = [];
  answers = [];
});

const control = async (path: string, body: unknown = {}) => (await fetch(`${sim.url}${path}`, { method: "POST", body: JSON.stringify(body) })).json();
type SimState = {
  payment_intents: Stripe.PaymentIntent[];
  charges: Stripe.Charge[];
  customers: Stripe.Customer[];
  events: (Stripe.Event & { deliveries: { state: string; attempts: { status: number | null }[] }[] })[];
};
const simState = async () => (await (await fetch(`${sim.url}/_sim/state`)).json()) as SimState;

async function waitFor<T>(check: () => T | undefined | false, what: string, ms = 3_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A response header as the SDK exposes it (with the fetch client, lastResponse is the fetch Response). */
const header = (result: { lastResponse: { headers: unknown } }, name: string) => (result.lastResponse.headers as Headers).get(name);

/** The error the SDK throws for a call (the test fails if it does not throw). */
async function thrown(call: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

/** A customer with a card saved off-session through a SetupIntent, as the worker will do it. */
async function customerWithCard(testCard = "pm_card_visa") {
  const customer = await stripe.customers.create({ email: "ada@example.com", name: "Ada", metadata: { customer_id: "cust_1" } });
  const setup = await stripe.setupIntents.create({
    customer: customer.id,
    payment_method: testCard,
    confirm: true,
    usage: "off_session",
    allowed_payment_method_types: ["card"],
  });
  return { customer, setup, pm: String(setup.payment_method) };
}

describe("Stripe simulator, through the official SDK", () => {
  it("speaks the API version of the pinned SDK", () => {
    expect(SIMULATED_API_VERSION).toBe(Stripe.API_VERSION);
  });

  it("creates, retrieves and updates customers in Stripe's shape", async () => {
    const customer = await stripe.customers.create({ email: "ada@example.com", name: "Ada", metadata: { customer_id: "cust_1", plan: "x" } });
    expect(customer).toMatchObject({ object: "customer", email: "ada@example.com", livemode: false, metadata: { customer_id: "cust_1", plan: "x" } });
    expect(customer.id).toMatch(/^cus_/);
    expect(Math.abs(customer.created - Date.now() / 1000)).toBeLessThan(5);
    expect(customer.lastResponse.requestId).toMatch(/^req_/);
    const updated = await stripe.customers.update(customer.id, { name: "Ada L.", metadata: { plan: "" } });
    expect(updated).toMatchObject({ name: "Ada L.", metadata: { customer_id: "cust_1" } });
    expect((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({ name: "Ada L." });
    const missing = await thrown(stripe.customers.retrieve("cus_nope"));
    expect(missing).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(missing).toMatchObject({ statusCode: 404, code: "resource_missing", param: "id" });
  });

  it("saves a card with a SetupIntent: a new pm_… attached to the customer, listed with brand and last4", async () => {
    const { customer, setup, pm } = await customerWithCard();
    expect(setup).toMatchObject({ object: "setup_intent", status: "succeeded", customer: customer.id, usage: "off_session" });
    expect(setup.id).toMatch(/^seti_/);
    expect(pm).toMatch(/^pm_/);
    expect(pm).not.toBe("pm_card_visa");
    const listed = await stripe.paymentMethods.list({ customer: customer.id, type: "card" });
    expect(listed.data.map((m) => [m.id, m.card?.brand, m.card?.last4])).toEqual([[pm, "visa", "4242"]]);
    const viaCustomer = await stripe.customers.listPaymentMethods(customer.id, { type: "card" });
    expect(viaCustomer.data[0]?.card).toMatchObject({ brand: "visa", last4: "4242", exp_month: 12 });
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm } });
    const expanded = (await stripe.customers.retrieve(customer.id, { expand: ["invoice_settings.default_payment_method"] })) as Stripe.Customer;
    expect((expanded.invoice_settings.default_payment_method as Stripe.PaymentMethod).card?.last4).toBe("4242");
    // Redirect-capable payment methods (the default) need a return_url, as on Stripe.
    const noReturn = await thrown(stripe.setupIntents.create({ customer: customer.id, payment_method: "pm_card_mastercard", confirm: true }));
    expect(noReturn.message).toContain("return_url");
    const never = await stripe.setupIntents.create({
      customer: customer.id,
      payment_method: "pm_card_mastercard",
      confirm: true,
      automatic_payment_methods: { enabled: true, allow_redirects: "never" },
    });
    expect(never.status).toBe("succeeded");
    expect((await stripe.customers.listPaymentMethods(customer.id)).data).toHaveLength(2);
  });

  it("charges a saved card off-session: a succeeded PaymentIntent with its charge", async () => {
    const { customer, pm } = await customerWithCard();
    const pi = await stripe.paymentIntents.create({
      amount: 1999,
      currency: "eur",
      customer: customer.id,
      payment_method: pm,
      off_session: true,
      confirm: true,
      allowed_payment_method_types: ["card"],
      metadata: { invoice_id: "inv_42" },
    });
    expect(pi).toMatchObject({
      object: "payment_intent",
      status: "succeeded",
      amount: 1999,
      amount_received: 1999,
      currency: "eur",
      metadata: { invoice_id: "inv_42" },
    });
    expect(pi.id).toMatch(/^pi_/);
    const charge = await stripe.charges.retrieve(String(pi.latest_charge));
    expect(charge).toMatchObject({
      object: "charge",
      status: "succeeded",
      paid: true,
      amount: 1999,
      payment_intent: pi.id,
      payment_method: pm,
      customer: customer.id,
    });
    expect(charge.id).toMatch(/^ch_/);
    const expanded = await stripe.paymentIntents.retrieve(pi.id, { expand: ["latest_charge"] });
    expect((expanded.latest_charge as Stripe.Charge).payment_method_details?.card?.last4).toBe("4242");
    const page = await stripe.events.list({ type: "payment_intent.*", limit: 1 });
    expect(page).toMatchObject({ object: "list", has_more: true, data: [{ type: "payment_intent.succeeded", data: { object: { id: pi.id } } }] });
    const next = await stripe.events.list({ type: "payment_intent.*", limit: 1, starting_after: page.data[0]?.id });
    expect(next.data.map((e) => e.type)).toEqual(["payment_intent.created"]);
    // The saved card stays usable; an unattached one is used up after one payment, as Stripe rules.
    expect(
      (
        await stripe.paymentIntents.create({
          amount: 500,
          currency: "eur",
          customer: customer.id,
          payment_method: pm,
          off_session: true,
          confirm: true,
          allowed_payment_method_types: ["card"],
        })
      ).status,
    ).toBe("succeeded");
  });

  it("declines cards as Stripe's test cards do: StripeCardError with the codes, the intent left requires_payment_method", async () => {
    const customer = await stripe.customers.create({ email: "b@example.com" });
    const pay = (payment_method: string, off_session = true) =>
      stripe.paymentIntents.create({
        amount: 1000,
        currency: "eur",
        customer: customer.id,
        payment_method,
        off_session,
        confirm: true,
        allowed_payment_method_types: ["card"],
      });
    for (const [card, decline] of [
      ["pm_card_chargeDeclined", "generic_decline"],
      ["pm_card_chargeDeclinedInsufficientFunds", "insufficient_funds"],
    ] as const) {
      const error = await thrown(pay(card));
      expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
      expect(error).toMatchObject({ statusCode: 402, type: "StripeCardError", code: "card_declined", decline_code: decline });
      expect(error.payment_intent).toMatchObject({
        status: "requires_payment_method",
        payment_method: null,
        last_payment_error: { code: "card_declined", decline_code: decline },
      });
      const after = await stripe.paymentIntents.retrieve(String(error.payment_intent?.id));
      expect(after.status).toBe("requires_payment_method");
      expect((await stripe.charges.retrieve(String(after.latest_charge))).status).toBe("failed");
    }
    const auth = await thrown(pay("pm_card_authenticationRequired"));
    expect(auth).toMatchObject({ statusCode: 402, code: "authentication_required", decline_code: "authentication_required" });
    expect(auth.payment_intent?.status).toBe("requires_payment_method");
    // On session the same card asks for 3D Secure; the simulated customer then passes it.
    const onSession = await pay("pm_card_authenticationRequired", false);
    expect(onSession).toMatchObject({ status: "requires_action", next_action: { type: "use_stripe_sdk" } });
    expect(await control(`/_sim/payment_intents/${onSession.id}/authenticate`, { succeed: true })).toMatchObject({ status: "succeeded" });
    // A card that saves fine and then fails to charge; a card that fails its setup check.
    const { pm } = await customerWithCard("pm_card_chargeCustomerFail");
    const saved = await stripe.paymentMethods.retrieve(pm);
    const later = await thrown(
      stripe.paymentIntents.create({
        amount: 1000,
        currency: "eur",
        customer: String(saved.customer),
        payment_method: pm,
        off_session: true,
        confirm: true,
        allowed_payment_method_types: ["card"],
      }),
    );
    expect(later).toMatchObject({ code: "card_declined", decline_code: "generic_decline" });
    const setup = await thrown(
      stripe.setupIntents.create({ customer: customer.id, payment_method: "pm_card_chargeDeclined", confirm: true, allowed_payment_method_types: ["card"] }),
    );
    expect(setup).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(setup.setup_intent).toMatchObject({ status: "requires_payment_method", last_setup_error: { code: "card_declined" } });
  });

  it("refunds partly, then the rest, and refuses more than what is left", async () => {
    const { customer, pm } = await customerWithCard();
    const pi = await stripe.paymentIntents.create({
      amount: 1000,
      currency: "eur",
      customer: customer.id,
      payment_method: pm,
      off_session: true,
      confirm: true,
      allowed_payment_method_types: ["card"],
    });
    const partial = await stripe.refunds.create({ payment_intent: pi.id, amount: 400, reason: "requested_by_customer" });
    expect(partial).toMatchObject({ object: "refund", status: "succeeded", amount: 400, payment_intent: pi.id, charge: pi.latest_charge });
    expect(partial.id).toMatch(/^re_/);
    const over = await thrown(stripe.refunds.create({ payment_intent: pi.id, amount: 700 }));
    expect(over).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(over).toMatchObject({ statusCode: 400, code: "amount_too_large", param: "amount" });
    expect(over.message).toBe("Refund amount (€7.00) is greater than unrefunded amount on charge (€6.00)");
    const rest = await stripe.refunds.create({ payment_intent: pi.id });
    expect(rest.amount).toBe(600);
    expect(await stripe.charges.retrieve(String(pi.latest_charge))).toMatchObject({ amount_refunded: 1000, refunded: true });
    expect(await thrown(stripe.refunds.create({ payment_intent: pi.id, amount: 1 }))).toMatchObject({ code: "charge_already_refunded" });
    expect((await stripe.refunds.list({ payment_intent: pi.id })).data.map((r) => r.amount)).toEqual([600, 400]);
    expect((await stripe.refunds.retrieve(partial.id)).amount).toBe(400);
  });

  it("replays an idempotent request and refuses the key with other parameters", async () => {
    const { customer, pm } = await customerWithCard();
    const params = {
      amount: 1200,
      currency: "eur",
      customer: customer.id,
      payment_method: pm,
      off_session: true,
      confirm: true,
      allowed_payment_method_types: ["card"],
    };
    const first = await stripe.paymentIntents.create(params, { idempotencyKey: "pay-inv-7" });
    const again = await stripe.paymentIntents.create(params, { idempotencyKey: "pay-inv-7" });
    expect(again.id).toBe(first.id);
    expect(header(again, "idempotent-replayed")).toBe("true");
    expect(header(again, "original-request")).toBe(first.lastResponse.requestId);
    expect(header(first, "idempotent-replayed")).toBeNull();
    expect((await simState()).charges).toHaveLength(1);
    const other = await thrown(stripe.paymentIntents.create({ ...params, amount: 1300 }, { idempotencyKey: "pay-inv-7" }));
    expect(other).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(other.statusCode).toBe(400);
    const elsewhere = await thrown(stripe.customers.create({ email: "x@example.com" }, { idempotencyKey: "pay-inv-7" }));
    expect(elsewhere).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    // A declined payment is replayed as the same decline, not charged again.
    const declined = { ...params, payment_method: "pm_card_chargeDeclined" };
    const d1 = await thrown(stripe.paymentIntents.create(declined, { idempotencyKey: "pay-inv-8" }));
    const d2 = await thrown(stripe.paymentIntents.create(declined, { idempotencyKey: "pay-inv-8" }));
    expect(d2.payment_intent?.id).toBe(d1.payment_intent?.id);
    expect((await simState()).charges).toHaveLength(2);
  });

  it("refuses unknown parameters, and real ones it does not model, changing nothing", async () => {
    const typo = await thrown(stripe.customers.create({ emial: "a@example.com" } as Stripe.CustomerCreateParams));
    expect(typo).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(typo).toMatchObject({ statusCode: 400, code: "parameter_unknown", param: "emial" });
    expect(typo.message).toBe("Received unknown parameter: emial. Did you mean email?");
    const nested = await thrown(stripe.customers.create({ invoice_settings: { default_payment_methd: "pm_x" } } as Stripe.CustomerCreateParams));
    expect(nested).toMatchObject({ code: "parameter_unknown", param: "invoice_settings[default_payment_methd]" });
    const unmodelled = await thrown(stripe.customers.create({ shipping: { name: "A", address: { line1: "1 rue" } } }));
    expect(unmodelled).toMatchObject({ statusCode: 400, code: "simulator_unsupported_parameter", param: "shipping" });
    // Removed in API 2026-09-30.endive (the SDK's version): allowed_payment_method_types replaced it.
    const removed = await thrown(stripe.setupIntents.create({ payment_method_types: ["card"] } as Stripe.SetupIntentCreateParams));
    expect(removed).toMatchObject({ code: "parameter_unknown", param: "payment_method_types" });
    const missing = await thrown(stripe.paymentIntents.create({ currency: "eur" } as Stripe.PaymentIntentCreateParams));
    expect(missing).toMatchObject({ code: "parameter_missing", param: "amount" });
    const small = await thrown(stripe.paymentIntents.create({ amount: 10, currency: "eur", allowed_payment_method_types: ["card"] }));
    expect(small).toMatchObject({ code: "amount_too_small", param: "amount" });
    expect((await simState()).customers).toHaveLength(0);
    const wrongKey = new Stripe("sk_test_wrong", { httpClient: Stripe.createFetchHttpClient(), host: "127.0.0.1", port: sim.port, protocol: "http" });
    expect(await thrown(wrongKey.customers.create({}))).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    const json = await fetch(`${sim.url}/v1/customers`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: "{}",
    });
    expect(json.status).toBe(400);
    expect(json.headers.get("request-id")).toMatch(/^req_/);
  });

  it("sends signed events that constructEvent and constructEventAsync verify", async () => {
    const { customer } = await customerWithCard();
    const delivered = await waitFor(() => received.find((r) => r.type === "setup_intent.succeeded"), "setup_intent.succeeded");
    expect(delivered.signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const event = stripe.webhooks.constructEvent(delivered.body, delivered.signature, WHSEC);
    expect(event).toMatchObject({ object: "event", type: "setup_intent.succeeded", api_version: Stripe.API_VERSION, livemode: false });
    expect((event.data.object as Stripe.SetupIntent).customer).toBe(customer.id);
    const viaSubtle = await stripe.webhooks.constructEventAsync(delivered.body, delivered.signature, WHSEC, undefined, Stripe.createSubtleCryptoProvider());
    expect(viaSubtle.id).toBe(event.id);
    expect(() => stripe.webhooks.constructEvent(delivered.body.replace("succeeded", "failed"), delivered.signature, WHSEC)).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
    await waitFor(() => received.find((r) => r.type === "customer.created"), "customer.created");
    expect((await stripe.events.retrieve(event.id)).pending_webhooks).toBe(0);
  });

  it("retries a delivery the endpoint did not accept", async () => {
    answers = [500, 503];
    await stripe.customers.create({ email: "r@example.com" });
    await waitFor(() => received.length === 3 && received, "three attempts");
    expect(new Set(received.map((r) => r.id)).size).toBe(1);
    const [event] = (await simState()).events;
    expect(event?.deliveries[0]).toMatchObject({ state: "succeeded" });
    expect(event?.deliveries[0]?.attempts.map((a) => a.status)).toEqual([500, 503, 200]);
  });

  it("duplicates, holds and reorders deliveries on demand, and redelivers one event", async () => {
    await control("/_sim/webhooks", { duplicate: true });
    const a = await stripe.customers.create({ email: "a@example.com" });
    await waitFor(() => received.length === 2, "two copies");
    expect(received.map((r) => JSON.parse(r.body).data.object.id)).toEqual([a.id, a.id]);
    received = [];
    await control("/_sim/webhooks", { duplicate: false, reorder: true });
    const b = await stripe.customers.create({ email: "b@example.com" });
    const c = await stripe.customers.create({ email: "c@example.com" });
    await new Promise((r) => setTimeout(r, 100));
    expect(received).toHaveLength(0);
    await control("/_sim/webhooks/flush");
    expect(received.map((r) => JSON.parse(r.body).data.object.id)).toEqual([c.id, b.id]);
    await control("/_sim/webhooks", { reorder: false });
    const eventId = received[0]?.id ?? "";
    expect(await control(`/_sim/events/${eventId}/deliver`)).toMatchObject({ status: 200 });
    expect(received.filter((r) => r.id === eventId)).toHaveLength(2);
  });

  it("injects a crash after the charge is recorded: a 500 (replayed for the same key) or no answer at all", async () => {
    const { customer, pm } = await customerWithCard();
    const params = {
      amount: 2500,
      currency: "eur",
      customer: customer.id,
      payment_method: pm,
      off_session: true,
      confirm: true,
      allowed_payment_method_types: ["card"],
    };
    await control("/_sim/failures", { path: "/v1/payment_intents", mode: "error_500_after_commit" });
    const crash = await thrown(stripe.paymentIntents.create(params, { idempotencyKey: "crash-1" }));
    expect(crash).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(crash.statusCode).toBe(500);
    expect((await simState()).payment_intents.map((p) => p.status)).toEqual(["succeeded"]);
    expect((await thrown(stripe.paymentIntents.create(params, { idempotencyKey: "crash-1" }))).statusCode).toBe(500);

    await control("/_sim/failures", { path: "/v1/payment_intents", mode: "timeout_after_commit", hangMs: 2_000 });
    const impatient = new Stripe(KEY, {
      httpClient: Stripe.createFetchHttpClient(),
      host: "127.0.0.1",
      port: sim.port,
      protocol: "http",
      timeout: 300,
      maxNetworkRetries: 0,
    });
    expect(await thrown(impatient.paymentIntents.create(params, { idempotencyKey: "crash-2" }))).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    const retried = await stripe.paymentIntents.create(params, { idempotencyKey: "crash-2" });
    expect(retried.status).toBe("succeeded");
    expect(header(retried, "idempotent-replayed")).toBe("true");
    const state = await simState();
    expect(state.payment_intents).toHaveLength(2);
    expect(state.charges).toHaveLength(2);

    await control("/_sim/failures", { path: "/v1/payment_intents", mode: "error_500" });
    expect((await thrown(stripe.paymentIntents.create(params, { maxNetworkRetries: 0 }))).statusCode).toBe(500);
    expect((await simState()).payment_intents).toHaveLength(2);
  });

  it("detaches a card: event sent, default cleared, the card not usable again", async () => {
    const { customer, pm } = await customerWithCard();
    await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm } });
    const detached = await stripe.paymentMethods.detach(pm);
    expect(detached.customer).toBeNull();
    expect(((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).invoice_settings.default_payment_method).toBeNull();
    await waitFor(() => received.find((r) => r.type === "payment_method.detached"), "payment_method.detached");
    const reuse = await thrown(stripe.paymentMethods.attach(pm, { customer: customer.id }));
    expect(reuse).toMatchObject({ statusCode: 400, param: "id" });
  });
});
