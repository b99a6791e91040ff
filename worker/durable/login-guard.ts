import { DurableObject } from "cloudflare:workers";

/**
 * Brute-force protection: one object per key (`account:<email>` or `ip:<address>`), so counting is
 * exact under any concurrency. Failures past a free allowance impose growing delays, then a lockout
 * that only time or an administrator (audited) lifts.
 */
export type GuardPolicy = { free: number; lockAfter: number; lockSeconds: number; windowSeconds: number };

export const ACCOUNT_POLICY: GuardPolicy = { free: 3, lockAfter: 10, lockSeconds: 15 * 60, windowSeconds: 60 * 60 };
export const IP_POLICY: GuardPolicy = { free: 20, lockAfter: 100, lockSeconds: 15 * 60, windowSeconds: 60 * 60 };
/** The public top-up page counts every code request and wrong code: per number (SMS cost, guessing) and per IP. */
export const TOPUP_NUMBER_POLICY: GuardPolicy = { free: 3, lockAfter: 8, lockSeconds: 60 * 60, windowSeconds: 60 * 60 };
export const TOPUP_IP_POLICY: GuardPolicy = { free: 10, lockAfter: 30, lockSeconds: 60 * 60, windowSeconds: 60 * 60 };

export type GuardState = { failures: number; blockedUntil: number | null; retryAfterSeconds: number };

type Row = { failures: number; first_failure_at: number; blocked_until: number | null };

export class LoginGuard extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec(
        "CREATE TABLE IF NOT EXISTS guard (id INTEGER PRIMARY KEY CHECK (id = 1), failures INTEGER NOT NULL, first_failure_at INTEGER NOT NULL, blocked_until INTEGER)",
      );
    });
  }

  private row(): Row | null {
    return this.ctx.storage.sql.exec<Row>("SELECT failures, first_failure_at, blocked_until FROM guard WHERE id = 1").toArray()[0] ?? null;
  }

  private state(row: Row | null, now: number): GuardState {
    const blockedUntil = row?.blocked_until && row.blocked_until > now ? row.blocked_until : null;
    return { failures: row?.failures ?? 0, blockedUntil, retryAfterSeconds: blockedUntil ? Math.ceil((blockedUntil - now) / 1000) : 0 };
  }

  /** Whether an attempt may proceed now. */
  async check(now = Date.now()): Promise<GuardState> {
    return this.state(this.row(), now);
  }

  /** Records a failed attempt and returns the resulting block, if any. */
  async fail(policy: GuardPolicy, now = Date.now()): Promise<GuardState> {
    const current = this.row();
    const fresh = !current || now - current.first_failure_at > policy.windowSeconds * 1000;
    const failures = fresh ? 1 : current.failures + 1;
    let blockedUntil: number | null = null;
    if (failures >= policy.lockAfter) blockedUntil = now + policy.lockSeconds * 1000;
    else if (failures > policy.free) blockedUntil = now + Math.min(2 ** (failures - policy.free), 300) * 1000;
    this.ctx.storage.sql.exec(
      "INSERT INTO guard (id, failures, first_failure_at, blocked_until) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET failures = excluded.failures, first_failure_at = excluded.first_failure_at, blocked_until = excluded.blocked_until",
      failures,
      fresh ? now : (current?.first_failure_at ?? now),
      blockedUntil,
    );
    return this.state(this.row(), now);
  }

  /** A successful sign-in (or an administrator's unlock) clears the counter. */
  async reset(): Promise<void> {
    this.ctx.storage.sql.exec("DELETE FROM guard");
  }
}
