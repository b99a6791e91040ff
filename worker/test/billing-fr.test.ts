/** The finance pages in French: headings, labels, buttons, statuses, notices and inline errors; no English left in what they print. */
import { describe, expect, it } from "vitest";
import { startRun } from "./billing-helpers";
import { api, pageSession, unique } from "./helpers";
import { expectNoEnglish, frenchPage } from "./locale-helpers";

const FR = { "accept-language": "fr" };
let seq = 0;
const idem = () => ({ "idempotency-key": `billing-fr-${Date.now().toString(36)}-${seq++}` });

async function issuedInvoice(customerId: string, amount: number) {
  const txn = await api("POST", "/transactions", {
    body: { customer_id: customerId, kind: "charge", description: "Forfait pro", amount, currency: "EUR" },
    headers: idem(),
  });
  const draft = await api("POST", "/invoices", { body: { customer_id: customerId, period_start: txn.body.date, period_end: txn.body.date } });
  return (await api("POST", `/invoices/${draft.body.id}/issue`)).body as { id: string; number: string };
}

describe("finance pages in French", () => {
  it("invoices: the list, a new draft, an invoice with its actions, notices and errors", async () => {
    const s = await pageSession("admin");
    const customer = (await api("POST", "/customers", { body: { name: unique("Facturé"), type: "business", payment_type: "postpaid" } })).body;
    const invoice = await issuedInvoice(customer.id, 2500);

    const list = await frenchPage(await s.get(`/admin/invoices?customer_id=${customer.id}`, FR));
    expect(list).toContain("<title>Factures");
    for (const text of [
      ">Factures</h1>",
      "Nouvelle facture",
      ">Brouillons</a>",
      ">Échues</a>",
      ">Période <input",
      ">Filtrer</button>",
      "Échéance",
      "Déclaration de TVA",
    ])
      expect(list).toContain(text);
    expect(list).toContain('class="badge badge-issued">émise</span>');
    expect(list).toContain('aria-label="Filtrer par état"');
    expectNoEnglish(list, [
      ">Invoices</h1>",
      "New invoice",
      ">Drafts<",
      ">Overdue<",
      ">Filter<",
      "Due date",
      ">issued<",
      "Credit note",
      "Tax report",
      "Bill runs",
    ]);

    const form = await frenchPage(await s.get(`/admin/invoices/new?customer_id=${customer.id}`, FR));
    for (const text of ["Identifiant client", "Début de période", "Fin de période", "Créer le brouillon"]) expect(form).toContain(text);
    expectNoEnglish(form, ["Customer id", "Period start", "Create draft"]);

    const page = await frenchPage(await s.get(`/admin/invoices/${invoice.id}`, FR));
    for (const text of [
      `Facture ${invoice.number}`,
      ">Lignes</h2>",
      "Taux de TVA",
      "20,00 %",
      "Total HT",
      "Reste dû",
      "Émise le",
      "Émettre l’avoir",
      "Paiements",
    ])
      expect(page).toContain(text);
    expect(page).toContain("Enregistrer un encaissement");
    expect(page).toContain("Motif (imprimé sur l’avoir)");
    expect(page).toMatch(/25,00\s€/);
    expectNoEnglish(page, [
      ">Lines<",
      "Tax rate",
      "Subtotal",
      "Amount due",
      "Issue credit note",
      "Record payment",
      "Email with PDF",
      "Void invoice",
      "20.00 %",
    ]);

    // An inline error from the route, and a notice after an action.
    const bad = await frenchPage(await s.post(`/admin/invoices/${invoice.id}/credit-notes`, { amount: "dix", reason: "x" }, FR), 422);
    expect(bad).toContain("Un montant comme 10,00");
    expect(bad).toContain("Corrigez les champs signalés.");
    const paid = await s.post(`/admin/invoices/${invoice.id}/payments`, { method: "bank_transfer", reference: "VIR-42" }, FR);
    expect(paid.status).toBe(303);
    const after = await frenchPage(await s.get(paid.headers.get("location") ?? "", FR));
    expect(after).toMatch(/Encaissement de [\d,\s]+€ enregistré sur /);
    expect(after).toContain('class="badge badge-paid">payée</span>');
    expect(after).toContain("Virement VIR-42");
    expect(after).toContain('class="badge badge-succeeded">réussi</span>');
    expectNoEnglish(after, ["Payment recorded.", "Bank transfer", ">succeeded<", ">paid<"]);
  });

  it("payments: the list, the expiring cards and the customer's payments card", async () => {
    const s = await pageSession("admin");
    const customer = (await api("POST", "/customers", { body: { name: unique("Payeur"), type: "business" } })).body;
    const payments = await frenchPage(await s.get("/admin/payments", FR));
    for (const text of [">Paiements</h1>", "Cartes bientôt expirées", "Tous</option>", ">réussi</option>", ">Filtrer</button>"])
      expect(payments).toContain(text);
    expectNoEnglish(payments, ["Card payments through Stripe", "Cards expiring soon", ">Any<", ">Filter<"]);

    const expiring = await frenchPage(await s.get("/admin/payments/expiring-cards", FR));
    expect(expiring).toContain("Cartes expirant dans les 60 jours");
    expectNoEnglish(expiring, ["Cards expiring within 60 days", "Their owners are emailed"]);

    const saved = await s.post(`/admin/customers/${customer.id}/payment-methods`, { stripe_payment_method_id: "pm_card_visa" }, FR);
    expect(saved.status).toBe(303);
    const card = await frenchPage(await s.get(saved.headers.get("location") ?? "", FR));
    for (const text of [
      "Carte enregistrée pour ",
      "Cartes enregistrées",
      "Le prélèvement automatique est <strong>désactivé</strong>",
      "Derniers paiements",
      "Visa •••• 4242",
    ])
      expect(card).toContain(text);
    expectNoEnglish(card, ["Card saved.", "Saved cards", "Auto-pay is", "Recent payments", "Save card", "Make default"]);
  });

  it("bill runs, promo codes, tax rates, the tax report, transactions and reconciliation", async () => {
    const s = await pageSession("admin");
    const runs = await frenchPage(await s.get("/admin/bill-runs", FR));
    for (const text of [">Cycles de facturation</h1>", ">Mois<", "Émettre les factures", "Lancer le cycle de facturation"]) expect(runs).toContain(text);
    expectNoEnglish(runs, ["Bill runs", "Start bill run", "Issue the invoices", "Started by"]);
    const badMonth = await frenchPage(await s.post("/admin/bill-runs", { month: "mars" }, FR), 422);
    expect(badMonth).toContain("Un mois comme 2026-12");
    const run = await startRun("2031-03");
    const one = await frenchPage(await s.get(`/admin/bill-runs/${run.id}`, FR));
    for (const text of [
      "Cycle de facturation 2031-03",
      "Du 2031-03-01 au 2031-03-31",
      ">Avancement</dt>",
      ">Totaux</h2>",
      "Clients non facturés",
      'aria-label="Clients traités"',
    ])
      expect(one).toContain(text);
    expectNoEnglish(one, ["Bill run 2031-03", ">Progress<", ">Totals<", "Customers not billed", "customers</dd>"]);

    const promos = await frenchPage(await s.get("/admin/promo-codes", FR));
    for (const text of [">Codes promo</h1>", "Nouveau code promo", "Pourcentage de remise", "Ajouter le code promo"]) expect(promos).toContain(text);
    const code = unique("FR")
      .toUpperCase()
      .replace(/[^A-Z0-9]/g, "")
      .slice(0, 20);
    const made = await s.post("/admin/promo-codes", { code, kind: "percent", value: "10", months: "3" }, FR);
    expect(made.status).toBe(303);
    const withCode = await frenchPage(await s.get("/admin/promo-codes", FR));
    expect(withCode).toContain("10 % de remise pendant 3 mois");
    expect(withCode).toContain('class="badge badge-active">actif</span>');
    expectNoEnglish(withCode, ["Promo codes", "New promo code", "Percent off", "% off for", ">active<", ">Disable<", "All recurring"]);

    const rates = await frenchPage(await s.get("/admin/tax-rates", FR));
    for (const text of [">Taux de TVA</h1>", "Nouveau taux de TVA", "Catégorie fiscale", "Ajouter le taux"]) expect(rates).toContain(text);
    expectNoEnglish(rates, ["Tax rates", "New tax rate", "Tax class", "Add tax rate", "Tax included", "Tax added"]);
    const badRate = await frenchPage(await s.post("/admin/tax-rates", { tax_class: "fr_test", name: "TVA", rate: "vingt" }, FR), 422);
    expect(badRate).toContain("Un pourcentage comme 20 ou 5,5");

    const report = await frenchPage(await s.get("/admin/reports/tax?period_start=2031-01-01&period_end=2031-01-31", FR));
    for (const text of [">Déclaration de TVA</h1>", ">Du <input", ">Au <input", ">Afficher</button>", "Rien n’a été émis dans cette période."])
      expect(report).toContain(text);
    expectNoEnglish(report, ["Tax report", "Download CSV", ">Show<", "Nothing was issued"]);

    const customer = (await api("POST", "/customers", { body: { name: unique("Débité"), type: "business" } })).body;
    const txns = await frenchPage(await s.get(`/admin/transactions?customer_id=${customer.id}`, FR));
    for (const text of [">Transactions</h1>", "Nouveau débit ou crédit", "Télécharger le CSV", ">Débit</option>", ">Enregistrer</button>"])
      expect(txns).toContain(text);
    expectNoEnglish(txns, ["New charge or credit", "Download CSV", ">Charge<", ">Record<", "Not invoiced", "newest first"]);
    const badAmount = await frenchPage(
      await s.post("/admin/transactions", { customer_id: customer.id, kind: "charge", description: "Frais", amount: "beaucoup", tax_class: "standard" }, FR),
      422,
    );
    expect(badAmount).toContain("Un montant comme 25,00");

    const reconciliation = await frenchPage(await s.get("/admin/reconciliation", FR));
    for (const text of ["Rapprochement avec CGRateS", ">ouverts</a>", ">résolus</a>"]) expect(reconciliation).toContain(text);
    expectNoEnglish(reconciliation, ["Reconciliation with CGRateS", ">open</a>", ">resolved</a>", "No differences with CGRateS"]);
  });

  it("English is unchanged without a French preference", async () => {
    const s = await pageSession("admin");
    const list = await (await s.get("/admin/invoices", { "accept-language": "en" })).text();
    expect(list).toContain('<html lang="en"');
    for (const text of [">Invoices</h1>", "New invoice", ">Drafts</a>", "Due date"]) expect(list).toContain(text);
  });
});
