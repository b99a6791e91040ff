import { and, asc, eq, sql } from "drizzle-orm";
import { taxRateByClass } from "../../db/queries/tax-rates";
import { customers, invoices, promoCodes, services, usageRecords } from "../../db/schema";
import { createInvoice } from "../billing/invoices/create-invoice";
import { issueInvoice } from "../billing/invoices/issue-invoice";
import { createPromoCode } from "../billing/promo-codes/promo-codes";
import { recordTransaction } from "../billing/record-transaction";
import { createTaxRate } from "../billing/tax-rates/tax-rates";
import type { WriteContext } from "../context";

/** The demo's other tax rates (French VAT), beside the built-in `standard` 20 %. */
const RATES = [
  { tax_class: "reduced", name: "TVA 5,5 %", rate_bp: 550, jurisdiction: "FR", inclusive: false },
  { tax_class: "intermediate", name: "TVA 10 %", rate_bp: 1000, jurisdiction: "FR", inclusive: false },
];

/** Last month's charges for a few postpaid business customers, so the first invoice has something to bill. */
const CHARGES = [
  { description: "Support contract (monthly)", amount: 4900, tax_class: "standard" },
  { description: "On-site installation", amount: 12_000, tax_class: "standard" },
  { description: "Accessibility equipment", amount: 3000, tax_class: "reduced" },
];

/** The demo's promo code: 10 % off the first three months, 100 uses. */
export const DEMO_PROMO = { code: "WELCOME10", kind: "percent" as const, value: 10, months: 3, max_redemptions: 100, description: "Welcome offer" };

/**
 * Tax rates, a promo code, a month of manual charges and last month's rated usage of the postpaid
 * services (what CGRateS would have charged, in cents a day), so the first bill run has something
 * to invoice; each applied once (rates by class, the code by its name, charges by key, usage by day).
 */
export async function ensureDemoBilling(ctx: WriteContext): Promise<void> {
  for (const rate of RATES) if (!(await taxRateByClass(ctx.db, rate.tax_class))) await createTaxRate(ctx, rate);
  if (!(await ctx.db.select({ id: promoCodes.id }).from(promoCodes).where(eq(promoCodes.code, DEMO_PROMO.code)).get()))
    await createPromoCode(ctx, { ...DEMO_PROMO, valid_from: null, valid_until: null, eligible_products: [] });
  const now = new Date(ctx.now);
  const lastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 15, 10)).toISOString();
  const billed = await ctx.db
    .select({ id: customers.id, externalId: customers.externalId, currency: customers.currency })
    .from(customers)
    .where(and(eq(customers.type, "business"), eq(customers.paymentType, "postpaid"), eq(customers.status, "open"), sql`${customers.externalId} LIKE 'DEMO-%'`))
    .orderBy(asc(customers.externalId))
    .limit(5);
  const dated: WriteContext = { ...ctx, now: lastMonth };
  for (const customer of billed) {
    for (const [i, charge] of CHARGES.entries()) {
      await recordTransaction(
        dated,
        {
          customer_id: customer.id,
          kind: "charge",
          description: charge.description,
          amount: charge.amount,
          currency: customer.currency,
          tax_class: charge.tax_class,
          wholesale_amount: 0,
        },
        `demo-billing:${customer.externalId}:${i}`,
      );
    }
  }
  const postpaid = await ctx.db
    .select({ id: services.id })
    .from(services)
    .innerJoin(customers, eq(customers.id, services.customerId))
    .where(and(eq(customers.paymentType, "postpaid"), sql`${customers.externalId} LIKE 'DEMO-%'`, sql`${services.parentServiceId} IS NULL`));
  const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const days = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0)).getUTCDate();
  for (const [n, service] of postpaid.entries()) {
    const rows = Array.from({ length: days }, (_, d) => ({
      serviceId: service.id,
      day: new Date(first.getTime() + d * 86_400_000).toISOString().slice(0, 10),
      unit: "monetary" as const,
      // 0 to 1.20 a day, varying by service and day.
      amount: ((n + 1) * 37 + d * 53) % 121,
    }));
    for (let i = 0; i < rows.length; i += 20)
      await ctx.db
        .insert(usageRecords)
        .values(rows.slice(i, i + 20))
        .onConflictDoNothing();
  }
  await ensurePortalInvoice(ctx, lastMonth);
}

/**
 * One issued, unpaid invoice for the portal's demo customer (DEMO-0001), so a new user can pay one
 * from the portal straight away: last month's uninvoiced charges plus a router.
 */
async function ensurePortalInvoice(ctx: WriteContext, lastMonth: string): Promise<void> {
  const customer = await ctx.db.select({ id: customers.id, currency: customers.currency }).from(customers).where(eq(customers.externalId, "DEMO-0001")).get();
  if (!customer || (await ctx.db.select({ id: invoices.id }).from(invoices).where(eq(invoices.customerId, customer.id)).get())) return;
  const dated: WriteContext = { ...ctx, now: lastMonth };
  await recordTransaction(
    dated,
    {
      customer_id: customer.id,
      kind: "charge",
      description: "Wi-Fi router",
      amount: 4900,
      currency: customer.currency,
      tax_class: "standard",
      wholesale_amount: 0,
    },
    "demo-billing:DEMO-0001:router",
  );
  const start = `${lastMonth.slice(0, 7)}-01`;
  const end = new Date(Date.UTC(Number(lastMonth.slice(0, 4)), Number(lastMonth.slice(5, 7)), 0)).toISOString().slice(0, 10);
  const draft = await createInvoice(ctx, { customer_id: customer.id, period_start: start, period_end: end });
  await issueInvoice(ctx, draft.id);
}
