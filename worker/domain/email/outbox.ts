import { eq } from "drizzle-orm";
import { type Db, runBatch, type Statement } from "../../db/client";
import { emailOutbox, type OutboxEmail } from "../../db/schema";
import { Conflict, NotFound } from "../../lib/errors";
import { ulid } from "../../lib/ids";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";
import { type DeliveryResult, drainOutbox } from "../outbox/drain";
import type { RenderedEmail } from "./templates";

/** Retry delays after each failed attempt; after the last one the email is marked failed. */
export const RETRY_DELAYS_SECONDS = [60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600];

/** A queued email as a plain row (a Durable Object stores it before writing it through). */
export function emailRow(now: string, to: { email: string; name?: string | null }, email: RenderedEmail) {
  return {
    id: `eml_${ulid()}`,
    template: email.template,
    toEmail: to.email,
    toName: to.name ?? null,
    subject: email.subject,
    textBody: email.text,
    htmlBody: email.html,
    status: "pending",
    attempts: 0,
    nextAttemptAt: now,
    createdAt: now,
  } as const;
}

/** The insert that queues an email; callers put it in the same batch as the change that causes it. */
export function enqueueEmail(db: Db, now: string, to: { email: string; name?: string | null }, email: RenderedEmail): Statement {
  return db.insert(emailOutbox).values(emailRow(now, to, email));
}

export type SendResult = DeliveryResult;
export type Mailer = (email: OutboxEmail) => Promise<SendResult>;

/** Sends the emails that are due through `mailer` (the generic outbox: claim, retry with backoff, hold on refused credentials). */
export async function sendDueEmails(db: Db, mailer: Mailer, now = new Date(), limit = 20): Promise<{ sent: number; failed: number; held?: string }> {
  return drainOutbox(db, emailOutbox, mailer, now, limit, RETRY_DELAYS_SECONDS);
}

/** Puts a failed email back in the queue for an immediate new attempt (audited). */
export async function retryFailedEmail(ctx: WriteContext, id: string): Promise<void> {
  const email = await ctx.db.select().from(emailOutbox).where(eq(emailOutbox.id, id)).get();
  if (!email) throw new NotFound("No email with this id.");
  if (email.status !== "failed") throw new Conflict(`Only failed emails can be retried; this one is ${email.status}.`);
  await runBatch(ctx.db, [
    ctx.db.update(emailOutbox).set({ status: "pending", nextAttemptAt: ctx.now, attempts: 0 }).where(eq(emailOutbox.id, id)),
    recordActivity(ctx, { entity: "email", entityId: id, customerId: null, action: "email.retry", changes: {} }),
  ]);
}
