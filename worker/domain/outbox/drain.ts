import { and, asc, eq, getTableName, lte, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import type { emailOutbox, smsOutbox } from "../../db/schema";

/** An outbox table: email and SMS share the delivery columns (status, attempts, next attempt, provider id). */
type OutboxTable = typeof emailOutbox | typeof smsOutbox;

/**
 * What a transport answers for one message. `notConfigured`: the integration is not set up;
 * `configError`: the provider refused our credentials. Neither is the message's fault: it stays
 * queued with its attempts untouched, and a `configError` holds the rest of the outbox (one alert).
 */
export type DeliveryResult =
  | { ok: true; messageId: string | null }
  | { ok: false; error: string; retryable: boolean; notConfigured?: boolean; configError?: boolean };

/**
 * Sends the messages of one outbox that are due, through `send` (its transport). Each one is claimed
 * (pending → sending) by a conditional update, so two invocations never send the same message; a
 * failure is retried after each of `delays` (seconds) in turn, then marked failed; a message stuck in "sending" (a crash
 * mid-send) is picked up again after ten minutes.
 */
export async function drainOutbox<T extends OutboxTable>(
  db: Db,
  table: T,
  send: (message: T["$inferSelect"]) => Promise<DeliveryResult>,
  now: Date,
  limit: number,
  delays: readonly number[],
): Promise<{ sent: number; failed: number; held?: string }> {
  // Both tables have these columns; drizzle cannot type an update over a union of tables.
  const t = table as typeof emailOutbox;
  const iso = now.toISOString();
  await db
    .update(t)
    .set({ status: "pending" })
    .where(and(eq(t.status, "sending"), lte(t.nextAttemptAt, new Date(now.getTime() - 600_000).toISOString())));
  const due = (await db
    .select()
    .from(t)
    .where(and(eq(t.status, "pending"), lte(t.nextAttemptAt, iso)))
    .orderBy(asc(t.nextAttemptAt))
    .limit(limit)) as unknown as T["$inferSelect"][];
  let sent = 0;
  let failed = 0;
  for (const message of due) {
    const claimed = await db
      .update(t)
      .set({ status: "sending", nextAttemptAt: iso })
      .where(and(eq(t.id, message.id), eq(t.status, "pending")))
      .run();
    if (claimed.meta.changes !== 1) continue;
    const result = await send(message);
    if (result.ok) {
      sent++;
      await db
        .update(t)
        .set({ status: "sent", sentAt: iso, providerMessageId: result.messageId, lastError: null, attempts: sql`${t.attempts} + 1` })
        .where(eq(t.id, message.id));
      continue;
    }
    if (result.notConfigured || result.configError) {
      await db
        .update(t)
        .set({ status: "pending", nextAttemptAt: new Date(now.getTime() + 300_000).toISOString(), lastError: result.error })
        .where(eq(t.id, message.id));
      if (result.configError) {
        // One alert, and the rest of the outbox held: every other message would be refused the same way.
        console.error(JSON.stringify({ level: "error", msg: `${getTableName(table)} held`, error: result.error }));
        return { sent, failed, held: result.error };
      }
      continue;
    }
    const attempts = message.attempts + 1;
    const delay = delays[attempts - 1];
    const final = !result.retryable || delay === undefined;
    if (final) failed++;
    await db
      .update(t)
      .set({
        status: final ? "failed" : "pending",
        attempts,
        lastError: result.error.slice(0, 1000),
        nextAttemptAt: new Date(now.getTime() + (delay ?? 0) * 1000).toISOString(),
      })
      .where(eq(t.id, message.id));
  }
  return { sent, failed };
}
