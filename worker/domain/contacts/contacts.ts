import { eq } from "drizzle-orm";
import { runBatch } from "../../db/client";
import { getContact, toContactView } from "../../db/queries/contacts";
import { type Contact, contacts } from "../../db/schema";
import { Invalid, NotFound } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";
import { loadWritableCustomer } from "../customers/load";
import { contactDocument } from "../search/documents";
import { indexDocument, unindexDocument } from "../search/index-statements";
import { normalizeCustomerPhone } from "./phone";
import { type ContactCreateInput, type ContactPatchInput, type ContactView, isReachable } from "./schemas";

/** Adds a contact to a customer. */
export async function createContact(ctx: WriteContext, customerId: string, input: ContactCreateInput): Promise<ContactView> {
  const customer = await loadWritableCustomer(ctx.db, customerId);
  const phone = await normalizeCustomerPhone(ctx.db, customerId, input.phone);
  const row: Contact = {
    id: newId("contact"),
    customerId,
    firstName: input.first_name,
    lastName: input.last_name ?? null,
    email: input.email ?? null,
    phone: phone ?? null,
    roles: input.roles,
    notes: input.notes ?? null,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
  const view = toContactView(row);
  await runBatch(ctx.db, [
    ctx.db.insert(contacts).values(row),
    indexDocument(ctx.db, contactDocument(row, customer.name)),
    recordActivity(ctx, { entity: "contact", entityId: row.id, customerId, action: "contact.create", after: view }),
  ]);
  return view;
}

async function loadContact(ctx: WriteContext, id: string) {
  const contact = await getContact(ctx.db, id);
  if (!contact) throw new NotFound("No contact with this id.");
  const customer = await loadWritableCustomer(ctx.db, contact.customer_id);
  return { contact, customer };
}

/** Changes a contact's fields. */
export async function updateContact(ctx: WriteContext, id: string, patch: ContactPatchInput): Promise<ContactView> {
  const { contact: before, customer } = await loadContact(ctx, id);
  const phone = await normalizeCustomerPhone(ctx.db, before.customer_id, patch.phone);
  const after: ContactView = {
    ...before,
    first_name: patch.first_name ?? before.first_name,
    last_name: patch.last_name === undefined ? before.last_name : patch.last_name,
    email: patch.email === undefined ? before.email : patch.email,
    phone: phone === undefined ? before.phone : phone,
    roles: patch.roles ?? before.roles,
    notes: patch.notes === undefined ? before.notes : patch.notes,
    updated_at: ctx.now,
  };
  if (!isReachable(after)) {
    throw new Invalid("A contact needs an email address or a phone number.", [{ path: "email", message: "Give an email address or a phone number" }]);
  }
  const row = {
    firstName: after.first_name,
    lastName: after.last_name,
    email: after.email,
    phone: after.phone,
    roles: after.roles,
    notes: after.notes,
    updatedAt: ctx.now,
  };
  await runBatch(ctx.db, [
    ctx.db.update(contacts).set(row).where(eq(contacts.id, id)),
    indexDocument(ctx.db, contactDocument({ id, customerId: before.customer_id, ...row }, customer.name)),
    recordActivity(ctx, { entity: "contact", entityId: id, customerId: before.customer_id, action: "contact.update", before, after }),
  ]);
  return after;
}

/** Removes a contact; the activity log keeps what it was. */
export async function deleteContact(ctx: WriteContext, id: string): Promise<void> {
  const { contact } = await loadContact(ctx, id);
  await runBatch(ctx.db, [
    ctx.db.delete(contacts).where(eq(contacts.id, id)),
    unindexDocument(ctx.db, id),
    recordActivity(ctx, { entity: "contact", entityId: id, customerId: contact.customer_id, action: "contact.delete", before: contact }),
  ]);
}
