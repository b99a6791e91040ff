import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Cookie, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalSystem, launchChromium, startLocalSystem } from "./local-system";
import { axeProblems, overflowProblems, watchPage } from "./page-checks";
import { ADMIN_PAGES, type Ids, type PageSpec, PORTAL_PAGES } from "./page-list";

/**
 * Every admin page (and every portal page) in real Chromium at 1366 and 390 px: no sideways
 * scrolling, no console error, exception or failed same-origin request, no serious or critical
 * axe-core violation; a full-page screenshot of each in SHOTS (`<area>-<page>-<width>.png`).
 * The pages are listed in page-list.ts (how to add one is said there); test/page-routes.test.ts
 * fails when a router has a GET route the list does not name.
 */

const SHOTS = "/tmp/obss-e2e-admin-pages";
const WIDTHS = [
  { width: 1366, height: 900 },
  { width: 390, height: 844 },
];
const ROOT = join(import.meta.dirname, "../..");

const screenshotName = (spec: PageSpec) =>
  spec.name ??
  (spec.route
    .replace(/^\/$/, "dashboard")
    .replace(/^\//, "")
    .replace(/[/:]+/g, "-")
    .replace(/[^a-z0-9.-]/gi, "") ||
    "home");

let system: LocalSystem;
let browser: Browser;
let token = "";
const ids = {} as Ids;
const sessions: Record<"admin" | "portal", Cookie[]> = { admin: [], portal: [] };

/** A call to the staff API as the admin; fails on any status but `expected`. */
async function api<T>(method: string, path: string, expected: number, body?: unknown, contentType = "application/json"): Promise<T> {
  const response = await fetch(`${system.url}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Idempotency-Key": randomUUID(), ...(body === undefined ? {} : { "Content-Type": contentType }) },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== expected) throw new Error(`${method} ${path}: HTTP ${response.status} ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}

/** The first record id (`cus_01…`, not "new") in a signed-in page's links `href="<prefix><id>…"`. */
async function firstLinked(context: BrowserContext, path: string, prefix: string): Promise<string> {
  const html = await (await context.request.get(`${system.url}${path}`)).text();
  const escaped = prefix.replace(/[/.?]/g, "\\$&");
  const id = new RegExp(`href="${escaped}([a-z]+_[0-9a-z]{20,})`).exec(html)?.[1];
  if (!id) throw new Error(`No link to ${prefix}… on ${path}`);
  return id;
}

/** Signs in through the login form and keeps the session's cookies. */
async function signIn(area: "admin" | "portal", email: string, password: string): Promise<void> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${system.url}/${area}/login`);
  await page.fill("input[name=email]", email);
  await page.fill("input[name=password]", password);
  await page.click("button[type=submit]");
  await page.waitForURL(`${system.url}/${area}`);
  sessions[area] = await context.cookies();
  if (area === "admin") await findIds(context);
  else {
    ids.portalService = await firstLinked(context, "/portal", "/portal/services/");
    ids.portalInvoice = await firstLinked(context, "/portal", "/portal/invoices/");
  }
  await context.close();
}

type Listed<T> = { data: T[] };

/** The demo records the pages show, and the few the demo does not make (a bill run, a webhook, a broadcast, a payment, config versions). */
async function findIds(context: BrowserContext): Promise<void> {
  const customers = await api<Listed<{ id: string; external_id: string | null; status: string }>>("GET", "/customers?limit=200", 200);
  ids.customer = customers.data.find((c) => c.external_id === "DEMO-0001")?.id ?? "";
  ids.suspendedCustomer = customers.data.find((c) => c.status === "suspended")?.id ?? "";
  const services = await api<Listed<{ id: string; product_name: string; service_type: string }>>("GET", "/services?limit=200", 200);
  ids.prepaidService = services.data.find((s) => s.product_name === "Mobile Prepaid 10 GB")?.id ?? "";
  ids.fixedService = services.data.find((s) => s.service_type === "fixed_internet")?.id ?? "";
  ids.contact = await firstLinked(context, `/admin/customers/${ids.customer}`, "/admin/contacts/");
  ids.site = await firstLinked(context, `/admin/customers/${ids.customer}`, "/admin/sites/");
  // A plan the service can move to: an option of the "Change plan" select that is not the current one.
  const service = await (await context.request.get(`${system.url}/admin/services/${ids.prepaidService}`)).text();
  const plans = /<select id="f-plan-product"[\s\S]*?<\/select>/.exec(service)?.[0] ?? "";
  ids.newPlan = [...plans.matchAll(/<option value="(prd_\w+)"[^>]*>([^<]*)</g)].find((m) => !m[2]?.includes("current"))?.[1] ?? "";
  ids.job = await firstLinked(context, "/admin/jobs", "/admin/jobs/");
  ids.product = await firstLinked(context, "/admin/catalog", "/admin/catalog/");
  ids.item = await firstLinked(context, "/admin/inventory/items?type=sim", "/admin/inventory/items/");
  ids.configItem = await firstLinked(context, "/admin/inventory/items?type=cpe", "/admin/inventory/items/");
  for (const content of ["hostname demo-box\n", "hostname demo-box\nntp server 192.0.2.1\n"])
    await api("POST", `/inventory/items/${ids.configItem}/configs`, 201, { content, note: "page checks" });
  ids.import = await firstLinked(context, `/admin/inventory/items/${ids.item}`, "/admin/inventory/imports/");
  ids.user = await firstLinked(context, "/admin/users", "/admin/users/");
  ids.role = "rol_support";
  ids.taxRate = await firstLinked(context, "/admin/tax-rates", "/admin/tax-rates/");
  ids.invoice = (await api<Listed<{ id: string }>>("GET", `/invoices?customer_id=${ids.customer}`, 200)).data[0]?.id ?? "";
  // A partial payment by hand (the invoice stays payable), a webhook endpoint, a bill run and a broadcast.
  await api("POST", "/payments", 201, { invoice_id: ids.invoice, amount: 100, method: "bank_transfer", reference: "page checks" });
  ids.webhook = (await api<{ id: string }>("POST", "/webhook-endpoints", 201, { url: "http://127.0.0.1:9/hooks", events: ["invoice.issued"] })).id;
  const month = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() - 1, 1));
  const last = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 0));
  const day = (d: Date) => d.toISOString().slice(0, 10);
  ids.billRun = (await api<{ id: string }>("POST", "/bill-runs", 202, { period_start: day(month), period_end: day(last), issue: false, send: false })).id;
  const cap = readFileSync(join(ROOT, "test/cell-broadcast/fixtures/severe-thunderstorm.xml"), "utf8");
  ids.broadcast = (await api<{ id: string }>("POST", "/broadcasts", 201, cap, "application/cap+xml")).id;
  const unset = Object.entries(ids).filter(([, v]) => !v);
  expect(unset, "demo records not found").toEqual([]);
}

describe("the checks", () => {
  const own = launchChromium();
  afterAll(async () => (await own).close());

  it("catch what they look for: a page too wide for a phone, grey on grey text, an input without a label", async () => {
    const context = await (await own).newContext({ viewport: WIDTHS[1] });
    const page = await context.newPage();
    await page.setContent(
      `<html lang="en"><head><title>Bad page</title></head><body><main><h1>Bad</h1>
      <p style="color:#aaa;background:#bbb">Hard to read</p><input name="q"><div style="width:600px" id="wide">wide</div>
      <p id="long">${"x".repeat(120)}</p></main></body></html>`,
    );
    const overflow = await overflowProblems(page);
    const axe = await axeProblems(page);
    await context.close();
    expect(overflow).toHaveLength(1);
    expect(overflow[0]).toMatch(/^scrolls sideways: scrollWidth \d+ > innerWidth 390; widest: /);
    expect(overflow[0]).toContain('main > div#wide "wide" (right edge at 608 px, 600 px wide)');
    expect(overflow[0]).toMatch(/main > p#long "x+" \(content \d+ px wide in a 374 px box\)/);
    expect(axe.map((p) => p.split(" ")[1])).toEqual(expect.arrayContaining(["color-contrast", "label"]));
    expect(axe.join("\n")).toContain("https://dequeuniversity.com/rules/axe/");
  });
});

describe("every page in Chromium", () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    system = await startLocalSystem();
    browser = await launchChromium();
    const login = await fetch(`${system.url}/api/v1/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: "admin@example.com", password: system.vars.SEED_ADMIN_PASSWORD }),
    });
    expect(login.status).toBe(200);
    token = ((await login.json()) as { access_token: string }).access_token;
    await signIn("admin", "admin@example.com", system.vars.SEED_ADMIN_PASSWORD ?? "");
    await signIn("portal", "customer@example.com", system.vars.SEED_CUSTOMER_PASSWORD ?? "");
  });

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  /** One describe per area and width: one browser context, signed out for the sign-in pages, then with the session. */
  /** One area's pages, each checked at both widths at once: one browser context per width, signed out for the sign-in pages. */
  function checkPages(area: "admin" | "portal", pages: PageSpec[]) {
    describe(`${area} pages at ${WIDTHS.map((w) => w.width).join(" and ")} px`, () => {
      const windows: { width: number; context: BrowserContext; page: Page; watch: ReturnType<typeof watchPage>; signedIn: boolean }[] = [];

      beforeAll(async () => {
        for (const viewport of WIDTHS) {
          const context = await browser.newContext({ viewport });
          const page = await context.newPage();
          windows.push({ width: viewport.width, context, page, watch: watchPage(page, system.url), signedIn: false });
        }
      });
      afterAll(async () => {
        for (const w of windows) await w.context.close();
      });

      /** The page's problems at one width (each line starts with the width); its screenshot saved. */
      async function visit(w: (typeof windows)[number], spec: PageSpec, url: string): Promise<string[]> {
        const needsSession = !spec.signedOut;
        if (needsSession !== w.signedIn) {
          await w.context.clearCookies();
          if (needsSession) await w.context.addCookies(sessions[area]);
          w.signedIn = needsSession;
        }
        const status = spec.status ?? 200;
        w.watch.expect(url, status);
        const response = await w.page.goto(url);
        const problems: string[] = [];
        if (response?.status() !== status) problems.push(`answered HTTP ${response?.status()}, not ${status}`);
        if (w.page.url() !== url) problems.push(`redirected to ${w.page.url()}`);
        // Fragments htmx loads with the page (hx-trigger="load") arrive before the checks.
        await w.page.waitForFunction(() => !document.querySelector(".htmx-request"), undefined, { timeout: 3_000 }).catch(() => undefined);
        problems.push(...(await overflowProblems(w.page)), ...(await axeProblems(w.page)));
        await w.page.screenshot({ path: join(SHOTS, `${area}-${screenshotName(spec)}-${w.width}.png`), fullPage: true });
        problems.push(...w.watch.take());
        return problems.map((p) => `${w.width} px: ${p}`);
      }

      it.each(pages.map((spec) => ({ spec, label: spec.name ?? spec.route })))("$label", async ({ spec }) => {
        const url = `${system.url}/${area}${typeof spec.path === "string" ? spec.path : spec.path(ids)}`.replace(/\/$/, "");
        const problems = (await Promise.all(windows.map((w) => visit(w, spec, url)))).flat();
        expect(problems, url).toEqual([]);
      });
    });
  }

  checkPages("admin", ADMIN_PAGES);
  checkPages("portal", PORTAL_PAGES);

  // What the generic checks cannot see: the activity log names its subjects (no ids as link texts),
  // each entry's subject is in view on a phone, and a customer's sites map fits its card.
  it.each(WIDTHS)("names subjects in the activity log and fits the sites map in its card at $width px", async (viewport) => {
    const context = await browser.newContext({ viewport });
    try {
      await context.addCookies(sessions.admin);
      const page = await context.newPage();
      await page.goto(`${system.url}/admin/customers/${ids.customer}`);
      const map = await page.locator("#sites-map svg").boundingBox();
      const card = await page.locator("#sites").boundingBox();
      expect(map && card && map.x >= card.x && map.x + map.width <= card.x + card.width).toBe(true);
      await page.goto(`${system.url}/admin/activity`);
      const texts = await page.locator("table.activity-log a").allTextContents();
      expect(texts.length).toBeGreaterThan(0);
      expect(texts.filter((text) => /^[a-z]{2,4}_[0-9a-z]{26}$/.test(text.trim()))).toEqual([]);
      const subject = await page.locator("table.activity-log .activity-subject").first().boundingBox();
      expect(subject && subject.x + subject.width <= viewport.width).toBe(true);
    } finally {
      await context.close();
    }
  });
});
