import type { smsOutbox } from "../../db/schema";

export type SmsRow = typeof smsOutbox.$inferInsert;
export type OutboxSms = typeof smsOutbox.$inferSelect;
export type SmsResult = { ok: true; messageId: string | null } | { ok: false; error: string; retryable: boolean; notConfigured?: boolean };
/** Sends one SMS through the gateway (worker/integrations/sms.ts); the outbox decides retries. */
export type SmsSender = (sms: OutboxSms) => Promise<SmsResult>;
