import { eq } from "drizzle-orm";
import { runBatch, type Statement } from "../../db/client";
import { getCustomer } from "../../db/queries/customers";
import { customers } from "../../db/schema";
import { type Changes, recordActivity } from "../activity/record";
import type { WriteContext } from "../context";
import { replaceAttributesStatements, replaceTagsStatements, validateAttributes } from "./decorations";
import { loadWritableCustomer } from "./load";
import type { CustomerView } from "./schemas";

/** Replaces a customer's tags with exactly `tags` (unknown tags are created). */
export async function setCustomerTags(ctx: WriteContext, id: string, tags: string[]): Promise<CustomerView> {
  const before = await loadWritableCustomer(ctx.db, id);
  return decorate(ctx, before, replaceTagsStatements(ctx, id, tags), "customer.tags", { changes: { tags: { before: before.tags, after: tags } } }, { tags });
}

/** Replaces a customer's attribute values with exactly `values`, validated against the definitions. */
export async function setCustomerAttributes(ctx: WriteContext, id: string, values: Record<string, unknown>): Promise<CustomerView> {
  const before = await loadWritableCustomer(ctx.db, id);
  const attributes = await validateAttributes(ctx, values);
  return decorate(
    ctx,
    before,
    replaceAttributesStatements(ctx, id, attributes),
    "customer.attributes",
    { before: { attributes: before.attributes }, after: { attributes } },
    { attributes },
  );
}

/** Writes a customer's new tags or attributes with the customer's `updated_at` and one activity entry. */
async function decorate<K extends "tags" | "attributes">(
  ctx: WriteContext,
  before: CustomerView,
  statements: Statement[],
  action: string,
  record: { changes: Changes } | { before: Record<string, unknown>; after: Record<string, unknown> },
  now: Pick<CustomerView, K>,
): Promise<CustomerView> {
  const id = before.id;
  await runBatch(ctx.db, [
    ...statements,
    ctx.db.update(customers).set({ updatedAt: ctx.now }).where(eq(customers.id, id)),
    recordActivity(ctx, { entity: "customer", entityId: id, customerId: id, action, ...record }),
  ]);
  return (await getCustomer(ctx.db, id)) ?? { ...before, ...now };
}
