import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { PDFDocument } from "pdf-lib";
import type { Browser, Page } from "playwright-core";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findD1File } from "../../bench/lib";
import type { SimAccount, SimCall } from "../../simulators/cgrates/server";
import type { SentMessage } from "../../simulators/mailjet/server";
import { type LocalSystem, launchChromium, startLocalSystem } from "./local-system";
import { type RunnerProcess, startRunner } from "./runner-process";

/**
 * Provisioning end to end: the real worker (wrangler dev), the real runner process, the real
 * `ansible-playbook` and the CGRateS and Mailjet simulators. One system for the file; each test
 * starts its own runner and stops it before it ends.
 */

const SHOTS = "/tmp/obss-e2e-provisioning";
const TENANT = "cgrates.org";
const GB = 2 ** 30;

type Json = Record<string, unknown>;
type ServiceView = { id: string; status: string; customer_id: string; identifiers: Record<string, string>; product_name: string };
type ItemView = { id: string; type: string; status: string; service_id: string | null; customer_id: string | null; fields: Record<string, unknown> };
type TransactionView = { id: string; kind: "charge" | "credit"; amount: number; tax_amount: number; description: string };
type Bucket = { unit: string; amount: number; source: string };
type JobRow = {
  id: string;
  status: string;
  attempts: number;
  max_attempts: number;
  not_before: string | null;
  lease_expires_at: string | null;
  updated_at: string;
  error: string | null;
};
type EventRow = { seq: number; attempt: number; task: string; status: string; message: string | null };
type OutboxRow = { template: string; to_email: string; subject: string; status: string };
type CgratesState = { accounts: Record<string, SimAccount>; accountActionPlans: Record<string, string[]>; calls: SimCall[] };
type Customer = { id: string; name: string; contactId: string; email: string; locale: string };

let system: LocalSystem;
let d1: Database.Database;
let token = "";
let cgratesUrl = "";
let mailjetUrl = "";
let runnerStates = "";
const runners: RunnerProcess[] = [];
let customers: Customer[] = [];
let prepaidId = "";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value (not undefined/null/false); the error names what was awaited and the last value seen. */
async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs: number,
  everyMs = 200,
  context?: () => unknown,
) {
  const started = Date.now();
  let last: unknown;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    last = value;
    if (Date.now() - started > timeoutMs)
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${what} (last probe: ${JSON.stringify(last)}${context ? `; ${JSON.stringify(context())}` : ""})`,
      );
    await sleep(everyMs);
  }
}

/** A call to the staff API as the admin. */
async function api<T = Json>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const response = await fetch(`${system.url}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as T };
}

async function getOk<T>(path: string): Promise<T> {
  const { status, body } = await api<T>("GET", path);
  if (status !== 200) throw new Error(`GET ${path}: HTTP ${status} ${JSON.stringify(body)}`);
  return body;
}

const service = (id: string) => getOk<ServiceView>(`/services/${id}`);
const serviceItems = async (id: string) => (await getOk<{ data: ItemView[] }>(`/inventory/items?service_id=${id}`)).data;
const item = (id: string) => getOk<ItemView>(`/inventory/items/${id}`);
const transactions = async (serviceId: string) => (await getOk<{ data: TransactionView[] }>(`/transactions?service_id=${serviceId}`)).data;
const cgrates = async () => (await (await fetch(`${cgratesUrl}/_sim/state`)).json()) as CgratesState;
const mailjet = async () => ((await (await fetch(`${mailjetUrl}/_sim/state`)).json()) as { messages: SentMessage[] }).messages;
const account = (serviceId: string) => `${TENANT}:${serviceId}`;

const jobRow = (id: string) =>
  d1.prepare("SELECT id, status, attempts, max_attempts, not_before, lease_expires_at, updated_at, error FROM jobs WHERE id = ?").get(id) as JobRow;
const jobEvents = (id: string) => d1.prepare("SELECT seq, attempt, task, status, message FROM job_events WHERE job_id = ? ORDER BY seq").all(id) as EventRow[];
const outbox = (template: string) =>
  d1.prepare("SELECT template, to_email, subject, status, last_error FROM email_outbox WHERE template = ?").all(template) as OutboxRow[];

/** Orders a product through the API; returns the pending service and its job id. */
async function order(customer: Customer, productId: string, vars: Json = {}): Promise<{ serviceId: string; jobId: string }> {
  const { status, body } = await api<{ service: ServiceView; job: { id: string } }>(
    "POST",
    `/customers/${customer.id}/services`,
    { product_id: productId, contact_id: customer.contactId, vars },
    { "Idempotency-Key": randomUUID() },
  );
  expect(status, JSON.stringify(body)).toBe(202);
  expect(body.service.status).toBe("pending");
  return { serviceId: body.service.id, jobId: body.job.id };
}

async function createProduct(fields: Json): Promise<string> {
  const { status, body } = await api<{ id: string }>("POST", "/products", fields);
  expect(status, JSON.stringify(body)).toBe(201);
  return body.id;
}

/** Waits until the service reaches `status`, failing fast when it reaches another final one. */
async function waitForService(id: string, status: "active" | "failed", timeoutMs: number): Promise<ServiceView> {
  return waitFor(
    `service ${id} to be ${status}`,
    async () => {
      const s = await service(id);
      if (s.status !== status && (s.status === "active" || s.status === "failed")) throw new Error(`service ${id} ended ${s.status}, expected ${status}`);
      return s.status === status ? s : undefined;
    },
    timeoutMs,
    300,
  );
}

function runner(env: Record<string, string>, stateDir = mkdtempSync(join(runnerStates, "r-"))): RunnerProcess {
  const r = startRunner({ url: system.url, key: system.vars.RUNNER_API_KEY ?? "", stateDir, cgratesUrl: system.vars.CGRATES_URL ?? "", env });
  runners.push(r);
  return r;
}

/** The runner's JSON log lines (anything else it printed left out). */
function records(r: RunnerProcess): Json[] {
  return r.lines.flatMap((line) => {
    try {
      const value: unknown = JSON.parse(line);
      return typeof value === "object" && value !== null ? [value as Json] : [];
    } catch {
      return [];
    }
  });
}

/** What the runner printed, to make a failing assertion readable. */
const logOf = (r: RunnerProcess) => r.lines.slice(-30).join("\n");

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  runnerStates = mkdtempSync(join(tmpdir(), "obss-e2e-runner-"));
  system = await startLocalSystem();
  cgratesUrl = (system.vars.CGRATES_URL ?? "").replace(/\/jsonrpc$/, "");
  mailjetUrl = system.vars.MAILJET_API_BASE ?? "";
  d1 = new Database(findD1File(system.stateDir), { timeout: 10_000 });

  const login = await fetch(`${system.url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: "admin@example.com", password: "admin-dev-password" }),
  });
  expect(login.status).toBe(200);
  token = ((await login.json()) as { access_token: string }).access_token;

  // The demo seed activates its services directly and leaves their provision jobs ready; a runner
  // would run those first (a minute or more on this machine). They are closed here, so each test's
  // runner sees only the jobs the test makes.
  const now = new Date().toISOString();
  d1.prepare("UPDATE jobs SET status = 'succeeded', finished_at = ?, updated_at = ? WHERE status IN ('pending', 'ready')").run(now, now);

  // Open demo customers with a contact that has an email (the welcome email goes there).
  customers = (
    d1
      .prepare(
        `SELECT c.id AS id, c.name AS name, c.locale AS locale, MIN(k.id) AS contactId, k.email AS email FROM customers c JOIN contacts k ON k.customer_id = c.id
         WHERE c.status = 'open' AND c.currency = 'EUR' AND k.email IS NOT NULL AND c.external_id LIKE 'DEMO-%' GROUP BY c.id ORDER BY c.external_id`,
      )
      .all() as Customer[]
  ).slice(2); // the first two have portal logins other tests use
  expect(customers.length).toBeGreaterThanOrEqual(5);

  const prepaid = await getOk<{ data: { id: string; slug: string }[] }>("/products?limit=100");
  prepaidId = prepaid.data.find((p) => p.slug === "mobile-prepaid-10gb")?.id ?? "";
  expect(prepaidId).not.toBe("");
});

afterAll(async () => {
  await Promise.all(runners.map((r) => r.stop(5_000)));
  d1?.close();
  await system?.stop();
  if (runnerStates) rmSync(runnerStates, { recursive: true, force: true });
});

describe("provisioning with the real runner, ansible-playbook and the simulators", () => {
  it("activates an ordered prepaid line: CGRateS account with the included balances, identifiers, task events, SIM assigned, welcome email", async () => {
    const customer = customers[0] as Customer;
    const r = runner({ RUNNER_CONCURRENCY: "2", RUNNER_POLL_MS: "200" });
    try {
      const { serviceId, jobId } = await order(customer, prepaidId);
      const reserved = await serviceItems(serviceId);
      expect(reserved.map((i) => [i.type, i.status]).sort()).toEqual([
        ["phone_number", "reserved"],
        ["sim", "reserved"],
      ]);

      const active = await waitForService(serviceId, "active", 60_000).catch((error) => {
        throw new Error(`${error instanceof Error ? error.message : error}\nrunner log:\n${logOf(r)}`);
      });

      // CGRateS holds the account with the product's included balances under their stable ids, on the
      // renewal plan the BSS defined for the product.
      const state = await cgrates();
      const acc = state.accounts[account(serviceId)];
      expect(acc, `no CGRateS account ${account(serviceId)}`).toBeDefined();
      const balances = acc?.BalanceMap ?? {};
      expect(balances["*data"]?.map((b) => [b.ID, b.Value])).toEqual([["inc-mobile-prepaid-10gb-0", 10 * GB]]);
      expect(balances["*voice"]?.map((b) => [b.ID, b.Value])).toEqual([["inc-mobile-prepaid-10gb-1", 300 * 60 * 1e9]]);
      expect(balances["*sms"]?.map((b) => [b.ID, b.Value])).toEqual([["inc-mobile-prepaid-10gb-2", 100]]);
      expect(state.accountActionPlans[account(serviceId)]).toEqual(["AP_mobile-prepaid-10gb_v1"]);

      // The playbook's identifiers are the service's.
      expect(active.identifiers.iccid).toMatch(/^\d{19,20}$/);
      expect(active.identifiers.imsi).toMatch(/^\d{15}$/);
      expect(active.identifiers.msisdn).toMatch(/^\+?\d{8,15}$/);

      // The job succeeded on its first attempt and its task events were recorded. The outcome is
      // applied before the job is closed (reportResult), so the service can be active a moment first.
      await expect.poll(() => jobRow(jobId).status, { timeout: 10_000, interval: 100 }).toBe("succeeded");
      expect(jobRow(jobId)).toMatchObject({ status: "succeeded", attempts: 1 });
      const events = jobEvents(jobId);
      const tasks = new Set(events.map((e) => e.task));
      for (const task of ["Find the SIM and the phone number", "Set up the CGRateS account", "Return the identifiers", "Play recap"]) {
        expect(tasks, `events: ${[...tasks].join(", ")}`).toContain(task);
      }
      expect(events.filter((e) => e.status === "failed")).toEqual([]);

      // The SIM and the number are the service's for good now.
      const held = await serviceItems(serviceId);
      expect(held.find((i) => i.type === "sim")).toMatchObject({ status: "assigned", service_id: serviceId, fields: { iccid: active.identifiers.iccid } });
      expect(held.find((i) => i.type === "phone_number")?.status).toBe("assigned");

      // The worker's own ledger carries the included balances.
      const balance = await getOk<{ buckets: Bucket[] }>(`/services/${serviceId}/balance`);
      const byUnit = Object.fromEntries(balance.buckets.map((b) => [b.unit, b.amount]));
      expect(byUnit).toMatchObject({ data: 10 * GB, voice: 300 * 60, sms: 100 });

      // The welcome email went to the customer's contact through Mailjet, in the customer's language.
      expect(outbox("service_welcome").filter((e) => e.to_email === customer.email)).toHaveLength(1);
      const welcomeSubject = customer.locale.startsWith("fr") ? "Votre service Mobile Prepaid 10 GB est prêt" : "Your Mobile Prepaid 10 GB is ready";
      const welcome = await waitFor(
        `the welcome email to ${customer.email} in the Mailjet simulator`,
        async () => (await mailjet()).find((m) => m.to.includes(customer.email) && m.subject === welcomeSubject),
        15_000,
        200,
        () => outbox("service_welcome"),
      );
      expect(welcome.text).toContain(active.identifiers.msisdn);
      // And the welcome SMS went to the new line through the SMS gateway.
      const sms = await waitFor(
        `the welcome SMS to ${active.identifiers.msisdn} in the SMS gateway simulator`,
        async () =>
          ((await (await fetch(`${system.vars.SMS_GATEWAY_URL}/_sim/state`)).json()) as { messages: { to: string; text: string }[] }).messages.find(
            (m) => m.to === active.identifiers.msisdn,
          ),
        15_000,
      );
      expect(sms.text).toContain(customer.locale.startsWith("fr") ? "Mobile Prepaid 10 GB est activé" : "Mobile Prepaid 10 GB is ready");
    } finally {
      await r.stop();
    }
  });

  it("emails an issued invoice through Mailjet with its PDF attached: the simulator gets the very bytes the API serves", async () => {
    const c = await api<{ id: string }>("POST", "/customers", { name: "Invoice Mail Ltd", type: "business", payment_type: "postpaid" });
    const billing = `billing-${Date.now()}@example.org`;
    await api("POST", `/customers/${c.body.id}/contacts`, { first_name: "Bea", email: billing, roles: ["billing"] });
    const charge = await api(
      "POST",
      "/transactions",
      { customer_id: c.body.id, kind: "charge", description: "Consulting", amount: 5000, currency: "EUR" },
      {
        "Idempotency-Key": `e2e-invoice-${c.body.id}`,
      },
    );
    expect(charge.status).toBe(201);
    const year = new Date().toISOString().slice(0, 4);
    const draft = await api<{ id: string }>("POST", "/invoices", { customer_id: c.body.id, period_start: `${year}-01-01`, period_end: `${year}-12-31` });
    const issued = await api<{ number: string }>("POST", `/invoices/${draft.body.id}/issue`);
    const sent = await api<{ email_id: string; to: string }>("POST", `/invoices/${draft.body.id}/send`);
    expect(sent.status).toBe(202);
    expect(sent.body.to).toBe(billing);
    const message = await waitFor(
      "the invoice email in the Mailjet simulator",
      async () => (await mailjet()).find((m) => m.customId === sent.body.email_id),
      20_000,
    );
    expect(message.to).toEqual([billing]);
    expect(message.attachments).toHaveLength(1);
    expect(message.attachments[0]).toMatchObject({ filename: `${issued.body.number}.pdf`, contentType: "application/pdf" });
    const pdf = Buffer.from(
      await (await fetch(`${system.url}/api/v1/invoices/${draft.body.id}/pdf`, { headers: { Authorization: `Bearer ${token}` } })).arrayBuffer(),
    );
    expect(Buffer.from(message.attachments[0]?.base64 ?? "", "base64").equals(pdf)).toBe(true);
  });

  it("bills a month through the worker's queue consumer: a promo-code order's discount on its invoice, emailed by the minute cron through Mailjet with the PDF", async () => {
    const code = `E2E${Date.now().toString(36).toUpperCase()}`;
    expect((await api("POST", "/promo-codes", { code, kind: "percent", value: 25, months: 1 })).status).toBe(201);
    const c = await api<{ id: string }>("POST", "/customers", {
      name: "Facturation Mensuelle SARL",
      type: "business",
      payment_type: "postpaid",
      locale: "fr-FR",
    });
    const billing = `monthly-${Date.now()}@example.org`;
    const contact = await api<{ id: string }>("POST", `/customers/${c.body.id}/contacts`, { first_name: "Chloé", email: billing, roles: ["billing"] });
    const placed = await api<{ service: { id: string }; job: { id: string } }>(
      "POST",
      `/customers/${c.body.id}/services`,
      { product_id: prepaidId, contact_id: contact.body.id, promo_code: code.toLowerCase() },
      { "Idempotency-Key": randomUUID() },
    );
    expect(placed.status, JSON.stringify(placed.body)).toBe(202);
    // Provisioned at the start of the month (the runner's part is covered above): the month is charged whole.
    const month = new Date().toISOString().slice(0, 7);
    const now = new Date().toISOString();
    d1.prepare("UPDATE jobs SET status = 'succeeded', finished_at = ?, updated_at = ? WHERE id = ?").run(now, now, placed.body.job.id);
    d1.prepare("UPDATE services SET status = 'active', activated_at = ? WHERE id = ?").run(`${month}-01T00:00:00.000Z`, placed.body.service.id);
    const last = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0)).toISOString().slice(0, 10);
    const run = await api<{ id: string }>("POST", "/bill-runs", { period_start: `${month}-01`, period_end: last });
    expect(run.status, JSON.stringify(run.body)).toBe(202);
    const done = await waitFor(
      "the bill run to complete",
      async () => {
        const r = await getOk<{ status: string; customers_done: number; customers_total: number }>(`/bill-runs/${run.body.id}`);
        return r.status === "completed" || r.status === "failed" ? r : undefined;
      },
      60_000,
      500,
    );
    expect(done).toMatchObject({ status: "completed" });
    expect(done.customers_done).toBe(done.customers_total);
    const list = await getOk<{ data: { id: string; number: string; total_amount: number }[] }>(`/invoices?customer_id=${c.body.id}&period=${month}`);
    expect(list.data).toHaveLength(1);
    const invoice = await getOk<{ id: string; number: string; total_amount: number; lines: { description: string; amount: number; tax_amount: number }[] }>(
      `/invoices/${list.data[0]?.id}`,
    );
    // The month at 9.99 and 25 % off it (2.4975 → 2.50, half-even), each with its tax.
    expect(invoice.lines.find((l) => l.description.startsWith(`Promo ${code}`))).toMatchObject({ amount: -250, tax_amount: -50 });
    expect(invoice.lines.find((l) => l.amount === 999)).toBeTruthy();
    expect(invoice.total_amount).toBe(invoice.lines.reduce((n, l) => n + l.amount + l.tax_amount, 0));

    // The minute cron (as npm start runs it) renders the PDF and emails it; Mailjet gets those bytes.
    const cron = await fetch(`${system.url}/dev/scheduled`, { method: "POST", headers: { "x-dev-secret": system.vars.AUTH_SECRET ?? "" } });
    expect(cron.status).toBe(200);
    const message = await waitFor(
      "the bill run's invoice email in the Mailjet simulator",
      async () => (await mailjet()).find((m) => m.to.includes(billing)),
      20_000,
    );
    expect(message.attachments[0]).toMatchObject({ filename: `${invoice.number}.pdf`, contentType: "application/pdf" });
    const pdf = Buffer.from(
      await (await fetch(`${system.url}/api/v1/invoices/${invoice.id}/pdf`, { headers: { Authorization: `Bearer ${token}` } })).arrayBuffer(),
    );
    expect(Buffer.from(message.attachments[0]?.base64 ?? "", "base64").equals(pdf)).toBe(true);
    // In the customer's language, and credited in part.
    expect((await PDFDocument.load(pdf)).getTitle()).toBe(`FACTURE ${invoice.number}`);
    const credit = await api<{ number: string }>("POST", `/invoices/${invoice.id}/credit-notes`, { amount: 100, reason: "Geste commercial" });
    expect(credit.status, JSON.stringify(credit.body)).toBe(201);
    expect(credit.body.number).toMatch(/^CN-\d{4}-\d{5}$/);
  });

  it("takes the Stripe simulator's signed events on /webhooks/stripe: verified, and recorded once though each is delivered twice", async () => {
    const base = new URL(system.vars.STRIPE_API_BASE ?? "");
    const control = await fetch(`${base.origin}/_sim/webhooks`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ url: `${system.url}/webhooks/stripe`, duplicate: true }),
    });
    expect(control.status).toBe(200);
    const stripe = new Stripe(system.vars.STRIPE_SECRET_KEY ?? "", {
      httpClient: Stripe.createFetchHttpClient(),
      host: base.hostname,
      port: Number(base.port),
      protocol: "http",
    });
    const made = await stripe.customers.create({ email: `e2e-${Date.now()}@example.org` });
    type SimEvent = { id: string; type: string; data: { object: { id: string } }; deliveries: { state: string }[] };
    const event = await waitFor(
      "both deliveries of customer.created accepted by the worker",
      async () => {
        const state = (await (await fetch(`${base.origin}/_sim/state`)).json()) as { events: SimEvent[] };
        const e = state.events.find((x) => x.type === "customer.created" && x.data.object.id === made.id);
        return e && e.deliveries.length === 2 && e.deliveries.every((d) => d.state === "succeeded") ? e : undefined;
      },
      20_000,
    );
    expect(d1.prepare("SELECT count(*) AS n FROM stripe_events WHERE id = ?").get(event.id)).toEqual({ n: 1 });
    expect(d1.prepare("SELECT type, object_id FROM stripe_events WHERE id = ?").get(event.id)).toEqual({ type: "customer.created", object_id: made.id });
    await fetch(`${base.origin}/_sim/webhooks`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ duplicate: false }),
    });
  });

  it("rolls a failing playbook back: no CGRateS account, the SIM back in stock, the setup fee reversed, the NOC told", async () => {
    const customer = customers[1] as Customer;
    const productId = await createProduct({
      name: "Fail Test SIM",
      slug: "fail-test-sim",
      type: "standalone",
      service_type: "mobile",
      status: "active",
      currency: "EUR",
      retail_price: 500,
      retail_setup_fee: 1500,
      provisioning_play: "fail_test",
      required_inventory: ["sim"],
      included_balances: [{ unit: "data", amount: GB, validity_days: null }],
    });
    const r = runner({ RUNNER_CONCURRENCY: "2", RUNNER_POLL_MS: "200" });
    try {
      const { serviceId, jobId } = await order(customer, productId);
      const [sim] = await serviceItems(serviceId);
      expect(sim).toMatchObject({ type: "sim", status: "reserved", service_id: serviceId });
      const charged = await transactions(serviceId);
      expect(charged.map((t) => [t.kind, t.amount])).toEqual([["charge", 1500]]);

      await waitForService(serviceId, "failed", 60_000).catch((error) => {
        throw new Error(`${error instanceof Error ? error.message : error}\nrunner log:\n${logOf(r)}`);
      });

      // The playbook made the account, then its rescue removed it.
      const state = await cgrates();
      expect(state.accounts[account(serviceId)]).toBeUndefined();
      const methods = state.calls.filter((c) => JSON.stringify(c.params).includes(serviceId)).map((c) => c.method);
      expect(methods).toContain("APIerSv2.SetAccount");
      expect(methods).toContain("APIerSv1.RemoveAccount");

      // The SIM is back in stock, held by nobody.
      expect(await item(sim?.id ?? "")).toMatchObject({ status: "in_stock", service_id: null, customer_id: null });

      // The setup fee was charged and reversed: the service's transactions net to zero.
      const after = await transactions(serviceId);
      expect(after.map((t) => t.kind).sort()).toEqual(["charge", "credit"]);
      const net = (field: "amount" | "tax_amount") => after.reduce((sum, t) => sum + (t.kind === "charge" ? t[field] : -t[field]), 0);
      expect(net("amount")).toBe(0);
      expect(net("tax_amount")).toBe(0);

      // The job failed on its first attempt (not a network problem), at the deliberate failure.
      const job = jobRow(jobId);
      expect(job).toMatchObject({ status: "failed", attempts: 1 });
      expect(job.error).toContain("Deliberate failure");
      const events = jobEvents(jobId);
      expect(events.find((e) => e.task === "Deliberate failure" && e.status === "failed")?.message).toContain("failing on purpose");
      expect(events.some((e) => e.status === "rescued")).toBe(true);

      // The notification list was told, through the outbox and Mailjet.
      expect(outbox("provisioning_failed").map((e) => e.to_email)).toEqual(["noc@demo-telecom.example"]);
      const notice = await waitFor(
        "the provisioning_failed email in the Mailjet simulator",
        // The NOC address is no staff user's, so it is written in the operator's language (the demo's is French).
        async () =>
          (await mailjet()).find((m) => m.to.includes("noc@demo-telecom.example") && m.subject.startsWith("Échec du provisionnement : Fail Test SIM")),
        15_000,
        200,
        () => outbox("provisioning_failed"),
      );
      expect(notice.text).toContain(serviceId);
      expect(notice.text).toContain("Deliberate failure");
    } finally {
      await r.stop();
    }
  });

  it("survives a runner killed mid-job: the job is leased again after its lease and completes without adding the balance twice", async () => {
    const customer = customers[2] as Customer;
    const productId = await createProduct({
      name: "Slow Test Line",
      slug: "slow-test-line",
      type: "standalone",
      service_type: "other",
      status: "active",
      currency: "EUR",
      retail_price: 100,
      provisioning_play: "slow_test",
    });
    const stateDir = mkdtempSync(join(runnerStates, "crash-"));
    const settings = { RUNNER_CONCURRENCY: "2", RUNNER_POLL_MS: "200", RUNNER_VISIBILITY_MS: "5000" };
    const first = runner(settings, stateDir);
    let second: RunnerProcess | undefined;
    try {
      const { serviceId, jobId } = await order(customer, productId, { wait_seconds: 6 });
      const balanceId = `${jobId}-slow`;
      const addBalanceCalls = async () =>
        (await cgrates()).calls.filter((c) => c.method === "APIerSv1.AddBalance" && JSON.stringify(c.params).includes(`"ID":"${balanceId}"`));

      // Kill the runner (and its ansible-playbook) while the playbook waits, after it added the balance.
      await waitFor(
        `job ${jobId} to reach its wait (task events of attempt 1)`,
        () => jobEvents(jobId).some((e) => e.attempt === 1 && e.task === "Wait while the job is running" && e.status === "started"),
        45_000,
      ).catch((error) => {
        throw new Error(`${error instanceof Error ? error.message : error}\nrunner log:\n${logOf(first)}`);
      });
      expect(await addBalanceCalls()).toHaveLength(1);
      const playbooks = await first.kill();
      expect(first.child.signalCode).toBe("SIGKILL");
      expect(playbooks.length).toBeGreaterThan(0);
      // Its ansible-playbook stops with it (the runner's sentinel), and no vars file is left once a runner starts again.
      const alive = (group: number) => {
        try {
          process.kill(-group, 0);
          return true;
        } catch {
          return false;
        }
      };
      await waitFor("the killed runner's playbook to stop", () => playbooks.every((g) => !alive(g)), 10_000, 100);
      const leased = jobRow(jobId);
      expect(leased).toMatchObject({ status: "leased", attempts: 1 });
      const leaseEnd = Date.parse(leased.lease_expires_at ?? "");
      expect(leaseEnd).toBeGreaterThan(Date.now() - 1_000);
      expect((await service(serviceId)).status).toBe("provisioning");

      expect(readdirSync(join(stateDir, "tmp"))).not.toEqual([]);
      // A new runner on the same state takes the job again once the lease has run out.
      second = runner(settings, stateDir);
      await second.waitForLine(/runner loop started/, 20_000);
      expect(readdirSync(join(stateDir, "tmp"))).toEqual([]);
      const active = await waitForService(serviceId, "active", 60_000).catch((error) => {
        throw new Error(`${error instanceof Error ? error.message : error}\nsecond runner log:\n${logOf(second ?? first)}`);
      });
      // Taken again only once the lease of the killed runner had run out.
      const restart = records(second).find((l) => l.msg === "job started" && l.job_id === jobId);
      expect(restart?.attempt).toBe(2);
      expect(Date.parse(String(restart?.at))).toBeGreaterThanOrEqual(leaseEnd);
      expect(active.identifiers.account).toBe(serviceId);
      // The outcome is applied before the job is closed, so the service can be active a moment first.
      await expect.poll(() => jobRow(jobId).status, { timeout: 10_000, interval: 100 }).toBe("succeeded");
      expect(jobRow(jobId)).toMatchObject({ status: "succeeded", attempts: 2 });
      const attempts = new Set(jobEvents(jobId).map((e) => e.attempt));
      expect([...attempts].sort()).toEqual([1, 2]);

      // CGRateS: one account, one balance of that ID, its value added once.
      const state = await cgrates();
      expect(Object.keys(state.accounts).filter((a) => a.includes(serviceId))).toEqual([account(serviceId)]);
      const all = Object.values(state.accounts[account(serviceId)]?.BalanceMap ?? {}).flat();
      expect(all.map((b) => [b.ID, b.Value])).toEqual([[balanceId, GB]]);
      const adds = await addBalanceCalls();
      expect(adds).toHaveLength(1);
      expect(adds[0]?.error).toBeNull();
      // The second attempt read the account and found the balance there.
      const reads = state.calls.filter((c) => c.method === "APIerSv2.GetAccount" && JSON.stringify(c.params).includes(serviceId));
      expect(reads.length).toBeGreaterThanOrEqual(2);
    } finally {
      await first.stop();
      await second?.stop();
    }
  }, 150_000);

  it("gives a job back with a growing delay while CGRateS is unreachable, then fails it after its last attempt and rolls the order back", async () => {
    const customer = customers[3] as Customer;
    const down = await fetch(`${cgratesUrl}/_sim/down`, { method: "POST", body: JSON.stringify({ seconds: 600 }) });
    expect(down.status).toBe(200);
    let r: RunnerProcess | undefined;
    try {
      const { serviceId, jobId } = await order(customer, prepaidId);
      const items = await serviceItems(serviceId);
      expect(items).toHaveLength(2);
      // Three attempts instead of five keep this short.
      d1.prepare("UPDATE jobs SET max_attempts = 3 WHERE id = ?").run(jobId);
      r = runner({ RUNNER_CONCURRENCY: "2", RUNNER_POLL_MS: "200", RUNNER_RETRY_BASE_S: "1" });

      // Watch the job row: given back ready with a not_before 1 s, then 2 s after the give-back.
      const seen = new Map<number, JobRow>();
      const final = await waitFor(
        `job ${jobId} to fail after its last attempt`,
        () => {
          const job = jobRow(jobId);
          if (job.status === "ready" && job.not_before && !seen.has(job.attempts)) seen.set(job.attempts, job);
          return job.status === "failed" || job.status === "dead" ? job : undefined;
        },
        90_000,
        100,
      ).catch((error) => {
        throw new Error(`${error instanceof Error ? error.message : error}\nrunner log:\n${r ? logOf(r) : ""}`);
      });
      expect(final).toMatchObject({ status: "failed", attempts: 3 });
      expect(final.error).toMatch(/503|Service Unavailable/);
      expect([...seen.keys()].sort()).toEqual([1, 2]);
      const delay = (job: JobRow | undefined) => (job?.not_before ? Date.parse(job.not_before) - Date.parse(job.updated_at) : -1);
      expect(delay(seen.get(1))).toBe(1_000);
      expect(delay(seen.get(2))).toBe(2_000);
      const givenBack = (r?.lines ?? []).filter((l) => l.includes("transient failure, job given back") && l.includes(jobId));
      expect(givenBack).toHaveLength(2);
      expect(new Set(jobEvents(jobId).map((e) => e.attempt))).toEqual(new Set([1, 2, 3]));

      // The last attempt failed the service and gave everything back.
      await waitForService(serviceId, "failed", 10_000);
      for (const held of items) expect(await item(held.id)).toMatchObject({ status: "in_stock", service_id: null });
      const after = await transactions(serviceId);
      expect(after.reduce((sum, t) => sum + (t.kind === "charge" ? t.amount : -t.amount), 0)).toBe(0);
      expect((await cgrates()).accounts[account(serviceId)]).toBeUndefined();
    } finally {
      await fetch(`${cgratesUrl}/_sim/down`, { method: "POST", body: JSON.stringify({ seconds: 0 }) });
      await r?.stop();
    }
  }, 150_000);
});

describe("provisioning in Chromium", () => {
  let browser: Browser;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("orders Mobile Prepaid 10 GB in the order form, follows its job's events live and sees the service active with its balances", async () => {
    const r = runner({ RUNNER_CONCURRENCY: "2", RUNNER_POLL_MS: "200" });
    try {
      await page.goto(`${system.url}/admin/login`);
      await page.getByLabel("Email").fill("admin@example.com");
      await page.getByLabel("Password").fill("admin-dev-password");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(`${system.url}/admin`);

      const customer = customers[4] as Customer;
      await page.goto(`${system.url}/admin/customers/${customer.id}`);
      const services = page.locator("#services");
      const product = services.getByLabel("Product");
      expect(await product.inputValue()).toBe("");
      const option = product.locator("option", { hasText: /^Mobile Prepaid 10 GB/ });
      await product.selectOption((await option.getAttribute("value")) ?? "");
      // No product is chosen at first; once one is, a picker per inventory type, on "Next available".
      const sim = services.getByRole("group", { name: "SIM card", exact: true });
      const number = services.getByRole("group", { name: "Phone number", exact: true });
      await sim.getByLabel("Next available").waitFor();
      expect(await sim.getByLabel("Next available").isChecked()).toBe(true);
      expect(await number.getByLabel("Next available").isChecked()).toBe(true);
      // Typing a number as people write it nationally lists matching mobile numbers (htmx, as you type).
      await number.getByRole("searchbox").fill("06 62 00");
      await expect.poll(() => number.getByRole("radio").count(), { timeout: 10_000, interval: 200 }).toBeGreaterThan(1);
      expect(await number.getByRole("radio").nth(1).getAttribute("value")).toMatch(/^inv_/);
      expect(await number.getByLabel("Next available").isChecked()).toBe(true);
      await shot("1-order-form");
      await services.getByRole("button", { name: "Order" }).click();
      await page.waitForURL(/\/admin\/services\/svc_[^/#?]+$/);
      await shot("2-service-pending");
      const serviceUrl = page.url();
      expect(await page.textContent("h1")).toBe("Mobile Prepaid 10 GB");

      // The jobs card links the provisioning job; its page streams the task events.
      const jobs = page.locator("section.card", { has: page.getByRole("heading", { name: "Provisioning jobs" }) });
      await jobs.getByRole("link", { name: "provision" }).click();
      await page.waitForURL(/\/admin\/jobs\/job_[^/#?]+$/);
      const events = page.locator("#job-events tbody tr");
      await expect.poll(() => events.count(), { timeout: 30_000, interval: 500 }).toBeGreaterThan(0);
      await shot("3-job-running");
      await expect.poll(() => page.locator("#job-events").textContent(), { timeout: 60_000, interval: 500 }).toContain("Play recap");
      // Finished: the panel stops polling (no "live" badge).
      await expect.poll(() => page.locator("#job-events .badge-leased").count(), { timeout: 30_000, interval: 500 }).toBe(0);
      await shot("4-job-done");
      await page.screenshot({ path: join(SHOTS, "4-job-done-top.png") });
      const tasks = await page.locator("#job-events tbody tr td:nth-child(4)").allTextContents();
      expect(tasks).toContain("Set up the CGRateS account");
      expect(tasks).toContain("Return the identifiers");

      // Back on the service: active, with its balance bars.
      await page.goto(serviceUrl);
      await expect
        .poll(
          async () => {
            await page.reload();
            return page.locator("main .page-header .badge, main header .badge").first().textContent();
          },
          { timeout: 30_000, interval: 1_000 },
        )
        .toBe("active");
      await shot("5-service-active");
      const bars = page.locator("#balance svg.bar");
      const labels = await bars.evaluateAll((els) => els.map((e) => e.getAttribute("aria-label") ?? ""));
      expect(labels.some((l) => l.startsWith("data:"))).toBe(true);
      expect(labels.some((l) => l.startsWith("voice:"))).toBe(true);
    } finally {
      await r.stop();
    }
  });
});

describe("charging right to the cent, tried as a new user would (Chromium, the real runner, ansible-playbook and the strict CGRateS simulator)", () => {
  let browser: Browser;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `charging-${name}.png`), fullPage: true });

  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${system.url}/admin/login`);
    await page.getByLabel("Email").fill("admin@example.com");
    await page.getByLabel("Password").fill("admin-dev-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${system.url}/admin`);
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** APIerSv2.GetAccount through CGRateS's own JSON-RPC, per unit in BSS units (money rounded half-even to the cent). */
  async function cgratesTotals(serviceId: string): Promise<Record<string, number>> {
    const res = await fetch(`${cgratesUrl}/jsonrpc`, {
      method: "POST",
      body: JSON.stringify({ method: "APIerSv2.GetAccount", params: [{ Tenant: TENANT, Account: serviceId }], id: 1 }),
    });
    const body = (await res.json()) as { result: SimAccount; error: string | null };
    expect(body.error).toBeNull();
    const totals: Record<string, number> = {};
    const now = Date.now();
    for (const [type, list] of Object.entries(body.result.BalanceMap ?? {})) {
      const live = list.filter((b) => b.ExpirationDate.startsWith("0001-") || Date.parse(b.ExpirationDate) > now);
      if (live.length === 0) continue;
      const unit = type.slice(1);
      const sum = live.reduce((s, b) => s + b.Value, 0);
      totals[unit] = unit === "monetary" ? Math.round(sum * 100) : unit === "voice" ? Math.round(sum / 1e9) : sum;
    }
    return totals;
  }
  const apiTotals = async (serviceId: string) => {
    const buckets = (await getOk<{ buckets: Bucket[] }>(`/services/${serviceId}/balance`)).buckets as (Bucket & { pending_amount: number })[];
    const totals: Record<string, number> = {};
    for (const b of buckets) if (b.amount !== 0 || b.pending_amount !== 0) totals[b.unit] = (totals[b.unit] ?? 0) + b.amount;
    return totals;
  };
  const pageTotals = async (serviceId: string) => {
    await page.goto(`${system.url}/admin/services/${serviceId}`);
    const bars = await page
      .locator("#balance .balance[data-unit]")
      .evaluateAll((els) =>
        els.map((e) => [e.getAttribute("data-unit") ?? "", Number(e.getAttribute("data-amount")), Number(e.getAttribute("data-pending"))] as const),
      );
    const totals: Record<string, number> = {};
    for (const [unit, amount, pending] of bars) if (amount !== 0 || pending !== 0) totals[unit] = (totals[unit] ?? 0) + amount;
    return totals;
  };
  /** The service page, GET /balance and APIerSv2.GetAccount hold exactly the same amounts; no difference is flagged. */
  async function agree(serviceId: string, expected: Record<string, number>) {
    const [fromApi, fromCgrates, fromPage] = [await apiTotals(serviceId), await cgratesTotals(serviceId), await pageTotals(serviceId)];
    expect(fromCgrates, "APIerSv2.GetAccount").toEqual(expected);
    expect(fromApi, "GET /services/{id}/balance").toEqual(expected);
    expect(fromPage, "the service page").toEqual(expected);
    expect((await getOk<{ data: unknown[] }>(`/reconciliation?service_id=${serviceId}`)).data).toEqual([]);
  }
  const lastJob = (serviceId: string) =>
    d1.prepare("SELECT id, type, status, error FROM jobs WHERE service_id = ? ORDER BY id DESC LIMIT 1").get(serviceId) as {
      id: string;
      type: string;
      status: string;
      error: string | null;
    };
  async function jobDone(serviceId: string, type: string, r: RunnerProcess) {
    return waitFor(
      `the ${type} job of ${serviceId} to succeed`,
      () => {
        const job = lastJob(serviceId);
        if (job?.type === type && (job.status === "failed" || job.status === "dead"))
          throw new Error(`${type} job ${job.id} ${job.status}: ${job.error}\n${logOf(r)}`);
        return job?.type === type && job.status === "succeeded" ? job : undefined;
      },
      60_000,
      250,
    );
  }

  it("order prepaid, top up 10.00 EUR, attach the 5 GB pack, a call and a data session, change to postpaid: all three agree after each step", async () => {
    const r = runner({ RUNNER_CONCURRENCY: "2", RUNNER_POLL_MS: "200" });
    try {
      const customer = customers[5] as Customer;
      const postpaidId =
        (await getOk<{ data: { id: string; slug: string }[] }>("/products?limit=100")).data.find((p) => p.slug === "mobile-postpaid-unlimited")?.id ?? "";
      // 1. Order prepaid mobile.
      const { serviceId } = await order(customer, prepaidId);
      const active = await waitForService(serviceId, "active", 60_000);
      await jobDone(serviceId, "provision", r);
      await agree(serviceId, { data: 10 * GB, voice: 300 * 60, sms: 100 });
      await shot("1-ordered");

      // 2. Top up 10.00 EUR in the page: CGRateS gets *monetary 10, not 1000.
      await page.goto(`${system.url}/admin/services/${serviceId}`);
      await page.getByLabel("Top up (EUR)").fill("10.00");
      await page.locator("form.top-up").getByRole("button", { name: "Top up" }).click();
      await page.waitForURL(/\/admin\/services\/svc_[^#]+#balance$/);
      await jobDone(serviceId, "topup", r);
      const money = (await cgrates()).accounts[account(serviceId)]?.BalanceMap?.["*monetary"];
      expect(money?.map((b) => b.Value)).toEqual([10]);
      await agree(serviceId, { data: 10 * GB, voice: 300 * 60, sms: 100, monetary: 1000 });

      // 3. Attach the 5 GB pack: its own action set runs, the service's playbook does not.
      await page.goto(`${system.url}/admin/services/${serviceId}`);
      const addon = page.getByLabel("Add-on or promotion");
      await addon.selectOption((await addon.locator("option", { hasText: /^Data Pack 5 GB/ }).getAttribute("value")) ?? "");
      await page.getByRole("button", { name: "Attach" }).click();
      await page.waitForURL(new RegExp(`/admin/services/${serviceId}$`));
      const addonJob = await jobDone(serviceId, "topup", r);
      expect(JSON.parse((d1.prepare("SELECT payload FROM jobs WHERE id = ?").get(addonJob.id) as { payload: string }).payload)).toMatchObject({
        playbook: "addon_topup",
        actions_id: "Action_data-pack-5gb",
      });
      expect(
        (await cgrates()).calls.some((c) => c.method === "APIerSv1.ExecuteAction" && JSON.stringify(c.params).includes(`Action_data-pack-5gb_${addonJob.id}`)),
      ).toBe(true);
      await agree(serviceId, { data: 15 * GB, voice: 300 * 60, sms: 100, monetary: 1000 });

      // 4. A 150 s call by the MSISDN and a 200 MB session by the IMSI, rated by CGRateS; then a usage sync.
      for (const [identifier, unit, amount] of [
        [active.identifiers.msisdn, "voice", 150],
        [active.identifiers.imsi, "data", 200 * 2 ** 20],
      ] as const) {
        const rated = await fetch(`${cgratesUrl}/_sim/usage`, { method: "POST", body: JSON.stringify({ identifier, unit, amount }) });
        expect(rated.status, await rated.clone().text()).toBe(200);
      }
      await page.goto(`${system.url}/admin/services/${serviceId}`);
      await page.getByRole("button", { name: "Sync usage from CGRateS now" }).click();
      await jobDone(serviceId, "sync_balance", r);
      const used = await agreeAfterUsage(serviceId);
      expect(used.voice).toBe(300 * 60 - 150);
      // The usage chart shows today's traffic.
      const today = new Date().toISOString().slice(0, 10);
      const usage = (await getOk<{ days: { day: string; unit: string; amount: number }[] }>(`/services/${serviceId}/usage`)).days.filter(
        (u) => u.day === today,
      );
      expect(usage).toEqual(
        expect.arrayContaining([expect.objectContaining({ unit: "voice", amount: 150 }), expect.objectContaining({ unit: "data", amount: 200 * 2 ** 20 })]),
      );
      await page.goto(`${system.url}/admin/services/${serviceId}`);
      expect(await page.locator(".usage figure").count()).toBeGreaterThanOrEqual(2);
      await shot("4-after-usage");

      // 5. Change the plan to postpaid, from the confirmation page that says what happens to each balance.
      const plan = page.getByLabel("Change plan");
      await plan.selectOption(postpaidId);
      await page.getByRole("button", { name: "Review the change…" }).click();
      await page.waitForURL(/\/change-plan\?product_id=/);
      expect(await page.locator("#plan-balances tr[data-rule=removed]").count()).toBe(3);
      expect(await page.locator("#plan-balances tr[data-rule=granted]").count()).toBe(1);
      await shot("5-plan-change-confirmation");
      await page.getByRole("button", { name: "Change to Mobile Postpaid Unlimited" }).click();
      await page.waitForURL(new RegExp(`/admin/services/${serviceId}$`));
      await jobDone(serviceId, "modify", r);
      const after = await cgrates();
      expect(after.accountActionPlans[account(serviceId)]).toEqual(["AP_mobile-postpaid-unlimited_v1"]);
      expect(after.accounts[account(serviceId)]?.AllowNegative).toBe(true);
      const granted = (after.accounts[account(serviceId)]?.BalanceMap?.["*data"] ?? []).find((b) => b.ID === "inc-mobile-postpaid-unlimited-0")?.Value ?? 0;
      expect(granted).toBeGreaterThan(0);
      // Money and the pack are kept; the prepaid allowances are gone; the postpaid one is granted (prorated).
      await agree(serviceId, { data: granted + 5 * GB, monetary: used.monetary ?? 0 });
      await shot("6-postpaid");
    } finally {
      await r.stop();
    }
  }, 240_000);

  it("a top-up paid by card: charged at Stripe first, credited once in CGRateS, receipted by the cron; Stripe's duplicated, reordered webhooks change nothing more", async () => {
    const base = new URL(system.vars.STRIPE_API_BASE ?? "").origin;
    const simWebhooks = (body: Json) =>
      fetch(`${base}/_sim/webhooks`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    expect((await simWebhooks({ url: `${system.url}/webhooks/stripe`, duplicate: true, reorder: true })).status).toBe(200);
    const r = runner({ RUNNER_CONCURRENCY: "2", RUNNER_POLL_MS: "200" });
    try {
      const c = await api<{ id: string }>("POST", "/customers", { name: "Carte Bleue SAS", type: "business", payment_type: "prepaid" });
      const contact = await api<{ id: string }>("POST", `/customers/${c.body.id}/contacts`, { first_name: "Camille", email: `card-${Date.now()}@example.org` });
      const { serviceId } = await order({ id: c.body.id, name: "Carte Bleue SAS", contactId: contact.body.id, email: "", locale: "fr-FR" }, prepaidId);
      await waitForService(serviceId, "active", 60_000);
      await jobDone(serviceId, "provision", r);
      const card = await api<{ id: string; last4: string }>("POST", `/customers/${c.body.id}/payment-methods`, { stripe_payment_method_id: "pm_card_visa" });
      expect(card.status, JSON.stringify(card.body)).toBe(201);
      const topped = await api<{ payment: { id: string; status: string; amount: number; provider_id: string } }>(
        "POST",
        `/services/${serviceId}/top-ups`,
        { amount: 1000, currency: "EUR", payment_method: card.body.id },
        { "Idempotency-Key": randomUUID() },
      );
      expect(topped.status, JSON.stringify(topped.body)).toBe(202);
      expect(topped.body.payment).toMatchObject({ status: "succeeded", amount: 1200 });
      // Stripe's side: one PaymentIntent for the price with tax; CGRateS's side: 10 (major units) credited once.
      type SimState = { payment_intents: { id: string; amount: number; status: string; metadata: Record<string, string> }[] };
      const intents = ((await (await fetch(`${base}/_sim/state`)).json()) as SimState).payment_intents.filter(
        (pi) => pi.metadata.payment_id === topped.body.payment.id,
      );
      expect(intents.map((pi) => [pi.amount, pi.status])).toEqual([[1200, "succeeded"]]);
      await jobDone(serviceId, "topup", r);
      expect((await cgrates()).accounts[account(serviceId)]?.BalanceMap?.["*monetary"]?.map((b) => b.Value)).toEqual([10]);
      // The sim's held events go out newest first, each twice; they reach the worker, are applied, and change nothing more.
      expect((await fetch(`${base}/_sim/webhooks/flush`, { method: "POST" })).status).toBe(200);
      await waitFor(
        "the payment_intent.succeeded event applied",
        () =>
          d1
            .prepare("SELECT processed_at FROM stripe_events WHERE object_id = ? AND type = 'payment_intent.succeeded' AND processed_at IS NOT NULL")
            .get(topped.body.payment.provider_id),
        20_000,
      );
      expect(d1.prepare("SELECT count(*) AS n FROM activity_log WHERE entity_id = ? AND action = 'payment.succeeded'").get(topped.body.payment.id)).toEqual({
        n: 1,
      });
      // The minute cron issues the receipt: the top-up's charge on an invoice paid by the payment.
      const cron = await fetch(`${system.url}/dev/scheduled`, { method: "POST", headers: { "x-dev-secret": system.vars.AUTH_SECRET ?? "" } });
      expect(cron.status).toBe(200);
      const payment = await getOk<{ invoice_id: string | null }>(`/payments/${topped.body.payment.id}`);
      expect(payment.invoice_id).toMatch(/^inv_/);
      const receipt = await getOk<{ status: string; total_amount: number; amount_due: number; number: string }>(`/invoices/${payment.invoice_id}`);
      expect(receipt).toMatchObject({ status: "paid", total_amount: 1200, amount_due: 0 });
      expect(receipt.number).toMatch(/^INV-\d{4}-\d{5}$/);
      await agree(serviceId, { data: 10 * GB, voice: 300 * 60, sms: 100, monetary: 1000 });
    } finally {
      await simWebhooks({ duplicate: false, reorder: false });
      await r.stop();
    }
  }, 180_000);

  /** After rating: whatever CGRateS now holds, the three sides agree (and the bundles paid for the traffic). */
  async function agreeAfterUsage(serviceId: string) {
    const held = await cgratesTotals(serviceId);
    await agree(serviceId, held);
    expect(held.data).toBe(15 * GB - 200 * 2 ** 20);
    return held;
  }
});

/**
 * The issue's "done when": a new member of a French operator's staff, on a phone-sized window, finds
 * a customer, orders a mobile plan picking the number by typing it, watches it provision, changes its
 * plan after reading the preview and terminates it with a reason. Every step is confirmed on screen,
 * in French, without the page scrolling sideways; the runner runs the real playbooks meanwhile.
 */
describe("a French phone walkthrough (390 px, real runner)", () => {
  let browser: Browser;
  let page: Page;
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `fr-phone-${name}.png`), fullPage: true });
  // English interface words a French page must not show (data such as product names aside).
  const ENGLISH = [
    "Customers",
    "Product",
    "Next available",
    "Order",
    "Status",
    "Change plan",
    "Review the change",
    "Terminate",
    "Suspend",
    "What happens",
    "Reason",
    "Sign out",
    "Search",
    "Details",
    "Jobs",
  ];

  /** The step's page: in French, fitting the phone's width, with no English interface word left. */
  async function frenchAndFits(step: string) {
    await shot(step);
    expect(await page.getAttribute("html", "lang"), step).toBe("fr");
    const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    expect(scroll, `${step}: the page scrolls sideways`).toBeLessThanOrEqual(client);
    const text = (await page.locator("body").textContent()) ?? "";
    const left = ENGLISH.filter((word) => new RegExp(`\\b${word}\\b`).test(text));
    expect(left, `${step}: English left on a French page`).toEqual([]);
  }

  /** The one-time notice of the last action, in French. */
  async function notice(step: string): Promise<string> {
    const text = (await page.locator("[data-notice]").textContent()) ?? "";
    expect(text.trim(), `${step}: no notice after the action`).not.toBe("");
    return text;
  }

  beforeAll(async () => {
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "fr-FR" });
    page = await context.newPage();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("finds a customer, orders a plan typing the number, watches it provision, changes plan after the preview and terminates it with a reason", async () => {
    // A French customer with a contact, made through the API as an integrator would.
    const name = `Camille Lefèvre ${Date.now().toString(36)}`;
    const created = await api<{ id: string }>("POST", "/customers", { name, type: "individual", payment_type: "prepaid", locale: "fr-FR" });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const contact = await api("POST", `/customers/${created.body.id}/contacts`, {
      first_name: "Camille",
      last_name: "Lefèvre",
      email: `camille-${Date.now()}@example.fr`,
      roles: ["primary"],
    });
    expect(contact.status, JSON.stringify(contact.body)).toBe(201);

    const r = runner({ RUNNER_CONCURRENCY: "2", RUNNER_POLL_MS: "200" });
    try {
      // Sign in: the browser asks for French.
      await page.goto(`${system.url}/admin/login`);
      await page.getByLabel("E-mail").fill("admin@example.com");
      await page.getByLabel("Mot de passe").fill("admin-dev-password");
      await page.getByRole("button", { name: "Se connecter" }).click();
      await page.waitForURL(`${system.url}/admin`);
      await frenchAndFits("1-dashboard");

      // 1. Find the customer with the search box (suggestions as staff type; Enter opens the results).
      const search = page.locator("#global-search-input");
      await search.fill(name);
      await search.press("Enter");
      await page.waitForURL(/\/admin\/search\?/);
      await frenchAndFits("2-search");
      await page.getByRole("link", { name }).first().click();
      await page.waitForURL(`${system.url}/admin/customers/${created.body.id}`);
      expect(await page.textContent("h1")).toBe(name);
      await frenchAndFits("3-customer");

      // 2. Order a mobile plan: no product chosen at first; the number is found by typing it nationally.
      const services = page.locator("#services");
      const product = services.getByLabel("Produit");
      expect(await product.inputValue()).toBe("");
      const prepaid = product.locator("option", { hasText: /^Mobile Prepaid 10 GB/ });
      await product.selectOption((await prepaid.getAttribute("value")) ?? "");
      const number = services.locator("#picker-phone_number");
      await number.getByLabel("Le prochain disponible").waitFor();
      await number.getByRole("searchbox").fill("06 62 00");
      await expect.poll(() => number.getByRole("radio").count(), { timeout: 10_000, interval: 200 }).toBeGreaterThan(1);
      const picked = number.getByRole("radio").nth(1);
      const pickedLabel = ((await picked.locator("xpath=..").textContent()) ?? "").trim();
      await picked.check();
      await frenchAndFits("4-order-form");
      await services.getByRole("button", { name: "Commander" }).click();
      await page.waitForURL(/\/admin\/services\/svc_[^/#?]+$/);
      const serviceUrl = page.url();
      const serviceId = new URL(serviceUrl).pathname.split("/").pop() ?? "";
      await notice("order");
      await frenchAndFits("5-service-pending");

      // 3. Watch it provision: the page refreshes itself while the job runs, until the service is active.
      await expect.poll(() => page.locator("main .page-header .badge").first().textContent(), { timeout: 90_000, interval: 1_000 }).toBe("actif");
      const active = await service(serviceId);
      expect(active.status).toBe("active");
      // The number typed and picked is the service's (shown in its national or international form).
      const digits = (s: string) => s.replace(/\D/g, "").replace(/^33/, "0");
      expect(digits(active.identifiers.msisdn ?? "")).toBe(digits(pickedLabel.split("(")[0] ?? ""));
      await frenchAndFits("6-service-active");

      // 4. Change its plan after reading the preview (credited, charged, net, balances).
      const plan = page.locator("#f-plan-product");
      await plan.selectOption((await plan.locator("option", { hasText: /^Mobile Postpaid Unlimited/ }).getAttribute("value")) ?? "");
      await page.locator("#f-plan-product").locator("xpath=ancestor::form").locator("button[type=submit]").click();
      await page.waitForURL(/\/change-plan\?product_id=/);
      expect(await page.locator("#plan-balances tr[data-rule=removed]").count()).toBeGreaterThan(0);
      expect(await page.locator("#plan-balances tr[data-rule=granted]").count()).toBeGreaterThan(0);
      await frenchAndFits("7-plan-preview");
      await page.getByRole("button", { name: "Passer à Mobile Postpaid Unlimited" }).click();
      await page.waitForURL(serviceUrl);
      await notice("plan change");
      await frenchAndFits("8-plan-changed");
      await expect.poll(async () => (await service(serviceId)).product_name, { timeout: 60_000, interval: 500 }).toBe("Mobile Postpaid Unlimited");

      // 5. Terminate it: a confirmation page says what happens and refuses an empty reason.
      await page.goto(serviceUrl);
      await page.locator(`a[href$="/action/terminate"]`).click();
      await page.waitForURL(/\/action\/terminate$/);
      await frenchAndFits("9-terminate-confirmation");
      const confirm = page.locator("main form[method=post]").last();
      await confirm.locator("button[type=submit]").click();
      await page.waitForLoadState();
      // The browser's own check (the reason box is invalid) or the server's inline message: either
      // way the page stays on the confirmation and nothing happens yet.
      expect(page.url()).toMatch(/\/action\/terminate$/);
      const blockedByBrowser = await confirm
        .getByRole("textbox")
        .evaluate((el) => !(el as HTMLTextAreaElement).validity.valid)
        .catch(() => false);
      const inlineError = await page.locator("main [role=alert]").count();
      expect(blockedByBrowser || inlineError > 0, "an empty reason is refused on the page").toBe(true);
      expect((await service(serviceId)).status).toBe("active");
      await confirm.getByRole("textbox").fill("Départ du client vers un autre opérateur");
      await confirm.locator("button[type=submit]").click();
      await page.waitForURL(serviceUrl);
      await notice("terminate");
      await frenchAndFits("10-terminating");
      await waitFor(`service ${serviceId} terminated`, async () => (await service(serviceId)).status === "terminated", 90_000, 500);
      // The page's own poller sends the browser back to the page once the job ends (HX-Redirect); a
      // reload here could race that navigation, so wait for the page to show it (the poll retries
      // while a navigation is under way).
      await expect.poll(() => page.locator("main .page-header .badge").first().textContent(), { timeout: 30_000, interval: 500 }).toBe("résilié");
      await frenchAndFits("11-terminated");

      // The reason is in the activity log, with the termination.
      const log = d1.prepare("SELECT action, changes FROM activity_log WHERE entity_id = ? ORDER BY at").all(serviceId) as {
        action: string;
        changes: string;
      }[];
      expect(
        log.some((e) => e.changes.includes("Départ du client vers un autre opérateur")),
        JSON.stringify(log),
      ).toBe(true);
    } finally {
      await r.stop();
    }
  }, 300_000);
});
