/**
 * Foundation benchmark: 100,000 customers (one contact and one site each) in a fresh local D1, then
 * global search and customer reads measured over HTTP against the bundled worker in workerd (Miniflare, without wrangler dev's reload proxy), and the same SQL run
 * directly on the SQLite file to show how much the Worker/D1 layers add.
 */
import { randomBytes } from "node:crypto";
import { rmSync, statSync } from "node:fs";
import http from "node:http";
import { loadavg } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { applyMigrations, localVars, ROOT, startBundledWorker } from "../scripts/lib/local";
import { searchPlan } from "../worker/db/queries/search-plan";
import { contactDocument, customerDocument, SEARCH_TYPES, type SearchDocument, siteDocument } from "../worker/domain/search/documents";
import { newId } from "../worker/lib/ids";
import { hashPassword } from "../worker/lib/password";
import {
  ADMIN_EMAIL,
  findD1File,
  freePort,
  insertAdmin,
  machineInfo,
  measure,
  ms,
  printTable,
  prng,
  type Stats,
  statsRow,
  summarize,
  verdict,
  writeResults,
} from "./lib";

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 100_000);
const BATCH = 10_000;
const WARMUP = 50;
const SEARCH_ITERATIONS = 200;
const READ_ITERATIONS = 500;
const BASELINE_ITERATIONS = 200;
const SEARCH_LIMIT = 20;
const TARGETS = { searchP95Ms: 30, searchRatioP95: 5, readP95Ms: 10 };

// The customer read the worker sends (worker/db/queries/customers.ts getCustomer, as one statement);
// search uses the worker's own statements (searchPlan in worker/db/queries/search.ts).
const CUSTOMER_SQL = `SELECT * FROM customers WHERE id = ?`;
const CUSTOMER_FULL_SQL = `SELECT c.*,
  (SELECT json_group_array(name) FROM (SELECT t.name FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.customer_id = c.id ORDER BY t.name)) AS tags,
  (SELECT json_group_object(key, json(value)) FROM customer_attributes a WHERE a.customer_id = c.id) AS attributes
  FROM customers c WHERE c.id = ?`;

// Name material: a skewed pick from common names plus syllable-built surnames for a long tail, so
// three-letter prefixes range from a handful of hits to thousands, as in a real customer base.
const FIRST = (
  "Camille Louis Emma Hugo Léa Jules Chloé Gabriel Manon Arthur Inès Raphaël Sarah Lucas Jade Nathan Zoé Adam Lina Paul Alice Tom Eva Noah Rose Théo " +
  "Anna Malo Julia Sacha Marie Pierre Jean Sophie Nicolas Julien Claire Thomas Laura Antoine Mathilde Maxime Pauline Alexandre Lucie Romain Océane " +
  "Mohamed Yasmine Karim Nadia Mehdi Samira Youssef Fatima Omar Leïla Ahmed Amina Rachid Salma Carlos Lucía Javier Elena Miguel Carmen Diego Sofia " +
  "Marco Giulia Luca Francesca Matteo Chiara Oliver Emily George Grace Harry Olivia Jack Isla James Charlotte William Amelia Daniel Hannah David " +
  "Ewan Mia Lukas Lena Felix Jonas Clara Finn Ida Piotr Agnieszka Tomasz Katarzyna Andrei Ioana Mihai Elif Mehmet Ayşe Kofi Ama Tariq Priya Arjun " +
  "Wei Mei Hiroshi Yuki Minh Linh Bernadette Gérard Monique Didier Sylvie Thierry Nathalie Pascal Isabelle Olivier Valérie Laurent Sandrine"
).split(" ");
const LAST = (
  "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent Lefebvre Michel Garcia David Bertrand Roux Vincent Fournier " +
  "Morel Girard André Lefèvre Mercier Dupont Lambert Bonnet François Martinez Legrand Garnier Faure Rousseau Blanc Guerin Muller Henry Roussel " +
  "Nicolas Perrin Morin Mathieu Clement Gauthier Dumont Lopez Fontaine Chevalier Robin Masson Sanchez Gerard Nguyen Boyer Denis Lemaire Duval " +
  "Joly Gautier Roger Roche Roy Noel Meyer Lucas Meunier Jean Perez Marchand Dufour Blanchard Marie Barbier Brun Dumas Brunet Schmitt Leroux " +
  "Colin Fernandez Pierre Renard Arnaud Rolland Caron Aubert Giraud Leclerc Vidal Bourgeois Renaud Lemoine Picard Gaillard Philippe Leclercq " +
  "Lacroix Fabre Dupuis Olivier Rodriguez Da Silva Hubert Louis Charles Guillot Riviere Le Gall Guillaume Adam Rey Moulin Gonzalez Berger " +
  "Lecomte Menard Fleury Deschamps Carpentier Julien Benoit Paris Maillard Marchal Aubry Vasseur Le Roux Renault Jacquet Collet Prevost Poirier " +
  "Charpentier Royer Huet Baron Dupuy Pons Paul Laine Carre Breton Remy Schneider Perrot Guyot Barre Marty Cousin Benali Haddad Smith Rossi Kowalski"
).split(" ");
const SYLLABLES = (
  "ba be bo bru ca cha che co cour da de di du fa fer fon ga gau gi gre la le li lo lu ma mar me mi mo mon na ne no pa pe pi po que ra re ri " +
  "ro ru sa se si so ta te ti to tou va ve vi vo ber bel dan del dor gar lan len lor mal mer nar nel quin san sel tan tar ver vil"
).split(" ");
const ENDINGS = ["", "", "t", "l", "n", "r", "s", "et", "ier", "on", "and", "eau", "in", "ez", "ot", "ard", "ac", "oux", "elle", "ini"];
const BUSINESS_BEFORE =
  "Boulangerie Garage Pharmacie Cabinet Atelier Restaurant Hôtel Clinique Transports Librairie Cave Institut Studio Agence Ferme Maison".split(" ");
const BUSINESS_AFTER =
  "Logistique Conseil Immobilier Informatique Services Architectes Énergie Distribution Bâtiment Médical Télécom Sports Imprimerie SAS".split(" ");
const STREETS = (
  "Rue de la République|Quai Saint-Antoine|Cours Lafayette|Rue Victor Hugo|Avenue Jean Jaurès|Rue Garibaldi|Boulevard de la Croix-Rousse|Rue Mercière|" +
  "Cours Gambetta|Rue de Marseille|Avenue des Frères Lumière|Rue Paul Bert|Quai Perrache|Rue Duguesclin|Cours Vitton|Rue Nationale|Avenue Foch|" +
  "Rue du Moulin|Chemin des Vignes|Place de l'Église|Rue Pasteur|Boulevard Voltaire|Rue des Écoles|Allée des Tilleuls|Rue de la Gare"
).split("|");
const CITIES: { city: string; postal: string; region: string; lat: number; lon: number }[] = [
  { city: "Lyon", postal: "69003", region: "Auvergne-Rhône-Alpes", lat: 45.7597, lon: 4.8575 },
  { city: "Villeurbanne", postal: "69100", region: "Auvergne-Rhône-Alpes", lat: 45.7719, lon: 4.8902 },
  { city: "Grenoble", postal: "38000", region: "Auvergne-Rhône-Alpes", lat: 45.1885, lon: 5.7245 },
  { city: "Saint-Étienne", postal: "42000", region: "Auvergne-Rhône-Alpes", lat: 45.4397, lon: 4.3872 },
  { city: "Paris", postal: "75011", region: "Île-de-France", lat: 48.8589, lon: 2.3795 },
  { city: "Montreuil", postal: "93100", region: "Île-de-France", lat: 48.8638, lon: 2.4485 },
  { city: "Marseille", postal: "13005", region: "Provence-Alpes-Côte d'Azur", lat: 43.2925, lon: 5.3953 },
  { city: "Nice", postal: "06000", region: "Provence-Alpes-Côte d'Azur", lat: 43.7102, lon: 7.262 },
  { city: "Toulouse", postal: "31000", region: "Occitanie", lat: 43.6047, lon: 1.4442 },
  { city: "Montpellier", postal: "34000", region: "Occitanie", lat: 43.6108, lon: 3.8767 },
  { city: "Bordeaux", postal: "33000", region: "Nouvelle-Aquitaine", lat: 44.8378, lon: -0.5792 },
  { city: "Nantes", postal: "44000", region: "Pays de la Loire", lat: 47.2184, lon: -1.5536 },
  { city: "Rennes", postal: "35000", region: "Bretagne", lat: 48.1173, lon: -1.6778 },
  { city: "Lille", postal: "59000", region: "Hauts-de-France", lat: 50.6292, lon: 3.0573 },
  { city: "Strasbourg", postal: "67000", region: "Grand Est", lat: 48.5734, lon: 7.7521 },
  { city: "Dijon", postal: "21000", region: "Bourgogne-Franche-Comté", lat: 47.322, lon: 5.0415 },
];
const TAGS = ["business", "churn-risk", "fibre", "mobile", "vip"];

type Generated = {
  customer: {
    id: string;
    name: string;
    type: "individual" | "business";
    status: "open" | "suspended" | "closed";
    paymentType: "prepaid" | "postpaid";
    externalId: string | null;
    createdAt: string;
  };
  contact: { id: string; customerId: string; firstName: string; lastName: string; email: string; phone: string | null; roles: string[] };
  site: {
    id: string;
    customerId: string;
    name: string;
    addressLine1: string;
    addressLine2: string | null;
    city: string;
    region: string;
    postalCode: string;
    country: string;
    latitude: number;
    longitude: number;
  };
  tags: string[];
  attributes: Record<string, string | boolean>;
};

/** Builds one customer with its contact and site; ids come from newId like in the app. */
function generator(random: () => number) {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  // The power skews towards the front of the list: the first name of each list is ~2% of people, as
  // the commonest names are in France; the rest thins out into a long tail.
  const common = <T>(items: readonly T[]): T => items[Math.floor(random() ** 1.3 * items.length)] as T;
  const syllableWord = (): string => {
    let word = "";
    const count = 2 + Math.floor(random() * 2);
    for (let i = 0; i < count; i++) word += pick(SYLLABLES);
    word += pick(ENDINGS);
    return word.charAt(0).toUpperCase() + word.slice(1);
  };
  const surname = () => (random() < 0.55 ? common(LAST) : syllableWord());
  const ascii = (s: string) =>
    s
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[^A-Za-z0-9]+/g, "")
      .toLowerCase();
  const since = Date.now() - 3 * 365 * 86400_000;

  return (i: number): Generated => {
    const business = random() < 0.2;
    const first = common(FIRST);
    const last = surname();
    const name = business ? (random() < 0.5 ? `${pick(BUSINESS_BEFORE)} ${syllableWord()}` : `${syllableWord()} ${pick(BUSINESS_AFTER)}`) : `${first} ${last}`;
    const roll = random();
    const status = roll < 0.92 ? "open" : roll < 0.97 ? "suspended" : "closed";
    const createdAt = new Date(since + Math.floor(random() * 3 * 365 * 86400_000)).toISOString();
    const customerId = newId("customer");
    const place = pick(CITIES);
    const tags = [
      ...(business ? ["business"] : []),
      ...(random() < 0.08 ? ["churn-risk"] : []),
      ...(random() < 0.3 ? ["fibre"] : []),
      ...(random() < 0.6 ? ["mobile"] : []),
      ...(random() < 0.05 ? ["vip"] : []),
    ];
    return {
      customer: {
        id: customerId,
        name,
        type: business ? "business" : "individual",
        status,
        paymentType: business || random() < 0.6 ? "postpaid" : "prepaid",
        externalId: random() < 0.7 ? `CRM-${String(i + 1).padStart(7, "0")}` : null,
        createdAt,
      },
      contact: {
        id: newId("contact"),
        customerId,
        firstName: first,
        lastName: last,
        email: `${ascii(first)}.${ascii(last)}${i}@${pick(["example.net", "example.com", "example.org", "example.fr"])}`,
        phone: random() < 0.85 ? `+33${pick(["6", "7", "1", "4"])}${String(10000000 + Math.floor(random() * 89999999))}` : null,
        roles: business ? ["primary", "technical"] : ["primary", "billing"],
      },
      site: {
        id: newId("site"),
        customerId,
        name: business ? pick(["Head office", "Warehouse", "Shop", "Branch"]) : "Home",
        addressLine1: `${1 + Math.floor(random() * 180)} ${pick(STREETS)}`,
        addressLine2: random() < 0.15 ? `Bât. ${pick(["A", "B", "C", "D"])}, apt ${1 + Math.floor(random() * 60)}` : null,
        city: place.city,
        region: place.region,
        postalCode: place.postal,
        country: "FR",
        latitude: Number((place.lat + (random() - 0.5) * 0.05).toFixed(6)),
        longitude: Number((place.lon + (random() - 0.5) * 0.05).toFixed(6)),
      },
      tags,
      attributes: { segment: business ? pick(["smb", "enterprise", "public"]) : "consumer", marketing_opt_in: random() < 0.5 },
    };
  };
}

type SeedResult = { seconds: number; rowsInserted: number; customerIds: string[]; names: string[]; adminPassword: string };

/** Writes the data set straight into the D1 SQLite file: same rows and search documents the app would write. */
async function seed(file: string, count: number, pepper: string): Promise<SeedResult> {
  const started = performance.now();
  const adminPassword = randomBytes(12).toString("hex");
  const passwordHash = await hashPassword(adminPassword, pepper);
  const db = new Database(file);
  // A throwaway database: durability during the bulk load buys nothing.
  db.pragma("synchronous = OFF");
  db.pragma("cache_size = -262144");
  const now = new Date().toISOString();
  const insert = {
    customer: db.prepare(
      `INSERT INTO customers (id, name, type, status, payment_type, currency, locale, timezone, external_id, notes, created_at, updated_at, archived_at)
       VALUES (?, ?, ?, ?, ?, 'EUR', 'fr-FR', 'Europe/Paris', ?, NULL, ?, ?, NULL)`,
    ),
    contact: db.prepare(
      `INSERT INTO contacts (id, customer_id, first_name, last_name, email, phone, roles, notes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`,
    ),
    site: db.prepare(
      `INSERT INTO sites (id, customer_id, name, address_line1, address_line2, city, region, postal_code, country, latitude, longitude, geocoded,
         geocode_status, formatted_address, place_id, notes, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 'manual', NULL, NULL, NULL, ?, ?)`,
    ),
    doc: db.prepare(`INSERT INTO search_docs (entity_type, entity_id, customer_id, title, subtitle, keywords) VALUES (?, ?, ?, ?, ?, ?)`),
    tag: db.prepare(`INSERT INTO customer_tags (customer_id, tag_id) VALUES (?, ?)`),
    attribute: db.prepare(`INSERT INTO customer_attributes (customer_id, key, value) VALUES (?, ?, ?)`),
  };
  const addDoc = (d: SearchDocument) => insert.doc.run(d.entityType, d.entityId, d.customerId, d.title, d.subtitle, d.keywords);
  let rows = 0;

  // Reference data the API reads: built-in roles, one admin, tags and attribute definitions.
  const tagIds = new Map(TAGS.map((t) => [t, newId("tag")]));
  db.transaction(() => {
    insertAdmin(db, passwordHash, now);
    const tag = db.prepare(`INSERT INTO tags (id, name, created_at) VALUES (?, ?, ?)`);
    for (const [name, id] of tagIds) tag.run(id, name, now);
    const definition = db.prepare(
      `INSERT INTO attribute_definitions (key, label, type, options, required, description, created_at, updated_at) VALUES (?, ?, ?, ?, 0, NULL, ?, ?)`,
    );
    definition.run("segment", "Segment", "enum", JSON.stringify(["consumer", "smb", "enterprise", "public"]), now, now);
    definition.run("marketing_opt_in", "Marketing opt-in", "boolean", "[]", now, now);
  })();

  const next = generator(prng(20_260_701));
  const customerIds: string[] = [];
  const names: string[] = [];
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const { customer: c, contact, site, tags, attributes } = next(i);
      insert.customer.run(c.id, c.name, c.type, c.status, c.paymentType, c.externalId, c.createdAt, c.createdAt);
      insert.contact.run(
        contact.id,
        c.id,
        contact.firstName,
        contact.lastName,
        contact.email,
        contact.phone,
        JSON.stringify(contact.roles),
        c.createdAt,
        c.createdAt,
      );
      insert.site.run(
        site.id,
        c.id,
        site.name,
        site.addressLine1,
        site.addressLine2,
        site.city,
        site.region,
        site.postalCode,
        site.country,
        site.latitude,
        site.longitude,
        c.createdAt,
        c.createdAt,
      );
      addDoc(customerDocument(c));
      addDoc(contactDocument(contact, c.name));
      addDoc(siteDocument(site, c.name));
      for (const t of tags) insert.tag.run(c.id, tagIds.get(t));
      for (const [key, value] of Object.entries(attributes)) insert.attribute.run(c.id, key, JSON.stringify(value));
      rows += 6 + tags.length + Object.keys(attributes).length;
      customerIds.push(c.id);
      names.push(c.name);
    }
  });
  for (let from = 0; from < count; from += BATCH) {
    batch(from, Math.min(count, from + BATCH));
    // A progress line only where it can be redrawn in place; logs get the summary line alone.
    if (process.stderr.isTTY)
      process.stderr.write(`\r  seeded ${Math.min(count, from + BATCH).toLocaleString("en")} / ${count.toLocaleString("en")} customers`);
  }
  if (process.stderr.isTTY) process.stderr.write("\n");
  // Fold the WAL back into the main file so workerd starts from a clean, complete database.
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  return { seconds: (performance.now() - started) / 1000, rowsInserted: rows, customerIds, names, adminPassword };
}

/** Realistic type-ahead input: 3–4 letter starts of words that occur in customer names, weighted by how often they occur. */
function pickPrefixes(names: readonly string[], n: number, random: () => number): string[] {
  const out: string[] = [];
  while (out.length < n) {
    const words = (names[Math.floor(random() * names.length)] ?? "")
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .split(/[^a-z]+/)
      .filter((w) => w.length >= 4);
    const word = words[Math.floor(random() * words.length)];
    if (word) out.push(word.slice(0, out.length % 2 === 0 ? 3 : 4));
  }
  return out;
}

// One keep-alive connection, as an integrator's HTTP client would hold.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

async function api(worker: BenchWorker, token: string, path: string): Promise<unknown> {
  const url = new URL(path, worker.url);
  const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    http
      .get({ host: url.hostname, port: url.port, path: url.pathname + url.search, agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      })
      .on("error", reject);
  });
  if (status !== 200) throw new Error(`GET ${path}: HTTP ${status} ${body}`);
  return JSON.parse(body);
}

type BenchWorker = { url: string; stop: () => Promise<void> };

async function login(worker: BenchWorker, password: string): Promise<string> {
  const response = await fetch(`${worker.url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: ADMIN_EMAIL, password }),
  });
  if (!response.ok) throw new Error(`Login failed: HTTP ${response.status} ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

export type FoundationOptions = { keep?: boolean };

/** Seeds 100k customers into a fresh local D1, measures search and reads over HTTP and raw SQLite, prints and saves the results. */
export async function run(options: FoundationOptions = {}) {
  const startedAt = new Date();
  const stateDir = join(ROOT, ".tmp", `bench-state-${startedAt.toISOString().replace(/[:.]/g, "-")}`);
  let worker: BenchWorker | undefined;
  let raw: Database.Database | undefined;
  const cleanup = async () => {
    raw?.close();
    raw = undefined;
    await worker?.stop();
    worker = undefined;
    if (!options.keep) rmSync(stateDir, { recursive: true, force: true });
  };
  // wrangler runs in its own process group, so Ctrl-C on the benchmark would otherwise leave it running.
  const onSignal = () => void cleanup().finally(() => process.exit(130));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    console.log(`foundation: fresh local D1 in ${stateDir}`);
    applyMigrations(stateDir);
    const vars = localVars(stateDir);
    const file = findD1File(stateDir);
    // The admin's hash must use the pepper the worker gets, or login fails.
    const pepper = vars.PASSWORD_PEPPER;
    if (!pepper) throw new Error("localVars() returned no PASSWORD_PEPPER");
    const seeded = await seed(file, CUSTOMERS, pepper);
    const counts = new Database(file, { readonly: true });
    const rowCounts = Object.fromEntries(
      ["customers", "contacts", "sites", "search_docs", "customer_tags", "customer_attributes"].map((t) => [
        t,
        (counts.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n,
      ]),
    );
    counts.close();
    const dbBytes = statSync(file).size;
    console.log(
      `  ${seeded.rowsInserted.toLocaleString("en")} rows in ${seeded.seconds.toFixed(1)} s (${Math.round(seeded.rowsInserted / seeded.seconds).toLocaleString("en")} rows/s), ` +
        `database ${(dbBytes / 2 ** 20).toFixed(0)} MiB`,
    );

    // The same request sequence for HTTP and raw, so both sides see the same selectivity.
    const random = prng(7);
    const prefixes = pickPrefixes(seeded.names, SEARCH_ITERATIONS, random);
    const readIds = Array.from({ length: READ_ITERATIONS }, () => seeded.customerIds[Math.floor(random() * seeded.customerIds.length)] ?? "");
    const warmPrefixes = pickPrefixes(seeded.names, WARMUP, random);
    const planOf = (prefix: string) => {
      const plan = searchPlan(prefix, SEARCH_TYPES);
      if (!plan) throw new Error(`no search plan for ${prefix}`);
      return plan;
    };

    // Another process competing for the CPUs skews every figure, so the load is recorded with them.
    const loadAtStart = loadavg();
    worker = await startBundledWorker({ port: await freePort(), stateDir, vars });
    const live = worker;
    console.log(`  worker on ${live.url}`);
    const token = await login(live, seeded.adminPassword);
    for (let i = 0; i < WARMUP; i++) {
      await api(live, token, `/api/v1/search?q=${encodeURIComponent(warmPrefixes[i] ?? "mar")}`);
      await api(live, token, `/api/v1/customers/${seeded.customerIds[i] ?? ""}`);
    }
    const httpHits = new Map<string, string[]>();
    const httpSearch = await measure(SEARCH_ITERATIONS, async (i) => {
      const prefix = prefixes[i] ?? "";
      const body = (await api(live, token, `/api/v1/search?q=${encodeURIComponent(prefix)}`)) as { data: { id: string }[] };
      httpHits.set(
        prefix,
        body.data.map((h) => h.id),
      );
    });
    const httpRead = await measure(READ_ITERATIONS, (i) => api(live, token, `/api/v1/customers/${readIds[i] ?? ""}`));
    // Baselines that split the HTTP figures: the request path without D1, and with authentication only.
    const httpHealth = await measure(BASELINE_ITERATIONS, () => api(live, token, "/healthz"));
    const httpMe = await measure(BASELINE_ITERATIONS, () => api(live, token, "/api/v1/me"));

    // The worker is idle now; reading the same file beside it measures SQLite alone, on the same data and cache state of the OS.
    raw = new Database(file, { readonly: true, fileMustExist: true });
    const db = raw;
    const statements = new Map<string, Database.Statement>();
    const runSearch = (prefix: string) => {
      const plan = planOf(prefix);
      let statement = statements.get(plan.sql);
      if (!statement) {
        statement = db.prepare(plan.sql);
        statements.set(plan.sql, statement);
      }
      // The statements use numbered parameters (?1, ?2), which better-sqlite3 binds from an object.
      return statement.all({ 1: plan.match, 2: SEARCH_LIMIT }) as { id: string }[];
    };
    const customerStatement = db.prepare(CUSTOMER_SQL);
    const customerFullStatement = db.prepare(CUSTOMER_FULL_SQL);
    for (let i = 0; i < WARMUP; i++) {
      runSearch(warmPrefixes[i] ?? "mar");
      customerFullStatement.get(seeded.customerIds[i] ?? "");
    }
    let mismatches = 0;
    const rawSearch = await measure(SEARCH_ITERATIONS, (i) => {
      const prefix = prefixes[i] ?? "";
      const rows = runSearch(prefix);
      // Guards against measuring a different query than the worker runs.
      if (rows.map((r) => r.id).join() !== httpHits.get(prefix)?.join()) mismatches++;
    });
    const rawRead = await measure(READ_ITERATIONS, (i) => {
      const id = readIds[i] ?? "";
      if (!customerFullStatement.get(id)) throw new Error(`Customer ${id} not found in SQLite`);
    });
    const rawRowOnly = await measure(READ_ITERATIONS, (i) => customerStatement.get(readIds[i] ?? ""));

    // How many documents each prefix matches: what makes a search slow or fast.
    const countStatement = db.prepare(`SELECT count(*) AS n FROM search_fts WHERE search_fts MATCH ?`);
    const matches = [...new Set(prefixes)].map((p) => ({ prefix: p, docs: (countStatement.get(planOf(p).match) as { n: number }).n }));
    const selectivity = summarize(matches.map((m) => m.docs));
    const docsOf = new Map(matches.map((m) => [m.prefix, m.docs]));
    const slowest = prefixes
      .map((prefix, i) => ({ prefix, docs: docsOf.get(prefix) ?? 0, httpMs: httpSearch[i] ?? 0, rawMs: rawSearch[i] ?? 0 }))
      .sort((a, b) => b.rawMs - a.rawMs)
      .filter((p, i, all) => all.findIndex((q) => q.prefix === p.prefix) === i)
      .slice(0, 10);

    const stats = {
      httpSearch: summarize(httpSearch),
      rawSearch: summarize(rawSearch),
      httpRead: summarize(httpRead),
      rawRead: summarize(rawRead),
      rawRowOnly: summarize(rawRowOnly),
      httpHealth: summarize(httpHealth),
      httpMe: summarize(httpMe),
    };
    const searchRatio = { p50: stats.httpSearch.p50 / stats.rawSearch.p50, p95: stats.httpSearch.p95 / stats.rawSearch.p95 };
    const readRatio = { p50: stats.httpRead.p50 / stats.rawRead.p50, p95: stats.httpRead.p95 / stats.rawRead.p95 };
    const targets = [
      { name: "search HTTP p95", value: stats.httpSearch.p95, limit: TARGETS.searchP95Ms, unit: "ms" },
      { name: "search HTTP/raw p95", value: searchRatio.p95, limit: TARGETS.searchRatioP95, unit: "x" },
      { name: "point read HTTP p95", value: stats.httpRead.p95, limit: TARGETS.readP95Ms, unit: "ms" },
    ].map((t) => ({ ...t, pass: t.value <= t.limit }));

    console.log("");
    const row = (label: string, s: Stats, ratio?: { p50: number; p95: number }) =>
      statsRow(label, s, ratio ? `${ratio.p50.toFixed(1)}x` : "", ratio ? `${ratio.p95.toFixed(1)}x` : "");
    printTable([
      ["latency (ms)", "n", "mean", "p50", "p95", "p99", "max", "HTTP/raw p50", "HTTP/raw p95"],
      row("search  HTTP GET /api/v1/search", stats.httpSearch, searchRatio),
      row("search  raw FTS5 (same SQL)", stats.rawSearch),
      row("read    HTTP GET /api/v1/customers/{id}", stats.httpRead, readRatio),
      row("read    raw row + tags + attributes", stats.rawRead),
      row("read    raw row only", stats.rawRowOnly),
      row("base    HTTP GET /healthz (no D1)", stats.httpHealth),
      row("base    HTTP GET /api/v1/me (auth only)", stats.httpMe),
    ]);
    console.log("");
    printTable([
      ["target", "value", "limit", "result"],
      ...targets.map((t) => [
        t.name,
        t.unit === "ms" ? `${ms(t.value)} ms` : `${t.value.toFixed(2)}x`,
        t.unit === "ms" ? `<= ${t.limit} ms` : `<= ${t.limit}x`,
        verdict(t.pass),
      ]),
    ]);
    console.log("");
    console.log(
      `prefixes: ${matches.length} distinct, matching ${selectivity.min}–${selectivity.max} documents (median ${selectivity.p50}); ` +
        `raw/HTTP result mismatches: ${mismatches}`,
    );
    console.log(`slowest raw: ${slowest.map((p) => `${p.prefix} ${ms(p.rawMs)} ms (${p.docs} docs)`).join(", ")}`);

    const result = {
      benchmark: "foundation",
      startedAt: startedAt.toISOString(),
      machine: { ...machineInfo(), loadAverageAtStart: loadAtStart },
      dataset: {
        customers: CUSTOMERS,
        rowCounts,
        rowsInserted: seeded.rowsInserted,
        seedSeconds: seeded.seconds,
        rowsPerSecond: seeded.rowsInserted / seeded.seconds,
        customersPerSecond: CUSTOMERS / seeded.seconds,
        databaseBytes: dbBytes,
      },
      method: {
        warmup: WARMUP,
        searchIterations: SEARCH_ITERATIONS,
        readIterations: READ_ITERATIONS,
        baselineIterations: BASELINE_ITERATIONS,
        searchLimit: SEARCH_LIMIT,
        sequential: true,
      },
      latencyMs: stats,
      ratios: { search: searchRatio, read: readRatio },
      targets,
      prefixes: { distinct: matches.length, documentsMatched: selectivity, mismatches, slowest, all: matches },
    };
    console.log(`results: ${writeResults("foundation", result, startedAt)}`);
    return result;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await cleanup();
    if (options.keep) console.log(`state kept in ${stateDir}`);
  }
}
