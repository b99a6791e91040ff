import { eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { taxRateOf } from "../../db/queries/catalog";
import { customers } from "../../db/schema";
import { Invalid } from "../../lib/errors";

/** How a charge is taxed: the rate in basis points, and whether the price includes it. */
export type TaxTerms = { rateBp: number; inclusive: boolean };

/**
 * The tax terms of a product's tax class for a customer; a class without a rate is a 422. A customer
 * with a tax exemption is charged no tax (rate 0) — the price stays the catalogue's, inclusive or not
 * — and their invoices print the exemption's reason and reference.
 */
export async function taxRateFor(db: Db, taxClass: string, customer?: string | { tax_exemption_reason: string | null } | null): Promise<TaxTerms> {
  const rate = await taxRateOf(db, taxClass);
  if (rate === null) throw new Invalid(`No tax rate for class ${taxClass}.`, [{ path: "tax_class", message: "Unknown tax class" }]);
  // The customer as the caller holds it, or its id (read here).
  const exempt =
    typeof customer === "string"
      ? (await db.select({ reason: customers.taxExemptionReason }).from(customers).where(eq(customers.id, customer)).get())?.reason
      : customer?.tax_exemption_reason;
  return exempt ? { rateBp: 0, inclusive: rate.inclusive } : rate;
}
