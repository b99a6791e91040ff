import { and, eq } from "drizzle-orm";
import { getProduct } from "../../db/queries/catalog";
import { customers, products, services, usageRecords } from "../../db/schema";
import { createProduct } from "../catalog/products";
import type { ProductCreateInput } from "../catalog/schemas";
import { includedBalanceId } from "../charging/definition";
import type { WriteContext } from "../context";
import { orderService } from "../services/order-service";
import type { ServiceDeps } from "../services/port";
import { applied } from "../services/support";

/** The demo catalogue and the services the demo customers have on it. */
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
    suspend_when_exhausted: false,
    plan_change_approval: false,
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
    suspend_when_exhausted: false,
    plan_change_approval: true,
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
    suspend_when_exhausted: false,
    plan_change_approval: false,
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
    suspend_when_exhausted: false,
    plan_change_approval: false,
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
    suspend_when_exhausted: false,
    plan_change_approval: false,
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
    suspend_when_exhausted: false,
    plan_change_approval: false,
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
    suspend_when_exhausted: false,
    plan_change_approval: false,
    low_balance_thresholds: {},
    compatible_with: ["fibre-1g"],
  },
];

/** Demo products and, for the first demo customers, services: ordered, provisioned, with balances and 30 days of usage. */
export async function ensureDemoServices(ctx: WriteContext, deps: ServiceDeps | null, budget: number): Promise<number> {
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
