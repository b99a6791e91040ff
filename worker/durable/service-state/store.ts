/**
 * The ServiceState object's own SQLite: its tables, the meta values every operation reads, balance
 * buckets and ledger entries. Everything here runs inside the object's synchronous transactions.
 */
import type { BalanceUnit } from "../../domain/catalog/schemas";
import { type BalanceSnapshot, type Bucket, type Grant, type LedgerEntry, plusDays, type ServiceStatus } from "../../domain/services/state";
import { ulid } from "../../lib/ids";

export type StoredBucket = Bucket & { seq: number };

/** Creates the object's tables, and brings objects made by older code up to date. */
export function migrateStore(sqlx: SqlStorage): void {
  const hasColumn = (table: string, column: string) =>
    sqlx
      .exec<{ name: string }>(`PRAGMA table_info(${table})`)
      .toArray()
      .some((c) => c.name === column);
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
  if (!hasColumn("ops", "request_hash")) sqlx.exec("ALTER TABLE ops ADD COLUMN request_hash TEXT");
  // How far the write-through got: every operation up to meta `synced_seq` is in D1 (or set aside,
  // synced = 2). Marking each operation's row rewrote its effects and was the costliest statement
  // of a top-up; the mark is one meta row, written with the next operation (see OperationLog).
  // Objects that marked rows get the mark from them.
  if (sqlx.exec("SELECT 1 FROM meta WHERE key = 'synced_seq'").toArray().length === 0) {
    const mark = sqlx
      .exec<{ mark: number }>("SELECT COALESCE((SELECT MIN(seq) - 1 FROM ops WHERE synced = 0), (SELECT MAX(seq) FROM ops), 0) AS mark")
      .toArray()[0]?.mark;
    sqlx.exec("INSERT INTO meta (key, value) VALUES ('synced_seq', ?)", String(mark ?? 0));
  }
  sqlx.exec("DROP INDEX IF EXISTS ops_unsynced");
  // Ledger entries name the CGRateS balance they are about (objects made before that get the column).
  if (!hasColumn("ledger", "balance_id")) sqlx.exec("ALTER TABLE ledger ADD COLUMN balance_id TEXT");
  // Credits of CGRateS balances confirmed since the account was last read back: the next reading
  // expects to find them there.
  sqlx.exec("CREATE TABLE IF NOT EXISTS unread_credits (ledger_id TEXT PRIMARY KEY, balance_id TEXT NOT NULL, unit TEXT NOT NULL, amount INTEGER NOT NULL)");
  // Operations D1 refused (ops.synced = 2): why, and what the object undid.
  sqlx.exec("CREATE TABLE IF NOT EXISTS quarantine (seq INTEGER PRIMARY KEY, key TEXT NOT NULL, error TEXT NOT NULL, rolled_back TEXT, at TEXT NOT NULL)");
}

export class ServiceStore {
  /**
   * The meta table as last read or written by this instance: every operation reads the sequence
   * number, status and ids, and reading them from SQLite each time was a good part of a top-up's CPU.
   * A transaction that throws clears it (`tx`), so it never holds a value SQLite rolled back.
   */
  private metaCache = new Map<string, string | null>();
  /** Whether a `tx` is running, a sequence number taken in it and not yet written, and what to undo if it rolls back. */
  private inTx = false;
  private seqToWrite: number | null = null;
  private undo: (() => void)[] = [];

  constructor(private readonly storage: DurableObjectStorage) {}

  get sql(): SqlStorage {
    return this.storage.sql;
  }

  meta(key: string): string | null {
    const cached = this.metaCache.get(key);
    if (cached !== undefined) return cached;
    const value = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value ?? null;
    this.metaCache.set(key, value);
    return value;
  }

  setMeta(key: string, value: string): void {
    if (key === "seq") this.seqToWrite = null;
    this.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
    this.metaCache.set(key, value);
  }

  /** Deletes what the object holds about its service (D1 never created it): it starts again from nothing. */
  reset(): void {
    for (const table of ["meta", "buckets", "ledger", "unread_credits"]) this.sql.exec(`DELETE FROM ${table}`);
    this.metaCache.clear();
    this.seqToWrite = null;
  }

  /**
   * One synchronous SQLite transaction; if it throws, what this instance remembered of `meta` is
   * dropped with it and the `onRollback` hooks run. Sequence numbers taken inside it are written
   * once, as it ends. Transactions do not nest (nothing needs it; the hooks assume it).
   */
  tx<T>(fn: () => T): T {
    if (this.inTx) throw new Error("ServiceStore.tx does not nest");
    this.inTx = true;
    try {
      const value = this.storage.transactionSync(() => {
        const result = fn();
        this.writeSeq();
        return result;
      });
      this.undo = [];
      return value;
    } catch (error) {
      for (const undo of this.undo.reverse()) undo();
      this.undo = [];
      this.metaCache.clear();
      this.seqToWrite = null;
      throw error;
    } finally {
      this.inTx = false;
    }
  }

  /** Runs `fn` if the transaction in progress is rolled back: memory kept beside SQLite forgets what it never committed. */
  onRollback(fn: () => void): void {
    if (this.inTx) this.undo.push(fn);
  }

  /**
   * The next sequence number. Inside a transaction it is written to meta once, as the transaction
   * ends: a top-up takes three (bucket, ledger entry, operation), and writing each was three statements.
   */
  nextSeq(): number {
    const seq = Number(this.meta("seq") ?? "0") + 1;
    this.metaCache.set("seq", String(seq));
    this.seqToWrite = seq;
    if (!this.inTx) this.writeSeq();
    return seq;
  }

  private writeSeq(): void {
    if (this.seqToWrite === null) return;
    const seq = this.seqToWrite;
    this.seqToWrite = null;
    this.setMeta("seq", String(seq));
  }

  buckets(): StoredBucket[] {
    return this.sql
      .exec<{ id: string; unit: BalanceUnit; amount: number; pending_amount: number; expires_at: string | null; source: string; seq: number }>(
        "SELECT id, unit, amount, pending_amount, expires_at, source, seq FROM buckets ORDER BY (expires_at IS NULL), expires_at, id",
      )
      .toArray();
  }

  status(): ServiceStatus {
    return (this.meta("status") ?? "pending") as ServiceStatus;
  }

  thresholds(): Record<string, number> {
    return JSON.parse(this.meta("thresholds") ?? "{}") as Record<string, number>;
  }

  snapshot(serviceId: string): BalanceSnapshot {
    return { service_id: serviceId, status: this.status(), buckets: this.buckets().map(({ seq: _seq, ...b }) => b) };
  }

  /** Adds to the unit's open bucket (no expiry) or opens a bucket with its own expiry; returns it. */
  credit(unit: BalanceUnit, pendingOrAmount: number, expiresAt: string | null, source: string, now: string, pending = false): string {
    const seq = this.nextSeq();
    if (expiresAt === null) {
      // The unit's open bucket (the first by id, as `buckets()` orders them), found and credited in one statement.
      const open = this.sql
        .exec<{ id: string }>(
          pending
            ? "UPDATE buckets SET pending_amount = pending_amount + ?, seq = ? WHERE id = (SELECT id FROM buckets WHERE unit = ? AND expires_at IS NULL ORDER BY id LIMIT 1) RETURNING id"
            : "UPDATE buckets SET amount = amount + ?, seq = ? WHERE id = (SELECT id FROM buckets WHERE unit = ? AND expires_at IS NULL ORDER BY id LIMIT 1) RETURNING id",
          pendingOrAmount,
          seq,
          unit,
        )
        .toArray()[0];
      if (open) return open.id;
    }
    const id = `bkt_${ulid()}`;
    this.sql.exec(
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

  entry(
    bucketId: string,
    unit: BalanceUnit,
    amount: number,
    kind: LedgerEntry["kind"],
    state: LedgerEntry["state"],
    key: string,
    reference: string | null,
    at: string,
    balanceId: string | null = null,
  ): LedgerEntry {
    const row: LedgerEntry = {
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
    this.sql.exec(
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

  /** Credits the product's included balances (confirmed, with their validity); one ledger entry each, keyed `<key>:grant:<i>`. */
  grant(grants: Grant[], key: string, now: string): LedgerEntry[] {
    return grants.map((grant, i) => {
      const bucket = this.credit(grant.unit, grant.amount, grant.validity_days === null ? null : plusDays(now, grant.validity_days), "included", now);
      const row = this.entry(bucket, grant.unit, grant.amount, "grant", "confirmed", `${key}:grant:${i}`, null, now, grant.balance_id ?? null);
      this.unread(row);
      return row;
    });
  }

  /** Remembers a confirmed credit of a CGRateS balance until the account is read back. */
  unread(entry: LedgerEntry): void {
    if (!entry.balance_id || entry.state !== "confirmed" || entry.amount <= 0) return;
    this.sql.exec(
      "INSERT OR IGNORE INTO unread_credits (ledger_id, balance_id, unit, amount) VALUES (?, ?, ?, ?)",
      entry.id,
      entry.balance_id,
      entry.unit,
      entry.amount,
    );
  }
}
