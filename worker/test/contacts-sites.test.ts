import { describe, expect, it } from "vitest";
import { createSite } from "../domain/sites/sites";
import { googleGeocoder } from "../integrations/geocoding";
import { api, countRows, testContext, unique } from "./helpers";

async function customer() {
  const res = await api("POST", "/customers", { body: { name: unique("Owner"), type: "business" } });
  return res.body as { id: string; name: string };
}

describe("contacts", () => {
  it("adds, lists, edits and deletes contacts with normalised E.164 phones", async () => {
    const c = await customer();
    const created = await api("POST", `/customers/${c.id}/contacts`, {
      body: { first_name: "Jeanne", last_name: "Moreau", email: " Jeanne@Example.COM ", phone: "+33 6 12-34.56 78", roles: ["primary", "billing", "primary"] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ customer_id: c.id, email: "jeanne@example.com", phone: "+33612345678", roles: ["primary", "billing"] });
    const list = await api("GET", `/customers/${c.id}/contacts`);
    expect(list.body.data.map((k: { id: string }) => k.id)).toEqual([created.body.id]);
    const patched = await api("PATCH", `/contacts/${created.body.id}`, { body: { phone: null, roles: ["technical"] } });
    expect(patched.body).toMatchObject({ phone: null, roles: ["technical"], email: "jeanne@example.com" });
    // Removing the last way to reach the contact is refused.
    const unreachable = await api("PATCH", `/contacts/${created.body.id}`, { body: { email: null } });
    expect(unreachable.status).toBe(422);
    expect((await api("GET", `/contacts/${created.body.id}`)).body.email).toBe("jeanne@example.com");
    expect((await api("DELETE", `/contacts/${created.body.id}`)).status).toBe(204);
    expect((await api("GET", `/contacts/${created.body.id}`)).status).toBe(404);
    expect((await api("DELETE", `/contacts/${created.body.id}`)).status).toBe(404);
  });

  it("refuses invalid contacts and writes nothing", async () => {
    const c = await customer();
    const before = await countRows("contacts");
    for (const body of [
      { first_name: "A" },
      { first_name: "A", phone: "06 12" },
      { first_name: "A", phone: "+33 6 12" },
      { first_name: "A", email: "not-an-email" },
      { first_name: "", email: "a@example.com" },
      { first_name: "A", email: "a@example.com", roles: ["boss"] },
    ]) {
      const res = await api("POST", `/customers/${c.id}/contacts`, { body });
      expect(res.status, JSON.stringify(body)).toBe(422);
    }
    expect((await api("POST", "/customers/cus_unknown/contacts", { body: { first_name: "A", email: "a@example.com" } })).status).toBe(404);
    expect(await countRows("contacts")).toBe(before);
  });
});

describe("sites", () => {
  it("geocodes an address through the Google Geocoding API (simulator)", async () => {
    const c = await customer();
    const res = await api("POST", `/customers/${c.id}/sites`, {
      body: { name: "Head office", address_line1: "10 Place Bellecour", city: "Lyon", postal_code: "69002", country: "fr" },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ country: "FR", geocoded: true, geocode_status: "geocoded" });
    expect(res.body.latitude).toBeCloseTo(45.76, 1);
    expect(res.body.longitude).toBeCloseTo(4.83, 1);
    const state = (await (await fetch("http://127.0.0.1:12913/_sim/state").catch(() => null))?.json()) as { requests: { address: string }[] } | null;
    if (state) expect(state.requests.some((r) => r.address.includes("10 Place Bellecour"))).toBe(true);
  });

  it("keeps manual coordinates, reports not found, and re-geocodes a changed address", async () => {
    const c = await customer();
    const manual = await api("POST", `/customers/${c.id}/sites`, {
      body: { name: "Mast", address_line1: "Field 4", city: "Nowhere", country: "FR", latitude: 45.1, longitude: 4.2 },
    });
    expect(manual.body).toMatchObject({ geocoded: false, geocode_status: "manual", latitude: 45.1, longitude: 4.2 });
    const lost = await api("POST", `/customers/${c.id}/sites`, { body: { name: "Lost", address_line1: "1 Nowhere Lane", city: "Atlantis", country: "FR" } });
    expect(lost.body).toMatchObject({ geocoded: false, geocode_status: "not_found", latitude: null });
    const moved = await api("PATCH", `/sites/${lost.body.id}`, { body: { address_line1: "5 Rue Garibaldi", city: "Lyon" } });
    expect(moved.body).toMatchObject({ geocoded: true, geocode_status: "geocoded" });
    const renamed = await api("PATCH", `/sites/${lost.body.id}`, { body: { name: "Found" } });
    expect(renamed.body).toMatchObject({ name: "Found", geocode_status: "geocoded", latitude: moved.body.latitude });
  });

  it("stores the address as entered, not geocoded, when no API key is configured", async () => {
    const c = await customer();
    const site = await createSite(
      testContext(),
      c.id,
      { name: "No key", address_line1: "1 Rue Test", city: "Lyon", country: "FR" },
      googleGeocoder({ GEOCODING_API_BASE: "http://127.0.0.1:12913", GEOCODING_API_KEY: "" }),
    );
    expect(site).toMatchObject({ geocoded: false, geocode_status: "not_configured", latitude: null, address_line1: "1 Rue Test" });
  });

  it("marks the site failed (and still saves it) when the geocoder is unreachable", async () => {
    const c = await customer();
    const site = await createSite(
      testContext(),
      c.id,
      { name: "Down", address_line1: "1 Rue Test", city: "Lyon", country: "FR" },
      googleGeocoder({ GEOCODING_API_BASE: "http://127.0.0.1:9", GEOCODING_API_KEY: "k" }, 1000),
    );
    expect(site).toMatchObject({ geocoded: false, geocode_status: "failed" });
  });

  it("validates sites and deletes them", async () => {
    const c = await customer();
    const before = await countRows("sites");
    for (const body of [
      { name: "x", address_line1: "1", city: "Lyon", country: "XX" },
      { name: "x", address_line1: "", city: "Lyon", country: "FR" },
      { name: "x", address_line1: "1", city: "Lyon", country: "FR", latitude: 45 },
      { name: "x", address_line1: "1", city: "Lyon", country: "FR", latitude: 95, longitude: 1 },
    ]) {
      expect((await api("POST", `/customers/${c.id}/sites`, { body })).status, JSON.stringify(body)).toBe(422);
    }
    expect(await countRows("sites")).toBe(before);
    const site = await api("POST", `/customers/${c.id}/sites`, { body: { name: "Tmp", address_line1: "1 Rue A", city: "Lyon", country: "FR" } });
    expect((await api("GET", `/customers/${c.id}/sites`)).body.data).toHaveLength(1);
    expect((await api("DELETE", `/sites/${site.body.id}`)).status).toBe(204);
    expect((await api("GET", `/sites/${site.body.id}`)).status).toBe(404);
  });
});
