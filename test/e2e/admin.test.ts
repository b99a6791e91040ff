import { generate } from "otplib";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalSystem, launchChromium, startLocalSystem } from "./local-system";

let system: LocalSystem;
let browser: Browser;
let page: Page;
/** The customer the second test creates, for the tests after it. */
let customerPage = "";

beforeAll(async () => {
  system = await startLocalSystem();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

describe("admin pages in Chromium", () => {
  it("signs in with the seeded admin and sees the demo operator's dashboard", async () => {
    await page.goto(`${system.url}/admin/customers`);
    await expect.poll(() => page.url()).toContain("/admin/login");
    await page.fill("#email", "admin@example.com");
    await page.fill("#password", "wrong password!");
    await page.click("button:has-text('Sign in')");
    await expect.poll(() => page.textContent("[role=alert]")).toContain("Email or password is incorrect.");
    await page.fill("#password", "admin-dev-password");
    await page.click("button:has-text('Sign in')");
    await page.waitForURL(`${system.url}/admin/customers`);
    expect(await page.textContent(".brand")).toContain("Demo Telecom");
    expect(await page.locator("#customer-results tbody tr").count()).toBe(25);
  });

  it("creates a customer with a contact and a site, finds it with the search box and sees it on its page", async () => {
    await page.click("a:has-text('New customer')");
    await page.click("button:has-text('Create customer')");
    await expect.poll(() => page.locator(".field-error").first().textContent()).toBe("Required");
    await page.fill("#f-name", "Quixotic Fibre Works");
    await page.selectOption("#f-type", "business");
    await page.fill("#f-tags", "vip, fibre");
    await page.click("button:has-text('Create customer')");
    await page.waitForURL(/\/admin\/customers\/cus_/);
    const customerUrl = page.url();
    expect(await page.textContent("h1")).toBe("Quixotic Fibre Works");

    await page.click("a:has-text('Add contact')");
    await page.fill("#f-first_name", "Dulcinea");
    await page.fill("#f-last_name", "Toboso");
    await page.fill("#f-email", "dulcinea@quixotic.example");
    await page.fill("#f-phone", "+33 6 11 22 33 44");
    await page.check("input[name=roles][value=primary]");
    await page.click("button:has-text('Add contact')");
    await page.waitForURL(/#contacts$/);
    // Stored as E.164 (the tel: link), shown in the international format.
    expect(await page.getAttribute("#contacts a[href^='tel:']", "href")).toBe("tel:+33611223344");
    expect(await page.textContent("#contacts")).toContain("+33 6 11 22 33 44");

    await page.click("a:has-text('Add site')");
    await page.fill("#f-name", "Windmill");
    await page.fill("#f-address_line1", "1 Rue de la République");
    await page.fill("#f-postal_code", "69002");
    await page.fill("#f-city", "Lyon");
    await page.fill("#f-country", "FR");
    await page.click("button:has-text('Add site')");
    await page.waitForURL(/#sites$/);
    const sites = await page.textContent("#sites");
    expect(sites).toContain("Windmill");
    expect(sites).toMatch(/45\.\d+, 4\.\d+/);

    // Keyboard: "/" focuses global search; suggestions appear while typing.
    await page.goto(`${system.url}/admin`);
    await page.keyboard.press("/");
    await page.keyboard.type("quixo");
    // The customer itself ranks first; its contact and site mention it too.
    const first = page.locator("#search-suggestions a.suggestion").first();
    await first.waitFor();
    expect(await first.getAttribute("href")).toBe(new URL(customerUrl).pathname);
    expect(await page.locator("#search-suggestions").textContent()).toContain("Dulcinea Toboso");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    await page.waitForURL(customerUrl);
    expect(await page.textContent("#contacts")).toContain("Dulcinea Toboso");
    expect(await page.textContent("#tags")).toContain("vip");
    expect(await page.textContent("#activity")).toContain("site.create");

    // The grouped results page.
    await page.fill("#global-search-input", "dulcinea");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/admin\/search\?q=dulcinea/);
    expect(await page.textContent("main")).toContain("Contacts");
    customerPage = customerUrl;
  });

  it("asks before a destructive form is sent: dismissed, nothing happens; accepted, it is sent", async () => {
    await page.goto(customerPage);
    const remove = page.locator("#contacts form[action$='/delete'] button").first();
    const asked: string[] = [];
    page.once("dialog", (dialog) => {
      asked.push(dialog.message());
      void dialog.dismiss();
    });
    await remove.click();
    await expect.poll(() => asked.length).toBe(1);
    expect(asked[0]).toBe("Delete contact Dulcinea?");
    expect(page.url()).toBe(customerPage);
    expect(await page.textContent("#contacts")).toContain("Dulcinea Toboso");
    page.once("dialog", (dialog) => {
      asked.push(dialog.message());
      void dialog.accept();
    });
    await remove.click();
    await expect.poll(() => page.textContent("#contacts")).not.toContain("Dulcinea Toboso");
    expect(asked).toHaveLength(2);
  });

  it("sets up 2FA with the authenticator URI, then signs in with a code and with a backup code", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const tab = await context.newPage();
    const signIn = async (code: string) => {
      await tab.goto(`${system.url}/admin/login`);
      await tab.fill("#email", "support@example.com");
      await tab.fill("#password", "staff-dev-password");
      await tab.click("button:has-text('Sign in')");
      await tab.waitForSelector("#code");
      await tab.fill("#code", code);
      await tab.click("button:has-text('Verify')");
      await tab.waitForURL(`${system.url}/admin`);
    };
    await tab.goto(`${system.url}/admin/login`);
    await tab.fill("#email", "support@example.com");
    await tab.fill("#password", "staff-dev-password");
    await tab.click("button:has-text('Sign in')");
    await tab.waitForURL(`${system.url}/admin`);
    await tab.click("a.small:has-text('Sam Support')");
    await tab.click("a:has-text('Set up')");
    await tab.click("button:has-text('Set up two-factor authentication')");
    await tab.waitForSelector(".qr svg");
    await tab.click("summary:has-text('Setup link')");
    const uri = (await tab.textContent("code.break")) ?? "";
    expect(uri).toMatch(/^otpauth:\/\/totp\/.+secret=/);
    const secret = new URL(uri).searchParams.get("secret") ?? "";
    await tab.fill("#code", await generate({ secret }));
    await tab.click("button:has-text('Turn on two-factor authentication')");
    await tab.waitForSelector(".backup-codes");
    const backups = await tab.locator(".backup-codes code").allTextContents();
    expect(backups).toHaveLength(10);
    await tab.click("a:has-text('I have stored them')");
    await tab.click("button:has-text('Sign out')");
    await tab.waitForURL(/\/admin\/login/);
    // The enabling code is spent; the next time step's code is within the accepted window.
    await signIn(await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }));
    expect(await tab.textContent("h1")).toBe("Dashboard");
    await tab.click("button:has-text('Sign out')");
    await tab.waitForURL(/\/admin\/login/);
    await signIn(backups[0] ?? "");
    await tab.goto(`${system.url}/admin/account`);
    expect(await tab.textContent("main")).toContain("9 unused backup code(s) left.");
    await context.close();
  });
});
