/**
 * The remaining administration pages in French: the catalog and the product form, settings and custom
 * attributes, webhooks, stuck writes, the error pages, and the notices of the identity, inventory,
 * promo code and tax rate pages; no English left in what they print.
 */
import { describe, expect, it } from "vitest";
import { pageSession, unique } from "./helpers";
import { expectNoEnglish, frenchPage } from "./locale-helpers";

const FR = { "accept-language": "fr" };
type Session = Awaited<ReturnType<typeof pageSession>>;

const slugOf = (prefix: string, max = 38) =>
  unique(prefix)
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, max);

/** Posts a form as a French browser does, expects the 303 and returns the page it leads to (with its notice). */
async function postAndFollow(s: Session, path: string, form: Record<string, string | string[]>): Promise<string> {
  const res = await s.post(path, form, FR);
  expect(res.status, `${path}: ${res.status === 303 ? "" : await res.text()}`).toBe(303);
  return frenchPage(await s.get(res.headers.get("location") ?? "", FR));
}

describe("administration pages in French", () => {
  it("catalog: the list, the product form with its units and playbook variables, a product, errors and notices", async () => {
    const s = await pageSession("admin");
    const list = await frenchPage(await s.get("/admin/catalog", FR));
    for (const text of [
      "<title>Catalogue",
      ">Catalogue</h1>",
      "Nouveau produit",
      ">Filtrer</button>",
      ">Tous</option>",
      ">brouillon</option>",
      ">autonome</option>",
    ])
      expect(list).toContain(text);
    expectNoEnglish(list, [">Catalog<", "New product", ">Filter<", "Products are offers", ">Includes<", ">Any<", ">standalone<"]);

    const form = await frenchPage(await s.get("/admin/catalog/new", FR));
    for (const text of [
      ">Offre</h2>",
      "Type de service",
      "Prix de vente",
      "Calculer au prorata les changements de forfait",
      "Soldes inclus",
      "Montant 1",
      '<option value="GB" selected="">Go</option>',
      "Validité (jours)",
      'placeholder="sans expiration"',
      "Alertes de solde bas",
      "Provisionnement",
      "Aucun (options et promotions uniquement)",
      "(requiert sim, phone_number)",
      "Stock requis",
      "Proposé à",
      "particulier",
      "Avancé : autres variables (JSON)",
      "Créer le produit",
      ">Annuler</a>",
    ])
      expect(form).toContain(text);
    expectNoEnglish(form, [
      ">Offer<",
      "Service type",
      "Retail price",
      "Prorate plan changes",
      "Included balances",
      "Amount 1",
      ">GB<",
      "Valid for (days)",
      "no expiry",
      "Low-balance warnings",
      "None (add-ons",
      "(needs ",
      "Required inventory",
      "Offered to",
      ">individual<",
      "Advanced: other variables",
      "Create product",
      ">Cancel<",
    ]);

    const variables = await (await s.get("/admin/catalog/playbook-variables?provisioning_play=mobile_prepaid", FR)).text();
    expect(variables).toContain("Variables de mobile_prepaid");
    expectNoEnglish(variables, ["Variables of", "Advanced: other variables"]);

    const slug = slugOf("fr-plan");
    const bad = await frenchPage(
      await s.post(
        "/admin/catalog/new",
        {
          name: "Forfait",
          slug,
          type: "standalone",
          service_type: "mobile",
          status: "draft",
          retail_price: "9,999",
          cgrates: "[oops",
          "included_balances.amount": ["1", "1,1"],
          "included_balances.unit": ["GB", "GB"],
          "included_balances.validity_days": ["jamais", ""],
        },
        FR,
      ),
      422,
    );
    expect(bad).toContain("JSON non valide");
    expect(bad).toContain("Validité : un nombre entier de jours de 1 à 3650");
    expect(bad).toContain("2 décimales au plus en EUR");
    expect(bad).toContain("1.1 Go ne fait pas un nombre entier d’octets : utilisez moins de décimales ou des Mo");
    expectNoEnglish(bad, ["Not valid JSON", "Validity: a whole number", "At most 2 decimals", "whole number of bytes"]);
    const noProduct = await frenchPage(await s.get("/admin/catalog/nope", FR), 404);
    expect(noProduct).toContain("Aucun produit avec cet identifiant.");

    const name = unique("Forfait FR");
    const created = await postAndFollow(s, "/admin/catalog/new", {
      name,
      slug,
      type: "standalone",
      service_type: "mobile",
      status: "draft",
      retail_price: "19,99",
      recurring_period: "monthly",
      "included_balances.amount": "5",
      "included_balances.unit": "GB",
      "included_balances.validity_days": "30",
      customer_types: ["individual", "business"],
      prorate: "1",
    });
    expect(created).toContain(`Produit ${name} créé (brouillon).`);
    for (const text of [
      ">Prix</h2>",
      ">Vente</dt>",
      "par mois",
      ">Gros</dt>",
      "Frais de mise en service",
      "(30 jours)",
      "particulier, entreprise",
      "Versions de prix",
      "version 1",
      "0 service(s)",
      ">Modifier</a>",
    ])
      expect(created).toContain(text);
    expectNoEnglish(created, ["created (draft)", ">Price<", ">Retail<", "per month", ">Wholesale<", "Setup fee", " days)", "Price versions", ">Edit<"]);

    const id = created.match(/href="\/admin\/catalog\/([^"/]+)\/edit"/)?.[1] ?? "";
    const edit = await frenchPage(await s.get(`/admin/catalog/${id}/edit`, FR));
    expect(edit).toContain(`Modifier ${name}`);
    expect(edit).toContain("Enregistrer le produit");
    expect(edit).toContain("Fixé à la création");
    const saved = await postAndFollow(s, `/admin/catalog/${id}/edit`, {
      name,
      service_type: "mobile",
      status: "draft",
      retail_price: "24,99",
      recurring_period: "monthly",
      customer_types: ["individual"],
    });
    expect(saved).toContain(`Produit ${name} enregistré`);
    expectNoEnglish(saved, [" saved", "new price version"]);
  });

  it("settings and custom attributes: labels, an inline error and the attribute notices", async () => {
    const s = await pageSession("admin");
    const settings = await frenchPage(await s.get("/admin/settings", FR));
    for (const text of [
      "<title>Paramètres",
      ">Paramètres</h1>",
      "Attributs personnalisés",
      "Nom de l’opérateur",
      "Identité visuelle",
      "Valeurs par défaut des nouveaux clients",
      "Fuseau horaire",
      "Déconnexion après inactivité (minutes)",
      "Quarantaine des numéros libérés (jours)",
      "Les remettre en stock",
      ">Relances</h2>",
      "Réseaux (PLMN)",
      "Liste de notification",
      "Enregistrer les paramètres",
      ">Intégrations</h2>",
      "Passerelle SMS",
      "SMS_GATEWAY_URL n’est pas défini",
      ">non configuré</span>",
    ])
      expect(settings).toContain(text);
    expectNoEnglish(settings, [
      ">Settings<",
      "Custom attributes",
      "Operator name",
      ">Branding<",
      "Defaults for new customers",
      "Time zone",
      "Sign out after inactivity",
      "Quarantine released phone numbers",
      "Put them back in stock",
      ">Dunning<",
      "Notification list",
      "Save settings",
      ">Integrations<",
      ">Endpoint<",
      "SMS gateway",
      "is not set",
      ">not configured<",
    ]);

    const attributes = await frenchPage(await s.get("/admin/settings/attributes", FR));
    for (const text of [
      ">Attributs personnalisés</h1>",
      "Nouvel attribut",
      ">Clé",
      "Obligatoire pour chaque client",
      "Ajouter l’attribut",
      ">booléen</option>",
    ])
      expect(attributes).toContain(text);
    expectNoEnglish(attributes, ["Custom attributes", "New attribute", "Required for every customer", "Add attribute", ">boolean<"]);
    const key = unique("fr")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "_")
      .slice(0, 30);
    const added = await postAndFollow(s, "/admin/settings/attributes", { key, label: "Segment FR", type: "text" });
    expect(added).toContain("Attribut Segment FR ajouté.");
    const edit = await frenchPage(await s.get(`/admin/settings/attributes/${key}/edit`, FR));
    expect(edit).toContain("Modifier Segment FR");
    expect(edit).toContain("la clé et le type ne peuvent pas changer");
    expect(edit).toContain("Enregistrer l’attribut");
    const deleted = await postAndFollow(s, `/admin/settings/attributes/${key}/delete`, {});
    expect(deleted).toContain(`Attribut ${key} supprimé.`);
  });

  it("webhooks: the list, the new endpoint, an endpoint's page and its notices", async () => {
    const s = await pageSession("admin");
    const list = await frenchPage(await s.get("/admin/webhooks", FR));
    for (const text of ["Nouveau point d’accès", "Ajouter le point d’accès", ">Événements"]) expect(list).toContain(text);
    expectNoEnglish(list, ["New endpoint", "Add endpoint", "Events sent to"]);
    const bad = await frenchPage(await s.post("/admin/webhooks", { url: "", events: [] }, FR), 422);
    expect(bad).toContain("Corrigez les champs signalés.");

    const made = await frenchPage(await s.post("/admin/webhooks", { url: `https://hooks.example.com/${slugOf("fr")}`, events: ["customer.created"] }, FR));
    expect(made).toContain("Point d’accès créé. Son secret de signature n’est affiché qu’une fois");
    const id = made.match(/href="\/admin\/webhooks\/([^"]+)">https:\/\/hooks\.example\.com/)?.[1] ?? "";
    const page = await frenchPage(await s.get(`/admin/webhooks/${id}`, FR));
    for (const text of ["Événements : customer.created", ">Désactiver", ">Supprimer", ">Envois</h2>", "Rien n’a encore été envoyé."])
      expect(page).toContain(text);
    expectNoEnglish(page, ["Events:", ">Disable<", ">Delete<", "Deliveries", "Nothing delivered yet", "Pending deliveries are dropped"]);
    const disabled = await postAndFollow(s, `/admin/webhooks/${id}/status`, { status: "disabled" });
    expect(disabled).toMatch(/Point d’accès webhook https:\/\/hooks\.example\.com\/\S+ désactivé\./);
    const deleted = await postAndFollow(s, `/admin/webhooks/${id}/delete`, {});
    expect(deleted).toMatch(/Point d’accès webhook https:\/\/hooks\.example\.com\/\S+ supprimé\./);
  });

  it("stuck writes and the error pages", async () => {
    const s = await pageSession("admin");
    const stuck = await frenchPage(await s.get("/admin/stuck-writes", FR));
    for (const text of [">Écritures bloquées</h1>", ">Ouvertes</a>", ">Traitées</a>", "Tâches de provisionnement"]) expect(stuck).toContain(text);
    expectNoEnglish(stuck, ["Stuck writes", ">Open<", ">Handled<", "Provisioning jobs", "No stuck writes"]);
    const refused = await frenchPage(await s.post("/admin/stuck-writes/nope/resolve", { resolution: "x" }, FR), 422);
    expect(refused).toContain("Indiquez ce qui a été fait (3 caractères au moins).");

    const missing = await frenchPage(await s.get("/admin/no-such-page", FR), 404);
    for (const text of ["<title>404 Page introuvable</title>", "Cette page n’existe pas.", "Erreur 404 · requête", "Retour au tableau de bord"])
      expect(missing).toContain(text);
    expectNoEnglish(missing, ["Not found", "This page does not exist", "Back to the dashboard"]);
    // Without a French browser the page stays in English.
    const english = await (await s.get("/admin/no-such-page")).text();
    expect(english).toContain('<html lang="en"');
    expect(english).toContain("<title>404 Not found</title>");
    expect(english).toContain("Back to the dashboard");
  });

  it("notices of the identity, inventory, promo code and tax rate pages", async () => {
    const s = await pageSession("admin");
    const role = slugOf("fr-role", 30);
    const roles = await postAndFollow(s, "/admin/roles/new", { name: role, permissions: ["customers:read"] });
    expect(roles).toContain(`Rôle ${role} créé.`);

    const type = slugOf("fr-type").replace(/-/g, "_");
    const types = await postAndFollow(s, "/admin/inventory/types/new", {
      slug: type,
      name: `Boîtier ${type}`,
      fields: JSON.stringify([{ name: "serial", label: "Serial", kind: "text", required: true, unique: true }]),
    });
    expect(types).toContain(`Type de stock Boîtier ${type} créé.`);
    const item = await postAndFollow(s, `/admin/inventory/items/new?type=${type}`, { type, "fields.serial": unique("SN").replace(/\s/g, "") });
    expect(item).toMatch(new RegExp(`Boîtier ${type} .+ ajouté au stock\\.`));
    expectNoEnglish(item, ["added to stock"]);

    const code = unique("FRN")
      .toUpperCase()
      .replace(/[^A-Z0-9]/g, "")
      .slice(0, 20);
    expect(await postAndFollow(s, "/admin/promo-codes", { code, kind: "percent", value: "10", months: "3" })).toContain(`Code promo ${code} créé.`);
    const taxClass = slugOf("frtax", 30).replace(/-/g, "_");
    expect(await postAndFollow(s, "/admin/tax-rates", { tax_class: taxClass, name: "TVA réduite", rate: "5,5" })).toContain("Taux de TVA TVA réduite créé.");
  });
});
