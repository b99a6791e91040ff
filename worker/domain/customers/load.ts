import type { Db } from "../../db/client";
import { getCustomer } from "../../db/queries/customers";
import { Conflict, NotFound } from "../../lib/errors";
import type { CustomerView } from "./schemas";

/** The customer a change applies to; archived customers are read-only until restored. */
export async function loadWritableCustomer(db: Db, id: string): Promise<CustomerView> {
  const customer = await getCustomer(db, id);
  if (!customer) throw new NotFound("No customer with this id.");
  if (customer.status === "archived") {
    throw new Conflict("This customer is archived and read-only; restore it first.", { current_status: "archived" });
  }
  return customer;
}

/** Maps a unique-index violation on external_id to a clear 409. */
export function mapUniqueViolation(error: unknown): never {
  if (error instanceof Error && /UNIQUE constraint failed: customers\.external_id/.test(error.message)) {
    throw new Conflict("Another customer already has this external_id.");
  }
  throw error;
}
