import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CATALOGUE } from "../../worker/i18n/catalogue";
import { formatPhone } from "../../worker/lib/phone";
import { type LocalSystem, launchChromium, startLocalSystem } from "./local-system";

/**
 * The customer's side in real Chromium against the local system (wrangler dev, the Stripe and SMS
 * simulators): the portal on a phone and a desktop — sign in, save a card, top up a line, pay an
 * invoice, its PDF, French — and the public top-up page (a code by SMS, a one-off card).
 */

const SHOTS = "/tmp/obss-e2e-portal";
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
/** A number no demo service has (the demo pool is +3366…, +3367…, +336000000xx, +33677777777). */
const STRANGER = "+33699999999";

type ServiceView = { id: string; status: string; product_name: string; identifiers: Record<string, string> };
type Sms = { to: string; text: string; at: string };
type Tile = { unit: string; amount: number; pending: number };

let system: LocalSystem;
let browser: Browser;
let token = "";
let customerId = "";

/** A call to the staff API as the admin; fails on any status but `expected`. */
async function api<T>(method: string, path: string, expected: number, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const response = await fetch(`${system.url}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== expected) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}

const smsTo = async (number: string) =>
  ((await (await fetch(`${system.vars.SMS_GATEWAY_URL}/_sim/state`)).json()) as { messages: Sms[] }).messages.filter((m) => m.to === number);

/** The page's text with the spaces Intl puts in money (no-break, narrow no-break) made plain. */
const plain = (text: string | null) => (text ?? "").replace(/[\s\u00a0\u202f]+/g, " ");
const textOf = async (page: Page, selector: string) => plain(await page.locator(selector).first().textContent());

/** The balance tiles (`data-unit`, `data-amount`, `data-pending`) under `#balance`. */
async function tiles(page: Page): Promise<Tile[]> {
  return page.locator("#balance [data-unit]").evaluateAll((els) =>
    els.map((e) => ({
      unit: e.getAttribute("data-unit") ?? "",
      amount: Number(e.getAttribute("data-amount")),
      pending: Number(e.getAttribute("data-pending")),
    })),
  );
}
/** The credit the page shows (confirmed + pending), in minor units; 0 when there is no monetary tile. */
const credit = async (page: Page) => (await tiles(page)).filter((t) => t.unit === "monetary").reduce((sum, t) => sum + t.amount + t.pending, 0);

/**
 * No horizontal scrolling: the page is as wide as the window (soft, so every page still gets its
 * screenshot). The message names the innermost boxes whose content sticks out, and the widest controls.
 */
async function noOverflow(page: Page, what: string): Promise<void> {
  const { scrollWidth, innerWidth, culprits } = await page.evaluate(() => {
    const name = (e: Element) => `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ""}${e.classList.length ? `.${Array.from(e.classList).join(".")}` : ""}`;
    const spills = (e: Element) => e.scrollWidth > e.clientWidth + 1 && !["auto", "scroll", "hidden"].includes(getComputedStyle(e).overflowX);
    const boxes = Array.from(document.querySelectorAll("body *")).filter((e) => spills(e) && !Array.from(e.querySelectorAll("*")).some(spills));
    const controls = Array.from(document.querySelectorAll("select, input, textarea, table, img, pre"))
      .map((e) => ({ e, width: e.getBoundingClientRect().width }))
      .filter((c) => c.width > 0)
      .sort((a, b) => b.width - a.width)
      .slice(0, 3);
    return {
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
      culprits: [...boxes.map((e) => `${name(e)} overflows`), ...controls.map((c) => `${name(c.e)} is ${Math.round(c.width)} px wide`)],
    };
  });
  expect.soft(scrollWidth, `${what}: scrollWidth ${scrollWidth} > innerWidth ${innerWidth}; ${culprits.join(", ")}`).toBeLessThanOrEqual(innerWidth);
}

/** Full-page screenshot into SHOTS, after checking the page does not scroll sideways. */
async function shot(page: Page, name: string): Promise<void> {
  await noOverflow(page, `${name} (${page.url()})`);
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Collects console errors and uncaught exceptions of a page. */
function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console on ${page.url()}: ${message.text()} ${message.location().url}`);
  });
  page.on("pageerror", (error) => errors.push(`pageerror on ${page.url()}: ${error.message}`));
  return errors;
}

/**
 * English texts of the catalogue that have a different French text: none may show on a French page.
 * A piece between placeholders that French uses too ("services" of "{n} services") is not evidence.
 */
const FRENCH_TEXTS = Object.values(CATALOGUE.fr);
const ENGLISH_ONLY = Object.entries(CATALOGUE.en)
  .filter(([key, en]) => en !== CATALOGUE.fr[key as keyof typeof CATALOGUE.fr])
  .flatMap(([, en]) => en.split(/\{\w+\}/).map((part) => part.trim()))
  .filter((part) => part.length >= 8 && !FRENCH_TEXTS.some((fr) => fr.includes(part)));

function expectFrench(what: string, text: string): void {
  expect
    .soft(
      ENGLISH_ONLY.filter((en) => text.includes(en)),
      `${what}: English left on a French page`,
    )
    .toEqual([]);
}

/** "12,00 €": French money, a comma and the euro sign after a (narrow no-break, made plain) space. */
const euros = (minor: number) => `${(minor / 100).toFixed(2).replace(".", ",")} €`;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  system = await startLocalSystem();
  browser = await launchChromium();
  const login = await fetch(`${system.url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: "admin@example.com", password: "admin-dev-password" }),
  });
  expect(login.status).toBe(200);
  token = ((await login.json()) as { access_token: string }).access_token;
  // customer@example.com signs in to the first demo customer's account.
  const customers = await api<{ data: { id: string; external_id: string | null }[] }>("GET", "/customers?limit=200", 200);
  customerId = customers.data.find((c) => c.external_id === "DEMO-0001")?.id ?? "";
  expect(customerId).not.toBe("");
  // An invoice to pay: the demo bills none to this customer, so staff issue one (before any top-up, whose
  // charge waits for its receipt and must not land on it).
  const open = await api<{ data: unknown[] }>("GET", `/invoices?customer_id=${customerId}&status=issued`, 200);
  if (open.data.length === 0) {
    const charge = await api<{ date: string }>(
      "POST",
      "/transactions",
      201,
      { customer_id: customerId, kind: "charge", description: "Replacement SIM card", amount: 1200, currency: "EUR" },
      { "Idempotency-Key": randomUUID() },
    );
    const draft = await api<{ id: string }>("POST", "/invoices", 201, { customer_id: customerId, period_start: charge.date, period_end: charge.date });
    await api("POST", `/invoices/${draft.id}/issue`, 200);
  }
});

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

describe("the customer portal on a phone (Chromium)", () => {
  let context: BrowserContext;
  let page: Page;
  let errors: string[] = [];
  let serviceUrl = "";
  let invoiceUrl = "";

  beforeAll(async () => {
    context = await browser.newContext({ viewport: PHONE });
    page = await context.newPage();
    errors = watchErrors(page);
  });
  afterAll(async () => {
    await context?.close();
  });

  it("signs in and sees the services and invoices on the overview", async () => {
    await page.goto(`${system.url}/portal`);
    await page.waitForURL(`${system.url}/portal/login`);
    await shot(page, "portal-1-login-390");
    await page.fill("#f-email", "customer@example.com");
    await page.fill("#f-password", "customer-dev-password");
    await page.click("main form button[type=submit]");
    await page.waitForURL(`${system.url}/portal`);
    expect(await textOf(page, "h1")).toMatch(/^Hello \S/);
    const services = await page.locator("#services li.tile a").evaluateAll((links) => links.map((a) => a.getAttribute("href") ?? ""));
    expect(services.length).toBeGreaterThanOrEqual(2);
    for (const href of services) expect(href).toMatch(/^\/portal\/services\/svc_\w+$/);
    expect(await page.locator("#invoices tbody tr", { hasText: "To pay" }).count()).toBeGreaterThanOrEqual(1);
    await shot(page, "portal-2-overview-390");
  });

  it("saves a Stripe test card when there is none", async () => {
    await page.click("nav.portal-nav a[href='/portal/payments']");
    await page.waitForURL(`${system.url}/portal/payments`);
    if ((await page.locator("#cards li.tile").count()) === 0) {
      await page.selectOption("#add-card select[name=stripe_payment_method_id]", "pm_card_visa");
      await page.click("#add-card button[type=submit]");
      await page.waitForURL(`${system.url}/portal/payments?done=saved`);
      expect(await textOf(page, "main")).toContain("Card saved.");
    }
    expect(await textOf(page, "#cards")).toContain("4242");
    await shot(page, "portal-3-card-saved-390");
  });

  it("tops up 5.00 on a live mobile line: the credit shows on its balance", async () => {
    await page.goto(`${system.url}/portal`);
    const tile = page.locator("#services li.tile", { has: page.locator(".badge.active, .badge.suspended") }).filter({ hasText: /\+\d{8,}/ });
    expect(await tile.count()).toBeGreaterThanOrEqual(1);
    await tile.first().locator("a").click();
    await page.waitForURL(/\/portal\/services\/svc_\w+$/);
    serviceUrl = page.url();
    const before = await credit(page);
    await page.fill("section#top-up input[name=amount]", "5.00");
    expect(await page.locator("section#top-up select[name=payment_method_id] option").count()).toBeGreaterThanOrEqual(1);
    await page.click("section#top-up button[type=submit]");
    await page.waitForURL(`${serviceUrl}?done=topped`);
    expect(await textOf(page, "main")).toContain("Topped up: the credit appears on your balance once it is confirmed.");
    expect(await credit(page)).toBe(before + 500);
    await shot(page, "portal-4-topped-up-390");
  });

  it("pays an open invoice by card and downloads its PDF", async () => {
    await page.goto(`${system.url}/portal`);
    await page.locator("#invoices tbody tr", { hasText: "To pay" }).first().locator("a[href^='/portal/invoices/']:not([href$='/pdf'])").click();
    await page.waitForURL(/\/portal\/invoices\/inv_\w+$/);
    invoiceUrl = page.url();
    expect(await textOf(page, "#invoice")).not.toContain("Amount due: €0.00");
    await page.click("section#pay form button[type=submit]");
    await page.waitForURL(`${invoiceUrl}?done=paid`);
    expect(await textOf(page, "main")).toContain("Thank you: your payment was received.");
    expect(await textOf(page, "#invoice")).toContain("Amount due: €0.00");
    expect(await page.locator("section#pay").count()).toBe(0);
    await shot(page, "portal-5-invoice-paid-390");

    const href = (await page.locator("#invoice a[href$='/pdf']").getAttribute("href")) ?? "";
    expect(href).toBe(`${new URL(invoiceUrl).pathname}/pdf`);
    const pdf = await page.request.get(`${system.url}${href}`);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()["content-type"]).toMatch(/^application\/pdf/);
    expect((await pdf.body()).subarray(0, 5).toString("latin1")).toBe("%PDF-");
  });

  it("fits a phone and a desktop: overview, service and invoice at 390 and 1280 px", async () => {
    for (const viewport of [PHONE, DESKTOP]) {
      await page.setViewportSize(viewport);
      for (const [name, url] of [
        ["overview", `${system.url}/portal`],
        ["service", serviceUrl],
        ["invoice", invoiceUrl],
      ] as const) {
        await page.goto(url);
        await shot(page, `portal-${name}-${viewport.width}`);
      }
    }
    await page.setViewportSize(PHONE);
  });

  it("switches to French with the header's FR link, and keeps it on the next pages", async () => {
    await page.goto(invoiceUrl);
    await page.click("nav.portal-lang a[lang=fr]");
    await page.waitForURL(invoiceUrl);
    expect(await page.getAttribute("html", "lang")).toBe("fr");
    const invoice = await api<{ total_amount: number }>("GET", `/invoices/${new URL(invoiceUrl).pathname.split("/").pop()}`, 200);
    const text = await textOf(page, "main");
    // French typography puts a space before the colon; the page writes "Montant dû: …", accepted here.
    expect(text).toMatch(new RegExp(`Montant dû ?: ${euros(0)}`));
    expect(text).toMatch(new RegExp(`Total ?: ${euros(invoice.total_amount)} · Payée`));
    expectFrench("invoice page", await textOf(page, "body"));
    await shot(page, "portal-6-fr-invoice-390");

    // Remembered: the back link and the nav stay in French.
    await page.click("main a[href='/portal']");
    await page.waitForURL(`${system.url}/portal`);
    expect(await page.getAttribute("html", "lang")).toBe("fr");
    expect(await textOf(page, "nav.portal-nav")).toContain("Vue d'ensemble");
    expect(await textOf(page, "#invoices")).toContain(euros(invoice.total_amount));
    expectFrench("overview", await textOf(page, "body"));
    await shot(page, "portal-7-fr-overview-390");

    await page.goto(serviceUrl);
    expect(await page.getAttribute("html", "lang")).toBe("fr");
    const balance = await textOf(page, "#balance");
    expect(balance).toContain("Crédit");
    expect(balance).toMatch(/\d+,\d{2} €/);
    // Data and minutes are numbers too: a French page writes 10,00, not 10.00.
    expect.soft(balance, "French service page: a quantity written with a decimal point").not.toMatch(/\d\.\d/);
    expect.soft(await page.getAttribute("section#top-up input[name=amount]", "placeholder"), "French top-up amount placeholder").not.toMatch(/\d\.\d/);
    expectFrench("service page", await textOf(page, "body"));
    await shot(page, "portal-8-fr-service-390");

    await page.goto(`${system.url}/portal/payments`);
    expect(await textOf(page, "h1")).toBe("Paiements");
    expectFrench("payments page", await textOf(page, "body"));
    await shot(page, "portal-9-fr-payments-390");
  });

  it("logged no console error and threw no exception", () => {
    expect(errors.filter((e) => !e.endsWith("/favicon.ico"))).toEqual([]);
  });

  it("has a favicon: browsers ask for one and log a 404 without it", async () => {
    if ((await page.locator("link[rel~=icon]").count()) > 0) return;
    expect((await page.request.get(`${system.url}/favicon.ico`)).status(), "GET /favicon.ico (and no <link rel=icon> in the portal's <head>)").toBe(200);
  });
});

describe("the public top-up page on a phone, without signing in (Chromium)", () => {
  let context: BrowserContext;
  let page: Page;
  let errors: string[] = [];
  let msisdn = "";

  beforeAll(async () => {
    context = await browser.newContext({ viewport: PHONE });
    page = await context.newPage();
    errors = watchErrors(page);
    const services = await api<{ data: ServiceView[] }>("GET", `/services?customer_id=${customerId}&limit=100`, 200);
    msisdn = services.data.find((s) => ["active", "suspended"].includes(s.status) && s.identifiers.msisdn)?.identifiers.msisdn ?? "";
    expect(msisdn).toMatch(/^\+\d{8,15}$/);
  });
  afterAll(async () => {
    await context?.close();
  });

  it("a code by SMS opens the line's top-up: 3.00 paid by a test card shows on its balance", async () => {
    await page.goto(`${system.url}/topup`);
    await shot(page, "topup-1-start-390");
    const sent = (await smsTo(msisdn)).length;
    await page.fill("#f-number", msisdn);
    await page.click("button:has-text('Send me a code by SMS')");
    await page.waitForSelector("#f-code");
    expect(await textOf(page, "#code")).toContain(`If ${formatPhone(msisdn, "FR")} is one of our numbers, a 6-digit code is on its way by SMS.`);
    await shot(page, "topup-2-code-390");
    await expect.poll(async () => (await smsTo(msisdn)).length, { timeout: 15_000, interval: 250 }).toBe(sent + 1);
    const sms = (await smsTo(msisdn)).at(-1);
    const code = /\b(\d{6})\b/.exec(sms?.text ?? "")?.[1] ?? "";
    expect(code, sms?.text).toMatch(/^\d{6}$/);

    await page.fill("#f-code", code);
    await page.click("button:has-text('Continue')");
    await page.waitForURL(`${system.url}/topup/service`);
    expect(await textOf(page, "#service")).toContain(msisdn);
    expect((await tiles(page)).length).toBeGreaterThanOrEqual(1);
    const before = await credit(page);
    await shot(page, "topup-3-service-390");

    await page.check("input[name=choice][value=amount]");
    await page.fill("#top-up input[name=amount]", "3.00");
    await page.selectOption("#top-up select[name=stripe_payment_method_id]", "pm_card_visa");
    await page.click("button:has-text('Pay and top up')");
    await page.waitForURL(`${system.url}/topup/service?done=paid`);
    expect(await textOf(page, "main")).toContain("Thank you! Your top-up is paid");
    expect(await credit(page)).toBe(before + 300);
    await shot(page, "topup-4-paid-390");
    // One card payment from this page. The page says an amount is credited as typed and tax is added
    // to the price: 3.00 credited, 3.00 + 20 % VAT paid.
    expect(await textOf(page, "main")).not.toContain("Prices include tax.");
    const payments = await api<{ data: { origin: string; status: string; amount: number }[] }>("GET", `/payments?customer_id=${customerId}`, 200);
    const paid = payments.data.filter((p) => p.origin === "topup_page");
    expect(paid.map((p) => p.status)).toEqual(["succeeded"]);
    expect(paid[0]?.amount).toBe(360);
  });

  it("a number that is not ours gets the same answer and no SMS", async () => {
    const askCode = async (number: string) => {
      await page.goto(`${system.url}/topup`);
      await page.fill("#f-number", number);
      await page.click("button:has-text('Send me a code by SMS')");
      await page.waitForSelector("#f-code");
      return textOf(page, "#code");
    };
    const answer = await askCode(STRANGER);
    expect(answer).toContain(`If ${formatPhone(STRANGER, "FR")} is one of our numbers, a 6-digit code is on its way by SMS.`);
    await shot(page, "topup-5-unknown-number-390");
    // Then a code for our number: once its SMS is out, the outbox has sent whatever was queued before it.
    const sent = (await smsTo(msisdn)).length;
    expect((await askCode(msisdn)).replace(formatPhone(msisdn, "FR"), formatPhone(STRANGER, "FR"))).toBe(answer);
    await expect.poll(async () => (await smsTo(msisdn)).length, { timeout: 15_000, interval: 250 }).toBe(sent + 1);
    expect(await smsTo(STRANGER)).toEqual([]);
  });

  it("logged no console error and threw no exception", () => {
    expect(errors.filter((e) => !e.endsWith("/favicon.ico"))).toEqual([]);
  });
});
