import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { runBatch } from "../../db/client";
import { getProduct } from "../../db/queries/catalog";
import {
  apiKeys,
  attributeDefinitions,
  contacts,
  customerAccounts,
  customers,
  products,
  roles,
  services,
  usageRecords,
  userRoles,
  users,
} from "../../db/schema";
import { newId, ulid } from "../../lib/ids";
import { hashPassword } from "../../lib/password";
import { defineAttribute } from "../attributes/definitions";
import { hashKeySecret, parseApiKey } from "../auth/api-keys";
import { BUILT_IN_ROLES } from "../auth/permissions";
import { createProduct } from "../catalog/products";
import type { ProductCreateInput } from "../catalog/schemas";
import { includedBalanceId } from "../charging/definition";
import { createContact } from "../contacts/contacts";
import type { ContactCreateInput } from "../contacts/schemas";
import { SYSTEM_ACTOR, type WriteContext } from "../context";
import { createCustomer } from "../customers/create-customer";
import type { CustomerCreateInput } from "../customers/schemas";
import { transitionCustomer } from "../customers/transition-customer";
import { orderService } from "../services/order-service";
import type { ServiceDeps } from "../services/port";
import { applied } from "../services/support";
import { updateSettings } from "../settings/update-settings";
import type { SiteCreateInput } from "../sites/schemas";
import { createSite } from "../sites/sites";
import { ensureDemoInventory } from "./inventory";

/** Upserts the built-in roles so their permissions follow the catalogue of this release. */
export async function ensureBuiltInRoles(db: Db, now: string): Promise<void> {
  await runBatch(
    db,
    BUILT_IN_ROLES.map((r) =>
      db
        .insert(roles)
        .values({ id: r.id, name: r.name, description: r.description, permissions: r.permissions, builtIn: true, createdAt: now, updatedAt: now })
        .onConflictDoUpdate({ target: roles.id, set: { permissions: r.permissions, description: r.description, updatedAt: now } }),
    ),
  );
}

export type SeedPasswords = { admin: string; staff: string; customer: string; pepper: string; runnerKey: string | null; encryptionKey: string };

const STAFF: { email: string; name: string; role: string }[] = [
  { email: "admin@example.com", name: "Ada Admin", role: "rol_admin" },
  { email: "support@example.com", name: "Sam Support", role: "rol_support" },
  { email: "billing@example.com", name: "Bea Billing", role: "rol_billing" },
  { email: "provisioning@example.com", name: "Pat Provisioning", role: "rol_provisioning" },
  { email: "inventory@example.com", name: "Ivo Inventory", role: "rol_inventory" },
  { email: "broadcaster@example.com", name: "Bo Broadcaster", role: "rol_broadcaster" },
  { email: "approver@example.com", name: "Alex Approver", role: "rol_broadcaster" },
  { email: "readonly@example.com", name: "Rae Readonly", role: "rol_read_only" },
];

async function ensureStaff(db: Db, now: string, passwords: SeedPasswords): Promise<void> {
  for (const s of STAFF) {
    const existing = await db.select({ id: users.id }).from(users).where(eq(users.email, s.email)).get();
    if (existing) continue;
    const id = newId("user");
    const password = s.role === "rol_admin" ? passwords.admin : passwords.staff;
    await runBatch(db, [
      db.insert(users).values({
        id,
        email: s.email,
        name: s.name,
        passwordHash: await hashPassword(password, passwords.pepper),
        status: "active",
        createdAt: now,
        updatedAt: now,
      }),
      db.insert(userRoles).values({ userId: id, roleId: s.role }),
    ]);
  }
}

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

type DemoCustomer = {
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
        phone: `+336${String(10000000 + Math.floor(random() * 89999999))}`,
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
export async function seedDemo(db: Db, passwords: SeedPasswords, limit = 10, deps: ServiceDeps | null = null): Promise<{ created: number; remaining: number }> {
  const now = new Date().toISOString();
  await ensureBuiltInRoles(db, now);
  await ensureStaff(db, now, passwords);
  const ctx: WriteContext = { db, actor: { ...SYSTEM_ACTOR, label: "demo seed" }, requestId: null, now };
  const present = new Set(
    (await db.select({ externalId: customers.externalId }).from(customers).where(sql`${customers.externalId} LIKE 'DEMO-%'`)).map((r) => r.externalId),
  );
  if (present.size === 0) {
    await updateSettings(ctx, {
      operator_name: "Demo Telecom",
      legal_name: "Demo Telecom SAS",
      legal_address: "10 Place Bellecour\n69002 Lyon\nFrance",
      registration_number: "RCS Lyon 123 456 789",
      vat_number: "FR12123456789",
      support_email: "support@demo-telecom.example",
      support_phone: "+33 4 00 00 00 00",
      website: "https://demo-telecom.example",
      default_currency: "EUR",
      default_locale: "fr-FR",
      default_timezone: "Europe/Paris",
      notification_emails: ["noc@demo-telecom.example"],
    });
    const definitions = await db.select({ n: sql<number>`count(*)` }).from(attributeDefinitions).get();
    if (!definitions?.n) {
      await defineAttribute(ctx, {
        key: "segment",
        label: "Segment",
        type: "enum",
        options: ["consumer", "smb", "enterprise", "public"],
        required: false,
        description: "Marketing segment",
      });
      await defineAttribute(ctx, { key: "contract_end", label: "Contract end", type: "date", required: false, description: null });
      await defineAttribute(ctx, { key: "credit_limit", label: "Credit limit (EUR)", type: "number", required: false, description: "Whole euros" });
      await defineAttribute(ctx, { key: "marketing_opt_in", label: "Marketing opt-in", type: "boolean", required: false, description: null });
    }
  }
  const missing = demoCustomers().filter((d) => !present.has(d.externalId));
  const noGeocoder = async () => ({ status: "not_configured" as const });
  for (const demo of missing.slice(0, limit)) {
    const customer = await createCustomer(ctx, demo.customer);
    for (const contact of demo.contacts) await createContact(ctx, customer.id, contact);
    await createSite(ctx, customer.id, demo.site, noGeocoder);
    if (demo.transition) await transitionCustomer(ctx, customer.id, demo.transition.name, demo.transition.reason);
  }
  let remaining = Math.max(0, missing.length - limit);
  if (remaining === 0) {
    await ensurePortalAccounts(db, now, passwords);
    await ensureDemoInventory(ctx, passwords.encryptionKey);
    remaining = await ensureDemoServices(ctx, deps, missing.length > 0 ? 0 : 4);
  }
  await ensureRunnerKey(db, now, passwords.runnerKey);
  return { created: Math.min(limit, missing.length), remaining };
}

type DemoProduct = Omit<ProductCreateInput, "components" | "compatible_with"> & { components?: string[]; compatible_with?: string[] };

const GB = 2 ** 30;
const DEMO_PRODUCTS: DemoProduct[] = [
  {
    name: "Mobile Prepaid 10 GB",
    slug: "mobile-prepaid-10gb",
    type: "standalone",
    service_type: "mobile",
    status: "active",
    tax_class: "standard",
    retail_price: 999,
    wholesale_price: 400,
    retail_setup_fee: 0,
    wholesale_setup_fee: 0,
    recurring_period: "monthly",
    prorate: true,
    provisioning_play: "mobile_prepaid",
    provisioning_json_vars: { number_pool: "mobile" },
    required_inventory: ["sim", "phone_number"],
    cgrates: { account_options: {}, action_plan: null, actions: null },
    included_balances: [
      { unit: "data", amount: 10 * GB, validity_days: 30 },
      { unit: "voice", amount: 300 * 60, validity_days: 30 },
      { unit: "sms", amount: 100, validity_days: 30 },
    ],
    promotion: null,
    eligibility: { customer_types: ["individual", "business"] },
    allow_negative: false,
    low_balance_thresholds: { data: GB },
  },
  {
    name: "Mobile Postpaid Unlimited",
    slug: "mobile-postpaid-unlimited",
    type: "standalone",
    service_type: "mobile",
    status: "active",
    tax_class: "standard",
    retail_price: 2999,
    wholesale_price: 1200,
    retail_setup_fee: 1000,
    wholesale_setup_fee: 300,
    recurring_period: "monthly",
    prorate: true,
    provisioning_play: "mobile_postpaid",
    provisioning_json_vars: { number_pool: "mobile" },
    required_inventory: ["sim", "phone_number"],
    cgrates: { account_options: { allow_negative: true }, action_plan: null, actions: null },
    included_balances: [{ unit: "data", amount: 100 * GB, validity_days: 30 }],
    promotion: null,
    eligibility: { customer_types: ["individual", "business"] },
    allow_negative: true,
    low_balance_thresholds: {},
  },
  {
    name: "Fibre 1 Gb/s",
    slug: "fibre-1g",
    type: "standalone",
    service_type: "fixed_internet",
    status: "active",
    tax_class: "standard",
    retail_price: 3999,
    wholesale_price: 1800,
    retail_setup_fee: 4900,
    wholesale_setup_fee: 2000,
    recurring_period: "monthly",
    prorate: true,
    provisioning_play: "fixed_internet",
    provisioning_json_vars: { vlan: 100 },
    required_inventory: ["ont", "cpe", "ip_block"],
    cgrates: { account_options: {}, action_plan: null, actions: null },
    included_balances: [],
    promotion: null,
    eligibility: { customer_types: ["individual", "business"] },
    allow_negative: false,
    low_balance_thresholds: {},
  },
  {
    name: "VoIP Business Line",
    slug: "voip-business",
    type: "standalone",
    service_type: "voip",
    status: "active",
    tax_class: "standard",
    retail_price: 1499,
    wholesale_price: 500,
    retail_setup_fee: 0,
    wholesale_setup_fee: 0,
    recurring_period: "monthly",
    prorate: true,
    provisioning_play: "voip",
    provisioning_json_vars: { number_pool: "geographic" },
    required_inventory: ["phone_number"],
    cgrates: { account_options: {}, action_plan: null, actions: null },
    included_balances: [{ unit: "voice", amount: 1000 * 60, validity_days: null }],
    promotion: null,
    eligibility: { customer_types: ["business"] },
    allow_negative: false,
    low_balance_thresholds: { voice: 60 * 60 },
  },
  {
    name: "Home Bundle (fibre + mobile)",
    slug: "home-bundle",
    type: "bundle",
    service_type: "other",
    status: "active",
    tax_class: "standard",
    retail_price: 5999,
    wholesale_price: 3000,
    retail_setup_fee: 0,
    wholesale_setup_fee: 0,
    recurring_period: "monthly",
    prorate: true,
    provisioning_play: "bundle",
    provisioning_json_vars: {},
    required_inventory: [],
    cgrates: { account_options: {}, action_plan: null, actions: null },
    included_balances: [],
    promotion: null,
    eligibility: { customer_types: ["individual"] },
    allow_negative: false,
    low_balance_thresholds: {},
    components: ["fibre-1g", "mobile-postpaid-unlimited"],
  },
  {
    name: "Data Pack 5 GB (30 days)",
    slug: "data-pack-5gb",
    type: "addon",
    service_type: "mobile",
    status: "active",
    tax_class: "standard",
    retail_price: 500,
    wholesale_price: 150,
    retail_setup_fee: 0,
    wholesale_setup_fee: 0,
    recurring_period: "none",
    prorate: false,
    provisioning_play: "addon_topup",
    provisioning_json_vars: {},
    required_inventory: [],
    cgrates: { account_options: {}, action_plan: null, actions: "Action_data-pack-5gb" },
    included_balances: [{ unit: "data", amount: 5 * GB, validity_days: 30 }],
    promotion: null,
    eligibility: { customer_types: ["individual", "business"] },
    allow_negative: false,
    low_balance_thresholds: {},
    compatible_with: ["mobile-prepaid-10gb", "mobile-postpaid-unlimited"],
  },
  {
    name: "Welcome offer −20 % (3 months)",
    slug: "welcome-20",
    type: "promotion",
    service_type: "fixed_internet",
    status: "active",
    tax_class: "standard",
    retail_price: 0,
    wholesale_price: 0,
    retail_setup_fee: 0,
    wholesale_setup_fee: 0,
    recurring_period: "none",
    prorate: false,
    provisioning_play: null,
    provisioning_json_vars: {},
    required_inventory: [],
    cgrates: { account_options: {}, action_plan: null, actions: null },
    included_balances: [],
    promotion: { kind: "percent", value: 20, months: 3 },
    eligibility: { customer_types: ["individual", "business"] },
    allow_negative: false,
    low_balance_thresholds: {},
    compatible_with: ["fibre-1g"],
  },
];

/** Demo products and, for the first demo customers, services: ordered, provisioned, with balances and 30 days of usage. */
async function ensureDemoServices(ctx: WriteContext, deps: ServiceDeps | null, budget: number): Promise<number> {
  const bySlug = new Map<string, string>();
  for (const p of DEMO_PRODUCTS) {
    const existing = await ctx.db.select({ id: products.id }).from(products).where(eq(products.slug, p.slug)).get();
    if (existing) {
      bySlug.set(p.slug, existing.id);
      continue;
    }
    const created = await createProduct(
      ctx,
      {
        ...p,
        components: (p.components ?? []).map((slug) => bySlug.get(slug) ?? slug),
        compatible_with: (p.compatible_with ?? []).map((slug) => bySlug.get(slug) ?? slug),
      } as ProductCreateInput,
      deps?.enqueue,
    );
    bySlug.set(p.slug, created.id);
  }
  if (!deps) return 0;
  const plan: [string, string][] = [
    ["DEMO-0001", "mobile-prepaid-10gb"],
    ["DEMO-0001", "fibre-1g"],
    ["DEMO-0002", "voip-business"],
    ["DEMO-0003", "mobile-prepaid-10gb"],
    ["DEMO-0004", "fibre-1g"],
    ["DEMO-0005", "mobile-postpaid-unlimited"],
    ["DEMO-0007", "mobile-prepaid-10gb"],
    ["DEMO-0008", "home-bundle"],
    ["DEMO-0010", "mobile-prepaid-10gb"],
    ["DEMO-0012", "mobile-postpaid-unlimited"],
  ];
  let left = 0;
  let index = 0;
  for (const [externalId, slug] of plan) {
    index++;
    const customer = await ctx.db.select({ id: customers.id, status: customers.status }).from(customers).where(eq(customers.externalId, externalId)).get();
    const productId = bySlug.get(slug);
    if (customer?.status !== "open" || !productId) continue;
    const already = await ctx.db
      .select({ id: services.id })
      .from(services)
      .where(and(eq(services.customerId, customer.id), eq(services.productId, productId)))
      .get();
    if (already) continue;
    if (budget <= 0) {
      left++;
      continue;
    }
    budget--;
    const { service } = await orderService(ctx, deps, customer.id, { product_id: productId, vars: {} });
    const product = await getProduct(ctx.db, productId);
    const mobile = product?.service_type === "mobile";
    // Identifiers the playbook would report, beside those of the inventory the order reserved.
    const identifiers: Record<string, string> = {
      ...service.identifiers,
      ...(mobile ? {} : product?.service_type === "voip" ? { username: `sip${index}` } : { username: `fibre-${index}@demo-telecom.example` }),
    };
    const state = deps.state(service.id);
    applied(await state.transition(service.id, "start_provisioning", { actor: ctx.actor, requestId: null, now: ctx.now, key: "demo-lease" }), "demo lease");
    const activated = await state.transition(service.id, "activate", {
      actor: ctx.actor,
      requestId: null,
      now: ctx.now,
      key: "demo-activate",
      identifiers,
      // The ids the playbook gives these balances in CGRateS: when the runner replays the order's job,
      // the account it creates holds exactly what the service was granted here.
      grants: (product?.included_balances ?? []).map((b, i) => ({ ...b, balance_id: includedBalanceId(product?.slug ?? "", i) })),
    });
    applied(activated, "demo activation");
    // Thirty days of synthetic usage for the charts. Balances are not touched here: CGRateS is their
    // balance of record, and the seeded services' accounts start as granted.
    const days = Array.from({ length: 30 }, (_, d) => new Date(Date.parse(ctx.now) - (29 - d) * 86_400_000).toISOString().slice(0, 10));
    const rows: (typeof usageRecords.$inferInsert)[] = [];
    for (const [d, day] of days.entries()) {
      const wave = 0.6 + 0.4 * Math.sin((d + index) / 3);
      if (mobile) {
        rows.push({ serviceId: service.id, day, unit: "data", amount: Math.round(wave * 220 * 2 ** 20) });
        rows.push({ serviceId: service.id, day, unit: "voice", amount: Math.round(wave * 9 * 60) });
        rows.push({ serviceId: service.id, day, unit: "sms", amount: Math.round(wave * 3) });
      } else if (product?.service_type === "voip") rows.push({ serviceId: service.id, day, unit: "voice", amount: Math.round(wave * 45 * 60) });
      else rows.push({ serviceId: service.id, day, unit: "data", amount: Math.round(wave * 6 * GB) });
    }
    for (let i = 0; i < rows.length; i += 20)
      await ctx.db
        .insert(usageRecords)
        .values(rows.slice(i, i + 20))
        .onConflictDoNothing();
  }
  return left;
}

const PORTAL_ACCOUNTS: { email: string; externalId: string }[] = [
  { email: "customer@example.com", externalId: "DEMO-0001" },
  { email: "customer2@example.com", externalId: "DEMO-0002" },
];

/** Portal accounts for two demo customers, tied to their primary contacts. */
async function ensurePortalAccounts(db: Db, now: string, passwords: SeedPasswords): Promise<void> {
  for (const p of PORTAL_ACCOUNTS) {
    if (await db.select({ id: customerAccounts.id }).from(customerAccounts).where(eq(customerAccounts.email, p.email)).get()) continue;
    const customer = await db.select({ id: customers.id }).from(customers).where(eq(customers.externalId, p.externalId)).get();
    if (!customer) continue;
    const contact = await db.select({ id: contacts.id }).from(contacts).where(eq(contacts.customerId, customer.id)).get();
    await db.insert(customerAccounts).values({
      id: `cac_${ulid()}`,
      customerId: customer.id,
      contactId: contact?.id ?? null,
      email: p.email,
      passwordHash: await hashPassword(passwords.customer, passwords.pepper),
      status: "active",
      createdAt: now,
      updatedAt: now,
    });
  }
}

/** The runner's API key, from RUNNER_API_KEY (`ocrm_<prefix>_<secret>`); only its hash is stored. */
async function ensureRunnerKey(db: Db, now: string, value: string | null): Promise<void> {
  const parsed = value ? parseApiKey(value) : null;
  if (!parsed) return;
  if (await db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.prefix, parsed.prefix)).get()) return;
  await db.insert(apiKeys).values({
    id: `key_${ulid()}`,
    name: "Local runner",
    description: "Seeded from RUNNER_API_KEY",
    kind: "runner",
    prefix: parsed.prefix,
    secretHash: await hashKeySecret(parsed.secret),
    permissions: ["runner:access"],
    createdBy: "system",
    createdAt: now,
    updatedAt: now,
  });
}
