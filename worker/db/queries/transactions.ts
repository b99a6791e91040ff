import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import { toTransactionView } from "../../domain/billing/transactions";
import { decodeCursor, encodeCursor, type Page } from "../../lib/cursor";
import type { Db } from "../client";
import { transactions } from "../schema";

export type TransactionView = ReturnType<typeof toTransactionView>;

export async function listTransactions(
  db: Db,
  f: { customerId?: string; serviceId?: string; kind?: "charge" | "credit"; limit: number; cursor?: string },
): Promise<Page<TransactionView>> {
  const where: (SQL | undefined)[] = [];
  if (f.customerId) where.push(eq(transactions.customerId, f.customerId));
  if (f.serviceId) where.push(eq(transactions.serviceId, f.serviceId));
  if (f.kind) where.push(eq(transactions.kind, f.kind));
  if (f.cursor) where.push(lt(transactions.id, String(decodeCursor(f.cursor, 1)[0])));
  const rows = await db
    .select()
    .from(transactions)
    .where(and(...where))
    .orderBy(desc(transactions.id))
    .limit(f.limit + 1);
  const page = rows.slice(0, f.limit);
  const last = page.at(-1);
  return { data: page.map(toTransactionView), next_cursor: rows.length > f.limit && last ? encodeCursor([last.id]) : null };
}

export async function getTransaction(db: Db, id: string): Promise<TransactionView | null> {
  const row = await db.select().from(transactions).where(eq(transactions.id, id)).get();
  return row ? toTransactionView(row) : null;
}
