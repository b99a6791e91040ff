/**
 * Sending alerts to the cell broadcast centre. Approval queues a `broadcast` job (`send`); cancelling
 * an approved or broadcasting alert queues one that stops it (`stop`). The runner, inside the
 * operator network, makes the ECBE calls (Osmocom CBC REST API): the worker gives it the exact
 * request bodies at lease time, so the runner only carries them. One ECBE message per language
 * (each has its own message identifier); the CBC serves one network (`scope_plmn`), so the alert's
 * networks limit its target cells rather than multiplying messages.
 */
import { eq } from "drizzle-orm";
import type { Db, Statement } from "../../db/client";
import { broadcastMessages, broadcasts, jobs } from "../../db/schema";
import { type EcbeMessage, ecbeMessage } from "../../lib/cell-broadcast/ecbe";
import { ulid } from "../../lib/ids";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";

const MAX_ATTEMPTS = 5;

/** The job row (pending; the queue consumer makes it ready) that sends or stops an alert. */
export function broadcastJob(ctx: WriteContext, broadcastId: string, action: "send" | "stop"): { id: string; statement: Statement } {
  const id = `job_${ulid()}`;
  return {
    id,
    statement: ctx.db.insert(jobs).values({
      id,
      type: "broadcast",
      status: "pending",
      serviceId: null,
      payload: { broadcast_id: broadcastId, action },
      attempts: 0,
      maxAttempts: MAX_ATTEMPTS,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    }),
  };
}

/** What the runner is given for a broadcast job: the ECBE bodies to send, or the message ids to stop. */
export async function broadcastJobVars(db: Db, payload: Record<string, unknown>) {
  const id = String(payload.broadcast_id ?? "");
  const action = payload.action === "stop" ? "stop" : "send";
  const row = await db.select().from(broadcasts).where(eq(broadcasts.id, id)).get();
  if (!row) return { broadcast: { id, action, messages: [] as EcbeMessage[], message_ids: [] as number[] } };
  const messages = await db.select().from(broadcastMessages).where(eq(broadcastMessages.broadcastId, id));
  const bodies = messages.map((m) => ecbeMessage(row, m));
  return {
    broadcast: {
      id,
      action,
      exercise: row.capStatus !== "Actual",
      target_cells: row.targetCells,
      messages: action === "send" ? bodies : [],
      message_ids: bodies.map((b) => b.smscb_message.message_id),
    },
  };
}

/**
 * A broadcast job's outcome: a sent alert is broadcasting (unless it was cancelled meanwhile); a
 * failure is recorded on the alert (the job page has the detail; staff retry the job).
 */
export async function applyBroadcastOutcome(
  ctx: WriteContext,
  payload: Record<string, unknown>,
  jobId: string,
  result: { status: "succeeded" | "failed"; error: { message: string } | null },
): Promise<void> {
  const id = String(payload.broadcast_id ?? "");
  const action = payload.action === "stop" ? "stop" : "send";
  const row = await ctx.db.select({ status: broadcasts.status }).from(broadcasts).where(eq(broadcasts.id, id)).get();
  if (!row) return;
  const statements: Statement[] = [];
  if (result.status === "succeeded" && action === "send" && row.status === "approved") {
    statements.push(ctx.db.update(broadcasts).set({ status: "broadcasting", updatedAt: ctx.now }).where(eq(broadcasts.id, id)));
  }
  statements.push(
    recordActivity(ctx, {
      entity: "broadcast",
      entityId: id,
      customerId: null,
      action: result.status === "succeeded" ? (action === "send" ? "broadcast.sent" : "broadcast.stopped") : "broadcast.dispatch_failed",
      after: { job_id: jobId, action, ...(result.error ? { error: result.error.message } : {}) },
    }),
  );
  const [first, ...rest] = statements as [Statement, ...Statement[]];
  await ctx.db.batch([first, ...rest]);
}
