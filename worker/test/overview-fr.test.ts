/** The overview pages in French (dashboard, activity log, search, sites map), notices after an action, and form errors named by their field in the reader's language. */

import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { localiseError } from "../i18n/form-errors";
import { withLocale } from "../i18n/request-locale";
import { product } from "./billing-helpers";
import { api, pageSession, unique } from "./helpers";
import { expectNoEnglish, frenchPage } from "./locale-helpers";

const FR = { "accept-language": "fr" };

type Session = Awaited<ReturnType<typeof pageSession>>;

describe("overview pages in French", () => {
  let s: Session;
  let customer: { id: string; name: string };
  beforeAll(async () => {
    s = await pageSession("admin");
    const made = await api("POST", "/customers", { body: { type: "business", name: unique("Société Azur") } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    customer = made.body;
    for (const site of [
      { name: "Antenne Nord", latitude: 45.2, longitude: 4.2 },
      { name: "Perdu", address_line1: "1 Nowhere Lane", city: "Atlantis" },
    ]) {
      const res = await api("POST", `/customers/${customer.id}/sites`, { body: { address_line1: "4 rue du Port", city: "Lyon", country: "FR", ...site } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    const patched = await api("PATCH", `/customers/${customer.id}`, { body: { notes: "Client prioritaire", external_id: unique("EXT") } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
  });

  it("shows the dashboard's tiles in French", async () => {
    const html = await frenchPage(await s.get("/admin", FR));
    for (const text of ["Tableau de bord", "Bienvenue, ", "Services actifs", "Revenu mensuel récurrent", "Clients actifs", "Particuliers", "Professionnels"]) {
      expect(html).toContain(text);
    }
    expect(html).toMatch(/Factures? en retard : \d/);
    expect(html).toContain("Événements métier récents");
    expectNoEnglish(html, [
      "Welcome,",
      "Active services",
      "Activated today",
      "Monthly recurring revenue",
      "Cards expiring within 60 days",
      "Open customers",
      "New this month",
      "Recent business events",
      "Show all (sign-ins too)",
      "All activity",
    ]);
    const all = await frenchPage(await s.get("/admin?activity=all", FR));
    expect(all).toContain("Activité récente");
    expect(all).toContain("Événements métier uniquement");
  });

  it("shows the activity log, its filters, its entries and its date errors in French", async () => {
    const html = await frenchPage(await s.get(`/admin/activity?customer_id=${customer.id}`, FR));
    for (const text of [
      "Journal d’activité",
      "Chaque modification, son auteur et sa date.",
      "Objet",
      "Au (inclus)",
      "Événements métier",
      "Entité",
      "Filtrer",
    ]) {
      expect(html).toContain(text);
    }
    // The entries: columns, the actor's kind, the changed fields and the request.
    expect(html).toContain("Auteur");
    expect(html).toContain("Modifications");
    expect(html).toMatch(/\d+ champs? : /);
    expect(html).toContain("requête ");
    expectNoEnglish(html, ["Every change, who made it", "To (inclusive)", "Business events", "Actor id", "Entity id", ">Filter<", ">When<", ">Changes<"]);

    const bad = await frenchPage(await s.get("/admin/activity?from=mars", FR), 400);
    expect(bad).toContain("Corrigez les dates : Une date telle que 2025-03-01.");
    expectNoEnglish(bad, ["Please correct the dates", "A date such as"]);

    const nobody = await frenchPage(await s.get(`/admin/activity?q=${encodeURIComponent("zzqx introuvable")}`, FR));
    expect(nobody).toContain("Rien ne s’appelle « zzqx introuvable ».");
  });

  it("shows search results and their absence in French", async () => {
    const word = customer.name.split(" ").at(-1) ?? "";
    const html = await frenchPage(await s.get(`/admin/search?q=${encodeURIComponent(word)}`, FR));
    expect(html).toContain(`Résultats pour « ${word} »`);
    expect(html).toContain("résultat(s), les plus pertinents d’abord");
    expect(html).toContain("Rechercher");
    expect(html).toMatch(/Clients <span class="muted">\(1\)/);
    expectNoEnglish(html, ["Results for", "result(s), best first", "Customers <span"]);

    const none = await frenchPage(await s.get("/admin/search?q=zzqxw", FR));
    expect(none).toContain("Aucun résultat.");
    expect(none).toContain("chaque mot est cherché comme début de mot");
    expectNoEnglish(none, ["Nothing found.", "Try fewer or shorter words"]);

    const suggest = await s.get("/admin/search/suggest?q=zzqxw", FR);
    expect(await suggest.text()).toContain("Aucun résultat pour « zzqxw ».");
  });

  it("labels the customer's sites map in French", async () => {
    const html = await frenchPage(await s.get(`/admin/customers/${customer.id}`, FR));
    expect(html).toContain(": 1 sur la carte");
    expect(html).toContain("1 sans coordonnées, absent(s) de la carte.");
    // The customer's own activity table, too.
    expect(html).toContain(">Modifications<");
    expectNoEnglish(html, ["on the map", "without coordinates", ">When<", ">Changes<", "No activity yet."]);
  });

  it("shows a notice after an action in French", async () => {
    const off = await s.post(`/admin/customers/${customer.id}/auto-pay`, { auto_pay: "false" }, FR);
    expect(off.status).toBe(303);
    const html = await frenchPage(await s.get(off.headers.get("location") ?? "", FR));
    expect(html).toContain(`Prélèvement automatique désactivé pour ${customer.name}.`);
    expectNoEnglish(html, ["Auto-pay turned off"]);
  });

  it("names a form's errors by their field and says them in French; the same form in English stays English", async () => {
    const fr = await frenchPage(await s.post("/admin/customers/new", { name: "", type: "individual", currency: "EURO", timezone: "Lune/Base" }, FR), 422);
    expect(fr).toContain("Nom : Obligatoire");
    expect(fr).toContain("Devise : Doit être un code devise ISO 4217, par exemple EUR ou USD");
    expect(fr).toContain("Fuseau horaire : Doit être un fuseau horaire IANA, par exemple Europe/Paris");
    expect(fr).toContain('<a href="#f-name">');
    expectNoEnglish(fr, ["Required", "Must be an ISO 4217", "Must be an IANA time zone", "Invalid input", "name: Required"]);

    const long = await frenchPage(await s.post("/admin/customers/new", { name: "x".repeat(201), type: "individual" }, FR), 422);
    expect(long).toContain("Nom : 200 caractères au plus");

    const en = await s.post("/admin/customers/new", { name: "", type: "individual", currency: "EURO" });
    expect(en.status).toBe(422);
    const english = await en.text();
    expect(english).toContain('<html lang="en"');
    expect(english).toContain("Name: Required");
    expect(english).toContain("Currency: Must be an ISO 4217 currency code such as EUR or USD");
    expectNoEnglish(english, ["Obligatoire", "Devise"]);
  });

  it("translates the domain's messages with their numbers, and leaves unknown or English ones as written", () => {
    const fr = (m: string) => withLocale("fr", () => localiseError(m));
    expect(fr("At most 40 characters")).toBe("40 caractères au plus");
    expect(fr("At most 20 kB of JSON")).toBe("20 ko de JSON au plus");
    expect(fr("Duplicate of line 4")).toBe("Doublon de la ligne 4");
    expect(fr("Must be a valid email address")).toBe("Doit être une adresse e-mail valide");
    // A placeholder for a number does not swallow words: no sentence half in French.
    expect(fr("At most five tags")).toBe("At most five tags");
    expect(fr("Something only the API says")).toBe("Something only the API says");
    expect(withLocale("en", () => localiseError("At most 40 characters"))).toBe("At most 40 characters");
  });

  it("says a refusal of the ServiceState object on a service page in French", async () => {
    const plan = await product(0);
    const order = await api("POST", `/customers/${customer.id}/services`, {
      body: { product_id: plan.id },
      headers: { "idempotency-key": crypto.randomUUID() },
    });
    expect(order.status, JSON.stringify(order.body)).toBe(202);
    const id = order.body.service.id as string;
    // Its provisioning failed: a top-up is refused by the object.
    const op = { actor: { type: "system" as const, id: null, label: "test" }, requestId: null, now: new Date().toISOString() };
    const stub = env.SERVICE_STATE.get(env.SERVICE_STATE.idFromName(id));
    expect((await stub.transition(id, "start_provisioning", { ...op, key: "lease" })).ok).toBe(true);
    expect((await stub.transition(id, "fail", { ...op, key: "failed" })).ok).toBe(true);
    const refused = await s.post(`/admin/services/${id}/top-ups`, { key: crypto.randomUUID(), amount: "10.00" }, FR);
    const html = await frenchPage(refused, 422);
    expect(html).toContain("Impossible de recharger un service en échec.");
    expectNoEnglish(html, ["Cannot top up"]);
    const english = await (await s.post(`/admin/services/${id}/top-ups`, { key: crypto.randomUUID(), amount: "10.00" })).text();
    expect(english).toContain("Cannot top up a service that is failed.");
    // The error page says the domain's refusal in French too.
    const missing = await frenchPage(await s.get("/admin/services/svc_nothing_here", FR), 404);
    expect(missing).toContain("Aucun service avec cet identifiant.");
    expect(await (await s.get("/admin/services/svc_nothing_here")).text()).toContain("No service with this id.");
  });

  it("translates the service domain's refusals with the status and the step in French, or leaves them whole", () => {
    const fr = (m: string) => withLocale("fr", () => localiseError(m));
    const translated: [english: string, french: string][] = [
      ["Cannot suspend a service that is terminated.", "La suspension est impossible pour un service résilié."],
      ["Cannot start provisioning a service that is active.", "La mise en service est impossible pour un service actif."],
      ["Cannot top up a service that is failed.", "Impossible de recharger un service en échec."],
      ["Not possible while the service is suspended.", "Impossible tant que le service est suspendu."],
      [
        "The product is retired; only active products can be ordered.",
        "Ce produit n’est pas actif (état : retiré) : seuls les produits actifs peuvent être commandés.",
      ],
      ["This plan is not sold by the day.", "Cette offre n’est pas vendue à la journée."],
      ["This invoice is void; only an issued invoice can be paid.", "Cette facture est annulée : seule une facture émise peut être payée."],
      ["This payment is failed; only a succeeded payment can be refunded.", "Ce paiement est en échec : seul un paiement réussi peut être remboursé."],
      ["Cannot reopen a customer that is archived.", "La réouverture est impossible pour un client archivé."],
      ["At most 1200 (minor units) is left to refund on this payment.", "Il ne reste que 1200 (unités mineures) à rembourser sur ce paiement."],
      ["Cannot move a product from retired to draft.", "Ce changement d’état est impossible pour un produit : « retiré » → « en brouillon »."],
      ["This item is held by service svc_1; it changes with that service.", "Cet article est détenu par le service svc_1 : il change avec ce service."],
      ["3 user(s) hold this role; change their roles first.", "3 utilisateur(s) ont ce rôle : changez d’abord leurs rôles."],
      ["The user is invited, not disabled.", "L’utilisateur est invité, pas désactivé."],
    ];
    for (const [english, french] of translated) expect(fr(english)).toBe(french);
    // A status or step it does not know: the whole sentence stays in English, never half translated.
    expect(fr("Cannot frobnicate a service that is active.")).toBe("Cannot frobnicate a service that is active.");
    expect(fr("Not possible while the service is dormant.")).toBe("Not possible while the service is dormant.");
    expect(withLocale("en", () => localiseError("Cannot suspend a service that is terminated."))).toBe("Cannot suspend a service that is terminated.");
  });
});
