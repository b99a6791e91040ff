import { eq } from "drizzle-orm";
import { runBatch } from "../../db/client";
import { getCustomer } from "../../db/queries/customers";
import { customers } from "../../db/schema";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";
import { replaceAttributesStatements, replaceTagsStatements, validateAttributes } from "./decorations";
import { loadWritableCustomer } from "./load";
import type { CustomerView } from "./schemas";

/** Replaces a customer's tags with exactly `tags` (unknown tags are created). */
export async function setCustomerTags(ctx: WriteContext, id: string, tags: string[]): Promise<CustomerView> {
  const before = await loadWritableCustomer(ctx.db, id);
  await runBatch(ctx.db, [
    ...replaceTagsStatements(ctx, id, tags),
    ctx.db.update(customers).set({ updatedAt: ctx.now }).where(eq(customers.id, id)),
    recordActivity(ctx, { entity: "customer", entityId: id, customerId: id, action: "customer.tags", changes: { tags: { before: before.tags, after: tags } } }),
  ]);
  return (await getCustomer(ctx.db, id)) ?? { ...before, tags };
}

/** Replaces a customer's attribute values with exactly `values`, validated against the definitions. */
export async function setCustomerAttributes(ctx: WriteContext, id: string, values: Record<string, unknown>): Promise<CustomerView> {
  const before = await loadWritableCustomer(ctx.db, id);
  const attributes = await validateAttributes(ctx, values);
  await runBatch(ctx.db, [
    ...replaceAttributesStatements(ctx, id, attributes),
    ctx.db.update(customers).set({ updatedAt: ctx.now }).where(eq(customers.id, id)),
    recordActivity(ctx, {
      entity: "customer",
      entityId: id,
      customerId: id,
      action: "customer.attributes",
      before: { attributes: before.attributes },
      after: { attributes },
    }),
  ]);
  return (await getCustomer(ctx.db, id)) ?? { ...before, attributes };
}
