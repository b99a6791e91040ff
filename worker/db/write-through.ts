import { and, eq, sql } from "drizzle-orm";
import { assignStatements, releaseStatements, returnStatements } from "../domain/inventory/allocation";
import { indexDocument } from "../domain/search/index-statements";
import type { Effects, ServiceRow } from "../domain/services/state";
import { bulkInsert } from "./bulk";
import { createDb, prepared, type Statement } from "./client";
import { activityLog, balanceLedger, emailOutbox, jobs, reconciliationFlags, serviceAddons, serviceBuckets, services, smsOutbox, transactions } from "./schema";

/**
 * The D1 side of the ServiceState object's write-through: the statements that put a run of the
 * object's operations (their recorded effects, oldest first) into D1, as one batch. Rows are grouped
 * by table across the operations and written one statement per table (`bulkInsert`): D1 runs a
 * batch's statements one after another, so fewer statements is faster. Every statement is
 * idempotent (inserts ignore rows already there, bucket snapshots only move forward), so a batch
 * that failed is simply sent again. Also returns the ids of the jobs it creates, to queue once D1
 * has them.
 */
export function writeThroughStatements(d1: D1Database, serviceId: string, list: readonly Effects[]): { statements: D1PreparedStatement[]; jobIds: string[] } {
  const db = createDb(d1);
  // Rows are grouped by table across the operations of this flush and written as multi-row
  // statements: D1 executes statements one after another, so fewer statements is faster.
  const serviceRows: ServiceRow[] = [];
  const updates: Statement[] = [];
  const ledgerRows: (typeof balanceLedger.$inferInsert)[] = [];
  const ledgerStates: Statement[] = [];
  const buckets = new Map<string, typeof serviceBuckets.$inferInsert>();
  const txnRows: (typeof transactions.$inferInsert)[] = [];
  const jobRows: (typeof jobs.$inferInsert)[] = [];
  const addonRows: (typeof serviceAddons.$inferInsert)[] = [];
  const emailRows: (typeof emailOutbox.$inferInsert)[] = [];
  const smsRows: (typeof smsOutbox.$inferInsert)[] = [];
  const activityRows: (typeof activityLog.$inferInsert)[] = [];
  const searchDocs: Statement[] = [];
  const inventory: Statement[] = [];
  const bucketDeletes: Statement[] = [];
  const flags = new Map<string, typeof reconciliationFlags.$inferInsert>();
  for (const e of list) {
    serviceRows.push(...(e.serviceInserts ?? []));
    if (e.serviceUpdate) {
      const { id, ...fields } = e.serviceUpdate;
      updates.push(db.update(services).set(fields).where(eq(services.id, id)));
    }
    for (const id of e.bucketDeletes ?? []) {
      // A bucket deleted after being written in this same flush must not be inserted again.
      buckets.delete(id);
      bucketDeletes.push(db.delete(serviceBuckets).where(and(eq(serviceBuckets.id, id), eq(serviceBuckets.serviceId, serviceId))));
    }
    for (const f of e.reconciliation ?? []) flags.set(f.unit, f);
    for (const b of e.buckets ?? []) {
      const at = e.bucketsAt ?? "";
      buckets.set(b.id, {
        id: b.id,
        serviceId,
        unit: b.unit,
        amount: b.amount,
        pendingAmount: b.pending_amount,
        expiresAt: b.expires_at,
        source: b.source,
        seq: b.seq,
        createdAt: at,
        updatedAt: at,
      });
    }
    for (const l of e.ledger ?? []) {
      ledgerRows.push({
        id: l.id,
        serviceId,
        bucketId: l.bucket_id,
        seq: l.seq,
        unit: l.unit,
        amount: l.amount,
        kind: l.kind,
        state: l.state,
        idempotencyKey: l.idempotency_key,
        reference: l.reference,
        at: l.at,
        balanceId: l.balance_id ?? null,
      });
    }
    for (const st of e.ledgerStates ?? []) {
      ledgerStates.push(
        db
          .update(balanceLedger)
          .set({ state: st.state })
          .where(and(eq(balanceLedger.serviceId, serviceId), eq(balanceLedger.idempotencyKey, st.key), eq(balanceLedger.state, "pending"))),
      );
    }
    txnRows.push(...(e.transactions ?? []));
    jobRows.push(...(e.jobs ?? []));
    addonRows.push(...(e.addons ?? []));
    emailRows.push(...(e.emails ?? []));
    smsRows.push(...(e.sms ?? []));
    activityRows.push(...(e.activity ?? []));
    for (const d of e.search ?? []) searchDocs.push(indexDocument(db, d));
    if (e.inventory) {
      const at = e.serviceUpdate?.updatedAt ?? new Date().toISOString();
      const build = e.inventory === "assign" ? assignStatements : e.inventory === "release" ? releaseStatements : returnStatements;
      inventory.push(...build(db, serviceId, at));
    }
  }
  const d = (list: Statement[]) => list.map((s) => prepared(d1, s));
  const statements: D1PreparedStatement[] = [
    ...bulkInsert(d1, services, serviceRows),
    ...d(updates),
    ...bulkInsert(d1, balanceLedger, ledgerRows),
    ...d(ledgerStates),
    ...d(bucketDeletes),
    // A bucket snapshot only ever moves forward (its object's sequence number), whatever order batches land in.
    ...bulkInsert(
      d1,
      serviceBuckets,
      [...buckets.values()],
      "(id) DO UPDATE SET amount = excluded.amount, pending_amount = excluded.pending_amount, seq = excluded.seq, updated_at = excluded.updated_at WHERE excluded.seq > service_buckets.seq",
    ),
    ...bulkInsert(d1, transactions, txnRows),
    ...bulkInsert(d1, jobs, jobRows),
    ...bulkInsert(d1, serviceAddons, addonRows),
    ...bulkInsert(d1, emailOutbox, emailRows),
    ...bulkInsert(d1, smsOutbox, smsRows),
    ...d(
      [...flags.values()].map((f) =>
        db
          .insert(reconciliationFlags)
          .values(f)
          .onConflictDoUpdate({
            target: [reconciliationFlags.serviceId, reconciliationFlags.unit],
            set: {
              bss: sql`excluded.bss`,
              cgrates: sql`excluded.cgrates`,
              difference: sql`excluded.difference`,
              lastSeenAt: sql`excluded.last_seen_at`,
              // A difference seen again keeps its first sighting; one after a resolution opens anew.
              since: sql`CASE WHEN ${reconciliationFlags.resolvedAt} IS NULL THEN ${reconciliationFlags.since} ELSE excluded.since END`,
              resolvedAt: sql`NULL`,
              resolvedBy: sql`NULL`,
              resolution: sql`NULL`,
            },
          }),
      ),
    ),
    ...d(searchDocs),
    ...d(inventory),
    ...bulkInsert(d1, activityLog, activityRows),
  ];
  return { statements, jobIds: jobRows.map((j) => j.id) };
}
