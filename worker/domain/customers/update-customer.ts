import { and, eq, ne } from "drizzle-orm";
import { runBatch, type Statement } from "../../db/client";
import { getCustomer } from "../../db/queries/customers";
import { contacts, customers, sites } from "../../db/schema";
import { Conflict, Invalid } from "../../lib/errors";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";
import { contactDocument, customerDocument, siteDocument } from "../search/documents";
import { indexDocument } from "../search/index-statements";
import { loadWritableCustomer, mapUniqueViolation } from "./load";
import type { CustomerPatchInput, CustomerView } from "./schemas";

/** Search documents of a customer's contacts and sites mention its name: rebuild them on rename. */
async function reindexChildren(ctx: WriteContext, customerId: string, customerName: string): Promise<Statement[]> {
  const [contactRows, siteRows] = await Promise.all([
    ctx.db.select().from(contacts).where(eq(contacts.customerId, customerId)),
    ctx.db.select().from(sites).where(eq(sites.customerId, customerId)),
  ]);
  return [
    ...contactRows.map((c) => indexDocument(ctx.db, contactDocument(c, customerName))),
    ...siteRows.map((s) => indexDocument(ctx.db, siteDocument(s, customerName))),
  ];
}

/** Changes a customer's editable fields; status changes go through `transitionCustomer`. */
export async function updateCustomer(ctx: WriteContext, id: string, patch: CustomerPatchInput): Promise<CustomerView> {
  const before = await loadWritableCustomer(ctx.db, id);
  if (patch.external_id) {
    const taken = await ctx.db
      .select({ id: customers.id })
      .from(customers)
      .where(and(eq(customers.externalId, patch.external_id), ne(customers.id, id)))
      .get();
    if (taken) throw new Conflict(`Customer ${taken.id} already has external_id ${patch.external_id}.`);
  }
  const next = {
    name: patch.name ?? before.name,
    type: patch.type ?? before.type,
    paymentType: patch.payment_type ?? before.payment_type,
    currency: patch.currency ?? before.currency,
    locale: patch.locale ?? before.locale,
    timezone: patch.timezone ?? before.timezone,
    externalId: patch.external_id === undefined ? before.external_id : patch.external_id,
    notes: patch.notes === undefined ? before.notes : patch.notes,
    paymentTermsDays: patch.payment_terms_days === undefined ? before.payment_terms_days : patch.payment_terms_days,
    taxExemptionReason: patch.tax_exemption_reason === undefined ? before.tax_exemption_reason : patch.tax_exemption_reason,
    taxExemptionReference: patch.tax_exemption_reference === undefined ? before.tax_exemption_reference : patch.tax_exemption_reference,
    creditLimit: patch.credit_limit === undefined ? before.credit_limit : patch.credit_limit,
    autoPay: patch.auto_pay ?? before.auto_pay,
  };
  if (Boolean(next.taxExemptionReason) !== Boolean(next.taxExemptionReference))
    throw new Invalid("A tax exemption needs both a reason and a reference.", [
      { path: next.taxExemptionReason ? "tax_exemption_reference" : "tax_exemption_reason", message: "A tax exemption needs both a reason and a reference" },
    ]);
  const after: CustomerView = {
    ...before,
    name: next.name,
    type: next.type,
    payment_type: next.paymentType,
    currency: next.currency,
    locale: next.locale,
    timezone: next.timezone,
    external_id: next.externalId,
    notes: next.notes,
    payment_terms_days: next.paymentTermsDays,
    tax_exemption_reason: next.taxExemptionReason,
    tax_exemption_reference: next.taxExemptionReference,
    credit_limit: next.creditLimit,
    auto_pay: next.autoPay,
    updated_at: ctx.now,
  };
  const activity = recordActivity(ctx, { entity: "customer", entityId: id, customerId: id, action: "customer.update", before, after });
  const statements: Statement[] = [
    ctx.db
      .update(customers)
      .set({ ...next, updatedAt: ctx.now })
      .where(eq(customers.id, id)),
    indexDocument(ctx.db, customerDocument({ id, name: after.name, type: after.type, status: after.status, externalId: after.external_id })),
  ];
  if (after.name !== before.name) statements.push(...(await reindexChildren(ctx, id, after.name)));
  await runBatch(ctx.db, [...statements, activity]).catch(mapUniqueViolation);
  return (await getCustomer(ctx.db, id)) ?? after;
}
