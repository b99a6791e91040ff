import type { Db } from "../../db/client";
import { taxRateOf } from "../../db/queries/catalog";
import { Invalid } from "../../lib/errors";

/** The rate of a product's tax class in basis points; a class without a rate is a 422. */
export async function taxRateFor(db: Db, taxClass: string): Promise<number> {
  const rate = await taxRateOf(db, taxClass);
  if (rate === null) throw new Invalid(`No tax rate for class ${taxClass}.`, [{ path: "tax_class", message: "Unknown tax class" }]);
  return rate;
}
