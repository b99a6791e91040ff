import { describe, expect, it } from "vitest";
import { api, countRows, pageSession, unique } from "./helpers";

const idFrom = (location: string | null) => location?.match(/cus_[0-9a-z]{26}/)?.[0] ?? "";

describe("admin pages", () => {
  it("creates a customer through the form (303) and shows it on its 360 page", async () => {
    const s = await pageSession();
    const name = unique("Form Client");
    const res = await s.post("/admin/customers/new", { name, type: "business", payment_type: "prepaid", tags: "vip, Fibre" });
    expect(res.status).toBe(303);
    const id = idFrom(res.headers.get("location"));
    expect(id).not.toBe("");
    const page = await (await s.get(`/admin/customers/${id}`)).text();
    expect(page).toContain(name);
    expect(page).toContain('href="/admin/customers?tag=fibre"');
    expect(page).toContain("No contacts yet.");
    expect(page).toContain("customer.create");
  });

  it("shows validation errors inline (422) and writes nothing", async () => {
    const s = await pageSession();
    const before = await countRows("customers");
    const res = await s.post("/admin/customers/new", { name: "", type: "business", payment_type: "prepaid", currency: "XXQ" });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain("Please correct the highlighted fields.");
    expect(html).toContain('aria-invalid="true"');
    expect(html).toContain("Must be an ISO 4217 currency code");
    expect(html).toContain('value="XXQ"');
    expect(await countRows("customers")).toBe(before);
  });

  it("edits a customer, adds a contact and a site, sets tags and attributes, changes status", async () => {
    const s = await pageSession();
    const created = await s.post("/admin/customers/new", { name: unique("Flow"), type: "individual", payment_type: "postpaid" });
    const id = idFrom(created.headers.get("location"));
    expect(
      (await s.post(`/admin/customers/${id}/edit`, { name: "Flow Renamed", type: "individual", payment_type: "postpaid", notes: "Calls after 6pm" })).status,
    ).toBe(303);
    const badContact = await s.post(`/admin/customers/${id}/contacts/new`, { first_name: "Lou", phone: "12345" });
    expect(badContact.status).toBe(422);
    expect(await badContact.text()).toContain("Not a valid phone number");
    expect(
      (await s.post(`/admin/customers/${id}/contacts/new`, { first_name: "Lou", last_name: "Reed", email: "lou@example.com", roles: ["primary", "billing"] }))
        .status,
    ).toBe(303);
    expect(
      (await s.post(`/admin/customers/${id}/sites/new`, { name: "Flat", address_line1: "3 Rue Mercière", city: "Lyon", postal_code: "69002", country: "FR" }))
        .status,
    ).toBe(303);
    expect((await s.post(`/admin/customers/${id}/tags`, { tags: "gold, north" })).status).toBe(303);
    const badTags = await s.post(`/admin/customers/${id}/tags`, { tags: "ok, <bad>" });
    expect(badTags.status).toBe(422);
    // Suspending goes through the confirmation page (it lists the services that follow; none here).
    const confirm = await (await s.get(`/admin/customers/${id}/status/suspend`)).text();
    expect(confirm).toContain("This customer has no active service");
    expect((await s.post(`/admin/customers/${id}/transition`, { transition: "suspend", confirmed: "1", reason: "Unpaid bills" })).status).toBe(303);
    const illegal = await s.post(`/admin/customers/${id}/transition`, { transition: "reopen" });
    expect(illegal.status).toBe(409);
    expect(await illegal.text()).toContain("Cannot reopen a customer that is suspended.");
    const customer = (await api("GET", `/customers/${id}`)).body;
    expect(customer).toMatchObject({ name: "Flow Renamed", notes: "Calls after 6pm", tags: ["gold", "north"], status: "suspended" });
    const contacts = (await api("GET", `/customers/${id}/contacts`)).body.data;
    expect(contacts[0]).toMatchObject({ first_name: "Lou", roles: ["primary", "billing"] });
    const sites = (await api("GET", `/customers/${id}/sites`)).body.data;
    expect(sites[0]).toMatchObject({ name: "Flat", geocoded: true });
    const page = await (await s.get(`/admin/customers/${id}`)).text();
    expect(page).toContain("Lou Reed");
    expect(page).toContain("3 Rue Mercière");
    expect(page).toContain("customer.suspend");
  });

  it("validates attributes from the 360 page", async () => {
    const s = await pageSession();
    const key = `pg_${Date.now().toString(36)}`;
    await api("POST", "/attribute-definitions", { body: { key, label: "Seats", type: "number" } });
    const created = await s.post("/admin/customers/new", { name: unique("Attr"), type: "business", payment_type: "postpaid" });
    const id = idFrom(created.headers.get("location"));
    const bad = await s.post(`/admin/customers/${id}/attributes`, { [`attr.${key}`]: "many" });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("Must be a number");
    expect((await s.post(`/admin/customers/${id}/attributes`, { [`attr.${key}`]: "12" })).status).toBe(303);
    expect((await api("GET", `/customers/${id}`)).body.attributes[key]).toBe(12);
    await api("PUT", `/customers/${id}/attributes`, { body: {} });
    await api("DELETE", `/attribute-definitions/${key}`);
  });

  it("filters the customer list and answers htmx with just the results fragment", async () => {
    const s = await pageSession();
    const marker = `Lst${Date.now().toString(36)}`;
    await api("POST", "/customers", { body: { name: `${marker} One`, type: "business" } });
    const full = await (await s.get(`/admin/customers?q=${marker}`)).text();
    expect(full).toContain("<html");
    expect(full).toContain(`${marker} One`);
    const fragment = await (await s.get(`/admin/customers?q=${marker}`, { "hx-request": "true", "hx-target": "customer-results" })).text();
    expect(fragment).not.toContain("<html");
    expect(fragment).toContain(`${marker} One`);
    const none = await (await s.get(`/admin/customers?q=zzzz${marker}`)).text();
    expect(none).toContain("No customers match.");
    // Bad filter values fall back to defaults instead of failing.
    expect((await s.get("/admin/customers?status=bogus&sort=evil")).status).toBe(200);
  });

  it("suggests search results while typing and shows a grouped results page", async () => {
    const s = await pageSession();
    const word = `Sgg${Date.now().toString(36)}`;
    const c = await api("POST", "/customers", { body: { name: `${word} Bakery`, type: "business" } });
    await api("POST", `/customers/${c.body.id}/contacts`, { body: { first_name: word, email: "baker@example.com" } });
    const suggest = await (await s.get(`/admin/search/suggest?q=${word.slice(0, 5)}`)).text();
    expect(suggest).toContain("Customers");
    expect(suggest).toContain("Contacts");
    expect(suggest).toContain(`/admin/customers/${c.body.id}`);
    expect((await (await s.get("/admin/search/suggest?q=")).text()).trim()).toBe("");
    const results = await (await s.get(`/admin/search?q=${word}`)).text();
    expect(results).toContain("Results for");
    expect(results).toContain(`${word} Bakery`);
  });

  it("renders dashboard, activity, settings, attribute and area pages", async () => {
    const s = await pageSession();
    for (const path of [
      "/admin",
      "/admin/activity",
      "/admin/activity?entity=customer",
      "/admin/settings",
      "/admin/settings/attributes",
      "/admin/services",
      "/admin/catalog",
      "/admin/inventory",
      "/admin/jobs",
      "/admin/broadcasts",
      "/admin/invoices",
      "/admin/users",
    ]) {
      const res = await s.get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("cache-control")).toBe("no-store");
    }
    expect((await s.get("/admin/customers/cus_nope")).status).toBe(404);
  });

  it("saves settings from the form and shows errors inline", async () => {
    const s = await pageSession();
    const current = (await api("GET", "/settings")).body;
    const form = {
      operator_name: current.operator_name,
      primary_color: "#123456",
      accent_color: current.accent_color,
      default_currency: current.default_currency,
      default_locale: current.default_locale,
      default_timezone: current.default_timezone,
      notification_emails: "noc@example.com\nops@example.com",
    };
    const bad = await s.post("/admin/settings", { ...form, primary_color: "blue", notification_emails: "not-an-email" });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("Must be a colour");
    expect((await s.post("/admin/settings", form)).status).toBe(303);
    const after = (await api("GET", "/settings")).body;
    expect(after).toMatchObject({ primary_color: "#123456", notification_emails: ["noc@example.com", "ops@example.com"] });
    const page = await (await s.get("/admin")).text();
    expect(page).toContain("--primary:#123456");
    await api("PATCH", "/settings", { body: { primary_color: current.primary_color, notification_emails: current.notification_emails } });
  });
});

describe("settings API", () => {
  it("reads and patches settings, audits the change and reports integrations", async () => {
    const res = await api("GET", "/settings");
    expect(res.status).toBe(200);
    const geocoding = res.body.integrations.find((i: { name: string }) => i.name === "Google Geocoding");
    expect(geocoding).toMatchObject({ mode: "simulator" });
    expect(res.body.integrations.find((i: { name: string }) => i.name === "Stripe")).toMatchObject({ mode: "simulator" });
    const before = await countRows("activity_log");
    const patched = await api("PATCH", "/settings", { body: { legal_name: "Test Telecom SA", default_currency: "eur" } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ legal_name: "Test Telecom SA", default_currency: "EUR" });
    expect(await countRows("activity_log")).toBe(before + 1);
    const audit = await api("GET", "/activity?entity=settings&limit=1");
    expect(audit.body.data[0].changes.legal_name.after).toBe("Test Telecom SA");
    for (const body of [
      { primary_color: "red" },
      { default_timezone: "Nowhere/City" },
      { logo: "http://insecure.example/logo.png" },
      { notification_emails: ["x"] },
      { unknown: 1 },
    ]) {
      expect((await api("PATCH", "/settings", { body })).status, JSON.stringify(body)).toBe(422);
    }
  });
});
