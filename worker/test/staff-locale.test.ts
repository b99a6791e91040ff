import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { invitationEmail, lowStockEmail, passwordResetEmail, provisioningFailedEmail, welcomeEmail } from "../domain/email/templates";
import { welcomeSmsText } from "../domain/jobs/outcomes";
import { DEFAULT_SETTINGS } from "../domain/settings/schemas";
import { api, BASE, countRows, ensureUser, fetchWorker, pageSession } from "./helpers";

const localeOf = async (id: string) => (await env.DB.prepare("SELECT locale FROM users WHERE id = ?").bind(id).first<{ locale: string | null }>())?.locale;
const htmlLang = (html: string) => html.match(/<html lang="([a-z]+)"/)?.[1];
const navLabels = (html: string) => {
  const nav = html.match(/<nav class="sidebar" id="main-nav"[\s\S]*?<\/nav>/)?.[0] ?? "";
  return Array.from(nav.matchAll(/<\/span>([^<]+)<\/a>/g), (m) => m[1]);
};

describe("staff pages in English or French", () => {
  it("follows the browser's language until the user chooses one", async () => {
    const s = await pageSession("billing");
    const fr = await (await s.get("/admin/customers", { "accept-language": "fr-FR,fr;q=0.9,en;q=0.5" })).text();
    expect(htmlLang(fr)).toBe("fr");
    expect(navLabels(fr)).toContain("Clients");
    expect(fr).toContain("Se déconnecter");
    expect(fr).toContain("Raccourcis clavier (?)");
    const en = await (await s.get("/admin/customers", { "accept-language": "en-US" })).text();
    expect(htmlLang(en)).toBe("en");
    expect(navLabels(en)).toContain("Customers");
    // The sign-in page too (no user yet).
    const login = await (await fetchWorker(`${BASE}/admin/login`, { headers: { "accept-language": "fr" } })).text();
    expect(htmlLang(login)).toBe("fr");
    expect(login).toContain("Mot de passe oublié ?");
    expect(login).toMatch(/<button type="submit" class="button primary">Se connecter<\/button>/);
    const forgot = await (await fetchWorker(`${BASE}/admin/forgot-password`, { headers: { "accept-language": "fr" } })).text();
    expect(forgot).toContain("M’envoyer un lien de réinitialisation");
  });

  it("translates the customer list, its filters and enum values", async () => {
    const s = await pageSession("admin");
    const html = await (await s.get("/admin/customers", { "accept-language": "fr" })).text();
    expect(html).toContain("<h1>Clients</h1>");
    expect(html).toContain('placeholder="Nom, e-mail, ville…"');
    expect(html).toContain('<option value="business">entreprise</option>');
    expect(html).toContain('<option value="">Tous (hors archivés)</option>');
    for (const english of ["New customer", "Name A–Z", ">Payment<", "Recently changed"]) expect(html).not.toContain(english);
  });

  it("translates the services list", async () => {
    const s = await pageSession("admin");
    const html = await (await s.get("/admin/services", { "accept-language": "fr" })).text();
    expect(html).toContain("Les services se commandent depuis la fiche d’un client.");
    expect(html).toContain('<option value="terminated">résilié</option>');
    for (const english of [">Ordered<", ">Identifiers<", "Order services from"]) expect(html).not.toContain(english);
  });

  it("translates the walkthrough pages: a customer, its order form, a service's terminate confirmation", async () => {
    const s = await pageSession("admin");
    const created = await api("POST", "/customers", { body: { name: "Dupont Walkthrough", type: "individual", payment_type: "prepaid" } });
    expect(created.status).toBe(201);
    const customerId: string = created.body.id;
    const page = await (await s.get(`/admin/customers/${customerId}`, { "accept-language": "fr" })).text();
    for (const french of ['<h2 id="details-h">Détails</h2>', '<h2 id="contacts-h">Contacts</h2>', "Fuseau horaire", "Ajouter un site"])
      expect(page).toContain(french);
    for (const english of [">Add contact<", ">Time zone<", ">Save tags<"]) expect(page).not.toContain(english);
    const services = await (await s.get("/admin/services?status=active", { "accept-language": "fr" })).text();
    const serviceId = services.match(/href="\/admin\/services\/(svc_[^"]+)"/)?.[1];
    if (page.includes('name="product_id"')) {
      expect(page).toContain("Choisissez un produit…");
      expect(page).toContain(">Commander</button>");
    }
    if (serviceId) {
      const confirm = await (await s.get(`/admin/services/${serviceId}/action/terminate`, { "accept-language": "fr" })).text();
      expect(confirm).toContain("Cette action est irréversible.");
      expect(confirm).toContain("Pourquoi résilier ce service ?");
      expect(confirm).toContain(">Annuler</a>");
      const refused = await s.post(`/admin/services/${serviceId}/action`, { action: "terminate", confirmed: "1", reason: "x" }, { "accept-language": "fr" });
      expect(refused.status).toBe(422);
      expect(await refused.text()).toContain("Donnez un motif d’au moins 3 caractères.");
    }
  });

  it("translates the jobs pages and the status words", async () => {
    const s = await pageSession("admin");
    const list = await (await s.get("/admin/jobs", { "accept-language": "fr" })).text();
    expect(list).toContain("<h1>Tâches de provisionnement</h1>");
    expect(list).toContain(">Abandonnées</a>");
    for (const english of ["Provisioning jobs", "Dead letter", ">Attempts<", ">Created<"]) expect(list).not.toContain(english);
    const jobId = list.match(/href="\/admin\/jobs\/(job_[^"]+)"/)?.[1];
    if (jobId) {
      const page = await (await s.get(`/admin/jobs/${jobId}`, { "accept-language": "fr" })).text();
      expect(page).toContain("<dt>Tentatives</dt>");
      expect(page).toMatch(/<span class="badge badge-[a-z_]+">(en attente|en cours|réussi|échec|abandonné)<\/span>/);
    }
  });

  it("keeps a per-user preference over the browser's, audited; 'browser' clears it; a bad value writes nothing", async () => {
    const user = await ensureUser("read-only");
    const s = await pageSession("read-only");
    const saved = await s.post("/admin/account/language", { locale: "fr" }, { "accept-language": "en" });
    expect(saved.status).toBe(200);
    const savedHtml = await saved.text();
    // The answer is already in French, with the choice selected.
    expect(htmlLang(savedHtml)).toBe("fr");
    expect(savedHtml).toContain("Langue enregistrée.");
    expect(savedHtml).toMatch(/<option value="fr" selected="">Français<\/option>/);
    expect(await localeOf(user.id)).toBe("fr");
    const later = await (await s.get("/admin", { "accept-language": "en-GB" })).text();
    expect(htmlLang(later)).toBe("fr");
    expect(navLabels(later)).toContain("Tableau de bord");
    const audit = await env.DB.prepare("SELECT changes FROM activity_log WHERE entity_id = ? AND action = 'user.locale' ORDER BY at DESC LIMIT 1")
      .bind(user.id)
      .first<{ changes: string }>();
    expect(JSON.parse(audit?.changes ?? "{}")).toEqual({ locale: { before: null, after: "fr" } });

    const before = await countRows("activity_log");
    const bad = await s.post("/admin/account/language", { locale: "de" });
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("Choisissez l’anglais, le français ou la langue du navigateur.");
    expect(await localeOf(user.id)).toBe("fr");
    expect(await countRows("activity_log")).toBe(before);

    expect((await s.post("/admin/account/language", { locale: "browser" }, { "accept-language": "en" })).status).toBe(200);
    expect(await localeOf(user.id)).toBeNull();
    expect(htmlLang(await (await s.get("/admin", { "accept-language": "en" })).text())).toBe("en");
  });

  it("formats money and dates for the page's language", async () => {
    const s = await pageSession("billing");
    const fr = await (await s.get("/admin/catalog", { "accept-language": "fr" })).text();
    const en = await (await s.get("/admin/catalog", { "accept-language": "en" })).text();
    // A demo-free check: whatever the prices, French puts the euro sign after a comma decimal.
    const frPrices = fr.match(/\d+,\d{2}\s€/g) ?? [];
    const enPrices = en.match(/€\d+\.\d{2}/g) ?? [];
    if (enPrices.length > 0) expect(frPrices.length).toBe(enPrices.length);
    expect(fr).not.toMatch(/€\d+\.\d{2}/);
  });

  it("sends staff their emails in their language, and a password reset to a French user in French", async () => {
    const user = await ensureUser("inventory");
    await env.DB.prepare("UPDATE users SET locale = 'fr' WHERE id = ?").bind(user.id).run();
    const res = await fetchWorker(`${BASE}/admin/forgot-password`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE },
      body: new URLSearchParams({ email: user.email }),
    });
    expect(res.status).toBeLessThan(400);
    const mail = await env.DB.prepare(
      "SELECT subject, text_body FROM email_outbox WHERE to_email = ? AND template = 'password_reset' ORDER BY created_at DESC LIMIT 1",
    )
      .bind(user.email)
      .first<{ subject: string; text_body: string }>();
    expect(mail?.subject).toMatch(/^Réinitialisez votre mot de passe/);
    expect(mail?.text_body).toContain("Bonjour");
    await env.DB.prepare("UPDATE users SET locale = NULL WHERE id = ?").bind(user.id).run();
  });
});

describe("emails and SMS in their recipient's language", () => {
  const brand = DEFAULT_SETTINGS;
  it("writes every staff and welcome email in French for a French locale, English otherwise", () => {
    const fr = [
      invitationEmail(brand, { name: "Zoé", inviter: "admin@example.com", link: "https://x/i", expiresHours: 72, locale: "fr-FR" }),
      passwordResetEmail(brand, { name: "Zoé", link: "https://x/r", locale: "fr" }),
      lowStockEmail(brand, { type: "SIM", inStock: 3, threshold: 10, url: "https://x/s", locale: "fr-FR" }),
      provisioningFailedEmail(brand, { serviceId: "svc_1", service: "Mobile", customer: "Dupont", reason: "boom", url: "https://x/v", locale: "fr" }),
      welcomeEmail(brand, { name: "Zoé", service: "Mobile", identifiers: { msisdn: "+33612345678" }, locale: "fr-FR" }),
    ];
    expect(fr.map((m) => m.subject)).toEqual([
      `Invitation à ${brand.operator_name}`,
      `Réinitialisez votre mot de passe ${brand.operator_name}`,
      "Stock bas : SIM (3 restant(s))",
      "Échec du provisionnement : Mobile pour Dupont",
      "Votre service Mobile est prêt",
    ]);
    for (const m of fr) expect(m.html).toContain('<html lang="fr">');
    expect(fr[4]?.text).toContain("MSISDN: +33612345678");
    const en = welcomeEmail(brand, { name: "Zoe", service: "Mobile", identifiers: {}, locale: "en-GB" });
    expect(en.subject).toBe("Your Mobile is ready");
    expect(en.html).toContain('<html lang="en">');
  });

  it("writes the welcome SMS in the customer's language, in the GSM alphabet", () => {
    expect(welcomeSmsText("Acme", "Mobile", { msisdn: "+33612345678" }, "fr-FR")).toBe(
      "Bienvenue chez Acme ! Votre Mobile est activé. Votre numéro : +33612345678.",
    );
    expect(welcomeSmsText("Acme", "Mobile", {}, "en-GB")).toBe("Welcome to Acme! Your Mobile is ready.");
  });
});
