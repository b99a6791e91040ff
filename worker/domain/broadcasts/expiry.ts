/**
 * The minute cron's part of cell broadcast: an alert past its expiry is expired (stopped at the CBC
 * when it was approved or on air); an alert with a set number of broadcasts is completed once they
 * have all been sent (repetition period × number, TS 48.049: 1.883 s a unit) and removed from the CBC.
 */
import { and, inArray, lte, or, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { broadcasts } from "../../db/schema";
import { Conflict } from "../../lib/errors";
import type { WriteContext } from "../context";
import { type BroadcastStatus, transition } from "./broadcasts";
import { broadcastJob } from "./dispatch";

const UNIT_MS = 1883;
const LIVE: BroadcastStatus[] = ["approved", "broadcasting"];

/** When an alert with a set number of broadcasts has sent them all (null: until stopped). */
export function completesAt(alert: { approvedAt: string | null; numOfBcast: number; repetitionPeriod: number }): string | null {
  if (!alert.approvedAt || alert.numOfBcast === 0) return null;
  return new Date(Date.parse(alert.approvedAt) + alert.numOfBcast * alert.repetitionPeriod * UNIT_MS).toISOString();
}

/** Expires and completes what is due; returns what it did (the cron logs it). */
export async function expireBroadcasts(ctx: WriteContext, enqueue: (jobIds: string[]) => Promise<void>): Promise<{ expired: number; completed: number }> {
  const due = await dueAlerts(ctx.db, ctx.now);
  const jobs: string[] = [];
  let expired = 0;
  let completed = 0;
  for (const alert of due) {
    const expiring = alert.expiresAt <= ctx.now;
    const live = LIVE.includes(alert.status);
    const job = broadcastJob(ctx, alert.id, "stop");
    try {
      await transition(
        ctx,
        alert.id,
        [alert.status],
        expiring ? "expired" : "completed",
        {},
        { after: expiring ? { expires_at: alert.expiresAt } : { broadcasts: alert.numOfBcast } },
        () => (live ? [job.statement] : []),
      );
    } catch (error) {
      // Changed meanwhile (approved, cancelled…): the next minute looks again.
      if (error instanceof Conflict) continue;
      throw error;
    }
    if (live) jobs.push(job.id);
    if (expiring) expired++;
    else completed++;
  }
  if (jobs.length > 0) await enqueue(jobs);
  return { expired, completed };
}

/** Alerts past their expiry (not yet closed), and live alerts whose broadcasts are all sent. */
async function dueAlerts(db: Db, now: string) {
  const rows = await db
    .select({
      id: broadcasts.id,
      status: broadcasts.status,
      expiresAt: broadcasts.expiresAt,
      approvedAt: broadcasts.approvedAt,
      numOfBcast: broadcasts.numOfBcast,
      repetitionPeriod: broadcasts.repetitionPeriod,
    })
    .from(broadcasts)
    .where(
      or(
        and(inArray(broadcasts.status, ["draft", "submitted", ...LIVE]), lte(broadcasts.expiresAt, now)),
        and(inArray(broadcasts.status, ["broadcasting"]), sql`${broadcasts.numOfBcast} > 0`),
      ),
    )
    .limit(200);
  return rows.filter((r) => r.expiresAt <= now || (completesAt(r) ?? "9999") <= now);
}
