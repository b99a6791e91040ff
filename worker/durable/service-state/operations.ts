/**
 * The ServiceState object's operation log: each operation is recorded with its idempotency key, its
 * outcome and its D1 effects in the same transaction as its state change; a replayed key returns the
 * first outcome; operations are written through to D1 in order, and one D1 refuses is set aside.
 */
import { createDb } from "../../db/client";
import { stuckWrites } from "../../db/schema";
import { writeThroughStatements } from "../../db/write-through";
import type { Effects, Outcome, ServiceStatus } from "../../domain/services/state";
import { ulid } from "../../lib/ids";
import { sendJobs } from "../../queue/provisioning";
import type { ServiceStore } from "./store";

/** `synced`: 0 as recorded, QUARANTINED once set aside; how far D1 got is meta `synced_seq`. */
type OpRow = { seq: number; key: string; result: string; effects: string; synced: number };

/** The most operations written to D1 in one batch (each is a handful of statements). */
const FLUSH_LIMIT = 40;

/**
 * How a write-through gathers the calls already waiting on the object before it reads their
 * operations: it yields (a zero-delay timer) while new operations keep being recorded, and stops
 * after one yield brings none (two when the previous batch carried several: the object is busy), after
 * GATHER_ROUNDS yields, or once a batch is full. A D1 batch, a storage commit and a queue send cost
 * about the same for 1 operation as for 16. With 16 top-ups in flight on one service, stopping at the
 * first empty yield wrote them in groups of 8 (the callers of the previous batch were still being
 * answered); waiting for a second one writes groups of 15–16 and cut a top-up's workerd CPU by about
 * a sixth. A service topped up alone does not wait for the second yield.
 */
const GATHER_ROUNDS = 24;

/**
 * How long the jobs of one write-through wait for those of the next ones before they are sent to the
 * provisioning queue together. Each send is a message to the queue and a delivery to the consumer,
 * whose D1 call marks its jobs ready, and costs about the same for 1 job as for 90. With 16 top-ups
 * in flight on one service, a send after every write-through (~16 top-ups) took roughly a tenth of a
 * top-up's workerd CPU; with this window, top-up CPU against GET /healthz went from about 2.0× to
 * 1.75× (interleaved runs in one process). A job becomes ready to lease at most this much later.
 */
const QUEUE_WINDOW_MS = 100;

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

export class OperationLog {
  private flushing: Promise<void> = Promise.resolve();
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
  /**
   * The last operation recorded by this instance, and whether a write-through has found nothing
   * older left to write: from then on, a flush with nothing recorded since the last one returns
   * without reading the table (every commit calls flush, most find their operation already written).
   */
  private lastRecorded = 0;
  private caughtUp = false;
  /**
   * Operations recorded by this instance and not yet written through, oldest first, with their
   * effects as recorded: once caught up, a write-through takes them from here instead of reading
   * and parsing them back from the table. Emptied (and the table read again) after D1 refuses a batch.
   */
  private unwritten = new Map<number, { row: OpRow; effects: Effects }>();
  /** How many operations the last write-through carried (see GATHER_ROUNDS). */
  private lastBatch = 0;
  /** Jobs written through and waiting for the next send, its timer, and how long they wait (see `queueJobs`). */
  private toQueue: string[] = [];
  queueWindowMs = QUEUE_WINDOW_MS;
  private queueTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly store: ServiceStore,
    private readonly storage: DurableObjectStorage,
    private readonly env: Env,
  ) {}

  /**
   * The recorded outcome of a key already applied. A key reused for a different request (another
   * hash) is refused, as the API promises for Idempotency-Key.
   */
  replay<T>(key: string, requestHash: string | null = null): Outcome<T> | null {
    const op = this.store.sql
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
  record<T>(key: string, value: T, effects: Effects, requestHash: string | null = null): Outcome<T> {
    const outcome: Outcome<T> = { ok: true, value, replayed: false };
    // The write-through's progress is saved with this operation (one transaction, one commit).
    if (this.flushedSeq > Number(this.store.meta("synced_seq") ?? 0)) this.store.setMeta("synced_seq", String(this.flushedSeq));
    const seq = this.store.nextSeq();
    this.lastRecorded = Math.max(this.lastRecorded, seq);
    this.recorded.set(outcome, seq);
    const row: OpRow = { seq, key, result: JSON.stringify(outcome), effects: JSON.stringify(effects), synced: 0 };
    this.store.sql.exec(
      "INSERT INTO ops (seq, key, result, effects, synced, request_hash) VALUES (?, ?, ?, ?, 0, ?)",
      seq,
      key,
      row.result,
      row.effects,
      requestHash,
    );
    this.unwritten.set(seq, { row, effects });
    this.store.onRollback(() => this.unwritten.delete(seq));
    return outcome;
  }

  /** Operations up to this one are in D1 (or set aside). */
  private syncedSeq(): number {
    return Math.max(this.flushedSeq, Number(this.store.meta("synced_seq") ?? 0));
  }

  /** Writes every operation not yet in D1, oldest first, one batch at a time (serialised). */
  async flush(): Promise<void> {
    const run = this.flushing.then(() => this.flushOnce());
    this.flushing = run.catch(() => undefined);
    return run;
  }

  /** Everything this instance recorded is in D1 (or set aside), and nothing older was left. */
  private upToDate(): boolean {
    return this.caughtUp && this.lastRecorded <= this.flushedSeq;
  }

  private async flushOnce(): Promise<void> {
    if (this.upToDate()) return;
    // Calls already waiting on the object record their operations first, so this batch carries them too.
    const idleRounds = this.lastBatch > 1 ? 2 : 1;
    for (let round = 0, idle = 0; round < GATHER_ROUNDS && idle < idleRounds && this.unwritten.size < FLUSH_LIMIT; round++) {
      const before = this.lastRecorded;
      await new Promise((resolve) => setTimeout(resolve, 0));
      idle = this.lastRecorded === before ? idle + 1 : 0;
    }
    // After D1 refuses a batch, operations go one at a time until the one it refuses is found.
    let limit = FLUSH_LIMIT;
    for (;;) {
      const { ops, effects } = this.unwrittenOps(limit);
      if (ops.length === 0) {
        this.caughtUp = true;
        this.unwritten.clear();
        return;
      }
      const { statements, jobIds } = writeThroughStatements(this.env.DB, this.store.meta("service_id") ?? "", effects);
      try {
        if (statements.length > 0) await this.env.DB.batch(statements);
      } catch (error) {
        if (!refusedByD1(error)) throw error;
        // Found one at a time from the table from now on, until a write-through catches up again.
        this.caughtUp = false;
        this.unwritten.clear();
        const [only] = ops;
        if (ops.length > 1 || !only) {
          limit = 1;
          continue;
        }
        await this.quarantine(only, error);
        limit = FLUSH_LIMIT;
        continue;
      }
      this.lastBatch = ops.length;
      const last = ops.at(-1)?.seq ?? 0;
      this.flushedSeq = Math.max(this.flushedSeq, last);
      for (const op of ops) this.unwritten.delete(op.seq);
      this.queueJobs(jobIds);
      if (this.upToDate()) return;
    }
  }

  /** The next operations to write through (at most `limit`): from memory once caught up, else from the table. */
  private unwrittenOps(limit: number): { ops: OpRow[]; effects: Effects[] } {
    if (this.caughtUp) {
      const from = this.syncedSeq();
      const ops: OpRow[] = [];
      const effects: Effects[] = [];
      for (const [seq, op] of this.unwritten) {
        if (seq <= from) continue;
        ops.push(op.row);
        effects.push(op.effects);
        if (ops.length >= limit) break;
      }
      return { ops, effects };
    }
    const ops = this.store.sql
      .exec<OpRow>("SELECT seq, key, result, effects, synced FROM ops WHERE seq > ? AND synced = 0 ORDER BY seq LIMIT ?", this.syncedSeq(), limit)
      .toArray();
    return { ops, effects: ops.map((op) => JSON.parse(op.effects) as Effects) };
  }

  /**
   * Sends the jobs of a write-through to the provisioning queue once D1 has their rows. The jobs of
   * the write-throughs made within QUEUE_WINDOW_MS go in one send: a send costs the same for 1 job as
   * for 90, and so does the consumer's delivery (see QUEUE_WINDOW_MS). The caller is answered without
   * waiting for it. A send that fails, or never happens because the object stopped first, is logged
   * or lost, not retried here: the job stays pending in D1 and the minute sweep sends it again (`sweepJobs`).
   */
  private queueJobs(ids: string[]): void {
    if (ids.length === 0) return;
    this.toQueue.push(...ids);
    if (this.queueTimer) return;
    this.queueTimer = setTimeout(() => {
      this.queueTimer = null;
      const jobs = this.toQueue;
      this.toQueue = [];
      sendJobs(this.env.PROVISIONING_QUEUE, jobs).catch((error: unknown) => {
        console.error(JSON.stringify({ level: "error", msg: "could not queue jobs; the sweep sends them again", jobs, error: String(error) }));
      });
    }, this.queueWindowMs);
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
    const serviceId = this.store.meta("service_id") ?? "";
    const at = new Date().toISOString();
    const rolledBack = this.store.tx(() => {
      this.store.sql.exec("UPDATE ops SET synced = ? WHERE seq = ?", QUARANTINED, op.seq);
      this.refused.add(op.seq);
      let undone: string | null = null;
      const to = effects.serviceUpdate?.status;
      const previous = result.value?.previous;
      if ((effects.serviceInserts ?? []).some((row) => row.id === serviceId)) {
        // D1 never created the service: the object starts again from nothing.
        this.store.reset();
        this.store.setMeta("seq", String(op.seq));
        this.store.setMeta("synced_seq", String(op.seq));
        this.flushedSeq = op.seq;
        undone = "service creation";
      } else if (to && previous && this.store.status() === to) {
        this.store.setMeta("status", previous);
        undone = `status ${to} → ${previous}`;
      }
      this.store.sql.exec("INSERT OR REPLACE INTO quarantine (seq, key, error, rolled_back, at) VALUES (?, ?, ?, ?, ?)", op.seq, op.key, message, undone, at);
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

  /** Writes the operation through to D1 before answering with its outcome (409 when D1 refused it). */
  async commit<T>(outcome: Outcome<T>): Promise<Outcome<T>> {
    try {
      await this.flush();
    } catch (error) {
      // The state is decided and recorded; D1 catches up on the next call or on the object's alarm.
      await this.storage.setAlarm(Date.now() + 5_000);
      throw error;
    }
    // Operations this instance recorded are flushed by it, so a refusal is in `refused` (no read on the hot path).
    const seq = this.recorded.get(outcome);
    if (seq !== undefined && this.refused.has(seq)) return { ok: false, error: { status: 409, message: REFUSED_MESSAGE } };
    return outcome;
  }
}
