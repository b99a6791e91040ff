import { and, asc, eq, gt } from "drizzle-orm";
import type { ContactView } from "../../domain/contacts/schemas";
import { decodeCursor, encodeCursor, type Page } from "../../lib/cursor";
import type { Db } from "../client";
import { type Contact, contacts } from "../schema";

export function toContactView(c: Contact): ContactView {
  return {
    id: c.id,
    customer_id: c.customerId,
    first_name: c.firstName,
    last_name: c.lastName,
    email: c.email,
    phone: c.phone,
    roles: c.roles,
    notes: c.notes,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

export async function getContact(db: Db, id: string): Promise<ContactView | null> {
  const row = await db.select().from(contacts).where(eq(contacts.id, id)).get();
  return row ? toContactView(row) : null;
}

export async function listContacts(db: Db, customerId: string, limit: number, cursor?: string): Promise<Page<ContactView>> {
  const after = cursor ? String(decodeCursor(cursor, 1)[0]) : null;
  const rows = await db
    .select()
    .from(contacts)
    .where(and(eq(contacts.customerId, customerId), after ? gt(contacts.id, after) : undefined))
    .orderBy(asc(contacts.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { data: page.map(toContactView), next_cursor: rows.length > limit && last ? encodeCursor([last.id]) : null };
}

/** Every contact of a customer, as stored. */
export async function customerContactRows(db: Db, customerId: string): Promise<Contact[]> {
  return db.select().from(contacts).where(eq(contacts.customerId, customerId));
}
