import { eq } from "drizzle-orm";
import { runBatch } from "../../db/client";
import { getCustomer, toCustomerView } from "../../db/queries/customers";
import { getSettings } from "../../db/queries/settings";
import { type Customer, customers } from "../../db/schema";
import { Conflict } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";
import { customerDocument } from "../search/documents";
import { indexDocument } from "../search/index-statements";
import { replaceAttributesStatements, replaceTagsStatements, validateAttributes } from "./decorations";
import { mapUniqueViolation } from "./load";
import type { CustomerCreateInput, CustomerView } from "./schemas";

/** Creates a customer (status open) with its tags, attributes, search document and audit entry in one batch. */
export async function createCustomer(ctx: WriteContext, input: CustomerCreateInput): Promise<CustomerView> {
  const { data: settings } = await getSettings(ctx.db);
  const attributes = await validateAttributes(ctx, input.attributes ?? {});
  if (input.external_id) {
    const taken = await ctx.db.select({ id: customers.id }).from(customers).where(eq(customers.externalId, input.external_id)).get();
    if (taken) throw new Conflict(`Customer ${taken.id} already has external_id ${input.external_id}.`);
  }
  const row: Customer = {
    id: newId("customer"),
    name: input.name,
    type: input.type,
    status: "open",
    paymentType: input.payment_type,
    currency: input.currency ?? settings.default_currency,
    locale: input.locale ?? settings.default_locale,
    timezone: input.timezone ?? settings.default_timezone,
    externalId: input.external_id ?? null,
    notes: input.notes ?? null,
    createdAt: ctx.now,
    updatedAt: ctx.now,
    archivedAt: null,
    paymentTermsDays: input.payment_terms_days ?? null,
    taxExemptionReason: input.tax_exemption_reason ?? null,
    taxExemptionReference: input.tax_exemption_reference ?? null,
    creditLimit: input.credit_limit ?? null,
    stripeCustomerId: null,
    autoPay: input.auto_pay ?? false,
  };
  const tagNames = input.tags ?? [];
  const view = toCustomerView(row, tagNames, attributes);
  await runBatch(ctx.db, [
    ctx.db.insert(customers).values(row),
    ...replaceTagsStatements(ctx, row.id, tagNames),
    ...replaceAttributesStatements(ctx, row.id, attributes),
    indexDocument(ctx.db, customerDocument(row)),
    recordActivity(ctx, { entity: "customer", entityId: row.id, customerId: row.id, action: "customer.create", after: view }),
  ]).catch(mapUniqueViolation);
  return (await getCustomer(ctx.db, row.id)) ?? view;
}
