import { and, asc, eq, lte, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { smsOutbox } from "../../db/schema";
import { ulid } from "../../lib/ids";

import type { SmsRow, SmsSender } from "./types";

export type { OutboxSms, SmsResult, SmsRow, SmsSender } from "./types";

const RETRY_DELAYS_SECONDS = [60, 300, 900, 3600, 10_800];

/** An SMS to queue in the same write as the change that causes it. */
export function smsRow(now: string, toPhone: string, template: string, text: string): SmsRow {
  return {
    id: `sms_${ulid()}`,
    template,
    toPhone,
    text: text.slice(0, 918), // six concatenated GSM-7 segments at most
    status: "pending",
    attempts: 0,
    nextAttemptAt: now,
    createdAt: now,
  };
}

/**
 * Sends the SMS that are due, each claimed by a conditional update (never sent twice by two
 * invocations); failures are retried after 1 min, 5 min, 15 min, 1 h, 3 h, then marked failed.
 */
export async function sendDueSms(db: Db, sender: SmsSender, now = new Date(), limit = 20): Promise<{ sent: number; failed: number }> {
  const iso = now.toISOString();
  await db
    .update(smsOutbox)
    .set({ status: "pending" })
    .where(and(eq(smsOutbox.status, "sending"), lte(smsOutbox.nextAttemptAt, new Date(now.getTime() - 600_000).toISOString())));
  const due = await db
    .select()
    .from(smsOutbox)
    .where(and(eq(smsOutbox.status, "pending"), lte(smsOutbox.nextAttemptAt, iso)))
    .orderBy(asc(smsOutbox.nextAttemptAt))
    .limit(limit);
  let sent = 0;
  let failed = 0;
  for (const sms of due) {
    const claimed = await db
      .update(smsOutbox)
      .set({ status: "sending", nextAttemptAt: iso })
      .where(and(eq(smsOutbox.id, sms.id), eq(smsOutbox.status, "pending")))
      .run();
    if (claimed.meta.changes !== 1) continue;
    const result = await sender(sms);
    if (result.ok) {
      sent++;
      await db
        .update(smsOutbox)
        .set({ status: "sent", sentAt: iso, providerMessageId: result.messageId, lastError: null, attempts: sql`${smsOutbox.attempts} + 1` })
        .where(eq(smsOutbox.id, sms.id));
      continue;
    }
    if (result.notConfigured) {
      await db
        .update(smsOutbox)
        .set({ status: "pending", nextAttemptAt: new Date(now.getTime() + 300_000).toISOString(), lastError: result.error })
        .where(eq(smsOutbox.id, sms.id));
      continue;
    }
    const attempts = sms.attempts + 1;
    const delay = RETRY_DELAYS_SECONDS[attempts - 1];
    const final = !result.retryable || delay === undefined;
    if (final) failed++;
    await db
      .update(smsOutbox)
      .set({
        status: final ? "failed" : "pending",
        attempts,
        lastError: result.error.slice(0, 1000),
        nextAttemptAt: new Date(now.getTime() + (delay ?? 0) * 1000).toISOString(),
      })
      .where(eq(smsOutbox.id, sms.id));
  }
  return { sent, failed };
}
