import { DurableObject } from "cloudflare:workers";
import { createDb } from "../db/client";
import { getServiceTerms } from "../db/queries/services";
import { stuckWrites } from "../db/schema";
import { writeThroughStatements } from "../db/write-through";
import { activityRow } from "../domain/activity/record";
import type { BalanceUnit } from "../domain/catalog/schemas";
import { type ChargingSnapshot, type KnownCredit, reconcile, type UnitReconciliation } from "../domain/charging/reconcile";
import {
  type BalanceSnapshot,
  type Bucket,
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
import { ulid } from "../lib/ids";
import { sendJobs } from "../queue/provisioning";

type LedgerRow = LedgerEntry;

/** `synced`: 0 as recorded, QUARANTINED once set aside; how far D1 got is meta `synced_seq`. */
type OpRow = { seq: number; key: string; result: string; effects: string; synced: number };

/** The most operations written to D1 in one batch (each is a handful of statements). */
const FLUSH_LIMIT = 40;

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

/** `ops.synced` of an operation D1 refused and the object set aside. */
const QUARANTINED = 2;
const REFUSED_MESSAGE = "The database refused this change; nothing was applied. It is listed under Stuck writes for the operator.";

/**
 * Whether D1 refused a batch for what it holds (a constraint, a type, a statement it cannot run):
 * the same batch would be refused again. Anything else (a lost connection, an overloaded database)
 * is retried as it is.
 */
function refusedByD1(error: unknown): boolean {
  const message = error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? "")}` : String(error);
  return /SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE)|constraint failed|datatype mismatch|too many SQL variables|no such (table|column)/i.test(message);
}

/** What an operation would have written, for the stuck-writes page. */
function summarize(e: Effects): string {
  const parts: string[] = [];
  if (e.serviceInserts?.length) parts.push(`${e.serviceInserts.length} service(s) created`);
  if (e.serviceUpdate) {
    const { id: _id, updatedAt: _at, ...fields } = e.serviceUpdate;
    parts.push(
      `service update (${Object.entries(fields)
        .map(([k, v]) => (k === "status" ? `status ${String(v)}` : k))
        .join(", ")})`,
    );
  }
  const counts: [string, unknown[] | undefined][] = [
    ["ledger entries", e.ledger],
    ["transactions", e.transactions],
    ["jobs", e.jobs],
    ["emails", e.emails],
    ["SMS", e.sms],
    ["activity entries", e.activity],
    ["add-ons", e.addons],
    ["buckets", e.buckets],
  ];
  for (const [label, rows] of counts) if (rows?.length) parts.push(`${rows.length} ${label}`);
  if (e.inventory) parts.push(`inventory ${e.inventory}`);
  return parts.join("; ").slice(0, 500) || "nothing";
}

/**
 * One object per service (addressed by service id): the only writer of the service's lifecycle
 * status and balances. Each operation is decided and committed in the object's own SQLite in one
 * synchronous transaction (so concurrent requests never interleave inside it), recorded with its
 * idempotency key and its D1 effects, then written through to D1 in one batch before it answers.
 * Writes through are serialised and idempotent, so a failed write is simply retried (next call or
 * alarm) and a replayed key returns the first outcome.
 */
export class ServiceState extends DurableObject<Env> {
  private flushing: Promise<void> = Promise.resolve();
  /** Top-ups in this object right now, and how many may wait before new ones are turned away (429). */
  private inflight = 0;
  queueLimit = TOP_UP_QUEUE_LIMIT;
  /** The sequence number of each outcome recorded by this instance, and those D1 refused (commit answers 409). */
  private recorded = new WeakMap<object, number>();
  private refused = new Set<number>();
  /**
   * The last operation written to D1 by this instance. The persisted mark (meta `synced_seq`) follows
   * it inside the next operation's own transaction instead of a write of its own after each flush
   * (a write outside a transaction is a commit of its own, and was a tenth of a top-up's CPU). An
   * object that stops before that simply writes its last batch to D1 again when it next runs: every
   * write-through statement is idempotent.
   */
  private flushedSeq = 0;
  /** The service's money terms, held for money top-ups (in memory: an evicted object reads them again). */
  private terms: { value: MoneyTerms; until: number } | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      const sqlx = ctx.storage.sql;
      sqlx.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
      sqlx.exec(
        "CREATE TABLE IF NOT EXISTS buckets (id TEXT PRIMARY KEY, unit TEXT NOT NULL, amount INTEGER NOT NULL, pending_amount INTEGER NOT NULL, expires_at TEXT, source TEXT NOT NULL, seq INTEGER NOT NULL, created_at TEXT NOT NULL)",
      );
      sqlx.exec(
        "CREATE TABLE IF NOT EXISTS ledger (id TEXT PRIMARY KEY, bucket_id TEXT NOT NULL, seq INTEGER NOT NULL, unit TEXT NOT NULL, amount INTEGER NOT NULL, kind TEXT NOT NULL, state TEXT NOT NULL, idempotency_key TEXT NOT NULL UNIQUE, reference TEXT, at TEXT NOT NULL)",
      );
      sqlx.exec(
        "CREATE TABLE IF NOT EXISTS ops (seq INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, result TEXT NOT NULL, effects TEXT NOT NULL, synced INTEGER NOT NULL, request_hash TEXT)",
      );
      // Objects created before request hashes were kept get the column now.
      if (
        !sqlx
          .exec<{ name: string }>("PRAGMA table_info(ops)")
          .toArray()
          .some((c) => c.name === "request_hash")
      )
        sqlx.exec("ALTER TABLE ops ADD COLUMN request_hash TEXT");
      // How far the write-through got: every operation up to meta `synced_seq` is in D1 (or set aside,
      // synced = 2). Marking each operation's row rewrote its effects and was the costliest statement
      // of a top-up; the mark is one meta row, written with the next operation (see `flushedSeq`).
      // Objects that marked rows get the mark from them.
      if (sqlx.exec("SELECT 1 FROM meta WHERE key = 'synced_seq'").toArray().length === 0) {
        const mark = sqlx
          .exec<{ mark: number }>("SELECT COALESCE((SELECT MIN(seq) - 1 FROM ops WHERE synced = 0), (SELECT MAX(seq) FROM ops), 0) AS mark")
          .toArray()[0]?.mark;
        sqlx.exec("INSERT INTO meta (key, value) VALUES ('synced_seq', ?)", String(mark ?? 0));
      }
      sqlx.exec("DROP INDEX IF EXISTS ops_unsynced");
      // Ledger entries name the CGRateS balance they are about (objects made before that get the column).
      if (
        !sqlx
          .exec<{ name: string }>("PRAGMA table_info(ledger)")
          .toArray()
          .some((c) => c.name === "balance_id")
      )
        sqlx.exec("ALTER TABLE ledger ADD COLUMN balance_id TEXT");
      // Credits of CGRateS balances confirmed since the account was last read back: the next reading
      // expects to find them there.
      sqlx.exec(
        "CREATE TABLE IF NOT EXISTS unread_credits (ledger_id TEXT PRIMARY KEY, balance_id TEXT NOT NULL, unit TEXT NOT NULL, amount INTEGER NOT NULL)",
      );
      // Operations D1 refused (ops.synced = 2): why, and what the object undid.
      sqlx.exec("CREATE TABLE IF NOT EXISTS quarantine (seq INTEGER PRIMARY KEY, key TEXT NOT NULL, error TEXT NOT NULL, rolled_back TEXT, at TEXT NOT NULL)");
    });
  }

  // ---- state held in the object's SQLite ----

  /**
   * The meta table as last read or written by this instance: every operation reads the sequence
   * number, status and ids, and reading them from SQLite each time was a good part of a top-up's CPU.
   * A transaction that throws clears it (`tx`), so it never holds a value SQLite rolled back.
   */
  private metaCache = new Map<string, string | null>();

  private meta(key: string): string | null {
    const cached = this.metaCache.get(key);
    if (cached !== undefined) return cached;
    const value = this.ctx.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value ?? null;
    this.metaCache.set(key, value);
    return value;
  }

  private setMeta(key: string, value: string): void {
    this.ctx.storage.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
    this.metaCache.set(key, value);
  }

  /** One synchronous SQLite transaction; if it throws, what this instance remembered of `meta` is dropped with it. */
  private tx<T>(fn: () => T): T {
    try {
      return this.ctx.storage.transactionSync(fn);
    } catch (error) {
      this.metaCache.clear();
      throw error;
    }
  }

  private nextSeq(): number {
    const seq = Number(this.meta("seq") ?? "0") + 1;
    this.setMeta("seq", String(seq));
    return seq;
  }

  private buckets(): (Bucket & { seq: number })[] {
    return this.ctx.storage.sql
      .exec<{ id: string; unit: BalanceUnit; amount: number; pending_amount: number; expires_at: string | null; source: string; seq: number }>(
        "SELECT id, unit, amount, pending_amount, expires_at, source, seq FROM buckets ORDER BY (expires_at IS NULL), expires_at, id",
      )
      .toArray();
  }

  private status(): ServiceStatus {
    return (this.meta("status") ?? "pending") as ServiceStatus;
  }

  /** Loads the service from D1 the first time the object is used (services created before it existed). */
  private async ensure(serviceId: string): Promise<Failure | null> {
    const known = this.meta("service_id");
    if (known) return known === serviceId ? null : { status: 404, message: "No service with this id." };
    const row = await this.env.DB.prepare(
      "SELECT s.status, s.customer_id, p.allow_negative, p.low_balance_thresholds FROM services s JOIN products p ON p.id = s.product_id WHERE s.id = ?",
    )
      .bind(serviceId)
      .first<{ status: ServiceStatus; customer_id: string; allow_negative: number; low_balance_thresholds: string }>();
    if (!row) return { status: 404, message: "No service with this id." };
    this.tx(() => {
      this.setMeta("service_id", serviceId);
      this.setMeta("customer_id", row.customer_id);
      this.setMeta("status", row.status);
      this.setMeta("allow_negative", row.allow_negative ? "1" : "0");
      this.setMeta("thresholds", row.low_balance_thresholds);
    });
    return null;
  }

  /** The money terms of the service, from memory or (first use, after TERMS_TTL_MS or a plan change) from D1. */
  private async moneyTerms(serviceId: string): Promise<MoneyTerms | null> {
    const now = Date.now();
    if (this.terms && this.terms.until > now) return this.terms.value;
    const row = await getServiceTerms(createDb(this.env.DB), serviceId);
    if (!row) return null;
    const value = { customerId: row.customerId, productName: row.productName, currency: row.currency, taxClass: row.taxClass, taxRateBp: row.taxRateBp };
    this.terms = { value, until: now + TERMS_TTL_MS };
    return value;
  }

  /**
   * The recorded outcome of a key already applied. A key reused for a different request (another
   * hash) is refused, as the API promises for Idempotency-Key.
   */
  private replay<T>(key: string, requestHash: string | null = null): Outcome<T> | null {
    const op = this.ctx.storage.sql
      .exec<{ result: string; synced: number; request_hash: string | null }>("SELECT result, synced, request_hash FROM ops WHERE key = ?", key)
      .toArray()[0];
    if (!op) return null;
    if (op.synced === QUARANTINED) return { ok: false, error: { status: 409, message: REFUSED_MESSAGE } };
    if (requestHash && op.request_hash && op.request_hash !== requestHash) {
      return { ok: false, error: { status: 422, message: "This Idempotency-Key was already used with a different request." } };
    }
    // Only successful outcomes are recorded, so a replay is always one.
    return { ...(JSON.parse(op.result) as { ok: true; value: T }), replayed: true };
  }

  /** Records an operation (its outcome and D1 effects) in the same transaction as its state change. */
  private record<T>(key: string, value: T, effects: Effects, requestHash: string | null = null): Outcome<T> {
    const outcome: Outcome<T> = { ok: true, value, replayed: false };
    // A plan change moves the service to another product: its money terms are read again.
    if (effects.serviceUpdate?.productId) this.terms = null;
    // The write-through's progress is saved with this operation (one transaction, one commit).
    if (this.flushedSeq > Number(this.meta("synced_seq") ?? 0)) this.setMeta("synced_seq", String(this.flushedSeq));
    const seq = this.nextSeq();
    this.recorded.set(outcome, seq);
    this.ctx.storage.sql.exec(
      "INSERT INTO ops (seq, key, result, effects, synced, request_hash) VALUES (?, ?, ?, ?, 0, ?)",
      seq,
      key,
      JSON.stringify(outcome),
      JSON.stringify(effects),
      requestHash,
    );
    return outcome;
  }

  // ---- write-through to D1 ----

  /** Operations up to this one are in D1 (or set aside). */
  private syncedSeq(): number {
    return Math.max(this.flushedSeq, Number(this.meta("synced_seq") ?? 0));
  }

  /** Writes every operation not yet in D1, oldest first, one batch at a time (serialised). */
  async flush(): Promise<void> {
    const run = this.flushing.then(() => this.flushOnce());
    this.flushing = run.catch(() => undefined);
    return run;
  }

  private async flushOnce(): Promise<void> {
    // After D1 refuses a batch, operations go one at a time until the one it refuses is found.
    let limit = FLUSH_LIMIT;
    for (;;) {
      const ops = this.ctx.storage.sql
        .exec<OpRow>("SELECT seq, key, result, effects, synced FROM ops WHERE seq > ? AND synced = 0 ORDER BY seq LIMIT ?", this.syncedSeq(), limit)
        .toArray();
      if (ops.length === 0) return;
      const { statements, jobIds } = writeThroughStatements(
        this.env.DB,
        this.meta("service_id") ?? "",
        ops.map((op) => JSON.parse(op.effects) as Effects),
      );
      try {
        if (statements.length > 0) await this.env.DB.batch(statements);
      } catch (error) {
        if (!refusedByD1(error)) throw error;
        const [only] = ops;
        if (ops.length > 1 || !only) {
          limit = 1;
          continue;
        }
        await this.quarantine(only, error);
        limit = FLUSH_LIMIT;
        continue;
      }
      const last = ops.at(-1)?.seq ?? 0;
      this.flushedSeq = Math.max(this.flushedSeq, last);
      await this.queueJobs(jobIds);
    }
  }

  /**
   * Sends the jobs of a write-through to the provisioning queue, once D1 has their rows: one message
   * batch per flush, however many operations it carried. A send that fails is logged, not retried
   * here: the job stays pending in D1 and the minute sweep sends it again (`sweepJobs`).
   */
  private async queueJobs(ids: string[]): Promise<void> {
    try {
      await sendJobs(this.env.PROVISIONING_QUEUE, ids);
    } catch (error) {
      console.error(JSON.stringify({ level: "error", msg: "could not queue jobs; the sweep sends them again", jobs: ids, error: String(error) }));
    }
  }

  /**
   * Sets aside an operation D1 refuses (a constraint, a type: retrying cannot help) so the ones after
   * it are written, and undoes in the object what D1 never got: a status change nothing has moved on
   * from goes back to the previous status, a service D1 never created is forgotten. The operation
   * then answers 409 to its caller and to replays of its key, and is listed in D1's `stuck_writes`
   * (the admin's "Stuck writes" page). Balance changes are not undone here: the next reading of
   * CGRateS, the balance of record, sets the buckets again.
   */
  private async quarantine(op: OpRow, error: unknown): Promise<void> {
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
    const effects = JSON.parse(op.effects) as Effects;
    const result = JSON.parse(op.result) as { value?: { previous?: ServiceStatus } };
    const serviceId = this.meta("service_id") ?? "";
    const at = new Date().toISOString();
    const rolledBack = this.tx(() => {
      this.ctx.storage.sql.exec("UPDATE ops SET synced = ? WHERE seq = ?", QUARANTINED, op.seq);
      this.refused.add(op.seq);
      let undone: string | null = null;
      const to = effects.serviceUpdate?.status;
      const previous = result.value?.previous;
      if ((effects.serviceInserts ?? []).some((row) => row.id === serviceId)) {
        // D1 never created the service: the object starts again from nothing.
        for (const table of ["meta", "buckets", "ledger", "unread_credits"]) this.ctx.storage.sql.exec(`DELETE FROM ${table}`);
        this.metaCache.clear();
        this.setMeta("seq", String(op.seq));
        this.setMeta("synced_seq", String(op.seq));
        this.flushedSeq = op.seq;
        undone = "service creation";
      } else if (to && previous && this.status() === to) {
        this.setMeta("status", previous);
        undone = `status ${to} → ${previous}`;
      }
      this.ctx.storage.sql.exec(
        "INSERT OR REPLACE INTO quarantine (seq, key, error, rolled_back, at) VALUES (?, ?, ?, ?, ?)",
        op.seq,
        op.key,
        message,
        undone,
        at,
      );
      return undone;
    });
    console.error(
      JSON.stringify({ level: "error", msg: "write-through refused by D1", service_id: serviceId, op: op.key, error: message, rolled_back: rolledBack }),
    );
    try {
      await createDb(this.env.DB)
        .insert(stuckWrites)
        .values({ id: `stw_${ulid()}`, serviceId, opSeq: op.seq, opKey: op.key, error: message, summary: summarize(effects), rolledBack, createdAt: at })
        .onConflictDoNothing();
    } catch (listing) {
      // The object keeps its own record (quarantine table); the page misses this one.
      console.error(JSON.stringify({ level: "error", msg: "could not list a stuck write", service_id: serviceId, error: String(listing) }));
    }
  }

  /** Retries a write-through that failed earlier. */
  override async alarm(): Promise<void> {
    await this.flush();
  }

  private async commit<T>(outcome: Outcome<T>): Promise<Outcome<T>> {
    try {
      await this.flush();
    } catch (error) {
      // The state is decided and recorded; D1 catches up on the next call or on this alarm.
      await this.ctx.storage.setAlarm(Date.now() + 5_000);
      throw error;
    }
    // Operations this instance recorded are flushed by it, so a refusal is in `refused` (no read on the hot path).
    const seq = this.recorded.get(outcome);
    if (seq !== undefined && this.refused.has(seq)) return { ok: false, error: { status: 409, message: REFUSED_MESSAGE } };
    return outcome;
  }

  // ---- operations ----

  /** Creates the service (and, for a bundle, its component services) with its first job and charges. */
  async create(plan: CreateServicePlan): Promise<Outcome<{ service_id: string }>> {
    const replay = this.replay<{ service_id: string }>(plan.key);
    if (replay) return this.commit(replay);
    if (this.meta("service_id")) return { ok: false, error: { status: 409, message: "This service already exists." } };
    const outcome = this.tx(() => {
      this.setMeta("service_id", plan.service.id);
      this.setMeta("customer_id", plan.service.customerId);
      this.setMeta("status", plan.service.status);
      this.setMeta("allow_negative", plan.allowNegative ? "1" : "0");
      this.setMeta("thresholds", JSON.stringify(plan.thresholds));
      this.setMeta("inventory", JSON.stringify(plan.inventory ?? []));
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
    },
  ): Promise<Outcome<{ status: ServiceStatus; previous: ServiceStatus }>> {
    const missing = await this.ensure(serviceId);
    if (missing) return { ok: false, error: missing };
    const replay = this.replay<{ status: ServiceStatus; previous: ServiceStatus }>(op.key);
    if (replay) return this.commit(replay);
    const previous = this.status();
    const refused = checkTransition(previous, transition);
    if (refused) return { ok: false, error: refused };
    const to = SERVICE_TRANSITIONS[transition].to;
    const outcome = this.tx(() => {
      this.setMeta("status", to);
      if (op.inventory) this.setMeta("inventory", JSON.stringify(op.inventory));
      const effects: Effects = { ...op.effects };
      const update: Effects["serviceUpdate"] = { id: serviceId, status: to, updatedAt: op.now };
      if (transition === "activate") {
        update.activatedAt = op.now;
        if (op.identifiers) update.identifiers = op.identifiers;
        const ledger: LedgerRow[] = [];
        for (const [i, grant] of (op.grants ?? []).entries()) {
          const bucket = this.credit(grant.unit, grant.amount, grant.validity_days === null ? null : plusDays(op.now, grant.validity_days), "included", op.now);
          const row = this.entry(bucket, grant.unit, grant.amount, "grant", "confirmed", `${op.key}:grant:${i}`, null, op.now, grant.balance_id ?? null);
          this.unread(row);
          ledger.push(row);
        }
        effects.ledger = ledger;
        effects.buckets = this.buckets().filter((b) => ledger.some((l) => l.bucket_id === b.id));
        effects.bucketsAt = op.now;
      }
      if (transition === "complete_termination") update.terminatedAt = op.now;
      effects.serviceUpdate = update;
      const inventoryAction = INVENTORY_ON_TRANSITION[transition];
      const items = JSON.parse(this.meta("inventory") ?? "[]") as string[];
      if (inventoryAction) {
        // Items and addresses follow the service; each item's history records why it moved.
        effects.inventory = inventoryAction;
        effects.activity = [
          ...(effects.activity ?? []),
          ...items.map((itemId) =>
            activityRow(op, {
              entity: "inventory_item",
              entityId: itemId,
              customerId: this.meta("customer_id"),
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
          customerId: this.meta("customer_id"),
          action: `service.${transition}`,
          changes: { status: { before: previous, after: to }, ...(op.identifiers ? { identifiers: { before: null, after: op.identifiers } } : {}) },
        }),
      ];
      return this.record(op.key, { status: to, previous }, effects);
    });
    return this.commit(outcome);
  }

  /** Adds to the unit's open bucket (no expiry) or opens a bucket with its own expiry; returns it. */
  private credit(unit: BalanceUnit, pendingOrAmount: number, expiresAt: string | null, source: string, now: string, pending = false): string {
    const open = expiresAt === null ? this.buckets().find((b) => b.unit === unit && b.expires_at === null) : undefined;
    const seq = this.nextSeq();
    if (open) {
      this.ctx.storage.sql.exec(
        pending
          ? "UPDATE buckets SET pending_amount = pending_amount + ?, seq = ? WHERE id = ?"
          : "UPDATE buckets SET amount = amount + ?, seq = ? WHERE id = ?",
        pendingOrAmount,
        seq,
        open.id,
      );
      return open.id;
    }
    const id = `bkt_${ulid()}`;
    this.ctx.storage.sql.exec(
      "INSERT INTO buckets (id, unit, amount, pending_amount, expires_at, source, seq, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      id,
      unit,
      pending ? 0 : pendingOrAmount,
      pending ? pendingOrAmount : 0,
      expiresAt,
      source,
      seq,
      now,
    );
    return id;
  }

  private entry(
    bucketId: string,
    unit: BalanceUnit,
    amount: number,
    kind: LedgerRow["kind"],
    state: LedgerRow["state"],
    key: string,
    reference: string | null,
    at: string,
    balanceId: string | null = null,
  ): LedgerRow {
    const row: LedgerRow = {
      id: `led_${ulid()}`,
      bucket_id: bucketId,
      seq: this.nextSeq(),
      unit,
      amount,
      kind,
      state,
      idempotency_key: key,
      reference,
      at,
      balance_id: balanceId,
    };
    this.ctx.storage.sql.exec(
      "INSERT INTO ledger (id, bucket_id, seq, unit, amount, kind, state, idempotency_key, reference, at, balance_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      row.id,
      row.bucket_id,
      row.seq,
      row.unit,
      row.amount,
      row.kind,
      row.state,
      row.idempotency_key,
      row.reference,
      row.at,
      row.balance_id,
    );
    return row;
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
    const replay = this.replay<BalanceSnapshot & { entry: string }>(request.key, request.requestHash ?? null);
    if (replay) return replay.ok ? this.commit(replay) : replay;
    const refused = request.money && terms ? refuseMoneyTopUp(terms, request.money) : null;
    if (refused) return { ok: false, error: refused };
    const status = this.status();
    if (status === "terminating" || status === "terminated" || status === "failed") {
      return { ok: false, error: { status: 409, message: `Cannot top up a service that is ${status}.`, extra: { current_status: status } } };
    }
    const outcome = this.tx(() => {
      const charge = request.money && terms ? moneyTopUpCharge(terms, serviceId, request.amount, request.money, op.now) : null;
      const charges = charge ? [charge] : [];
      const expiresAt = request.validityDays === null ? null : plusDays(op.now, request.validityDays);
      const bucketId = this.credit(request.unit, request.amount, expiresAt, "topup", op.now, true);
      // The top-up key is also the id of the balance CGRateS gets (a repeat of the job finds it there).
      const ledger = this.entry(bucketId, request.unit, request.amount, "topup", "pending", request.key, request.reference, op.now, request.key);
      const all = this.buckets();
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
            customerId: this.meta("customer_id"),
            action: "service.top_up",
            changes: { balance: { before: null, after: { unit: request.unit, amount: request.amount, state: "pending", entry: ledger.id } } },
          }),
        ],
      };
      return this.record(request.key, { ...snapshot, entry: ledger.id }, effects, request.requestHash ?? null);
    });
    return this.commit(outcome);
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
    const entry = this.ctx.storage.sql.exec<LedgerRow>("SELECT * FROM ledger WHERE idempotency_key = ?", topUpKey).toArray()[0];
    if (!entry) return { ok: false, error: { status: 404, message: "No top-up with this key." } };
    if (entry.state !== "pending") return { ok: false, error: { status: 409, message: `This top-up is already ${entry.state}.` } };
    const outcome = this.tx(() => {
      // Confirmed: pending becomes available. Reversed: the pending amount simply disappears.
      const moved = result === "confirmed" ? entry.amount : 0;
      this.ctx.storage.sql.exec(
        "UPDATE buckets SET pending_amount = pending_amount - ?, amount = amount + ?, seq = ? WHERE id = ?",
        entry.amount,
        moved,
        this.nextSeq(),
        entry.bucket_id,
      );
      this.ctx.storage.sql.exec("UPDATE ledger SET state = ? WHERE id = ?", result, entry.id);
      if (result === "confirmed") this.unread({ ...entry, state: "confirmed" });
      const effects = {
        ...op.effects,
        ledgerStates: [{ key: topUpKey, state: result }],
        buckets: this.buckets().filter((b) => b.id === entry.bucket_id),
        bucketsAt: op.now,
        activity: [
          ...(op.effects?.activity ?? []),
          activityRow(op, {
            entity: "service",
            entityId: serviceId,
            customerId: this.meta("customer_id"),
            action: result === "confirmed" ? "service.top_up_confirmed" : "service.top_up_reversed",
            changes: { entry: { before: "pending", after: result } },
          }),
        ],
      };
      return this.record(key, this.snapshotNow(serviceId), effects);
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
    const usable = this.buckets().filter((b) => b.unit === request.unit && (b.expires_at === null || b.expires_at > op.now));
    const available = usable.reduce((sum, b) => sum + b.amount, 0);
    const allowNegative = this.meta("allow_negative") === "1";
    if (!allowNegative && available < request.amount) {
      return {
        ok: false,
        error: { status: 409, message: `Insufficient ${request.unit} balance: ${available} available, ${request.amount} requested.`, extra: { available } },
      };
    }
    const outcome = this.tx(() => {
      let left = request.amount;
      const ledger: LedgerRow[] = [];
      const touched: string[] = [];
      for (const [i, b] of usable.entries()) {
        if (left === 0) break;
        const last = i === usable.length - 1;
        const take = last && allowNegative ? left : Math.min(left, Math.max(0, b.amount));
        if (take === 0) continue;
        this.ctx.storage.sql.exec("UPDATE buckets SET amount = amount - ?, seq = ? WHERE id = ?", take, this.nextSeq(), b.id);
        ledger.push(
          this.entry(
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
        const id = this.credit(request.unit, -left, null, "overdraft", op.now);
        ledger.push(
          this.entry(
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
      const thresholds = JSON.parse(this.meta("thresholds") ?? "{}") as Record<string, number>;
      const threshold = thresholds[request.unit];
      const alertKey = `low_alerted:${request.unit}`;
      const effects: Effects = { ledger, buckets: this.buckets().filter((b) => touched.includes(b.id)), bucketsAt: op.now };
      if (threshold !== undefined && after < threshold && available >= threshold && this.meta(alertKey) !== "1") {
        this.setMeta(alertKey, "1");
        effects.emails = request.lowBalanceEmail ?? [];
      }
      return this.record(request.key, this.snapshotNow(serviceId), effects);
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
    const status = this.status();
    if (!requireStatus.includes(status)) {
      return {
        ok: false,
        error: { status: 409, message: `Not possible while the service is ${status}.`, extra: { current_status: status, allowed_from: requireStatus } },
      };
    }
    const outcome = this.tx(() => {
      for (const [k, v] of Object.entries(meta)) this.setMeta(k, v);
      return this.record(key, { applied: true as const }, effects);
    });
    return this.commit(outcome);
  }

  /** Remembers a confirmed credit of a CGRateS balance until the account is read back. */
  private unread(entry: LedgerRow): void {
    if (!entry.balance_id || entry.state !== "confirmed" || entry.amount <= 0) return;
    this.ctx.storage.sql.exec(
      "INSERT OR IGNORE INTO unread_credits (ledger_id, balance_id, unit, amount) VALUES (?, ?, ?, ?)",
      entry.id,
      entry.balance_id,
      entry.unit,
      entry.amount,
    );
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
    const sqlx = this.ctx.storage.sql;
    const outcome = this.tx(() => {
      const ledger: LedgerRow[] = [];
      for (const [i, grant] of (request.grants ?? []).entries()) {
        const bucket = this.credit(grant.unit, grant.amount, grant.validity_days === null ? null : plusDays(op.now, grant.validity_days), "included", op.now);
        const row = this.entry(bucket, grant.unit, grant.amount, "grant", "confirmed", `${request.key}:grant:${i}`, null, op.now, grant.balance_id ?? null);
        this.unread(row);
        ledger.push(row);
      }
      const previous = JSON.parse(this.meta("charging_snapshot") ?? "null") as ChargingSnapshot | null;
      const credits = sqlx.exec<KnownCredit>("SELECT balance_id, unit, amount FROM unread_credits").toArray();
      const before: Partial<Record<BalanceUnit, number>> = {};
      for (const b of this.buckets()) before[b.unit] = (before[b.unit] ?? 0) + b.amount;
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
      for (const b of this.buckets()) {
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
          sqlx.exec("UPDATE buckets SET amount = ?, seq = ? WHERE id = ?", amount, this.nextSeq(), b.id);
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
          this.nextSeq(),
          op.now,
        );
        touched.push(id);
      }

      // Every change in the ledger, so the ledger still adds up to the balance.
      const buckets = this.buckets();
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
          if (amount !== 0)
            ledger.push(this.entry(bucketOf(u.unit), u.unit, amount, kind, "confirmed", `${request.key}:${u.unit}:${field}`, reference, op.now));
        }
      }

      // A unit that the reading took below its low-balance threshold queues its email once.
      const thresholds = JSON.parse(this.meta("thresholds") ?? "{}") as Record<string, number>;
      const emails: NonNullable<Effects["emails"]> = [];
      for (const u of result.units) {
        const threshold = thresholds[u.unit];
        if (threshold === undefined) continue;
        const alertKey = `low_alerted:${u.unit}`;
        if (u.after >= threshold) this.setMeta(alertKey, "0");
        else if (u.before >= threshold && this.meta(alertKey) !== "1") {
          this.setMeta(alertKey, "1");
          emails.push(...(request.lowBalanceEmails?.[u.unit] ?? []));
        }
      }

      this.setMeta("charging_snapshot", JSON.stringify({ read_at: request.reading.read_at, balances: result.balances }));
      sqlx.exec("DELETE FROM unread_credits");
      const flagged = result.units.filter((u) => u.unexplained !== 0);
      const customerId = this.meta("customer_id");
      const effects: Effects = {
        ...request.effects,
        ledger,
        buckets: this.buckets().filter((b) => touched.includes(b.id) || ledger.some((l) => l.bucket_id === b.id)),
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
      return this.record(request.key, { ...this.snapshotNow(serviceId), reconciliation: result.units }, effects);
    });
    return this.commit(outcome);
  }

  /** The last reading of the CGRateS account (per balance id), or null before the first one. */
  async chargingSnapshot(serviceId: string): Promise<Outcome<ChargingSnapshot | null>> {
    const missing = await this.ensure(serviceId);
    if (missing) return { ok: false, error: missing };
    return { ok: true, value: JSON.parse(this.meta("charging_snapshot") ?? "null") as ChargingSnapshot | null, replayed: false };
  }

  private snapshotNow(serviceId: string): BalanceSnapshot {
    return { service_id: serviceId, status: this.status(), buckets: this.buckets().map(({ seq: _seq, ...b }) => b) };
  }

  /** The service's status and balance buckets as this object holds them. */
  async snapshot(serviceId: string): Promise<Outcome<BalanceSnapshot>> {
    const missing = await this.ensure(serviceId);
    if (missing) return { ok: false, error: missing };
    return { ok: true, value: this.snapshotNow(serviceId), replayed: false };
  }

  /** Ledger entries, for invariant checks and the service page. */
  async ledger(serviceId: string): Promise<Outcome<LedgerRow[]>> {
    const missing = await this.ensure(serviceId);
    if (missing) return { ok: false, error: missing };
    return { ok: true, value: this.ctx.storage.sql.exec<LedgerRow>("SELECT * FROM ledger ORDER BY seq").toArray(), replayed: false };
  }
}
