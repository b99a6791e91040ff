/** The inventory pages in French: stock, items, one item, the add form, types, the import wizard and its report, inline errors. */

import { beforeAll, describe, expect, it } from "vitest";
import { api, BASE, countRows, fetchWorker, pageSession, unique } from "./helpers";

const FR = { "accept-language": "fr" };
const htmlLang = (html: string) => html.match(/<html lang="([a-z]+)"/)?.[1];

/** Fails naming the first English label still on the page. */
function expectNone(html: string, labels: string[]) {
  for (const label of labels) expect(html, `"${label}" is still in English`).not.toContain(label);
}

type Session = Awaited<ReturnType<typeof pageSession>>;

/** A multipart post of the import wizard, as a French browser sends it. */
function postImport(s: Session, fields: Record<string, string>, file?: { name: string; content: string }) {
  const form = new FormData();
  form.append("_csrf", s.csrf);
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  if (file) form.append("file", new File([file.content], file.name, { type: "text/csv" }));
  return fetchWorker(`${BASE}/admin/inventory/import`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie: s.cookie, origin: BASE, "sec-fetch-site": "same-origin", ...FR },
    body: form,
  });
}

describe("inventory pages in French", () => {
  let s: Session;
  let type = "";
  let reservedId = "";
  beforeAll(async () => {
    s = await pageSession("admin");
    type = unique("fr")
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "_")
      .slice(0, 38);
    const made = await api("POST", "/inventory/templates", {
      body: {
        slug: type,
        name: `Routeur ${type}`,
        low_stock_threshold: 5,
        fields: [{ name: "serial", label: "Serial", kind: "text", required: true, unique: true }],
      },
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const customer = await api("POST", "/customers", { body: { type: "individual", name: unique("Client FR") } });
    expect(customer.status, JSON.stringify(customer.body)).toBe(201);
    const reserved = await api("POST", "/inventory/items", { body: { type, fields: { serial: unique("R") }, location: "Lyon" } });
    expect(reserved.status, JSON.stringify(reserved.body)).toBe(201);
    reservedId = reserved.body.id;
    const patched = await api("PATCH", `/inventory/items/${reservedId}`, {
      body: { status: "reserved", customer_id: customer.body.id, reserved_until: "2099-01-31T23:59:59Z" },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
  });

  it("shows the stock dashboard and the item list in French", async () => {
    const dash = await (await s.get("/admin/inventory", FR)).text();
    expect(htmlLang(dash)).toBe("fr");
    for (const label of [
      "<title>Stock",
      "Importer un CSV",
      "Ajouter un article",
      "Stock bas",
      "Articles par type et statut",
      "En stock par emplacement",
      "Vue d’ensemble",
    ]) {
      expect(dash).toContain(label);
    }
    expect(dash).toMatch(/: 0 en stock, sous le seuil de 5/);
    expectNone(dash, ["Import CSV", "Add item", "Low stock", "Items by type and status", "In stock by location", ">Items<", "below the threshold"]);

    const list = await (await s.get(`/admin/inventory/items?type=${type}`, FR)).text();
    expect(htmlLang(list)).toBe("fr");
    for (const label of [
      "Articles en stock",
      "Exporter en CSV",
      "Identifiant",
      "Détenu par",
      '<option value="quarantined">En quarantaine</option>',
      "Filtrer",
    ]) {
      expect(list).toContain(label);
    }
    expect(list).toContain('<span class="badge badge-reserved">réservé</span>');
    expect(list).toContain("jusqu’au");
    expectNone(list, ["Inventory items", "Export CSV", "Held by", ">Filter<", "In stock", ">reserved<", "until"]);
  });

  it("shows one item, its status form and history in French, and its errors", async () => {
    const html = await (await s.get(`/admin/inventory/items/${reservedId}`, FR)).text();
    expect(htmlLang(html)).toBe("fr");
    for (const label of [
      "Détails",
      "Emplacement",
      "Fournisseur",
      "Ajouté le",
      "Passer à",
      "Changer le statut",
      "Enregistrer les modifications",
      "Historique",
    ]) {
      expect(html).toContain(label);
    }
    expect(html).toContain('<option value="in_stock">En stock</option>');
    expectNone(html, ["Details", "Supplier", "Change to", "Change status", "Save changes", "History"]);

    const bad = await s.post(`/admin/inventory/items/${reservedId}/allocations`, { prefix_length: "200" }, FR);
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain("Un nombre entier entre 1 et 128");
  });

  it("shows the add form in French and answers a bad cost in French, writing nothing", async () => {
    const chooser = await (await s.get("/admin/inventory/items/new", FR)).text();
    expect(chooser).toContain("Ajouter un article au stock");
    expect(chooser).toContain("Type d’article");
    expect(chooser).toContain("Continuer");
    const form = await (await s.get(`/admin/inventory/items/new?type=${type}`, FR)).text();
    for (const label of [`Ajouter : Routeur ${type}`, "Entrepôt, boutique, véhicule…", "Coût (", "Devise", "Ajouter au stock", "Annuler"]) {
      expect(form).toContain(label);
    }
    expectNone(form, ["Add to stock", "Supplier", "Currency", ">Cancel<", "Warehouse"]);
    const before = await countRows("inventory_items");
    const res = await s.post(`/admin/inventory/items/new?type=${type}`, { type, "fields.serial": unique("X"), cost_amount: "douze" }, FR);
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain("Corrigez les champs signalés.");
    expect(html).toContain("Saisissez un montant comme 12,50");
    expect(await countRows("inventory_items")).toBe(before);
  });

  it("shows the types and the type form in French, with its errors", async () => {
    const types = await (await s.get("/admin/inventory/types", FR)).text();
    for (const label of ["Types de stock", "Nouveau type", "Champs", "Alerte stock bas", "⚿ identifiant (unique, recherchable)", `de type Routeur ${type}`]) {
      expect(types).toContain(label);
    }
    expect(types).toContain('<span class="badge badge-builtin">intégré</span>');
    expectNone(types, ["Inventory types", "New type", "Low-stock alert", "identifier (unique, searchable)", ">builtin<"]);
    const edit = await (await s.get(`/admin/inventory/types/${type}`, FR)).text();
    for (const label of [`Modifier Routeur ${type}`, "Seuil de stock bas", "Champs (JSON)", "Enregistrer le type"]) expect(edit).toContain(label);
    const bad = await s.post(`/admin/inventory/types/${type}`, { name: "X", low_stock_threshold: "beaucoup", fields: "[" }, FR);
    expect(bad.status).toBe(422);
    const html = await bad.text();
    expect(html).toContain("Un nombre entier, ou vide pour aucune alerte");
    expect(html).toContain("JSON invalide");
  });

  it("runs the import wizard in French: upload, mapping, dry run, report", async () => {
    const upload = await (await s.get(`/admin/inventory/import?type=${type}`, FR)).text();
    expect(htmlLang(upload)).toBe("fr");
    for (const label of [
      "Importer du stock",
      "Étape 1 sur 3 : choisir le fichier",
      "Fichier CSV",
      "Importer les lignes valides, signaler les autres",
      "Envoyer et associer les colonnes",
    ]) {
      expect(upload).toContain(label);
    }
    expectNone(upload, ["Import inventory", "Step 1 of 3", "CSV file", "Upload and map columns"]);
    const noFile = await postImport(s, { step: "upload", type, mode: "valid_rows" });
    expect(noFile.status).toBe(422);
    expect(await noFile.text()).toContain("Choisissez un fichier CSV");

    const csv = `Serial,Comment\n${unique("I").replace(/\s/g, "")},a\n,b\n`;
    const mapped = await postImport(s, { step: "upload", type, mode: "valid_rows" }, { name: "r.csv", content: csv });
    expect(mapped.status).toBe(200);
    const mapping = await mapped.text();
    for (const label of [
      "Étape 2 sur 3",
      "2 colonne(s) trouvée(s)",
      "Colonne CSV",
      '<option value="">Ignorer</option>',
      "coût (en centimes : 175 = 1,75)",
      "Prévisualiser (simulation)",
    ]) {
      expect(mapping).toContain(label);
    }
    expectNone(mapping, ["Step 2 of 3", "column(s) found", "CSV column", ">Ignore<", "Preview (dry run)"]);
    const key = mapping.match(/name="key" value="([^"]+)"/)?.[1] ?? "";
    const preview = await (await postImport(s, { step: "preview", type, mode: "valid_rows", key, csv, "map.0": "serial", "map.1": "" })).text();
    for (const label of [
      "Simulation",
      "Seraient importées",
      "Rejetées",
      "Importer 1 ligne(s)",
      "Erreurs par ligne",
      "Premières lignes telles qu’elles seraient enregistrées",
    ]) {
      expect(preview).toContain(label);
    }
    expectNone(preview, ["Dry run", "Would be imported", "Rejected", "Import 1 row(s)", "Row errors"]);
    const done = await postImport(s, { step: "import", type, mode: "valid_rows", key, csv, "map.0": "serial", "map.1": "" });
    expect(done.status).toBe(303);
    const result = await (await s.get(done.headers.get("location") ?? "", FR)).text();
    for (const label of [`Import : Routeur ${type}`, "lignes valides", "1 article(s) importé(s).", "Voir les articles importés", "Nouvel import"]) {
      expect(result).toContain(label);
    }
    expectNone(result, ["item(s) imported", "See the imported items", "New import", "valid rows"]);
  });
});
