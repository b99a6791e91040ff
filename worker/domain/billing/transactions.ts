import type { transactions } from "../../db/schema";
import { ulid } from "../../lib/ids";
import { lineTax } from "../../lib/money";

export type TransactionRow = typeof transactions.$inferInsert;

/**
 * A transaction row: net amount in minor units, tax computed per line from the rate (half-even).
 * `sourceKey` names what caused it (e.g. `setup:<service>`), unique, so it is never recorded twice.
 */
export function transactionRow(t: {
  customerId: string;
  serviceId: string | null;
  kind: "charge" | "credit";
  description: string;
  amount: number;
  wholesaleAmount?: number;
  currency: string;
  taxRateBp: number;
  /** The amount is the price with tax (an inclusive rate): the row keeps its net and tax. */
  inclusive?: boolean;
  sourceKey: string;
  now: string;
  reversesId?: string | null;
}): TransactionRow {
  const { net, tax } = lineTax(t.amount, t.taxRateBp, t.inclusive);
  return {
    id: `txn_${ulid()}`,
    customerId: t.customerId,
    serviceId: t.serviceId,
    kind: t.kind,
    description: t.description,
    date: t.now.slice(0, 10),
    amount: net,
    taxAmount: tax,
    taxRateBp: t.taxRateBp,
    wholesaleAmount: t.wholesaleAmount ?? 0,
    currency: t.currency,
    invoiceId: null,
    reversesId: t.reversesId ?? null,
    sourceKey: t.sourceKey,
    createdAt: t.now,
  };
}

export function toTransactionView(t: typeof transactions.$inferSelect) {
  return {
    id: t.id,
    customer_id: t.customerId,
    service_id: t.serviceId,
    kind: t.kind,
    description: t.description,
    date: t.date,
    amount: t.amount,
    tax_amount: t.taxAmount,
    tax_rate_bp: t.taxRateBp,
    wholesale_amount: t.wholesaleAmount,
    currency: t.currency,
    invoice_id: t.invoiceId,
    reverses_id: t.reversesId,
    created_at: t.createdAt,
  };
}
