/**
 * The activity log, the dashboard and search at 390 px (phone) and 1366 px (laptop), on the demo data:
 * no page scrolls sideways, names are shown rather than ids; a customer's sites map fits its card.
 * Screenshots in /tmp/obss-e2e-overview.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalSystem, launchChromium, startLocalSystem } from "./local-system";

const SHOTS = "/tmp/obss-e2e-overview";
let system: LocalSystem;
let browser: Browser;
const contexts: BrowserContext[] = [];

async function signedIn(viewport: { width: number; height: number }): Promise<Page> {
  const context = await browser.newContext({ viewport });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${system.url}/admin/login`);
  await page.fill("#email", "admin@example.com");
  await page.fill("#password", system.vars.SEED_ADMIN_PASSWORD ?? "");
  await page.click("button:has-text('Sign in')");
  await page.waitForURL(`${system.url}/admin`);
  return page;
}

/** How many pixels the page scrolls sideways (0 when it fits the window). */
const sidewaysBy = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  system = await startLocalSystem();
  browser = await launchChromium();
});

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await system?.stop();
});

describe("activity log, dashboard and search on a phone and a laptop", () => {
  for (const [name, viewport] of [
    ["390", { width: 390, height: 844 }],
    ["1366", { width: 1366, height: 900 }],
  ] as const) {
    it(`fit ${name} px without scrolling sideways, and name subjects`, async () => {
      const page = await signedIn(viewport);
      const customerLink = page.locator("#recent-activity a[href^='/admin/customers/']").first();
      const customer = (await customerLink.getAttribute("href")) ?? "/admin/customers";
      for (const [path, shot] of [
        ["/admin", "dashboard"],
        ["/admin?activity=all", "dashboard-all"],
        ["/admin/activity", "activity"],
        ["/admin/activity?kind=business&from=2000-01-01", "activity-filtered"],
        ["/admin/search?q=a", "search"],
      ] as const) {
        await page.goto(`${system.url}${path}`);
        expect.soft(await sidewaysBy(page), `${path} scrolls sideways at ${name} px`).toBeLessThanOrEqual(0);
        await page.screenshot({ path: join(SHOTS, `${shot}-${name}.png`), fullPage: true });
      }
      // The customer's sites map fits its card (the page's order form is another matter).
      await page.goto(`${system.url}${customer.split("#")[0]}`);
      const map = await page.locator("#sites-map svg").boundingBox();
      const card = await page.locator("#sites").boundingBox();
      expect(map && card && map.x >= card.x && map.x + map.width <= card.x + card.width).toBe(true);
      await page.locator("#sites").screenshot({ path: join(SHOTS, `customer-sites-${name}.png`) });
      await page.goto(`${system.url}/admin/activity`);
      // Subjects are names: the activity table's links do not show ids as their text.
      const texts = await page.locator("table.activity-log a").allTextContents();
      // Every entry's subject is in view without scrolling the table (on a phone, entries are blocks).
      const subject = await page.locator("table.activity-log .activity-subject").first().boundingBox();
      expect(subject && subject.x + subject.width <= viewport.width).toBe(true);
      expect(texts.length).toBeGreaterThan(0);
      expect(texts.filter((t) => /^[a-z]{2,4}_[0-9a-z]{26}$/.test(t.trim()))).toEqual([]);
    });
  }
});
