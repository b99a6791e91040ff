import type { ContactCreateInput } from "../contacts/schemas";
import type { CustomerCreateInput } from "../customers/schemas";
import type { SiteCreateInput } from "../sites/schemas";

/** The demo customers: deterministic names, companies and addresses around Lyon. */
/** A small deterministic generator so every fresh demo looks the same. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const FIRST = [
  "Camille",
  "Louis",
  "Emma",
  "Hugo",
  "Léa",
  "Jules",
  "Chloé",
  "Gabriel",
  "Manon",
  "Arthur",
  "Inès",
  "Raphaël",
  "Sarah",
  "Lucas",
  "Jade",
  "Nathan",
  "Zoé",
  "Adam",
  "Lina",
  "Paul",
  "Alice",
  "Tom",
  "Eva",
  "Noah",
  "Rose",
  "Théo",
  "Anna",
  "Malo",
  "Julia",
  "Sacha",
];
const LAST = [
  "Martin",
  "Bernard",
  "Dubois",
  "Thomas",
  "Robert",
  "Richard",
  "Petit",
  "Durand",
  "Leroy",
  "Moreau",
  "Simon",
  "Laurent",
  "Lefebvre",
  "Michel",
  "Garcia",
  "David",
  "Bertrand",
  "Roux",
  "Vincent",
  "Fournier",
  "Morel",
  "Girard",
  "André",
  "Mercier",
  "Dupont",
  "Lambert",
  "Bonnet",
  "François",
  "Martinez",
  "Legrand",
];
const COMPANIES = [
  "Boulangerie du Parc",
  "Rhône Logistique",
  "Clinique Saint-Jean",
  "Atelier Croix-Rousse",
  "Café des Terreaux",
  "Lumière Studio",
  "Confluence Architectes",
  "Garage Bellecour",
  "Pharmacie Part-Dieu",
  "Soieries Lyonnaises",
  "Hôtel Fourvière",
  "Cabinet Juridique Brotteaux",
  "Gerland Sports",
  "Vaise Imprimerie",
  "Presqu'île Immobilier",
  "Transports Villeurbanne",
  "École Montessori Lyon 7",
  "Restaurant Le Bouchon",
  "Data Rhône SAS",
  "Mairie annexe Lyon 9",
];
const STREETS = [
  "Rue de la République",
  "Quai Saint-Antoine",
  "Cours Lafayette",
  "Rue Victor Hugo",
  "Avenue Jean Jaurès",
  "Rue Garibaldi",
  "Boulevard de la Croix-Rousse",
  "Rue Mercière",
  "Cours Gambetta",
  "Rue de Marseille",
  "Avenue des Frères Lumière",
  "Rue Paul Bert",
  "Quai Perrache",
  "Rue Duguesclin",
  "Cours Vitton",
];
const CITIES: { city: string; postal: string; lat: number; lon: number }[] = [
  { city: "Lyon", postal: "69002", lat: 45.7578, lon: 4.832 },
  { city: "Lyon", postal: "69003", lat: 45.7597, lon: 4.8575 },
  { city: "Lyon", postal: "69006", lat: 45.7691, lon: 4.8506 },
  { city: "Lyon", postal: "69007", lat: 45.7455, lon: 4.8426 },
  { city: "Villeurbanne", postal: "69100", lat: 45.7719, lon: 4.8902 },
  { city: "Vénissieux", postal: "69200", lat: 45.6973, lon: 4.8864 },
  { city: "Caluire-et-Cuire", postal: "69300", lat: 45.7953, lon: 4.8469 },
];

export const DEMO_CUSTOMERS = 50;

export type DemoCustomer = {
  externalId: string;
  customer: CustomerCreateInput;
  contacts: ContactCreateInput[];
  site: SiteCreateInput;
  transition: { name: "suspend" | "close"; reason: string } | null;
};

/** The demo customers, generated deterministically so every fresh demo looks the same. */
export function demoCustomers(): DemoCustomer[] {
  const random = rng(42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const out: DemoCustomer[] = [];
  let businesses = 0;
  for (let i = 0; i < DEMO_CUSTOMERS; i++) {
    const business = i % 5 === 1 || i % 5 === 3;
    const company = business ? (COMPANIES[businesses++ % COMPANIES.length] ?? "Company") : "";
    const first = pick(FIRST);
    const last = pick(LAST);
    const externalId = `DEMO-${String(i + 1).padStart(4, "0")}`;
    const tags = [
      ...(business ? ["business"] : []),
      ...(random() < 0.3 ? ["fibre"] : []),
      ...(random() < 0.6 ? ["mobile"] : []),
      ...(random() < 0.1 ? ["vip"] : []),
      ...(random() < 0.08 ? ["churn-risk"] : []),
    ].sort();
    const emailName = `${first}.${last}`
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase();
    const contacts: ContactCreateInput[] = [
      {
        first_name: first,
        last_name: last,
        email: `${emailName}${i}@example.net`,
        // 06 10… to 06 38…: ranges allocated to mobile operators (libphonenumber refuses 06 39, 06 90–97).
        phone: `+336${String(10000000 + Math.floor(random() * 28999999))}`,
        roles: business ? ["primary", "technical"] : ["primary", "billing"],
        notes: null,
      },
    ];
    if (business)
      contacts.push({ first_name: pick(FIRST), last_name: pick(LAST), email: `compta${i}@example.net`, phone: null, roles: ["billing"], notes: null });
    const place = pick(CITIES);
    out.push({
      externalId,
      customer: {
        name: business ? company : `${first} ${last}`,
        type: business ? "business" : "individual",
        payment_type: business || random() < 0.5 ? "postpaid" : "prepaid",
        external_id: externalId,
        notes: business ? "Demo business account." : null,
        tags,
        attributes: {
          segment: business ? pick(["smb", "enterprise", "public"]) : "consumer",
          marketing_opt_in: random() < 0.5,
          ...(business
            ? { credit_limit: Math.round(random() * 50) * 100, contract_end: `202${7 + Math.floor(random() * 3)}-0${1 + Math.floor(random() * 9)}-15` }
            : {}),
        },
      },
      contacts,
      site: {
        name: business ? "Head office" : "Home",
        address_line1: `${1 + Math.floor(random() * 120)} ${pick(STREETS)}`,
        address_line2: null,
        city: place.city,
        region: "Auvergne-Rhône-Alpes",
        postal_code: place.postal,
        country: "FR",
        notes: null,
        latitude: Number((place.lat + (random() - 0.5) * 0.02).toFixed(6)),
        longitude: Number((place.lon + (random() - 0.5) * 0.02).toFixed(6)),
      },
      transition: i % 13 === 5 ? { name: "suspend", reason: "Unpaid invoices (demo)" } : i % 17 === 8 ? { name: "close", reason: "Moved abroad (demo)" } : null,
    });
  }
  return out;
}

/**
 * Demo data for `npm start`: the operator "Demo Telecom", built-in roles, one staff account per
 * role, attribute definitions and 50 customers of both types with contacts, sites and tags.
 * Idempotent and resumable: each call creates at most `limit` missing customers (so one call stays
 * well inside a Worker invocation's query budget) and says how many remain.
 */
