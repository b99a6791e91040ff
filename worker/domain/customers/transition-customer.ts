import { and, eq } from "drizzle-orm";
import { runBatch } from "../../db/client";
import { getCustomer } from "../../db/queries/customers";
import { customers } from "../../db/schema";
import { Conflict, NotFound } from "../../lib/errors";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";
import { customerDocument } from "../search/documents";
import { indexDocument } from "../search/index-statements";
import { CUSTOMER_TRANSITIONS, type CustomerTransition, type CustomerView } from "./schemas";

/**
 * Moves a customer along one explicit transition (suspend, resume, close, reopen, archive, restore).
 * `carried` lists the services this change takes along (see cascade.ts); it is kept in the activity entry.
 */
export async function transitionCustomer(
  ctx: WriteContext,
  id: string,
  transition: CustomerTransition,
  reason?: string | null,
  carried?: { services: string[] },
): Promise<CustomerView> {
  const before = await getCustomer(ctx.db, id);
  if (!before) throw new NotFound("No customer with this id.");
  const rule = CUSTOMER_TRANSITIONS[transition];
  if (!(rule.from as readonly string[]).includes(before.status)) {
    throw new Conflict(`Cannot ${transition} a customer that is ${before.status}.`, {
      current_status: before.status,
      allowed_from: rule.from,
    });
  }
  const archivedAt = rule.to === "archived" ? ctx.now : null;
  const after: CustomerView = { ...before, status: rule.to, archived_at: archivedAt, updated_at: ctx.now };
  const changes = {
    status: { before: before.status, after: rule.to },
    ...(reason ? { reason: { before: null, after: reason } } : {}),
    ...(carried ? { services: { before: null, after: carried.services } } : {}),
  };
  await runBatch(ctx.db, [
    // The status guard makes a concurrent transition a no-op rather than a lost update.
    ctx.db
      .update(customers)
      .set({ status: rule.to, archivedAt, updatedAt: ctx.now })
      .where(and(eq(customers.id, id), eq(customers.status, before.status))),
    indexDocument(ctx.db, customerDocument({ id, name: after.name, type: after.type, status: after.status, externalId: after.external_id })),
    recordActivity(ctx, { entity: "customer", entityId: id, customerId: id, action: `customer.${transition}`, changes }),
  ]);
  return (await getCustomer(ctx.db, id)) ?? after;
}
