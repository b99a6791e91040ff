/** The portal's "My details": own contact, sites, and a sign-in address changed only through a link sent to the new one. */

import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, BASE, customerToken, fetchWorker, PASSWORD, portalSession } from "./helpers";

const signIn = (email: string) =>
  fetchWorker(`${BASE}/portal/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE },
    body: new URLSearchParams({ email, password: PASSWORD }),
  });

describe("portal: my details", () => {
  it("edits the customer's own contact and sites with clear errors, and nothing of another customer's", async () => {
    const me = await customerToken();
    const site = await api("POST", `/customers/${me.customerId}/sites`, {
      body: { name: "Home", address_line1: "3 rue de la Paix", city: "Lyon", postal_code: "69001", country: "FR" },
    });
    const s = await portalSession(me.email);
    const page = await (await s.get("/portal/account")).text();
    expect(page).toContain('value="Pat"');
    expect(page).toContain("3 rue de la Paix");

    const bad = await s.post("/portal/account/contact", { first_name: "Patricia", phone: "not a phone" });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("Must be a phone number");
    expect((await api("GET", `/contacts/${me.contactId}`)).body.first_name).toBe("Pat");
    expect((await s.post("/portal/account/contact", { first_name: "Patricia", last_name: "Doe", phone: "+33 6 12 34 56 78" })).status).toBe(303);
    expect((await api("GET", `/contacts/${me.contactId}`)).body).toMatchObject({ first_name: "Patricia", last_name: "Doe", phone: "+33612345678" });

    expect((await s.post(`/portal/account/sites/${site.body.id}`, { name: "Home", address_line1: "", city: "Lyon", country: "FR" })).status).toBe(422);
    const moved = await s.post(`/portal/account/sites/${site.body.id}`, {
      name: "Home",
      address_line1: "8 quai Rambaud",
      city: "Lyon",
      postal_code: "69002",
      country: "fr",
    });
    expect(moved.status).toBe(303);
    expect((await api("GET", `/sites/${site.body.id}`)).body).toMatchObject({ address_line1: "8 quai Rambaud", postal_code: "69002", country: "FR" });
    const activity = (await api("GET", `/customers/${me.customerId}/activity`)).body.data.map((a: { action: string }) => a.action);
    expect(activity).toEqual(expect.arrayContaining(["contact.update", "site.update"]));
  });

  it("changes the sign-in email only once the new address is confirmed, and tells the old one", async () => {
    const me = await customerToken();
    const other = await customerToken();
    const s = await portalSession(me.email);
    const fresh = `moved-${Date.now()}@example.net`;
    expect((await s.post("/portal/account/email", { email: "nope" })).status).toBe(422);
    const asked = await s.post("/portal/account/email", { email: fresh });
    expect(asked.status).toBe(200);
    expect(await asked.text()).toContain(`We sent a link to ${fresh}`);
    // Not changed yet: the old address still signs in, the new one does not.
    expect((await signIn(fresh)).status).toBe(401);
    expect((await signIn(me.email)).status).toBe(303);
    const mail = await env.DB.prepare("SELECT text_body FROM email_outbox WHERE to_email = ? AND template = 'portal_email_change'")
      .bind(fresh)
      .first<{ text_body: string }>();
    const token = mail?.text_body.match(/\/portal\/account\/email\?token=([A-Za-z0-9_-]+)/)?.[1] ?? "";
    expect(token).not.toBe("");
    const confirmed = await s.get(`/portal/account/email?token=${token}`);
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain(`Your sign-in address is now ${fresh}`);
    expect((await signIn(fresh)).status).toBe(303);
    expect((await signIn(me.email)).status).toBe(401);
    expect((await api("GET", `/contacts/${me.contactId}`)).body.email).toBe(fresh);
    const notice = await env.DB.prepare("SELECT subject FROM email_outbox WHERE to_email = ? AND template = 'portal_email_changed'")
      .bind(me.email)
      .first<{ subject: string }>();
    expect(notice?.subject).toContain("sign-in address was changed");
    // The link works once; an address another account uses is refused on confirmation.
    expect((await fetchWorker(`${BASE}/portal/account/email?token=${token}`, { redirect: "manual" })).headers.get("location")).toBe(
      "/portal/login?link=expired",
    );
    const s2 = await portalSession(other.email);
    await s2.post("/portal/account/email", { email: fresh });
    const mail2 = await env.DB.prepare("SELECT text_body FROM email_outbox WHERE to_email = ? AND template = 'portal_email_change' ORDER BY id DESC")
      .bind(fresh)
      .first<{ text_body: string }>();
    const token2 = mail2?.text_body.match(/token=([A-Za-z0-9_-]+)/)?.[1] ?? "";
    expect(token2).not.toBe(token);
    expect((await s2.get(`/portal/account/email?token=${token2}`)).status).toBe(409);
    expect((await signIn(other.email)).status).toBe(303);
  });
});
