import { isGuardAbort } from "../../../db/guard";
import { getInvoice, getInvoiceRow } from "../../../db/queries/invoices";
import { Conflict } from "../../../lib/errors";
import type { WriteContext } from "../../context";
import type { InvoiceView } from "./schemas";

/**
 * Runs an invoice change as one D1 batch guarded by `abortUnlessChanged`: when another request
 * changed the invoice first, nothing is written and the caller gets a 409 with the invoice's status.
 */
export async function changeInvoice(
  ctx: WriteContext,
  id: string,
  statements: D1PreparedStatement[],
  refused: (status: string) => string,
): Promise<InvoiceView> {
  try {
    await ctx.db.$client.batch(statements);
  } catch (error) {
    if (!isGuardAbort(error)) throw error;
    const now = await getInvoiceRow(ctx.db, id);
    throw new Conflict(refused(now?.status ?? "gone"), { current_status: now?.status ?? null });
  }
  return (await getInvoice(ctx.db, id)) as InvoiceView;
}
