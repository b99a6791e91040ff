/**
 * Adopting a reading of the service's CGRateS account in the ServiceState object (see
 * `ServiceState.applyReading`); runs inside the object's transaction.
 */

import { activityRow } from "../../domain/activity/record";
import type { BalanceUnit } from "../../domain/catalog/schemas";
import { type ChargingSnapshot, type KnownCredit, reconcile, type UnitReconciliation } from "../../domain/charging/reconcile";
import type { BalanceSnapshot, Effects, LedgerEntry, OpContext, ReadingRequest } from "../../domain/services/state";
import { ulid } from "../../lib/ids";
import type { ServiceStore } from "./store";

type LedgerRow = LedgerEntry;

/**
 * CGRateS's balances become the service's buckets (grouped by unit and expiry; pending top-ups
 * kept), every change goes to the ledger (rating, renewal, plan change, expiry, and the unexplained
 * rest as a reconciliation adjustment), and a difference that rating does not explain is flagged.
 */
export function adoptReading(
  store: ServiceStore,
  serviceId: string,
  request: ReadingRequest,
  op: OpContext,
): { value: BalanceSnapshot & { reconciliation: UnitReconciliation[] }; effects: Effects } {
  const sqlx = store.sql;
  const ledger: LedgerRow[] = store.grant(request.grants ?? [], request.key, op.now);
  const previous = JSON.parse(store.meta("charging_snapshot") ?? "null") as ChargingSnapshot | null;
  const credits = sqlx.exec<KnownCredit>("SELECT balance_id, unit, amount FROM unread_credits").toArray();
  const before: Partial<Record<BalanceUnit, number>> = {};
  for (const b of store.buckets()) before[b.unit] = (before[b.unit] ?? 0) + b.amount;
  const result = reconcile({ previous, credits, removals: request.removals ?? [], reading: request.reading, before });

  // The buckets become CGRateS's balances, one per unit and expiry; pending top-ups stay.
  const groups = new Map<string, { unit: BalanceUnit; expires_at: string | null; amount: number }>();
  for (const b of result.balances) {
    const key = `${b.unit}|${b.expires_at ?? ""}`;
    const g = groups.get(key) ?? { unit: b.unit, expires_at: b.expires_at, amount: 0 };
    g.amount += b.amount;
    groups.set(key, g);
  }
  const touched: string[] = [];
  const deleted: string[] = [];
  for (const b of store.buckets()) {
    const key = `${b.unit}|${b.expires_at ?? ""}`;
    const g = groups.get(key);
    groups.delete(key);
    if (!g && b.pending_amount === 0) {
      sqlx.exec("DELETE FROM buckets WHERE id = ?", b.id);
      deleted.push(b.id);
      continue;
    }
    const amount = g?.amount ?? 0;
    if (amount !== b.amount) {
      sqlx.exec("UPDATE buckets SET amount = ?, seq = ? WHERE id = ?", amount, store.nextSeq(), b.id);
      touched.push(b.id);
    }
  }
  for (const g of groups.values()) {
    const id = `bkt_${ulid()}`;
    sqlx.exec(
      "INSERT INTO buckets (id, unit, amount, pending_amount, expires_at, source, seq, created_at) VALUES (?, ?, ?, 0, ?, 'cgrates', ?, ?)",
      id,
      g.unit,
      g.amount,
      g.expires_at,
      store.nextSeq(),
      op.now,
    );
    touched.push(id);
  }

  // Every change in the ledger, so the ledger still adds up to the balance.
  const buckets = store.buckets();
  const bucketOf = (unit: BalanceUnit) => buckets.find((b) => b.unit === unit)?.id ?? "bkt_none";
  const parts: [keyof UnitReconciliation, LedgerRow["kind"], string, number][] = [];
  for (const u of result.units) {
    parts.push(
      ["rated", "debit", "rating", -u.rated],
      ["renewed", "grant", "renewal", u.renewed],
      ["removed", "adjustment", "plan_change", -u.removed],
      ["expired", "expiry", "expiry", -u.expired],
      ["adjustment", "adjustment", "reconciliation", u.adjustment],
    );
    for (const [field, kind, reference, amount] of parts.splice(0)) {
      if (amount !== 0) ledger.push(store.entry(bucketOf(u.unit), u.unit, amount, kind, "confirmed", `${request.key}:${u.unit}:${field}`, reference, op.now));
    }
  }

  // A unit that the reading took below its low-balance threshold queues its email once.
  const thresholds = store.thresholds();
  const emails: NonNullable<Effects["emails"]> = [];
  for (const u of result.units) {
    const threshold = thresholds[u.unit];
    if (threshold === undefined) continue;
    const alertKey = `low_alerted:${u.unit}`;
    if (u.after >= threshold) store.setMeta(alertKey, "0");
    else if (u.before >= threshold && store.meta(alertKey) !== "1") {
      store.setMeta(alertKey, "1");
      emails.push(...(request.lowBalanceEmails?.[u.unit] ?? []));
    }
  }

  store.setMeta("charging_snapshot", JSON.stringify({ read_at: request.reading.read_at, balances: result.balances }));
  sqlx.exec("DELETE FROM unread_credits");
  const flagged = result.units.filter((u) => u.unexplained !== 0);
  const customerId = store.meta("customer_id");
  const effects: Effects = {
    ...request.effects,
    ledger,
    buckets: store.buckets().filter((b) => touched.includes(b.id) || ledger.some((l) => l.bucket_id === b.id)),
    bucketsAt: op.now,
    bucketDeletes: deleted,
    emails: [...(request.effects?.emails ?? []), ...emails],
    serviceUpdate: { id: serviceId, chargingSyncedAt: request.reading.read_at, updatedAt: op.now },
    reconciliation: flagged.map((u) => ({
      serviceId,
      unit: u.unit,
      bss: u.expected,
      cgrates: u.after,
      difference: u.unexplained,
      since: op.now,
      lastSeenAt: op.now,
    })),
    activity: [
      ...(request.effects?.activity ?? []),
      ...(ledger.length > 0 || flagged.length > 0
        ? [
            activityRow(op, {
              entity: "service",
              entityId: serviceId,
              customerId,
              action: flagged.length > 0 ? "service.charging_difference" : "service.charging_read",
              changes: Object.fromEntries(
                result.units
                  .filter((u) => u.before !== u.after || u.unexplained !== 0)
                  .map((u) => [u.unit, { before: u.before, after: { balance: u.after, rated: u.rated, renewed: u.renewed, unexplained: u.unexplained } }]),
              ),
            }),
          ]
        : []),
    ],
  };
  return { value: { ...store.snapshot(serviceId), reconciliation: result.units }, effects };
}
