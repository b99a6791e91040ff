import { eq } from "drizzle-orm";
import { runBatch } from "../../db/client";
import { getTransaction, type TransactionView } from "../../db/queries/transactions";
import { customers, services, transactions } from "../../db/schema";
import { Conflict, Invalid, NotFound } from "../../lib/errors";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";
import { taxRateFor } from "./tax";
import { transactionRow } from "./transactions";

type Manual = {
  customer_id: string;
  service_id?: string | null;
  kind: "charge" | "credit";
  description: string;
  amount: number;
  currency: string;
  tax_class: string;
  wholesale_amount: number;
};

/**
 * Records a manual charge or credit, or the reversal of a transaction (the opposite kind, same
 * amounts). Transactions are immutable: a correction is always a new one. `key` makes it happen once.
 */
export async function recordTransaction(
  ctx: WriteContext,
  input: Manual | { reverses_id: string; description?: string },
  key: string,
): Promise<TransactionView> {
  let row: ReturnType<typeof transactionRow>;
  if ("reverses_id" in input) {
    const original = await ctx.db.select().from(transactions).where(eq(transactions.id, input.reverses_id)).get();
    if (!original) throw new NotFound("No transaction with this id.");
    const already = await ctx.db.select({ id: transactions.id }).from(transactions).where(eq(transactions.reversesId, original.id)).get();
    if (already) throw new Conflict(`Transaction ${original.id} is already reversed by ${already.id}.`);
    if (original.reversesId) throw new Conflict("A reversal cannot itself be reversed; record a new transaction.");
    row = {
      ...transactionRow({
        customerId: original.customerId,
        serviceId: original.serviceId,
        kind: original.kind === "charge" ? "credit" : "charge",
        description: input.description ?? `Reversal of ${original.description}`,
        amount: original.amount,
        wholesaleAmount: original.wholesaleAmount,
        currency: original.currency,
        taxRateBp: original.taxRateBp,
        sourceKey: `reversal:${original.id}`,
        now: ctx.now,
        reversesId: original.id,
      }),
      taxAmount: original.taxAmount,
    };
  } else {
    const customer = await ctx.db.select().from(customers).where(eq(customers.id, input.customer_id)).get();
    if (!customer) throw new Invalid("Unknown customer.", [{ path: "customer_id", message: "No such customer" }]);
    if (input.currency !== customer.currency)
      throw new Invalid(`The customer is billed in ${customer.currency}.`, [{ path: "currency", message: "Currency mismatch" }]);
    if (input.service_id) {
      const service = await ctx.db.select({ customerId: services.customerId }).from(services).where(eq(services.id, input.service_id)).get();
      if (service?.customerId !== input.customer_id)
        throw new Invalid("The service does not belong to this customer.", [{ path: "service_id", message: "Unknown service" }]);
    }
    row = transactionRow({
      customerId: input.customer_id,
      serviceId: input.service_id ?? null,
      kind: input.kind,
      description: input.description,
      amount: input.amount,
      wholesaleAmount: input.wholesale_amount,
      currency: input.currency,
      ...(await taxRateFor(ctx.db, input.tax_class, { tax_exemption_reason: customer.taxExemptionReason }).then((r) => ({
        taxRateBp: r.rateBp,
        inclusive: r.inclusive,
      }))),
      sourceKey: `manual:${key}`,
      now: ctx.now,
    });
  }
  const existing = await ctx.db.select({ id: transactions.id }).from(transactions).where(eq(transactions.sourceKey, row.sourceKey)).get();
  if (existing) return (await getTransaction(ctx.db, existing.id)) as TransactionView;
  await runBatch(ctx.db, [
    ctx.db.insert(transactions).values(row),
    recordActivity(ctx, {
      entity: "transaction",
      entityId: row.id ?? "",
      customerId: row.customerId,
      action: row.reversesId ? "transaction.reverse" : "transaction.create",
      after: { ...row },
    }),
  ]);
  return (await getTransaction(ctx.db, row.id ?? "")) as TransactionView;
}
