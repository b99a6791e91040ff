import { and, asc, eq, sql } from "drizzle-orm";
import { taxRateByClass } from "../../db/queries/tax-rates";
import { customers } from "../../db/schema";
import { recordTransaction } from "../billing/record-transaction";
import { createTaxRate } from "../billing/tax-rates/tax-rates";
import type { WriteContext } from "../context";

/** The demo's other tax rates (French VAT), beside the built-in `standard` 20 %. */
const RATES = [
  { tax_class: "reduced", name: "TVA 5,5 %", rate_bp: 550, jurisdiction: "FR" },
  { tax_class: "intermediate", name: "TVA 10 %", rate_bp: 1000, jurisdiction: "FR" },
];

/** Last month's charges for a few postpaid business customers, so the first invoice has something to bill. */
const CHARGES = [
  { description: "Support contract (monthly)", amount: 4900, tax_class: "standard" },
  { description: "On-site installation", amount: 12_000, tax_class: "standard" },
  { description: "Accessibility equipment", amount: 3000, tax_class: "reduced" },
];

/** Tax rates and a month of manual charges for the demo; each applied once (rates by class, charges by key). */
export async function ensureDemoBilling(ctx: WriteContext): Promise<void> {
  for (const rate of RATES) if (!(await taxRateByClass(ctx.db, rate.tax_class))) await createTaxRate(ctx, rate);
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
}
