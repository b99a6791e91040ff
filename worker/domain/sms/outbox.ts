import type { Db } from "../../db/client";
import { smsOutbox } from "../../db/schema";
import { ulid } from "../../lib/ids";
import { drainOutbox } from "../outbox/drain";

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

/** Sends the SMS that are due through `sender` (the generic outbox: claim, retry with backoff). */
export async function sendDueSms(db: Db, sender: SmsSender, now = new Date(), limit = 20): Promise<{ sent: number; failed: number }> {
  return drainOutbox(db, smsOutbox, sender, now, limit, RETRY_DELAYS_SECONDS);
}
