/**
 * The service and customer pages in French, along a phone walkthrough: a customer created and edited,
 * a contact and a site added, a mobile plan ordered, its page with balances, a service suspended, and
 * the customer suspended with its services; headings, labels, buttons, notices and inline errors.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ServiceStatePort } from "../domain/services/port";
import { api, pageSession, unique } from "./helpers";
import { expectNoEnglish, frenchPage } from "./locale-helpers";

const FR = { "accept-language": "fr" };
const OP = { actor: { type: "system" as const, id: null, label: "test" }, requestId: null, now: new Date().toISOString() };
const state = (id: string): ServiceStatePort => env.SERVICE_STATE.get(env.SERVICE_STATE.idFromName(id));

type Session = Awaited<ReturnType<typeof pageSession>>;

async function mobilePlan() {
  const slug = unique("forfait")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 50);
  const res = await api("POST", "/products", {
    body: {
      name: `Forfait ${slug}`,
      slug,
      type: "standalone",
      service_type: "mobile",
      status: "active",
      retail_price: 1999,
      recurring_period: "monthly",
      provisioning_play: "charging_account",
      included_balances: [{ unit: "data", amount: 10 * 2 ** 30, validity_days: 30 }],
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; name: string };
}

/** Orders from the customer's page in French; returns the service id and the page it lands on. */
async function orderInFrench(s: Session, customerId: string, productId: string) {
  const ordered = await s.post(`/admin/customers/${customerId}/services`, { product_id: productId, key: unique("order") }, FR);
  expect(ordered.status).toBe(303);
  const location = ordered.headers.get("location") ?? "";
  const id = location.split("/").pop() ?? "";
  return { id, html: await frenchPage(await s.get(location, FR)) };
}

/** What the runner does: lease, then report success with the plan's balance granted. */
async function activate(serviceId: string) {
  const s = state(serviceId);
  expect((await s.transition(serviceId, "start_provisioning", { ...OP, key: "lease-1" })).ok).toBe(true);
  const grants = [{ unit: "data" as const, amount: 10 * 2 ** 30, validity_days: 30 }];
  expect((await s.transition(serviceId, "activate", { ...OP, key: "done-1", identifiers: { msisdn: "+33612345678" }, grants })).ok).toBe(true);
}

describe("service and customer pages in French", () => {
  it("creates and edits a customer, adds a contact and a site, with French forms and notices", async () => {
    const s = await pageSession("admin");
    const form = await frenchPage(await s.get("/admin/customers/new", FR));
    expect(form).toContain("<title>Nouveau client");
    for (const text of ["Mode de paiement", ">particulier</option>", ">postpayé</option>", "Plafond de crédit", "Fuseau horaire", "Créer le client", "Annuler"])
      expect(form).toContain(text);
    expectNoEnglish(form, ["New customer", "Payment type", ">individual<", "Credit limit", "Time zone", "Create customer", ">Cancel<"]);

    const bad = await s.post("/admin/customers/new", { name: "Client FR", type: "individual", payment_type: "postpaid", credit_limit: "abc" }, FR);
    expect(await frenchPage(bad, 422)).toContain("Un montant, par exemple 5000,00 (au moins 0)");

    const name = unique("Dupont SARL");
    const created = await s.post("/admin/customers/new", { name, type: "business", payment_type: "postpaid" }, FR);
    expect(created.status).toBe(303);
    const customerUrl = created.headers.get("location") ?? "";
    const customerId = customerUrl.split("/").pop() ?? "";
    expect(await frenchPage(await s.get(customerUrl, FR))).toContain(`Client ${name} créé.`);

    const edit = await frenchPage(await s.get(`/admin/customers/${customerId}/edit`, FR));
    for (const text of [`Modifier ${name}`, "Enregistrer les modifications", "Exonération de TVA", "Identifiant externe"]) expect(edit).toContain(text);
    expectNoEnglish(edit, ["Save changes", "Tax exemption", "External id"]);

    const contactForm = await frenchPage(await s.get(`/admin/customers/${customerId}/contacts/new`, FR));
    for (const text of [`Nouveau contact pour ${name}`, "Prénom", "Téléphone", "Rôles", "> facturation</label>", "Ajouter le contact"])
      expect(contactForm).toContain(text);
    expectNoEnglish(contactForm, ["New contact", "First name", "Last name", ">Roles<", "> billing<", "Add contact"]);
    const contact = await s.post(
      `/admin/customers/${customerId}/contacts/new`,
      { first_name: "Marie", last_name: "Durand", email: "marie.durand@example.com", roles: "primary" },
      FR,
    );
    expect(contact.status).toBe(303);
    expect(await frenchPage(await s.get(contact.headers.get("location") ?? "", FR))).toContain(`Contact Marie Durand ajouté à ${name}.`);

    const siteForm = await frenchPage(await s.get(`/admin/customers/${customerId}/sites/new`, FR));
    for (const text of [`Nouveau site pour ${name}`, "Nom du site", "Code postal", "Ville", "Pays", "Ajouter le site"]) expect(siteForm).toContain(text);
    expectNoEnglish(siteForm, ["New site", "Site name", "Postal code", ">City<", "Add site"]);
    const site = await s.post(
      `/admin/customers/${customerId}/sites/new`,
      { name: "Siège", address_line1: "1 rue de la République", city: "Lyon", country: "FR", latitude: "45.76", longitude: "4.83" },
      FR,
    );
    expect(site.status).toBe(303);
    expect(await frenchPage(await s.get(site.headers.get("location") ?? "", FR))).toContain(`Site Siège ajouté à ${name}.`);
  });

  it("orders a mobile plan, shows its page with balances, and suspends it, in French", async () => {
    const s = await pageSession("admin");
    const plan = await mobilePlan();
    const customer = (await api("POST", "/customers", { body: { name: unique("Client mobile"), type: "individual", payment_type: "prepaid" } })).body;

    const refused = await s.post(`/admin/customers/${customer.id}/services`, { product_id: "", key: unique("order") }, FR);
    expect(await frenchPage(refused, 422)).toContain("Choisissez un produit à commander.");

    const { id, html: ordered } = await orderInFrench(s, customer.id, plan.id);
    expect(ordered).toContain(`Service ${plan.name} commandé ; sa tâche de provisionnement est en file d’attente.`);
    expect(ordered).toContain("Pas encore de solde.");
    expect(ordered).toMatch(/Tâche provision \((en attente|prête)\) : cette page se met à jour jusqu’à sa fin\./);
    expectNoEnglish(ordered, ["ordered; its provisioning job", "No balance yet.", "this page updates itself"]);

    await activate(id);
    const page = await frenchPage(await s.get(`/admin/services/${id}`, FR));
    for (const text of [
      ">Détails</h2>",
      "<dt>Produit</dt>",
      "<dt>Prix</dt>",
      " / mois",
      "<dt>Activé le</dt>",
      ">Solde</h2>",
      "restants sur",
      "Recharge (EUR)",
      'placeholder="10,00"',
      "<strong>données</strong>",
      "Recharger",
      "Changer de forfait",
      "Choisir un forfait…",
      "Vérifier le changement…",
      "Consommation (30 derniers jours)",
      "Aucune consommation enregistrée ces 30 derniers jours.",
      ">Stock</h2>",
      ">Tâches de provisionnement</h2>",
      ">Frais et crédits</h2>",
      ">Historique des statuts</h2>",
      "Suspendre…",
      "Résilier…",
    ])
      expect(page, text).toContain(text);
    expect(page).toMatch(/aria-label="données: [^"]* restants sur [^"]*, expire le /);
    expect(page).toMatch(/\d tentative\(s\)/);
    expectNoEnglish(page, [
      ">Details<",
      "<dt>Price</dt>",
      " / month",
      "remaining",
      "expires ",
      ">Top up",
      "Change plan",
      "Review the change",
      "Usage (last 30 days)",
      "No usage recorded",
      ">Provisioning jobs<",
      "attempt(s)",
      "Charges and credits",
      "Status timeline",
      "Suspend…",
      "Terminate…",
    ]);

    const badTopUp = await s.post(`/admin/services/${id}/top-ups`, { amount: "abc", key: unique("topup") }, FR);
    expect(await frenchPage(badTopUp, 422)).toContain("Saisissez un montant, par exemple 10,00, ou choisissez un pack de recharge.");

    // Change plan after its preview: the notice says what moved and what was credited and charged.
    const bigger = await mobilePlan();
    const preview = await frenchPage(await s.get(`/admin/services/${id}/change-plan?product_id=${bigger.id}`, FR));
    const planKey = preview.match(/name="key" value="([^"]+)"/)?.[1] ?? "";
    const changed = await s.post(`/admin/services/${id}/change-plan`, { product_id: bigger.id, key: planKey }, FR);
    expect(changed.status).toBe(303);
    const moved = await frenchPage(await s.get(changed.headers.get("location") ?? "", FR));
    expect(moved).toContain(`Service +33612345678 passé au forfait ${bigger.name} ; sa tâche de changement de forfait est en file d’attente.`);
    expectNoEnglish(moved, ["moved to", "plan change job is queued", "Credited "]);

    const confirm = await frenchPage(await s.get(`/admin/services/${id}/action/suspend`, FR));
    const key = confirm.match(/name="key" value="([^"]+)"/)?.[1] ?? "";
    const suspended = await s.post(`/admin/services/${id}/action`, { action: "suspend", confirmed: "1", key, reason: "Contrôle anti-fraude" }, FR);
    expect(suspended.status).toBe(303);
    const after = await frenchPage(await s.get(suspended.headers.get("location") ?? "", FR));
    expect(after).toContain("Service +33612345678 suspendu.");
    expectNoEnglish(after, ["+33612345678 suspended."]);
  });

  it("says in French that a provisioning job was sent to the queue again", async () => {
    const s = await pageSession("admin");
    const plan = await mobilePlan();
    const customer = (await api("POST", "/customers", { body: { name: unique("Client file"), type: "individual", payment_type: "prepaid" } })).body;
    const ordered = await api("POST", `/customers/${customer.id}/services`, {
      body: { product_id: plan.id },
      headers: { "idempotency-key": `resend-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}` },
    });
    expect(ordered.status, JSON.stringify(ordered.body)).toBe(202);
    const jobId = ordered.body.job.id as string;
    await env.DB.prepare("UPDATE jobs SET status = 'pending' WHERE id = ?").bind(jobId).run();
    const job = await frenchPage(await s.get(`/admin/jobs/${jobId}`, FR));
    expect(job).toContain(`<title>Tâche ${jobId}`);
    const resent = await s.post(`/admin/jobs/${jobId}/resend`, {}, FR);
    expect(resent.status).toBe(303);
    const list = await frenchPage(await s.get(resent.headers.get("location") ?? "", FR));
    expect(list).toContain(`Tâche ${jobId} renvoyée dans la file d’attente.`);
    expectNoEnglish(list, ["sent to the queue again"]);
  });

  it("confirms a customer's suspension with its services in French, then says it was done", async () => {
    const s = await pageSession("admin");
    const plan = await mobilePlan();
    const name = unique("Martin");
    const customer = (await api("POST", "/customers", { body: { name, type: "individual", payment_type: "prepaid" } })).body;
    const { id } = await orderInFrench(s, customer.id, plan.id);
    await activate(id);

    const confirm = await frenchPage(await s.get(`/admin/customers/${customer.id}/status/suspend`, FR));
    for (const text of [
      `Suspendre ${name} ?`,
      "Pourquoi suspendre ce client ?",
      "1 service sera suspendu",
      "Chacun passe par sa propre tâche de provisionnement.",
      "Statut actuel",
      "Suspendre le client et 1 service",
    ])
      expect(confirm, text).toContain(text);
    expectNoEnglish(confirm, ["Why suspend", "will be suspended", "Each one goes through", "Status now", "the customer and"]);

    const closeConfirm = await frenchPage(await s.get(`/admin/customers/${customer.id}/status/close`, FR));
    expect(closeConfirm).toContain("La clôture ne change que le statut du client");
    expect(closeConfirm).toContain("Aucun service concerné");

    const key = confirm.match(/name="key" value="([^"]+)"/)?.[1] ?? "";
    const done = await s.post(`/admin/customers/${customer.id}/transition`, { transition: "suspend", confirmed: "1", key, reason: "Impayés répétés" }, FR);
    expect(done.status).toBe(303);
    const page = await frenchPage(await s.get(done.headers.get("location") ?? "", FR));
    expect(page).toContain(`Client ${name} suspendu, avec 1 service.`);

    const again = await s.get(`/admin/customers/${customer.id}/status/suspend`, FR);
    expect(await frenchPage(again, 409)).toContain("Impossible de suspendre un client dont le statut est suspendu.");
  });
});
