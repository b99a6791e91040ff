import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalSystem, launchChromium, startLocalSystem } from "./local-system";

const SHOTS = "/tmp/obss-e2e-staff-nav";
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1366, height: 900 };

let system: LocalSystem;
let browser: Browser;
const contexts: BrowserContext[] = [];
const errors: string[] = [];

/** A signed-in page in its own context, its console errors and exceptions collected. */
async function signedIn(viewport: { width: number; height: number }, email = "admin@example.com", javaScriptEnabled = true): Promise<Page> {
  const context = await browser.newContext({ viewport, javaScriptEnabled });
  contexts.push(context);
  const page = await context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`${page.url()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));
  await page.goto(`${system.url}/admin/login`);
  await page.fill("#email", email);
  const password = email === "admin@example.com" ? system.vars.SEED_ADMIN_PASSWORD : system.vars.SEED_STAFF_PASSWORD;
  await page.fill("#password", password ?? "");
  await page.click("button:has-text('Sign in')");
  await page.waitForURL(`${system.url}/admin`);
  return page;
}

/** How many pixels the page scrolls sideways (0 when it fits the window). */
const sidewaysBy = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

/** The id of the focused element's closest ancestor with an id, or its class (where the focus is). */
const focusIn = (page: Page) =>
  page.evaluate(() => {
    const active = document.activeElement;
    return active?.closest("[id]")?.id === "main-nav" ? "main-nav" : (active?.className ?? "");
  });

const navShown = (page: Page) => page.locator("#main-nav").isVisible();
const menu = (page: Page) => page.locator(".menu-button");

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

describe("staff navigation on a 390 px phone", () => {
  it("opens the navigation from the Menu button, closes it with Escape and a second press, moving focus in and back", async () => {
    const page = await signedIn(PHONE);
    expect(await navShown(page)).toBe(false);
    expect(await menu(page).isVisible()).toBe(true);
    expect(await menu(page).getAttribute("aria-expanded")).toBe("false");
    // Menu, logo and the user menu share the first row of the top bar.
    const row = async (selector: string) => Math.round((await page.locator(selector).boundingBox())?.y ?? -1);
    expect(Math.abs((await row(".user-menu")) - (await row(".menu-button")))).toBeLessThan(12);

    await menu(page).click();
    expect(await menu(page).getAttribute("aria-expanded")).toBe("true");
    expect(await navShown(page)).toBe(true);
    expect(await focusIn(page)).toBe("main-nav");
    const links = await page.locator("#main-nav a").allTextContents();
    expect(links.map((l) => l.trim())).toEqual(expect.arrayContaining(["◧Dashboard", "☺Customers", "◉Cell broadcast", "⚑Settings"]));
    // A full-width drawer starting under the top bar.
    const drawer = await page.locator("#main-nav").boundingBox();
    const topbar = await page.locator(".topbar").boundingBox();
    expect(drawer?.width).toBe(PHONE.width);
    expect(Math.round(drawer?.y ?? 0)).toBe(Math.round((topbar?.y ?? 0) + (topbar?.height ?? 0)));
    await page.screenshot({ path: join(SHOTS, "menu-open-390.png") });

    await page.keyboard.press("Escape");
    expect(await navShown(page)).toBe(false);
    expect(await menu(page).getAttribute("aria-expanded")).toBe("false");
    expect(await focusIn(page)).toContain("menu-button");

    await page.keyboard.press("Enter");
    expect(await navShown(page)).toBe(true);
    await menu(page).click();
    expect(await navShown(page)).toBe(false);
    expect(await focusIn(page)).toContain("menu-button");
  });

  it("navigates from the drawer, which is closed on the next page", async () => {
    const page = await signedIn(PHONE);
    await menu(page).click();
    await page.click("#main-nav a:has-text('Customers')");
    await page.waitForURL(`${system.url}/admin/customers`);
    expect(await navShown(page)).toBe(false);
    expect(await page.textContent("h1")).toContain("Customers");
  });

  it("does not scroll sideways on the dashboard, customers and broadcasts, menu open or closed", async () => {
    const page = await signedIn(PHONE);
    for (const [path, name] of [
      ["/admin", "dashboard"],
      ["/admin/customers", "customers"],
      ["/admin/broadcasts", "broadcasts"],
    ] as const) {
      await page.goto(`${system.url}${path}`);
      expect.soft(await sidewaysBy(page), `${path} scrolls sideways`).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(SHOTS, `${name}-390.png`), fullPage: true });
      await menu(page).click();
      expect.soft(await sidewaysBy(page), `${path} with the menu open scrolls sideways`).toBeLessThanOrEqual(0);
      await page.keyboard.press("Escape");
    }
  });

  it("reaches the navigation without JavaScript (the Menu link targets it)", async () => {
    const page = await signedIn(PHONE, "admin@example.com", false);
    expect(await navShown(page)).toBe(false);
    await menu(page).click();
    await expect.poll(() => page.url()).toContain("#main-nav");
    expect(await navShown(page)).toBe(true);
    await page.screenshot({ path: join(SHOTS, "menu-no-js-390.png") });
  });
});

describe("keyboard shortcuts at 1366 px", () => {
  it("keeps the sidebar and hides the Menu button on a desktop", async () => {
    const page = await signedIn(DESKTOP);
    expect(await navShown(page)).toBe(true);
    expect(await menu(page).isVisible()).toBe(false);
    await page.screenshot({ path: join(SHOTS, "desktop-1366.png") });
  });

  it("opens the shortcuts dialog with ?, and from the user menu; Escape and Close close it", async () => {
    const page = await signedIn(DESKTOP);
    const dialog = page.locator("dialog#keyboard-shortcuts");
    expect(await dialog.isVisible()).toBe(false);
    await page.keyboard.press("?");
    expect(await dialog.isVisible()).toBe(true);
    expect(await page.getByRole("dialog", { name: "Keyboard shortcuts" }).isVisible()).toBe(true);
    expect(await dialog.textContent()).toContain("Go to Customers");
    await page.screenshot({ path: join(SHOTS, "shortcuts-dialog-1366.png") });
    await page.keyboard.press("Escape");
    expect(await dialog.isVisible()).toBe(false);

    await page.click("a:has-text('Keyboard shortcuts (?)')");
    expect(await dialog.isVisible()).toBe(true);
    await dialog.locator("button:has-text('Close')").click();
    expect(await dialog.isVisible()).toBe(false);
    expect(page.url()).toBe(`${system.url}/admin`);
  });

  it("goes to customers with g then c, but not when g c is typed in the search box or c comes too late", async () => {
    const page = await signedIn(DESKTOP);
    await page.click("#global-search-input");
    await page.keyboard.type("g c");
    expect(await page.inputValue("#global-search-input")).toBe("g c");
    await page.waitForTimeout(300);
    expect(page.url()).toBe(`${system.url}/admin`);

    await page.locator("#global-search-input").blur();
    await page.keyboard.press("g");
    await page.waitForTimeout(1700);
    await page.keyboard.press("c");
    await page.waitForTimeout(300);
    expect(page.url()).toBe(`${system.url}/admin`);

    await page.keyboard.press("Control+g");
    await page.keyboard.press("c");
    await page.waitForTimeout(300);
    expect(page.url()).toBe(`${system.url}/admin`);

    await page.keyboard.press("g");
    await page.keyboard.press("c");
    await page.waitForURL(`${system.url}/admin/customers`);
    await page.keyboard.press("g");
    await page.keyboard.press("j");
    await page.waitForURL(`${system.url}/admin/jobs`);
  });

  it("offers a broadcaster only the areas in its navigation: g i works, g c does nothing", async () => {
    const page = await signedIn(DESKTOP, "broadcaster@example.com");
    await page.keyboard.press("?");
    const listed = await page.locator("#keyboard-shortcuts dd").allTextContents();
    expect(listed.filter((t) => t.startsWith("Go to"))).toEqual(["Go to Inventory"]);
    await page.keyboard.press("Escape");
    await page.keyboard.press("g");
    await page.keyboard.press("c");
    await page.waitForTimeout(300);
    expect(page.url()).toBe(`${system.url}/admin`);
    await page.keyboard.press("g");
    await page.keyboard.press("i");
    await page.waitForURL(`${system.url}/admin/inventory`);
  });

  it("logged no console error and threw no exception", () => {
    expect(errors).toEqual([]);
  });
});
