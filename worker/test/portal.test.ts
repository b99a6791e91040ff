/** The customer portal's first pages: sign-in, the overview, languages, isolation from staff and other customers. */

import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { lowBalanceEmail } from "../domain/email/templates";
import { DEFAULT_SETTINGS } from "../domain/settings/schemas";
import { CATALOGUE, negotiateLocale } from "../i18n/catalogue";
import { api, BASE, countRows, customerToken, fetchWorker, PASSWORD, pageSession, portalSession } from "./helpers";

describe("portal", () => {
  it("has every message in English and French", () => {
    const en = Object.keys(CATALOGUE.en).sort();
    expect(Object.keys(CATALOGUE.fr).sort()).toEqual(en);
    for (const key of en) expect(CATALOGUE.fr[key as keyof typeof CATALOGUE.fr].trim()).not.toBe("");
    expect(negotiateLocale(undefined, "fr-FR,fr;q=0.9,en;q=0.8")).toBe("fr");
    expect(negotiateLocale(undefined, "de-DE,en;q=0.5")).toBe("en");
    expect(negotiateLocale("en", "fr-FR")).toBe("en");
    // Customer emails follow the customer's language.
    const low = { name: "Inès", service: "+33612345678", unit: "data", remaining: 2 ** 30 };
    expect(lowBalanceEmail(DEFAULT_SETTINGS, { ...low, locale: "fr-FR" })).toMatchObject({ subject: "Le solde de +33612345678 est bientôt épuisé" });
    expect(lowBalanceEmail(DEFAULT_SETTINGS, { ...low, locale: "fr-FR" }).text).toContain("Bonjour Inès,\n\nIl ne reste que 1,00 Go de données");
    expect(lowBalanceEmail(DEFAULT_SETTINGS, { ...low, locale: "en-GB" }).subject).toBe("Your +33612345678 balance is running low");
  });

  it("signs a customer in to an overview of their own services and invoices, in their language; never another's", async () => {
    const me = await customerToken();
    const other = await customerToken();
    const txn = await api("POST", "/transactions", {
      body: { customer_id: me.customerId, kind: "charge", description: "Line", amount: 1000, currency: "EUR" },
      headers: { "idempotency-key": `portal-${Date.now()}` },
    });
    const draft = await api("POST", "/invoices", { body: { customer_id: me.customerId, period_start: txn.body.date, period_end: txn.body.date } });
    const issued = (await api("POST", `/invoices/${draft.body.id}/issue`)).body;

    // Wrong password: the same answer as an unknown account, in the page's language.
    const wrong = await fetchWorker(`${BASE}/portal/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE, "accept-language": "fr-FR" },
      body: new URLSearchParams({ email: me.email, password: "not-the-password" }),
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain("E-mail ou mot de passe incorrect.");

    const s = await portalSession(me.email);
    const page = await (await s.get("/portal")).text();
    expect(page).toContain("Amount due");
    expect(page).toContain("€12.00");
    expect(page).toContain(issued.number);
    expect(page).toContain(`/portal/invoices/${issued.id}/pdf`);
    const pdf = await s.get(`/portal/invoices/${issued.id}/pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get("content-type")).toContain("application/pdf");

    // French, remembered by a cookie.
    const switched = await s.get("/portal/lang/fr?next=/portal");
    expect(switched.status).toBe(303);
    const lang = (switched.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const fr = await (await s.get("/portal", { cookie: `${s.cookie}; ${lang}` })).text();
    expect(fr).toContain('lang="fr"');
    expect(fr).toContain("Montant dû");
    expect(fr).toContain("12,00");
    // An open redirect is not possible through the switch.
    expect((await s.get("/portal/lang/fr?next=https://evil.example")).headers.get("location")).toBe("/portal");

    // Another customer's invoice: 404. The portal session opens no admin page; a staff session no portal page.
    const theirs = await api("POST", "/transactions", {
      body: { customer_id: other.customerId, kind: "charge", description: "Theirs", amount: 500, currency: "EUR" },
      headers: { "idempotency-key": `portal-other-${Date.now()}` },
    });
    const theirDraft = await api("POST", "/invoices", {
      body: { customer_id: other.customerId, period_start: theirs.body.date, period_end: theirs.body.date },
    });
    await api("POST", `/invoices/${theirDraft.body.id}/issue`);
    expect((await s.get(`/portal/invoices/${theirDraft.body.id}/pdf`)).status).toBe(404);
    const admin = await s.get("/admin/customers");
    expect(admin.status).toBe(303);
    expect(admin.headers.get("location")).toMatch(/^\/admin\/login/);
    const staff = await pageSession("admin");
    const asStaff = await staff.get("/portal");
    expect(asStaff.status).toBe(303);
    expect(asStaff.headers.get("location")).toBe("/portal/login");
    // A staff account cannot sign in to the portal.
    const staffLogin = await fetchWorker(`${BASE}/portal/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE },
      body: new URLSearchParams({ email: "admin@example.com", password: PASSWORD }),
    });
    expect(staffLogin.status).toBe(401);
  });

  it("lets a customer save a card, pay an invoice and top up a service by card — and nothing of another customer's", async () => {
    const me = await customerToken();
    const other = await customerToken();
    const issue = async (customerId: string, amount: number) => {
      const txn = await api("POST", "/transactions", {
        body: { customer_id: customerId, kind: "charge", description: "Line", amount, currency: "EUR" },
        headers: { "idempotency-key": `portal-pay-${customerId}-${Date.now()}` },
      });
      const draft = await api("POST", "/invoices", { body: { customer_id: customerId, period_start: txn.body.date, period_end: txn.body.date } });
      return (await api("POST", `/invoices/${draft.body.id}/issue`)).body as { id: string; number: string; total_amount: number };
    };
    const mine = await issue(me.customerId, 2000);
    const theirs = await issue(other.customerId, 3000);
    const s = await portalSession(me.email);
    // No card yet: the invoice page points to Payments.
    expect(await (await s.get(`/portal/invoices/${mine.id}`)).text()).toContain("/portal/payments");
    const saved = await s.post("/portal/cards", { stripe_payment_method_id: "pm_card_visa" });
    expect(saved.status).toBe(303);
    expect(await (await s.get("/portal/payments?done=saved")).text()).toContain("Visa •••• 4242");
    const declined = await s.post("/portal/cards", { stripe_payment_method_id: "pm_card_chargeDeclined" });
    expect(declined.status).toBe(402);
    const card = (await api("GET", `/customers/${me.customerId}/payment-methods`)).body.data[0];
    const paid = await s.post(`/portal/invoices/${mine.id}/pay`, { payment_method_id: card.id });
    expect(paid.status).toBe(303);
    expect((await api("GET", `/invoices/${mine.id}`)).body).toMatchObject({ status: "paid", amount_due: 0 });
    expect((await api("GET", `/payments?invoice_id=${mine.id}`)).body.data[0]).toMatchObject({
      origin: "portal",
      status: "succeeded",
      amount: mine.total_amount,
    });
    // Another customer's invoice: not shown, not payable (404), nothing charged.
    expect((await s.get(`/portal/invoices/${theirs.id}`)).status).toBe(404);
    expect((await s.post(`/portal/invoices/${theirs.id}/pay`, { payment_method_id: card.id })).status).toBe(404);
    expect((await api("GET", `/payments?invoice_id=${theirs.id}`)).body.data).toEqual([]);
    // Their card cannot be removed either.
    const theirCard = await api("POST", `/customers/${other.customerId}/payment-methods`, { body: { stripe_payment_method_id: "pm_card_visa" } });
    expect((await s.post(`/portal/cards/${theirCard.body.id}/remove`, {})).status).toBe(404);
    expect((await api("GET", `/customers/${other.customerId}/payment-methods`)).body.data).toHaveLength(1);

    // A top-up of one of my services, paid by card; another's service is a 404.
    const { product, service } = await import("./billing-helpers");
    const plan = await product(0);
    const myService = await service(me.customerId, plan.id, new Date().toISOString());
    const theirService = await service(other.customerId, plan.id, new Date().toISOString());
    const page = await (await s.get(`/portal/services/${myService}`)).text();
    expect(page).toContain('action="/portal/services/');
    expect((await s.post(`/portal/services/${myService}/top-up`, { amount: "abc", payment_method_id: card.id })).status).toBe(422);
    const topped = await s.post(`/portal/services/${myService}/top-up`, { amount: "10.00", payment_method_id: card.id, key: `k-${Date.now()}` });
    expect(topped.status).toBe(303);
    const balance = (await api("GET", `/services/${myService}/balance`)).body.buckets.find((b: { unit: string }) => b.unit === "monetary");
    expect(balance?.pending_amount).toBe(1000);
    expect((await s.get(`/portal/services/${theirService}`)).status).toBe(404);
    expect((await s.post(`/portal/services/${theirService}/top-up`, { amount: "10.00", payment_method_id: card.id })).status).toBe(404);
  });

  it("resets a forgotten password by an emailed link in the customer's language; the link works once and signs out every session", async () => {
    const me = await customerToken();
    await api("PATCH", `/customers/${me.customerId}`, { body: { locale: "fr-FR" } });
    const s = await portalSession(me.email);
    const form = (path: string, body: Record<string, string>) =>
      fetchWorker(`${BASE}${path}`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE },
        body: new URLSearchParams(body),
      });
    // Unknown address: the same answer, nothing sent.
    const before = await countRows("email_outbox");
    expect((await form("/portal/forgot-password", { email: "nobody@example.invalid" })).status).toBe(200);
    expect(await countRows("email_outbox")).toBe(before);
    const asked = await form("/portal/forgot-password", { email: me.email });
    expect(await asked.text()).toContain("If an account uses this address");
    const mail = await env.DB.prepare("SELECT subject, text_body FROM email_outbox WHERE to_email = ? AND template = 'portal_password_reset' ORDER BY id DESC")
      .bind(me.email)
      .first<{ subject: string; text_body: string }>();
    expect(mail?.subject).toContain("Réinitialisez");
    const token = mail?.text_body.match(/token=([A-Za-z0-9_-]+)/)?.[1] ?? "";
    expect((await fetchWorker(`${BASE}/portal/reset-password?token=${token}`)).status).toBe(200);
    expect((await form("/portal/reset-password", { token, password: "short" })).status).toBe(422);
    const done = await form("/portal/reset-password", { token, password: "a-brand-new-portal-passphrase" });
    expect(done.status).toBe(303);
    expect(done.headers.get("location")).toBe("/portal/login?reset=1");
    // The link is spent; the old session is signed out; the new password works, the old one does not.
    expect((await form("/portal/reset-password", { token, password: "another-new-portal-passphrase" })).status).toBe(400);
    expect((await s.get("/portal")).headers.get("location")).toBe("/portal/login");
    expect((await form("/portal/login", { email: me.email, password: PASSWORD })).status).toBe(401);
    expect((await form("/portal/login", { email: me.email, password: "a-brand-new-portal-passphrase" })).status).toBe(303);
  });
  it("shows 30 days of usage, sells an add-on and changes the plan — at once, or after a staff approval when the plan says so", async () => {
    const me = await customerToken();
    const other = await customerToken();
    const { product, service } = await import("./billing-helpers");
    const planA = await product(1000);
    const planB = await product(2000);
    const planC = await product(3000, { plan_change_approval: true });
    const svc = await service(me.customerId, planA.id, new Date().toISOString());
    const today = new Date().toISOString().slice(0, 10);
    await env.DB.prepare("INSERT INTO usage_records (service_id, day, unit, amount) VALUES (?1, ?2, 'data', 1500000000), (?1, ?2, 'sms', 4)")
      .bind(svc, today)
      .run();
    const addon = await api("POST", "/products", {
      body: {
        name: `Roaming pack ${Date.now()}`,
        slug: `roam-${Date.now()}`,
        type: "addon",
        service_type: "other",
        status: "active",
        retail_price: 500,
        compatible_with: [planA.id],
        included_balances: [{ unit: "data", amount: 2_000_000_000, validity_days: 7 }],
      },
    });
    expect(addon.status, JSON.stringify(addon.body)).toBe(201);
    const s = await portalSession(me.email);
    const page = await (await s.get(`/portal/services/${svc}`)).text();
    expect(page).toContain('figure data-unit="data"');
    expect(page).toContain("1.4 GB in 30 days");
    expect(page).toContain(`value="${addon.body.id}"`);
    expect(page).toContain(`value="${planB.id}"`);

    // The add-on: attached, charged to the account, its balance pending until the job runs.
    const bought = await s.post(`/portal/services/${svc}/addons`, { product_id: addon.body.id, key: `a-${Date.now()}` });
    expect(bought.status).toBe(303);
    expect(await countRows(`service_addons WHERE service_id = '${svc}'`)).toBe(1);
    const data = (await api("GET", `/services/${svc}/balance`)).body.buckets.find((b: { unit: string }) => b.unit === "data");
    expect(data?.pending_amount).toBe(2_000_000_000);
    expect((await s.post(`/portal/services/${svc}/addons`, { product_id: planB.id })).status).toBe(422);
    // The same pack as a top-up paid by card at once.
    const card = (await api("POST", `/customers/${me.customerId}/payment-methods`, { body: { stripe_payment_method_id: "pm_card_visa" } })).body;
    expect(await (await s.get(`/portal/services/${svc}`)).text()).toContain(`<option value="${addon.body.id}">`);
    const packed = await s.post(`/portal/services/${svc}/top-up`, { product_id: addon.body.id, payment_method_id: card.id, key: `p-${Date.now()}` });
    expect(packed.status).toBe(303);
    const paidPack = await env.DB.prepare("SELECT amount, top_up FROM payments WHERE service_id = ? AND status = 'succeeded'")
      .bind(svc)
      .first<{ amount: number; top_up: string }>();
    expect(paidPack).toMatchObject({ amount: 600, top_up: JSON.stringify({ product_id: addon.body.id }) });
    const both = (await api("GET", `/services/${svc}/balance`)).body.buckets.filter((b: { unit: string }) => b.unit === "data");
    expect(both.reduce((sum: number, b: { pending_amount: number }) => sum + b.pending_amount, 0)).toBe(4_000_000_000);
    expect((await s.post(`/portal/services/${svc}/top-up`, { product_id: planB.id, payment_method_id: card.id })).status).toBe(422);

    // Plan B needs no approval: changed at once through a change-plan job.
    const changed = await s.post(`/portal/services/${svc}/change-plan`, { product_id: planB.id });
    expect(changed.headers.get("location")).toBe(`/portal/services/${svc}?done=changed`);
    const approved = (await api("GET", `/plan-change-requests?service_id=${svc}`)).body.data[0];
    expect(approved).toMatchObject({ status: "approved", to_product_id: planB.id, decided_by: expect.any(String) });
    expect((await api("GET", `/jobs/${approved.job_id}`)).body).toMatchObject({ type: "modify", service_id: svc });
    expect((await api("GET", `/services/${svc}`)).body.product_id).toBe(planB.id);

    // Plan C waits for staff; a second request is refused; the customer sees it waiting.
    const asked = await s.post(`/portal/services/${svc}/change-plan`, { product_id: planC.id });
    expect(asked.headers.get("location")).toBe(`/portal/services/${svc}?done=requested`);
    expect(await (await s.get(`/portal/services/${svc}`)).text()).toContain("Waiting for our team");
    expect(
      (
        await api("POST", `/services/${svc}/plan-change-requests`, {
          role: null,
          headers: { authorization: `Bearer ${me.token}` },
          body: { product_id: planA.id },
        })
      ).status,
    ).toBe(409);
    const pending = (
      await api("GET", `/plan-change-requests?service_id=${svc}&status=pending`, { role: null, headers: { authorization: `Bearer ${me.token}` } })
    ).body.data[0];
    expect(pending).toMatchObject({ status: "pending", to_product_id: planC.id, job_id: null });
    expect((await api("GET", `/services/${svc}`)).body.product_id).toBe(planB.id);
    // Another customer neither sees nor asks; a customer never approves.
    expect(
      (await api("GET", `/plan-change-requests?service_id=${svc}`, { role: null, headers: { authorization: `Bearer ${other.token}` } })).body.data,
    ).toEqual([]);
    expect(
      (
        await api("POST", `/services/${svc}/plan-change-requests`, {
          role: null,
          headers: { authorization: `Bearer ${other.token}` },
          body: { product_id: planA.id },
        })
      ).status,
    ).toBe(404);
    expect(
      (await api("POST", `/plan-change-requests/${pending.id}/approve`, { role: null, headers: { authorization: `Bearer ${me.token}` }, body: {} })).status,
    ).toBe(403);
    // Staff approve it from the service page: the plan changes.
    const staff = await pageSession("admin");
    const staffPage = await (await staff.get(`/admin/services/${svc}`)).text();
    expect(staffPage).toContain(`/plan-change-requests/${pending.id}/approve`);
    expect((await staff.post(`/admin/services/${svc}/plan-change-requests/${pending.id}/approve`, {})).status).toBe(303);
    expect((await api("GET", `/services/${svc}`)).body.product_id).toBe(planC.id);
    expect((await api("POST", `/plan-change-requests/${pending.id}/reject`, { body: { reason: "late" } })).status).toBe(409);
    const activity = (await api("GET", `/activity?entity=service&entity_id=${svc}`)).body.data.map((a: { action: string }) => a.action);
    expect(activity).toEqual(expect.arrayContaining(["service.plan_change_requested", "service.plan_change_approved", "service.addon"]));
  });
  it("welcomes an invited contact with a link in their language to choose a password, and says when a session has ended", async () => {
    const customer = await api("POST", "/customers", { body: { name: `Invitée ${Date.now()}`, type: "individual", locale: "fr-FR" } });
    const email = `invitee-${Date.now()}@example.net`;
    const contact = await api("POST", `/customers/${customer.body.id}/contacts`, { body: { first_name: "Inès", email } });
    expect((await api("POST", `/contacts/${contact.body.id}/portal-invitation`, { body: {} })).status).toBeLessThan(300);
    const mail = await env.DB.prepare("SELECT subject, text_body FROM email_outbox WHERE to_email = ? AND template = 'portal_invitation'")
      .bind(email)
      .first<{ subject: string; text_body: string }>();
    expect(mail?.subject).toContain("Votre espace client");
    const token = mail?.text_body.match(/\/portal\/invitation\?token=([A-Za-z0-9_-]+)/)?.[1] ?? "";
    const form = (path: string, body: Record<string, string>, headers: Record<string, string> = {}) =>
      fetchWorker(`${BASE}${path}`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE, ...headers },
        body: new URLSearchParams(body),
      });
    const page = await fetchWorker(`${BASE}/portal/invitation?token=${token}`, { headers: { "accept-language": "fr-FR" } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("choisissez votre mot de passe");
    expect((await form("/portal/invitation", { token, password: "short" })).status).toBe(422);
    const done = await form("/portal/invitation", { token, password: "an-invited-portal-passphrase" });
    expect(done.headers.get("location")).toBe("/portal/login?welcome=1");
    expect((await fetchWorker(`${BASE}/portal/invitation?token=${token}`)).status).toBe(400);
    expect((await form("/portal/login", { email, password: "an-invited-portal-passphrase" })).status).toBe(303);

    // A session past its idle timeout: back to sign-in, which says why.
    const me = await customerToken();
    const s = await portalSession(me.email);
    await env.DB.prepare("UPDATE sessions SET last_seen_at = '2000-01-01T00:00:00.000Z' WHERE subject_id = (SELECT id FROM customer_accounts WHERE email = ?)")
      .bind(me.email)
      .run();
    const overview = await s.get("/portal");
    expect(overview.headers.get("location")).toBe("/portal/login");
    expect(await (await s.get("/portal/login")).text()).toContain("Your session has ended");
  });
});
