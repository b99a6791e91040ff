import { customerContactRows } from "../../db/queries/contacts";
import { getService } from "../../db/queries/services";
import { AppError, NotFound, TooManyRequests } from "../../lib/errors";
import { ulid } from "../../lib/ids";
import type { WriteContext } from "../context";
import type { ServiceView } from "./schemas";
import type { JobRow, OpContext, Outcome } from "./state";

/** What every service use case shares: outcomes of the ServiceState object, job rows, loading a service. */

/** Turns a refused DO outcome into the typed error the API and pages report. */
export function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  if (outcome.error.status === 429) throw new TooManyRequests(outcome.error.message, Number(outcome.error.extra?.retry_after ?? 1));
  throw new AppError(
    outcome.error.status,
    outcome.error.status === 404 ? "Not found" : outcome.error.status === 409 ? "Conflict" : "Validation failed",
    outcome.error.message,
    outcome.error.errors,
    outcome.error.extra,
  );
}

/**
 * For work that applies what already happened (a job's result, a lease): a refusal because the
 * service moved on meanwhile (409, e.g. terminated while its job ran) or is gone (404) is logged
 * with what was being applied and leaves nothing to do (null); any other refusal throws, as
 * `unwrap` does, so the caller's report is retried. No caller drops an outcome unread.
 */
export function applied<T>(outcome: Outcome<T>, what: string): T | null {
  if (outcome.ok) return outcome.value;
  if (outcome.error.status === 409 || outcome.error.status === 404) {
    console.warn(JSON.stringify({ level: "warn", msg: "not applied", what, status: outcome.error.status, reason: outcome.error.message }));
    return null;
  }
  return unwrap(outcome);
}

export function op(ctx: WriteContext): OpContext {
  return { actor: ctx.actor, requestId: ctx.requestId, now: ctx.now };
}

/** A provisioning job row, pending until its queue message readies it. */
export function jobRow(type: JobRow["type"], serviceId: string | null, payload: Record<string, unknown>, now: string): JobRow {
  return { id: `job_${ulid()}`, type, status: "pending", serviceId, payload, attempts: 0, maxAttempts: 5, createdAt: now, updatedAt: now };
}

/** The service, or 404. */
export async function loadService(ctx: WriteContext, id: string): Promise<ServiceView> {
  const service = await getService(ctx.db, id);
  if (!service) throw new NotFound("No service with this id.");
  return service;
}

/**
 * Who hears about a customer's money (low-balance emails, invoices): the service's own contact when
 * it has an email (`contact_id`), else the billing contact, else the primary one, else any contact
 * with an email.
 */
export async function balanceRecipient(ctx: Pick<WriteContext, "db">, service: { customer_id: string; contact_id: string | null }) {
  const [candidates, customer] = await Promise.all([
    customerContactRows(ctx.db, service.customer_id),
    ctx.db.$client.prepare("SELECT locale FROM customers WHERE id = ?1").bind(service.customer_id).first<{ locale: string }>(),
  ]);
  const contact =
    candidates.find((c) => c.id === service.contact_id && c.email) ??
    candidates.find((c) => c.email && c.roles.includes("billing")) ??
    candidates.find((c) => c.email && c.roles.includes("primary")) ??
    candidates.find((c) => c.email);
  // The customer's language goes with the recipient: their emails are written in it.
  return contact ? { ...contact, locale: customer?.locale ?? "en" } : undefined;
}
