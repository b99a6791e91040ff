import { and, asc, eq, lte, sql } from "drizzle-orm";
import { type Db, runBatch, type Statement } from "../../db/client";
import { emailOutbox, type OutboxEmail } from "../../db/schema";
import { Conflict, NotFound } from "../../lib/errors";
import { ulid } from "../../lib/ids";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";
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

export type SendResult =
  | { ok: true; messageId: string | null }
  /** `configError`: the provider refused our credentials — a configuration problem, not the email's. */
  | { ok: false; error: string; retryable: boolean; notConfigured?: boolean; configError?: boolean };
export type Mailer = (email: OutboxEmail) => Promise<SendResult>;

/**
 * Sends the emails that are due. Each one is claimed (pending → sending) by a conditional update,
 * so two runners never send the same email; a failure is retried with backoff; an email stuck in
 * "sending" (a crash mid-send) is picked up again after ten minutes.
 */
export async function sendDueEmails(db: Db, mailer: Mailer, now = new Date(), limit = 20): Promise<{ sent: number; failed: number; held?: string }> {
  const iso = now.toISOString();
  await db
    .update(emailOutbox)
    .set({ status: "pending" })
    .where(and(eq(emailOutbox.status, "sending"), lte(emailOutbox.nextAttemptAt, new Date(now.getTime() - 600_000).toISOString())));
  const due = await db
    .select()
    .from(emailOutbox)
    .where(and(eq(emailOutbox.status, "pending"), lte(emailOutbox.nextAttemptAt, iso)))
    .orderBy(asc(emailOutbox.nextAttemptAt))
    .limit(limit);
  let sent = 0;
  let failed = 0;
  for (const email of due) {
    const claimed = await db
      .update(emailOutbox)
      .set({ status: "sending", nextAttemptAt: iso })
      .where(and(eq(emailOutbox.id, email.id), eq(emailOutbox.status, "pending")))
      .run();
    if (claimed.meta.changes !== 1) continue;
    const result = await mailer(email);
    if (result.ok) {
      sent++;
      await db
        .update(emailOutbox)
        .set({ status: "sent", sentAt: iso, providerMessageId: result.messageId, lastError: null, attempts: sql`${emailOutbox.attempts} + 1` })
        .where(eq(emailOutbox.id, email.id));
      continue;
    }
    if (result.notConfigured || result.configError) {
      // Not the email's fault: keep it queued, its attempts untouched, until the integration works.
      await db
        .update(emailOutbox)
        .set({ status: "pending", nextAttemptAt: new Date(now.getTime() + 300_000).toISOString(), lastError: result.error })
        .where(eq(emailOutbox.id, email.id));
      if (result.configError) {
        // One alert, and the rest of the outbox held: every other email would be refused the same way.
        console.error(JSON.stringify({ level: "error", msg: "email outbox held", error: result.error }));
        return { sent, failed, held: result.error };
      }
      continue;
    }
    const attempts = email.attempts + 1;
    const delay = RETRY_DELAYS_SECONDS[attempts - 1];
    const final = !result.retryable || delay === undefined;
    if (final) failed++;
    await db
      .update(emailOutbox)
      .set({
        status: final ? "failed" : "pending",
        attempts,
        lastError: result.error.slice(0, 1000),
        nextAttemptAt: new Date(now.getTime() + (delay ?? 0) * 1000).toISOString(),
      })
      .where(eq(emailOutbox.id, email.id));
  }
  return { sent, failed };
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
