/** The cell broadcast pages in French: list, alert form (and its live fragments), alert page, notices and inline errors. */

import { beforeAll, describe, expect, it } from "vitest";
import { api, pageSession } from "./helpers";

const FR = { "accept-language": "fr" };
const htmlLang = (html: string) => html.match(/<html lang="([a-z]+)"/)?.[1];
const future = () => new Date(Date.now() + 3 * 3600_000).toISOString();

/** Fails naming the first English label still on the page. */
function expectNone(html: string, labels: string[]) {
  for (const label of labels) expect(html, `"${label}" is still in English`).not.toContain(label);
}

describe("cell broadcast pages in French", () => {
  let s: Awaited<ReturnType<typeof pageSession>>;
  let alertId = "";
  beforeAll(async () => {
    s = await pageSession("admin");
    const cellId = String(600_000 + (Date.now() % 90_000) * 10);
    const cell = await api("POST", "/inventory/items", {
      body: { type: "cell_site", fields: { cell_id: cellId, tac: 4300, mcc: "208", mnc: "99", latitude: 48.85, longitude: 2.35 } },
    });
    expect(cell.status, JSON.stringify(cell.body)).toBe(201);
    const made = await api("POST", "/broadcasts", {
      body: {
        status: "Exercise",
        event: "Exercice crue",
        urgency: "Expected",
        severity: "Severe",
        certainty: "Likely",
        messages: [{ language: "fr", text: "Ceci est un exercice." }],
        area: { circles: [{ lat: 48.85, lon: 2.35, radius_km: 3 }] },
        expires_at: future(),
      },
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    alertId = made.body.id;
    const saved = await s.post(`/admin/broadcasts/${alertId}/template`, { name: "Test mensuel FR", duration_minutes: "45" });
    expect(saved.status).toBe(303);
  });

  it("lists alerts and templates in French, with translated statuses and notices", async () => {
    const html = await (await s.get("/admin/broadcasts?done=template", FR)).text();
    expect(htmlLang(html)).toBe("fr");
    expect(html).toContain("<title>Diffusion cellulaire");
    expect(html).toContain("Nouvelle alerte");
    expect(html).toContain('aria-label="Filtrer les alertes"');
    expect(html).toContain('<option value="draft">brouillon</option>');
    expect(html).toContain('<option value="exercise">Exercices et tests</option>');
    expect(html).toContain('<span class="badge badge-draft">brouillon</span>');
    expect(html).toContain(">EXERCICE<");
    expect(html).toContain("Modèles pré-approuvés");
    expect(html).toContain("45 min");
    expect(html).toContain(">Utiliser<");
    expect(html).toContain("Retirer le modèle « Test mensuel FR » ?");
    expect(html).toContain("Modèle enregistré.");
    expectNone(html, [
      "New alert",
      "Filter alerts",
      "Real warnings",
      "Pre-approved templates",
      "Message id",
      "Approver",
      ">Use<",
      ">Retire<",
      "Template saved.",
    ]);
  });

  it("shows the alert form in French, its counter and message identifier fragments too", async () => {
    const html = await (await s.get("/admin/broadcasts/new", FR)).text();
    expect(htmlLang(html)).toBe("fr");
    for (const label of [
      "Messages, un par langue",
      "Dessiner un polygone",
      "Formes (syntaxe CAP, une par ligne)",
      '<option value="Immediate">Immédiate</option>',
      '<option value="Met">Météorologie (Met)</option>',
      "Identifiant de message :",
      ">Vide<",
      "Enregistrer comme brouillon",
      "Enregistrer et soumettre à approbation",
    ]) {
      expect(html).toContain(label);
    }
    expectNone(html, ["Messages, one per language", "Draw polygon", "Area description", "Timing", "Save as draft", "Message identifier", ">Empty<", "Choose…"]);

    const counter = await (await s.post("/admin/broadcasts/counter?i=0", { text_0: "Bonjour" }, FR)).text();
    expect(counter).toContain("7 / 93 caractères, 1 page");
    const long = await (await s.post("/admin/broadcasts/counter?i=0", { text_0: "✓".repeat(700) }, FR)).text();
    expect(long).toMatch(/class="counter over"[^>]*>[^<]*caractères \(UCS-2\), \d+ pages — trop long, 15 pages au plus</);
    const preview = await (
      await s.post("/admin/broadcasts/message-id", { status: "Actual", severity: "Extreme", urgency: "Immediate", certainty: "Observed", lang_0: "fr" }, FR)
    ).text();
    expect(preview).toContain("Identifiant de message :");
    expect(preview).toContain("Alerte extrême");
    expect(preview).not.toContain("Extreme alert");
  });

  it("answers a form with nothing chosen in French, writing nothing", async () => {
    const res = await s.post("/admin/broadcasts", { event: "", next_step: "draft" }, FR);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain("Corrigez les champs signalés.");
    expect(html).toContain("Faites un choix");
    expect(html).not.toContain("Choose one");
  });

  it("shows an alert, its next step and its results in French", async () => {
    const html = await (await s.get(`/admin/broadcasts/${alertId}`, FR)).text();
    expect(htmlLang(html)).toBe("fr");
    for (const label of [
      "EXERCICE : pas une alerte réelle (statut CAP Exercise",
      "Catégorie · urgence · gravité · certitude",
      "Attendue · Grave · Probable",
      "code de message",
      "Étape suivante",
      "Soumettre à approbation",
      "Motif de l’annulation",
      "Annuler l’alerte",
      "Enregistrer comme modèle",
      "Comptes rendus du CBC",
      "sans compte rendu dans la zone",
      "non envoyée",
      "Historique",
      '<span class="badge badge-draft">brouillon</span>',
    ]) {
      expect(html).toContain(label);
    }
    expect(html).toMatch(/aria-label="Cellules de la zone d’alerte \(1 sélectionnée\) : \d+ cellules?, 1 sélectionnée"/);
    expectNone(html, [
      "not a real warning",
      "Category · urgency",
      "Serial number",
      "Next step",
      "Submit for approval",
      "Cancel the alert",
      "Save as template",
      "Results from the CBC",
      "not sent",
      "History",
    ]);

    const cancel = await s.post(`/admin/broadcasts/${alertId}/cancel`, { reason: " " }, FR);
    expect(cancel.status).toBe(422);
    expect(await cancel.text()).toContain("Indiquez pourquoi l’alerte est annulée");
    expect((await api("GET", `/broadcasts/${alertId}`)).body.status).toBe("draft");
  });
});
