import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalSystem, launchChromium, startLocalSystem } from "./local-system";

const EXAMPLES = resolve(import.meta.dirname, "../../public/examples");
const SHOTS = "/tmp/obss-e2e-inventory";

let system: LocalSystem;
let browser: Browser;
let page: Page;

/** The first column of an example CSV, without its header. */
function firstColumn(file: string): string[] {
  return readFileSync(join(EXAMPLES, file), "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((line) => line.split(",")[0] ?? "");
}

const iccids = firstColumn("sims.csv");
const msisdns = firstColumn("phone-numbers.csv");

/** The Luhn check digit of a string of digits (the last digit of an ICCID). */
function luhnDigit(digits: string): string {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** The value next to a term of a details list (`<dt>term</dt><dd>value</dd>`). */
function detail(term: string, scope = "main") {
  return page.locator(`${scope} dl.details dt:text-is("${term}") + dd`);
}

/** Runs the import wizard in the browser: upload, mapping, dry run; returns the dry-run counts. */
async function uploadAndPreview(typeName: string, file: string, mode: "valid_rows" | "all_or_nothing", prefix: string) {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Inventory" }).click();
  await page.waitForURL(`${system.url}/admin/inventory`);
  await page.getByRole("navigation", { name: "Inventory" }).getByRole("link", { name: "Import" }).click();
  await page.waitForURL(`${system.url}/admin/inventory/import`);
  expect(await page.textContent("main")).toContain("Step 1 of 3");
  await page.getByLabel("Type of items").selectOption({ label: typeName });
  if (mode === "all_or_nothing") await page.getByLabel("All or nothing: one bad row imports nothing").check();
  await page.getByLabel("CSV file").setInputFiles(file);
  await shot(`${prefix}-1-upload`);
  await page.getByRole("button", { name: "Upload and map columns" }).click();
  await page.getByText("Step 2 of 3").waitFor();
  await shot(`${prefix}-2-mapping`);
  await page.getByRole("button", { name: "Preview (dry run)" }).click();
  await page.getByText("Step 3 of 3").waitFor();
  await shot(`${prefix}-3-dry-run`);
  const count = async (term: string) => Number(await page.locator(`.report-counts dt:text-is("${term}") + dd`).textContent());
  return { rows: await count("Rows"), valid: await count("Would be imported"), rejected: await count("Rejected") };
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  system = await startLocalSystem();
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

describe("inventory in Chromium: import, then order a service with the imported SIM and number", () => {
  it("signs in as the admin", async () => {
    await page.goto(`${system.url}/admin/login`);
    await page.getByLabel("Email").fill("admin@example.com");
    await page.getByLabel("Password").fill("admin-dev-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${system.url}/admin`);
  });

  it("imports the example SIM cards and phone numbers through the wizard", async () => {
    const imports: [string, string, string[], string][] = [
      ["SIM card", "sims.csv", iccids, "sim"],
      ["Phone number", "phone-numbers.csv", msisdns, "numbers"],
    ];
    for (const [typeName, file, identifiers, prefix] of imports) {
      expect(identifiers).toHaveLength(25);
      const report = await uploadAndPreview(typeName, join(EXAMPLES, file), "valid_rows", prefix);
      expect(report).toEqual({ rows: 25, valid: 25, rejected: 0 });
      expect(await page.locator("#errors-h + *").textContent()).toContain("No row errors.");
      await page.getByRole("button", { name: "Import 25 row(s)" }).click();
      await page.waitForURL(/\/admin\/inventory\/imports\/[^/]+$/);
      await shot(`${prefix}-4-imported`);
      expect(await page.textContent("h1")).toBe(`Import of ${typeName}`);
      await expect.poll(() => page.getByRole("status").filter({ hasText: "25 item(s) imported." }).count()).toBeGreaterThan(0);
      await page.getByRole("link", { name: "See the imported items" }).click();
      await page.waitForURL(/\/admin\/inventory\/items\?import_id=/);
      await shot(`${prefix}-5-imported-items`);
      const rows = page.locator("#inventory-results tbody tr");
      expect(await rows.count()).toBe(25);
      const shown = await page.locator("#inventory-results tbody tr td:first-child code").allTextContents();
      expect(new Set(shown)).toEqual(new Set(identifiers));
      expect(await rows.locator("td:nth-child(3) .badge").allTextContents()).toEqual(Array(25).fill("in stock"));
    }
  });

  it("rejects an all-or-nothing import with a bad ICCID row, naming the line, and imports nothing", async () => {
    const good = `893315000000901000${luhnDigit("893315000000901000")}`;
    const stem = "893315000000901001";
    const bad = `${stem}${(Number(luhnDigit(stem)) + 1) % 10}`;
    const file = join(SHOTS, "bad-iccid.csv");
    writeFileSync(file, `iccid,imsi,location\n${good},208159000001000,Lyon warehouse\n${bad},208159000001003,Lyon warehouse\n`);
    const report = await uploadAndPreview("SIM card", file, "all_or_nothing", "bad");
    // All or nothing: the good row would not be imported either.
    expect(report).toEqual({ rows: 2, valid: 0, rejected: 1 });
    expect(await page.getByRole("alert").filter({ hasText: "All or nothing" }).textContent()).toContain("nothing would be imported");
    const error = page.locator("table.row-errors tbody tr");
    expect(await error.count()).toBe(1);
    expect(await error.locator("td").first().textContent()).toBe("3");
    expect(await error.textContent()).toContain("ICCID");
    expect(await page.getByRole("button", { name: /^Import \d+ row/ }).count()).toBe(0);
    // Nothing was written: neither ICCID is in stock.
    for (const iccid of [good, bad]) {
      await page.goto(`${system.url}/admin/inventory/items?q=${iccid}`);
      expect(await page.textContent("#inventory-results")).toContain("No items match.");
    }
  });

  it("orders Mobile Prepaid 10 GB for an open customer with an imported SIM and number, which the service holds as reserved", async () => {
    const iccid = iccids[3] ?? "";
    const msisdn = msisdns[1] ?? "";

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Customers" }).click();
    await page.waitForURL(`${system.url}/admin/customers`);
    const open = page.locator("#customer-results tbody tr").filter({ has: page.locator(".badge", { hasText: /^open$/ }) });
    await open.first().getByRole("link").first().click();
    await page.waitForURL(/\/admin\/customers\/cus_/);
    const customerName = (await page.textContent("h1")) ?? "";

    const services = page.locator("#services");
    const product = services.getByLabel("Product");
    const option = product.locator("option", { hasText: /^Mobile Prepaid 10 GB/ });
    expect(await option.count()).toBe(1);
    await product.selectOption((await option.getAttribute("value")) ?? "");
    // A picker per inventory type of the product arrives as an htmx fragment, on "Next available";
    // typing an identifier lists the matching items in stock (htmx, as you type).
    const sim = services.getByRole("group", { name: "SIM card", exact: true });
    const number = services.getByRole("group", { name: "Phone number", exact: true });
    await sim.getByLabel("Next available").waitFor();
    expect(await sim.getByLabel("Next available").isChecked()).toBe(true);
    for (const [picker, identifier] of [
      [sim, iccid],
      [number, msisdn],
    ] as const) {
      await picker.getByRole("searchbox").fill(identifier);
      const found = picker.getByRole("radio", { name: identifier });
      await found.waitFor();
      await found.check();
    }
    await shot("order-1-form");
    await services.getByRole("button", { name: "Order" }).click();
    await page.waitForURL(/\/admin\/services\/[^/#?]+$/);
    await shot("order-2-service");
    const serviceId = new URL(page.url()).pathname.split("/").pop() ?? "";

    expect(await page.textContent("h1")).toBe("Mobile Prepaid 10 GB");
    expect(await detail("Customer").textContent()).toBe(customerName);
    expect(await detail("ICCID").textContent()).toBe(iccid);
    expect(await detail("MSISDN").textContent()).toBe(msisdn);
    const held = page.locator("#inventory tbody tr");
    expect(await held.count()).toBe(2);
    for (const [type, identifier] of [
      ["SIM card", iccid],
      ["Phone number", msisdn],
    ]) {
      const row = held.filter({ hasText: identifier });
      expect(await row.locator("td").first().textContent()).toBe(type);
      expect(await row.locator(".badge").textContent()).toBe("reserved");
    }

    await page.locator("#inventory").getByRole("link", { name: iccid }).click();
    await page.waitForURL(/\/admin\/inventory\/items\/[^/]+$/);
    await shot("order-3-sim-item");
    expect(await page.textContent("h1")).toBe(`SIM card ${iccid}`);
    expect(await detail("Status").locator(".badge").textContent()).toBe("reserved");
    expect(await detail("Customer").textContent()).toBe(customerName);
    const serviceLink = detail("Service").getByRole("link");
    expect(await serviceLink.getAttribute("href")).toBe(`/admin/services/${serviceId}`);
    expect(await page.textContent("#item-status-h + *")).toContain("Held by a service");
    await serviceLink.click();
    await page.waitForURL(`${system.url}/admin/services/${serviceId}`);

    // The item list shows both as reserved, held by the service.
    await page.goto(`${system.url}/admin/inventory/items?type=sim&status=reserved&q=${iccid}`);
    expect(await page.locator("#inventory-results tbody tr").count()).toBe(1);
    await page.goto(`${system.url}/admin/inventory/items?q=${encodeURIComponent(msisdn)}`);
    const numberRow = page.locator("#inventory-results tbody tr");
    expect(await numberRow.locator(".badge").first().textContent()).toBe("reserved");
    expect(await numberRow.getByRole("link", { name: "service" }).getAttribute("href")).toBe(`/admin/services/${serviceId}`);
  });
});
