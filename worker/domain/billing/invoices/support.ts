import { prepared } from "../../../db/client";
import { isGuardAbort } from "../../../db/guard";
import { getInvoice, getInvoiceRow } from "../../../db/queries/invoices";
import { Conflict } from "../../../lib/errors";
import { type Changes, recordActivity } from "../../activity/record";
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

/** The activity entry of an invoice change, as a statement of the change's batch. */
export function invoiceActivity(
  ctx: WriteContext,
  p: { id: string; customerId: string; action: string } & ({ changes: Changes } | { after: Record<string, unknown> }),
): D1PreparedStatement {
  const { id, customerId, action, ...what } = p;
  return prepared(ctx.db.$client, recordActivity(ctx, { entity: "invoice", entityId: id, customerId, action, ...what }));
}
