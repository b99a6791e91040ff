import { afterEach, describe, expect, it } from "vitest";
import { PLAYBOOKS } from "../domain/catalog/playbooks";
import { displayUnit, exactDecimal, parseMoneyAmount, parseQuantity, readableQuantity } from "../domain/catalog/units";
import { api, pageSession, unique } from "./helpers";

const unit = (id: string, currency = "EUR") => displayUnit(id, currency);
const amount = (text: string, id: string, currency = "EUR") => {
  const q = parseQuantity(text, unit(id, currency), currency);
  return q.ok ? q.amount : q.message;
};
const slug = (p: string) =>
  unique(p)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 40);

describe("balance units typed by people", () => {
  it("converts decimals exactly to bytes, seconds, messages and minor units", () => {
    expect(amount("1.5", "GB")).toBe(1_610_612_736);
    expect(amount("10", "GB")).toBe(10 * 2 ** 30);
    expect(amount("0,5", "MB")).toBe(524_288);
    expect(amount("90", "min")).toBe(5400);
    expect(amount("1.5", "min")).toBe(90);
    expect(amount("45", "s")).toBe(45);
    expect(amount("100", "sms")).toBe(100);
    expect(amount("0.01", "money")).toBe(1);
    expect(amount("19.99", "money")).toBe(1999);
    expect(amount("1.005", "money", "TND")).toBe(1005);
    expect(amount("500", "money", "JPY")).toBe(500);
    // Decimals a float would round: still exact.
    expect(amount("9.5367431640625", "MB")).toBe(10_000_000);
    expect(amount("931322", "GB")).toBe(931_322 * 2 ** 30);
  });

  it("refuses what is not a whole number of the base unit, or not a number", () => {
    expect(amount("1.1", "GB")).toBe("1.1 GB is not a whole number of bytes: use fewer decimals or MB");
    expect(amount("1.01", "min")).toBe("1.01 minutes is not a whole number of seconds: use seconds");
    expect(amount("1.5", "sms")).toBe("Must be a whole number of SMS");
    expect(amount("0.001", "money")).toBe("At most 2 decimals in EUR");
    expect(amount("1.5", "money", "JPY")).toBe("JPY has no decimals");
    expect(amount("0", "GB")).toBe("Must be more than 0");
    expect(amount("1e3", "GB")).toBe("Must be a number such as 10 or 1.5 (GB)");
    expect(amount("-1", "min")).toBe("Must be a number such as 10 or 1.5 (minutes)");
    expect(amount("2000000", "GB")).toBe("Too large");
    expect(parseMoneyAmount("0", "EUR")).toEqual({ ok: true, amount: 0 });
    expect(parseMoneyAmount("19.999", "EUR")).toEqual({ ok: false, message: "At most 2 decimals in EUR" });
  });

  it("shows stored amounts back in the most readable unit, exactly", () => {
    expect(readableQuantity("data", 1_610_612_736, "EUR")).toEqual({ value: "1.5", unit: "GB" });
    expect(readableQuantity("data", 512 * 2 ** 20, "EUR")).toEqual({ value: "512", unit: "MB" });
    expect(readableQuantity("data", 1000, "EUR")).toEqual({ value: "0.00095367431640625", unit: "MB" });
    expect(readableQuantity("voice", 5400, "EUR")).toEqual({ value: "90", unit: "min" });
    expect(readableQuantity("voice", 61, "EUR")).toEqual({ value: "61", unit: "s" });
    expect(readableQuantity("sms", 100, "EUR")).toEqual({ value: "100", unit: "sms" });
    expect(readableQuantity("monetary", 1, "EUR")).toEqual({ value: "0.01", unit: "money" });
    expect(readableQuantity("monetary", 1000, "EUR")).toEqual({ value: "10.00", unit: "money" });
    expect(readableQuantity("monetary", 500, "JPY")).toEqual({ value: "500", unit: "money" });
    expect(exactDecimal(1, 3n, 5)).toBeNull();
    // What is shown parses back to the same amount.
    for (const [u, a] of [
      ["data", 1000],
      ["data", 3 * 2 ** 29],
      ["voice", 61],
      ["voice", 7200],
    ] as const) {
      const shown = readableQuantity(u, a, "EUR");
      expect(amount(shown.value, shown.unit)).toBe(a);
    }
  });
});

describe("the product form", () => {
  const added: string[] = [];
  afterEach(() => {
    for (const name of added.splice(0)) delete PLAYBOOKS[name];
  });

  it("takes balances and thresholds in GB, minutes, SMS and money, and shows them back that way", async () => {
    const s = await pageSession("provisioning");
    const form = await (await s.get("/admin/catalog/new")).text();
    expect(form).toContain('name="included_balances.amount"');
    expect(form).toContain('<option value="MB">MB</option>');
    expect(form).toContain('<option value="min">minutes</option>');
    expect(form).not.toContain('name="included_balances"');
    const base = {
      name: "Units Plan",
      type: "standalone",
      service_type: "mobile",
      status: "draft",
      retail_price: "9.99",
      customer_types: ["individual"],
    };
    const bad = await s.post("/admin/catalog/new", {
      ...base,
      slug: slug("units"),
      retail_price: "19.999",
      "included_balances.amount": ["1.1", "90", ""],
      "included_balances.unit": ["GB", "min", "GB"],
      "included_balances.validity_days": ["30", "", ""],
      "low_balance_thresholds.data": "0.5",
      "low_balance_thresholds.data.unit": "GB",
    });
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(html).toContain("At most 2 decimals in EUR");
    expect(html).toContain("1.1 GB is not a whole number of bytes: use fewer decimals or MB");
    expect(html).toContain('value="1.1"');
    expect(html).toContain('value="90"');

    const ok = await s.post("/admin/catalog/new", {
      ...base,
      slug: slug("units"),
      "included_balances.amount": ["1.5", "90", "", "100", "0.01"],
      "included_balances.unit": ["GB", "min", "GB", "sms", "money"],
      "included_balances.validity_days": ["30", "", "", "7", ""],
      "low_balance_thresholds.data": "512",
      "low_balance_thresholds.data.unit": "MB",
      "low_balance_thresholds.voice": "5",
      "low_balance_thresholds.voice.unit": "min",
      "low_balance_thresholds.sms": "",
      "low_balance_thresholds.monetary": "2.50",
    });
    expect(ok.status, await ok.clone().text()).toBe(303);
    const path = ok.headers.get("location") ?? "";
    const product = (await api("GET", `/products/${path.split("/").pop()}`)).body;
    expect(product.retail_price).toBe(999);
    expect(product.included_balances).toEqual([
      { unit: "data", amount: 1_610_612_736, validity_days: 30 },
      { unit: "voice", amount: 5400, validity_days: null },
      { unit: "sms", amount: 100, validity_days: 7 },
      { unit: "monetary", amount: 1, validity_days: null },
    ]);
    expect(product.low_balance_thresholds).toEqual({ data: 536_870_912, voice: 300, monetary: 250 });

    const edit = await (await s.get(`${path}/edit`)).text();
    expect(edit).toMatch(/id="f-included_balances-0"[^>]*value="1.5"/);
    expect(edit).toMatch(/id="f-included_balances-0-unit"[^>]*>[\s\S]*?<option value="GB" selected/);
    expect(edit).toMatch(/id="f-included_balances-1"[^>]*value="90"/);
    expect(edit).toMatch(/id="f-included_balances-3"[^>]*value="0.01"/);
    expect(edit).toMatch(/id="f-low_balance_thresholds-data"[^>]*value="512"/);
    expect(edit).toContain('name="retail_price" type="text" value="9.99"');
    // Saving the form unchanged keeps the same balances (no new price version).
    const same = await s.post(`${path}/edit`, {
      ...base,
      retail_price: "9.99",
      "included_balances.amount": ["1.5", "90", "100", "0.01"],
      "included_balances.unit": ["GB", "min", "sms", "money"],
      "included_balances.validity_days": ["30", "", "7", ""],
    });
    expect(same.status).toBe(303);
    expect((await api("GET", `/products/${product.id}`)).body.version).toBe(1);
  });

  it("generates one field per playbook variable, refreshes them with the playbook, and names a missing or wrong one", async () => {
    const s = await pageSession("provisioning");
    // fixed_internet declares access (pppoe|ipoe), vlan, pppoe_realm, gateway, dns.
    const fragment = await (
      await s.get(
        "/admin/catalog/playbook-variables?provisioning_play=fixed_internet&provisioning_json_vars=%7B%22number_pool%22%3A%22x%22%2C%22vlan%22%3A7%7D",
      )
    ).text();
    expect(fragment).toContain('id="playbook-variables"');
    expect(fragment).toContain('<select id="f-provisioning_json_vars-access" name="provisioning_json_vars.access"');
    expect(fragment).toContain('<option value="ipoe">ipoe</option>');
    expect(fragment).toMatch(/name="provisioning_json_vars.vlan" type="text" value="7"/);
    expect(fragment).toContain("Advanced: other variables (JSON)");
    expect(fragment).toContain("{&quot;number_pool&quot;:&quot;x&quot;}");
    // Another playbook: its own fields; what the first one's fields held moves to the JSON.
    const other = await (await s.get("/admin/catalog/playbook-variables?provisioning_play=voip&provisioning_json_vars.vlan=12")).text();
    expect(other).not.toContain('name="provisioning_json_vars.vlan"');
    expect(other).toContain("{&quot;vlan&quot;:&quot;12&quot;}");

    const base = {
      name: "Vars Plan",
      type: "standalone",
      service_type: "fixed_internet",
      status: "active",
      retail_price: "30",
      provisioning_play: "fixed_internet",
      required_inventory: "cpe, ip_block",
      customer_types: ["business"],
    };
    const wrong = await s.post("/admin/catalog/new", { ...base, slug: slug("vars"), "provisioning_json_vars.access": "dsl", provisioning_json_vars: "" });
    expect(wrong.status).toBe(422);
    expect(await wrong.text()).toContain("access is one of pppoe, ipoe");
    const badJson = await s.post("/admin/catalog/new", { ...base, slug: slug("vars"), provisioning_json_vars: "[1]" });
    expect(badJson.status).toBe(422);
    expect(await badJson.text()).toContain("Must be a JSON object");

    const ok = await s.post("/admin/catalog/new", {
      ...base,
      slug: slug("vars"),
      "provisioning_json_vars.access": "ipoe",
      "provisioning_json_vars.vlan": "100",
      "provisioning_json_vars.gateway": "",
      provisioning_json_vars: '{"ip_prefix_length":30}',
    });
    expect(ok.status, await ok.clone().text()).toBe(303);
    const id = (ok.headers.get("location") ?? "").split("/").pop();
    expect((await api("GET", `/products/${id}`)).body.provisioning_json_vars).toEqual({ ip_prefix_length: 30, access: "ipoe", vlan: "100" });
    const edit = await (await s.get(`/admin/catalog/${id}/edit`)).text();
    expect(edit).toMatch(/<option value="ipoe" selected/);
    expect(edit).toContain("{&quot;ip_prefix_length&quot;:30}");

    // A playbook that requires a variable: marked required, and an active product without it is refused, naming it.
    PLAYBOOKS.needs_site_code = {
      description: "Test playbook",
      products: ["standalone"],
      inventory: [],
      vars: { site_code: { required: true, description: "Code of the site" } },
    };
    added.push("needs_site_code");
    const required = await (await s.get("/admin/catalog/playbook-variables?provisioning_play=needs_site_code")).text();
    expect(required).toMatch(/<label for="f-provisioning_json_vars-site_code">site_code — Code of the site<span class="req"/);
    const missing = await s.post("/admin/catalog/new", {
      ...base,
      slug: slug("req"),
      provisioning_play: "needs_site_code",
      required_inventory: "",
      "provisioning_json_vars.site_code": "",
    });
    expect(missing.status).toBe(422);
    const missingHtml = await missing.text();
    expect(missingHtml).toContain("The needs_site_code playbook needs site_code");
    expect(missingHtml).toContain('<div class="field invalid"><label for="f-provisioning_json_vars-site_code">');
  });
});
