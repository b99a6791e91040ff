import { DurableObject } from "cloudflare:workers";
import { createDb } from "../db/client";
import { getServiceTerms } from "../db/queries/services";
import { activityRow } from "../domain/activity/record";
import type { BalanceUnit } from "../domain/catalog/schemas";
import type { ChargingSnapshot, UnitReconciliation } from "../domain/charging/reconcile";
import {
  type BalanceSnapshot,
  type CreateServicePlan,
  checkTransition,
  type Effects,
  type Failure,
  type Grant,
  INVENTORY_ON_TRANSITION,
  type LedgerEntry,
  type MoneyTerms,
  moneyTopUpCharge,
  type OpContext,
  type Outcome,
  plusDays,
  type ReadingRequest,
  refuseMoneyTopUp,
  SERVICE_TRANSITIONS,
  type ServiceStatus,
  type ServiceTransition,
  type TopUpRequest,
} from "../domain/services/state";
import { OperationLog } from "./service-state/operations";
import { adoptReading } from "./service-state/reading";
import { migrateStore, ServiceStore } from "./service-state/store";

type LedgerRow = LedgerEntry;

/**
 * Top-ups one object lets wait at once. At the 300–400 top-ups/s one service sustains locally, 400
 * waiting is one to two seconds: beyond that a caller is better told to come back (429, Retry-After).
 */
const TOP_UP_QUEUE_LIMIT = 400;

/**
 * How long the object trusts the money terms it holds (customer, product, currency, tax rate) before
 * reading them from D1 again. A plan change made through the object drops them at once; a tax rate
 * or product name edited in the catalogue reaches top-ups within this time.
 */
const TERMS_TTL_MS = 60_000;

/**
 * One object per service (addressed by service id): the only writer of the service's lifecycle
 * status and balances. Each operation is decided and committed in the object's own SQLite in one
 * synchronous transaction (so concurrent requests never interleave inside it), recorded with its
 * idempotency key and its D1 effects, then written through to D1 in one batch before it answers.
 * Writes through are serialised and idempotent, so a failed write is simply retried (next call or
 * alarm) and a replayed key returns the first outcome.
 */
export class ServiceState extends DurableObject<Env> {
  private readonly store: ServiceStore;
  private readonly log: OperationLog;
  /** Top-ups in this object right now, and how many may wait before new ones are turned away (429). */
  private inflight = 0;
  queueLimit = TOP_UP_QUEUE_LIMIT;
  /** The service's money terms, held for money top-ups (in memory: an evicted object reads them again). */
  private terms: { value: MoneyTerms; until: number } | null = null;
  /** Top-ups waiting for the next tick, decided together (see `inGroup`). */
  private group: { decide: () => unknown; resolve: (value: unknown) => void; reject: (error: unknown) => void }[] = [];

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new ServiceStore(ctx.storage);
    this.log = new OperationLog(this.store, ctx.storage, env);
    ctx.blockConcurrencyWhile(async () => migrateStore(ctx.storage.sql));
  }

  /** Loads the service from D1 the first time the object is used (services created before it existed). */
  private async ensure(serviceId: string): Promise<Failure | null> {
    const known = this.store.meta("service_id");
    if (known) return known === serviceId ? null : { status: 404, message: "No service with this id." };
    const row = await this.env.DB.prepare(
      "SELECT s.status, s.customer_id, p.allow_negative, p.low_balance_thresholds FROM services s JOIN products p ON p.id = s.product_id WHERE s.id = ?",
    )
      .bind(serviceId)
      .first<{ status: ServiceStatus; customer_id: string; allow_negative: number; low_balance_thresholds: string }>();
    if (!row) return { status: 404, message: "No service with this id." };
    this.store.tx(() => {
      this.store.setMeta("service_id", serviceId);
      this.store.setMeta("customer_id", row.customer_id);
      this.store.setMeta("status", row.status);
      this.store.setMeta("allow_negative", row.allow_negative ? "1" : "0");
      this.store.setMeta("thresholds", row.low_balance_thresholds);
    });
    return null;
  }

  /** The money terms of the service, from memory or (first use, after TERMS_TTL_MS or a plan change) from D1. */
  private async moneyTerms(serviceId: string): Promise<MoneyTerms | null> {
    const now = Date.now();
    if (this.terms && this.terms.until > now) return this.terms.value;
    const row = await getServiceTerms(createDb(this.env.DB), serviceId);
    if (!row) return null;
    const value = {
      customerId: row.customerId,
      productName: row.productName,
      currency: row.currency,
      taxClass: row.taxClass,
      taxRateBp: row.taxRateBp,
      taxInclusive: row.taxInclusive,
    };
    this.terms = { value, until: now + TERMS_TTL_MS };
    return value;
  }

  private replay<T>(key: string, requestHash: string | null = null): Outcome<T> | null {
    return this.log.replay<T>(key, requestHash);
  }

  /** Records an operation (its outcome and D1 effects) in the same transaction as its state change. */
  private record<T>(key: string, value: T, effects: Effects, requestHash: string | null = null): Outcome<T> {
    // A plan change moves the service to another product: its money terms are read again.
    if (effects.serviceUpdate?.productId) this.terms = null;
    return this.log.record(key, value, effects, requestHash);
  }

  private commit<T>(outcome: Outcome<T>): Promise<Outcome<T>> {
    return this.log.commit(outcome);
  }

  /** Writes every operation not yet in D1 (serialised). */
  flush(): Promise<void> {
    return this.log.flush();
  }

  /** Retries a write-through that failed earlier. */
  override async alarm(): Promise<void> {
    await this.flush();
  }

  // ---- operations ----

  /** Creates the service (and, for a bundle, its component services) with its first job and charges. */
  async create(plan: CreateServicePlan): Promise<Outcome<{ service_id: string }>> {
    const replay = this.replay<{ service_id: string }>(plan.key);
    if (replay) return this.commit(replay);
    if (this.store.meta("service_id")) return { ok: false, error: { status: 409, message: "This service already exists." } };
    const outcome = this.store.tx(() => {
      this.store.setMeta("service_id", plan.service.id);
      this.store.setMeta("customer_id", plan.service.customerId);
      this.store.setMeta("status", plan.service.status);
      this.store.setMeta("allow_negative", plan.allowNegative ? "1" : "0");
      this.store.setMeta("thresholds", JSON.stringify(plan.thresholds));
      this.store.setMeta("inventory", JSON.stringify(plan.inventory ?? []));
      return this.record(plan.key, { service_id: plan.service.id }, { ...plan.effects, serviceInserts: [plan.service, ...plan.children] });
    });
    return this.commit(outcome);
  }

  /**
   * Moves the service along one explicit transition. Activation records the identifiers and grants
   * the product's included balances (confirmed, with their validity).
   */
  async transition(
    serviceId: string,
    transition: ServiceTransition,
    op: OpContext & {
      key: string;
      effects?: Effects;
      identifiers?: Record<string, string>;
      grants?: Grant[];
      /** Inventory reserved again for the service (a retry after a failure gave the first back). */
      inventory?: string[];
      /** Why staff took the step (suspend, resume, terminate), kept in its activity entry. */
      reason?: string | null;
    },
  ): Promise<Outcome<{ status: ServiceStatus; previous: ServiceStatus }>> {
    const missing = await this.ensure(serviceId);
    if (missing) return { ok: false, error: missing };
    const replay = this.replay<{ status: ServiceStatus; previous: ServiceStatus }>(op.key);
    if (replay) return this.commit(replay);
    const previous = this.store.status();
    const refused = checkTransition(previous, transition);
    if (refused) return { ok: false, error: refused };
    const to = SERVICE_TRANSITIONS[transition].to;
    const outcome = this.store.tx(() => {
      this.store.setMeta("status", to);
      if (op.inventory) this.store.setMeta("inventory", JSON.stringify(op.inventory));
      const effects: Effects = { ...op.effects };
      const update: Effects["serviceUpdate"] = { id: serviceId, status: to, updatedAt: op.now };
      if (transition === "activate") {
        update.activatedAt = op.now;
        if (op.identifiers) update.identifiers = op.identifiers;
        const ledger = this.store.grant(op.grants ?? [], op.key, op.now);
        effects.ledger = ledger;
        effects.buckets = this.store.buckets().filter((b) => ledger.some((l) => l.bucket_id === b.id));
        effects.bucketsAt = op.now;
      }
      if (transition === "complete_termination") update.terminatedAt = op.now;
      effects.serviceUpdate = update;
      const inventoryAction = INVENTORY_ON_TRANSITION[transition];
      const items = JSON.parse(this.store.meta("inventory") ?? "[]") as string[];
      if (inventoryAction) {
        // Items and addresses follow the service; each item's history records why it moved.
        effects.inventory = inventoryAction;
        effects.activity = [
          ...(effects.activity ?? []),
          ...items.map((itemId) =>
            activityRow(op, {
              entity: "inventory_item",
              entityId: itemId,
              customerId: this.store.meta("customer_id"),
              action: `inventory_item.${inventoryAction}`,
              changes: { service: { before: serviceId, after: inventoryAction === "assign" ? serviceId : null } },
            }),
          ),
        ];
      }
      effects.activity = [
        ...(effects.activity ?? []),
        activityRow(op, {
          entity: "service",
          entityId: serviceId,
          customerId: this.store.meta("customer_id"),
          action: `service.${transition}`,
          changes: {
            status: { before: previous, after: to },
            ...(op.identifiers ? { identifiers: { before: null, after: op.identifiers } } : {}),
            ...(op.reason ? { reason: { before: null, after: op.reason } } : {}),
          },
        }),
      ];
      return this.record(op.key, { status: to, previous }, effects);
    });
    return this.commit(outcome);
  }

  /**
   * A top-up: the balance shows it at once as pending; `settleTopUp` confirms it when the CGRateS job
   * succeeds or reverses it when the job fails. The same key is applied once, whatever the concurrency.
   */
  async topUp(serviceId: string, request: TopUpRequest, op: OpContext): Promise<Outcome<BalanceSnapshot & { entry: string }>> {
    // Turned away before anything happens when too many calls already wait on this object: failing
    // fast with Retry-After beats a 30-second wait that ends in "worker restarted mid-request".
    if (request.admission && this.inflight >= this.queueLimit) {
      return { ok: false, error: { status: 429, message: "This service is busy with other top-ups; try again in a second.", extra: { retry_after: 1 } } };
    }
    this.inflight++;
    try {
      return await this.topUpNow(serviceId, request, op);
    } finally {
      this.inflight--;
    }
  }

  private async topUpNow(serviceId: string, request: TopUpRequest, op: OpContext): Promise<Outcome<BalanceSnapshot & { entry: string }>> {
    const missing = await this.ensure(serviceId);
    if (missing) return { ok: false, error: missing };
    const terms = request.money ? await this.moneyTerms(serviceId) : null;
    if (request.money && !terms) return { ok: false, error: { status: 404, message: "No service with this id." } };
    // Whose service it is is checked before the replay (a key never reveals another customer's
    // top-up); the rest after it, so a replay answers the first outcome even if the terms changed since.
    const notYours = request.money && terms && request.money.customerScope !== null && terms.customerId !== request.money.customerScope;
    if (notYours) return { ok: false, error: { status: 404, message: "No service with this id." } };
    // Decided with the other top-ups that arrived meanwhile: the object's storage commits them once.
    const decided = await this.inGroup(() => this.decideTopUp(serviceId, request, op, terms));
    return decided.ok ? this.commit(decided) : decided;
  }

  /** A top-up's replay, refusal or new pending credit (run by `inGroup`, in a transaction of its own). */
  private decideTopUp(serviceId: string, request: TopUpRequest, op: OpContext, terms: MoneyTerms | null): Outcome<BalanceSnapshot & { entry: string }> {
    const replay = this.replay<BalanceSnapshot & { entry: string }>(request.key, request.requestHash ?? null);
    if (replay) return replay;
    const refused = request.money && terms ? refuseMoneyTopUp(terms, request.money) : null;
    if (refused) return { ok: false, error: refused };
    const status = this.store.status();
    if (status === "terminating" || status === "terminated" || status === "failed") {
      return { ok: false, error: { status: 409, message: `Cannot top up a service that is ${status}.`, extra: { current_status: status } } };
    }
    const charge = request.money && terms ? moneyTopUpCharge(terms, serviceId, request.amount, request.money, op.now) : null;
    const charges = charge ? [charge] : [];
    const expiresAt = request.validityDays === null ? null : plusDays(op.now, request.validityDays);
    const bucketId = this.store.credit(request.unit, request.amount, expiresAt, "topup", op.now, true);
    // The top-up key is also the id of the balance CGRateS gets (a repeat of the job finds it there).
    const ledger = this.store.entry(bucketId, request.unit, request.amount, "topup", "pending", request.key, request.reference, op.now, request.key);
    const all = this.store.buckets();
    const snapshot: BalanceSnapshot = { service_id: serviceId, status, buckets: all.map(({ seq: _seq, ...b }) => b) };
    const effects = {
      ...request.effects,
      ...(charges.length ? { transactions: [...(request.effects.transactions ?? []), ...charges] } : {}),
      ledger: [ledger],
      buckets: all.filter((b) => b.id === bucketId),
      bucketsAt: op.now,
      activity: [
        ...(request.effects.activity ?? []),
        activityRow(op, {
          entity: "service",
          entityId: serviceId,
          customerId: this.store.meta("customer_id"),
          action: "service.top_up",
          changes: { balance: { before: null, after: { unit: request.unit, amount: request.amount, state: "pending", entry: ledger.id } } },
        }),
      ],
    };
    return this.record(request.key, { ...snapshot, entry: ledger.id }, effects, request.requestHash ?? null);
  }

  /**
   * Runs `decide` with the other calls that reach the object before the next tick, each in a
   * transaction of its own but all in one synchronous turn: the object's storage commits (and syncs)
   * them together, once for the group instead of once per top-up, which was the largest part of a
   * top-up's cost in the object. A call whose `decide` throws is rolled back alone and rejects.
   * (One enclosing transaction would also commit once, but its savepoint journals every page again
   * for each call and spills to a temporary file.)
   */
  private inGroup<T>(decide: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.group.push({ decide, resolve: resolve as (value: unknown) => void, reject });
      if (this.group.length === 1) setTimeout(() => this.runGroup(), 0);
    });
  }

  private runGroup(): void {
    const group = this.group;
    this.group = [];
    for (const { decide, resolve, reject } of group) {
      try {
        resolve(this.store.tx(decide));
      } catch (error) {
        reject(error);
      }
    }
  }

  /** Confirms (job succeeded) or reverses (job failed) a pending top-up; idempotent per top-up. */
  async settleTopUp(
    serviceId: string,
    topUpKey: string,
    result: "confirmed" | "reversed",
    op: OpContext & { effects?: Effects },
  ): Promise<Outcome<BalanceSnapshot>> {
    const missing = await this.ensure(serviceId);
    if (missing) return { ok: false, error: missing };
    const key = `settle:${topUpKey}`;
    const replay = this.replay<BalanceSnapshot>(key);
    if (replay) return this.commit(replay);
    const entry = this.store.sql.exec<LedgerRow>("SELECT * FROM ledger WHERE idempotency_key = ?", topUpKey).toArray()[0];
    if (!entry) return { ok: false, error: { status: 404, message: "No top-up with this key." } };
    if (entry.state !== "pending") return { ok: false, error: { status: 409, message: `This top-up is already ${entry.state}.` } };
    const outcome = this.store.tx(() => {
      // Confirmed: pending becomes available. Reversed: the pending amount simply disappears.
      const moved = result === "confirmed" ? entry.amount : 0;
      this.store.sql.exec(
        "UPDATE buckets SET pending_amount = pending_amount - ?, amount = amount + ?, seq = ? WHERE id = ?",
        entry.amount,
        moved,
        this.store.nextSeq(),
        entry.bucket_id,
      );
      this.store.sql.exec("UPDATE ledger SET state = ? WHERE id = ?", result, entry.id);
      if (result === "confirmed") this.store.unread({ ...entry, state: "confirmed" });
      const effects = {
        ...op.effects,
        ledgerStates: [{ key: topUpKey, state: result }],
        buckets: this.store.buckets().filter((b) => b.id === entry.bucket_id),
        bucketsAt: op.now,
        activity: [
          ...(op.effects?.activity ?? []),
          activityRow(op, {
            entity: "service",
            entityId: serviceId,
            customerId: this.store.meta("customer_id"),
            action: result === "confirmed" ? "service.top_up_confirmed" : "service.top_up_reversed",
            changes: { entry: { before: "pending", after: result } },
          }),
        ],
      };
      return this.record(key, this.store.snapshot(serviceId), effects);
    });
    return this.commit(outcome);
  }

  /**
   * Takes usage from the balance, soonest-expiring bucket first. A prepaid debit never takes the
   * unit below zero unless the product allows it; crossing the low-balance threshold queues an email.
   */
  async debit(
    serviceId: string,
    request: { key: string; unit: BalanceUnit; amount: number; reference: string | null; lowBalanceEmail?: Effects["emails"] },
    op: OpContext,
  ): Promise<Outcome<BalanceSnapshot>> {
    const missing = await this.ensure(serviceId);
    if (missing) return { ok: false, error: missing };
    const replay = this.replay<BalanceSnapshot>(request.key);
    if (replay) return this.commit(replay);
    const usable = this.store.buckets().filter((b) => b.unit === request.unit && (b.expires_at === null || b.expires_at > op.now));
    const available = usable.reduce((sum, b) => sum + b.amount, 0);
    const allowNegative = this.store.meta("allow_negative") === "1";
    if (!allowNegative && available < request.amount) {
      return {
        ok: false,
        error: { status: 409, message: `Insufficient ${request.unit} balance: ${available} available, ${request.amount} requested.`, extra: { available } },
      };
    }
    const outcome = this.store.tx(() => {
      let left = request.amount;
      const ledger: LedgerRow[] = [];
      const touched: string[] = [];
      for (const [i, b] of usable.entries()) {
        if (left === 0) break;
        const last = i === usable.length - 1;
        const take = last && allowNegative ? left : Math.min(left, Math.max(0, b.amount));
        if (take === 0) continue;
        this.store.sql.exec("UPDATE buckets SET amount = amount - ?, seq = ? WHERE id = ?", take, this.store.nextSeq(), b.id);
        ledger.push(
          this.store.entry(
            b.id,
            request.unit,
            -take,
            "debit",
            "confirmed",
            ledger.length === 0 ? request.key : `${request.key}:${ledger.length}`,
            request.reference,
            op.now,
          ),
        );
        touched.push(b.id);
        left -= take;
      }
      if (left > 0) {
        // Allowed to go negative with no bucket to take from: a new negative bucket holds the debt.
        const id = this.store.credit(request.unit, -left, null, "overdraft", op.now);
        ledger.push(
          this.store.entry(
            id,
            request.unit,
            -left,
            "debit",
            "confirmed",
            ledger.length === 0 ? request.key : `${request.key}:${ledger.length}`,
            request.reference,
            op.now,
          ),
        );
        touched.push(id);
      }
      const after = available - request.amount;
      const thresholds = this.store.thresholds();
      const threshold = thresholds[request.unit];
      const alertKey = `low_alerted:${request.unit}`;
      const effects: Effects = { ledger, buckets: this.store.buckets().filter((b) => touched.includes(b.id)), bucketsAt: op.now };
      if (threshold !== undefined && after < threshold && available >= threshold && this.store.meta(alertKey) !== "1") {
        this.store.setMeta(alertKey, "1");
        effects.emails = request.lowBalanceEmail ?? [];
      }
      return this.record(request.key, this.store.snapshot(serviceId), effects);
    });
    return this.commit(outcome);
  }

  /** Any other change the worker has decided (plan change, add-on): its effects, idempotently. */
  async apply(
    serviceId: string,
    key: string,
    effects: Effects,
    requireStatus: ServiceStatus[],
    meta: Record<string, string> = {},
  ): Promise<Outcome<{ applied: true }>> {
    const missing = await this.ensure(serviceId);
    if (missing) return { ok: false, error: missing };
    const replay = this.replay<{ applied: true }>(key);
    if (replay) return this.commit(replay);
    const status = this.store.status();
    if (!requireStatus.includes(status)) {
      return {
        ok: false,
        error: { status: 409, message: `Not possible while the service is ${status}.`, extra: { current_status: status, allowed_from: requireStatus } },
      };
    }
    const outcome = this.store.tx(() => {
      for (const [k, v] of Object.entries(meta)) this.store.setMeta(k, v);
      return this.record(key, { applied: true as const }, effects);
    });
    return this.commit(outcome);
  }

  /**
   * Adopts a reading of the service's CGRateS account: CGRateS's balances become the service's buckets
   * (grouped by unit and expiry; pending top-ups kept), every change goes to the ledger (rating,
   * renewal, plan change, expiry, and the unexplained rest as a reconciliation adjustment), and a
   * difference that rating does not explain is flagged for the unit. Idempotent per key.
   */
  async applyReading(serviceId: string, request: ReadingRequest, op: OpContext): Promise<Outcome<BalanceSnapshot & { reconciliation: UnitReconciliation[] }>> {
    const missing = await this.ensure(serviceId);
    if (missing) return { ok: false, error: missing };
    const replay = this.replay<BalanceSnapshot & { reconciliation: UnitReconciliation[] }>(request.key);
    if (replay) return this.commit(replay);
    const outcome = this.store.tx(() => {
      const { value, effects } = adoptReading(this.store, serviceId, request, op);
      return this.record(request.key, value, effects);
    });
    return this.commit(outcome);
  }

  /** The last reading of the CGRateS account (per balance id), or null before the first one. */
  async chargingSnapshot(serviceId: string): Promise<Outcome<ChargingSnapshot | null>> {
    const missing = await this.ensure(serviceId);
    if (missing) return { ok: false, error: missing };
    return { ok: true, value: JSON.parse(this.store.meta("charging_snapshot") ?? "null") as ChargingSnapshot | null, replayed: false };
  }

  /** The service's status and balance buckets as this object holds them. */
  async snapshot(serviceId: string): Promise<Outcome<BalanceSnapshot>> {
    const missing = await this.ensure(serviceId);
    if (missing) return { ok: false, error: missing };
    return { ok: true, value: this.store.snapshot(serviceId), replayed: false };
  }

  /** Ledger entries, for invariant checks and the service page. */
  async ledger(serviceId: string): Promise<Outcome<LedgerRow[]>> {
    const missing = await this.ensure(serviceId);
    if (missing) return { ok: false, error: missing };
    return { ok: true, value: this.store.sql.exec<LedgerRow>("SELECT * FROM ledger ORDER BY seq").toArray(), replayed: false };
  }
}
