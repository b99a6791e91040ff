import { describe, expect, it } from "vitest";
import { formatPhone, parsePhone, phoneFits } from "../lib/phone";
import { api, countRows, customerToken, pageSession, portalSession, unique } from "./helpers";

/** A customer whose first site is in `country` (its numbers may be typed in that country's format). */
async function customerIn(country: string | null) {
  const c = (await api("POST", "/customers", { body: { name: unique("Phone"), type: "individual" } })).body;
  if (country) {
    const site = await api("POST", `/customers/${c.id}/sites`, { body: { name: "Home", address_line1: "1 Main Street", city: "Town", country } });
    expect(site.status, JSON.stringify(site.body)).toBe(201);
  }
  return c as { id: string };
}

describe("phone numbers (libphonenumber)", () => {
  it("reads national and international forms, and tells mobile from fixed", () => {
    expect(parsePhone("06 12 34 56 78", "FR")).toEqual({ e164: "+33612345678", country: "FR", kind: "mobile" });
    expect(parsePhone("0033 4 78 20 00 00", "FR")).toEqual({ e164: "+33478200000", country: "FR", kind: "fixed" });
    expect(parsePhone("020 7946 0958", "GB")?.e164).toBe("+442079460958");
    expect(parsePhone("+1 202 555 0123")?.kind).toBe("either");
    expect(parsePhone("06 12 34 56 78")).toBeNull();
    expect(parsePhone("06 12", "FR")).toBeNull();
    expect(parsePhone("06 12 34 56 7x", "FR")).toBeNull();
    expect(phoneFits("mobile", "mobile")).toBe(true);
    expect(phoneFits("fixed", "mobile")).toBe(false);
    expect(phoneFits("mobile", "voip")).toBe(false);
    expect(phoneFits("fixed", "voip")).toBe(true);
    expect(phoneFits(null, "voip")).toBe(false);
    expect(formatPhone("+33612345678")).toBe("+33 6 12 34 56 78");
    expect(formatPhone("+33612345678", "FR")).toBe("06 12 34 56 78");
  });

  it("stores a contact's national number as E.164 for the customer's country, and refuses an invalid one naming the field", async () => {
    const fr = await customerIn("FR");
    const created = await api("POST", `/customers/${fr.id}/contacts`, { body: { first_name: "Jeanne", phone: "06 12 34 56 78" } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.phone).toBe("+33612345678");
    const patched = await api("PATCH", `/contacts/${created.body.id}`, { body: { phone: "04.78.20.00.00" } });
    expect(patched.body.phone).toBe("+33478200000");

    const gb = await customerIn("GB");
    const british = await api("POST", `/customers/${gb.id}/contacts`, { body: { first_name: "Ann", phone: "020 7946 0958" } });
    expect(british.body.phone).toBe("+442079460958");
    // International numbers are read as such whatever the customer's country.
    const abroad = await api("POST", `/customers/${gb.id}/contacts`, { body: { first_name: "Luc", phone: "+33 6 12 34 56 78" } });
    expect(abroad.body.phone).toBe("+33612345678");

    const before = await countRows("contacts");
    for (const phone of ["06 12", "+33 6 12", "0612345678x", "+999 123 456"]) {
      const bad = await api("POST", `/customers/${gb.id}/contacts`, { body: { first_name: "Bad", phone } });
      expect(bad.status, phone).toBe(422);
      expect(
        bad.body.errors.map((e: { path: string }) => e.path),
        phone,
      ).toContain("phone");
    }
    // A French mobile typed nationally is not a British number.
    const wrongCountry = await api("POST", `/customers/${gb.id}/contacts`, { body: { first_name: "Bad", phone: "06 12 34 56 78" } });
    expect(wrongCountry.status).toBe(422);
    expect(wrongCountry.body.errors[0].message).toContain("GB national format");
    expect(await countRows("contacts")).toBe(before);
  });

  it("takes national numbers on the staff contact form and the portal's my details, and shows them formatted", async () => {
    const fr = await customerIn("FR");
    const s = await pageSession("support");
    const bad = await s.post(`/admin/customers/${fr.id}/contacts/new`, { first_name: "Lou", phone: "06 12 34" });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("Not a valid phone number: type it in the FR national format");
    expect((await s.post(`/admin/customers/${fr.id}/contacts/new`, { first_name: "Lou", phone: "06 98 76 54 32" })).status).toBe(303);
    const contacts = (await api("GET", `/customers/${fr.id}/contacts`)).body.data;
    expect(contacts[0].phone).toBe("+33698765432");
    expect(await (await s.get(`/admin/customers/${fr.id}`)).text()).toContain('<a href="tel:+33698765432">+33 6 98 76 54 32</a>');

    const me = await customerToken();
    await api("POST", `/customers/${me.customerId}/sites`, { body: { name: "Home", address_line1: "3 rue de la Paix", city: "Lyon", country: "FR" } });
    const portal = await portalSession(me.email);
    expect((await portal.post("/portal/account/contact", { first_name: "Pat", phone: "07 81 23 45 67" })).status).toBe(303);
    expect((await api("GET", `/contacts/${me.contactId}`)).body.phone).toBe("+33781234567");
    const refused = await portal.post("/portal/account/contact", { first_name: "Pat", phone: "07 00" });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain("Not a valid phone number");
  });
});
