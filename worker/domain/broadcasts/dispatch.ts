/**
 * Sending alerts to the cell broadcast centre. Approval queues a `broadcast` job (`send`); cancelling
 * or expiring an approved or broadcasting alert queues one that stops it (`stop`); `status` only reads
 * the CBC's per-cell results again (the alert page's "Refresh"). An update (CAP Update) is sent with
 * `replaces`: the runner deletes the replaced alert's message ids first (the CBC refuses an active
 * id), then posts the new serial number. The runner, inside the
 * operator network, makes the ECBE calls (Osmocom CBC REST API): the worker gives it the exact
 * request bodies at lease time, so the runner only carries them. One ECBE message per language
 * (each has its own message identifier); the CBC serves one network (`scope_plmn`), so the alert's
 * networks limit its target cells rather than multiplying messages.
 */
import { and, eq, inArray, notInArray, sql } from "drizzle-orm";
import type { Db, Statement } from "../../db/client";
import { broadcastMessages, broadcasts, jobs } from "../../db/schema";
import { type EcbeMessage, ecbeMessage } from "../../lib/cell-broadcast/ecbe";
import { ulid } from "../../lib/ids";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";
import { cellResultStatements } from "./results";

const MAX_ATTEMPTS = 5;

const actionOf = (payload: Record<string, unknown>): BroadcastAction => (payload.action === "stop" ? "stop" : payload.action === "status" ? "status" : "send");

/** The job row (pending; the queue consumer makes it ready) that sends or stops an alert. */
export type BroadcastAction = "send" | "stop" | "status";

export function broadcastJob(ctx: WriteContext, broadcastId: string, action: BroadcastAction): { id: string; statement: Statement } {
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
  const action = actionOf(payload);
  const row = await db.select().from(broadcasts).where(eq(broadcasts.id, id)).get();
  if (!row) return { broadcast: { id, action, replaces: [] as number[], messages: [] as EcbeMessage[], message_ids: [] as number[] } };
  const messages = await db.select().from(broadcastMessages).where(eq(broadcastMessages.broadcastId, id));
  // An update replaces the messages of the alert it supersedes: the runner deletes those ids first
  // (the CBC refuses an id still active), then posts the new serial number.
  const replaced =
    action === "send" && row.supersedesId
      ? await db.select({ messageId: broadcastMessages.messageId }).from(broadcastMessages).where(eq(broadcastMessages.broadcastId, row.supersedesId))
      : [];
  const bodies = messages.map((m) => ecbeMessage(row, m));
  return {
    broadcast: {
      id,
      action,
      replaces: [...new Set(replaced.map((m) => m.messageId))],
      exercise: row.capStatus !== "Actual",
      target_cells: row.targetCells,
      // A send leased after the alert was cancelled or expired sends nothing (its stop job cleans up).
      messages: action === "send" && (row.status === "approved" || row.status === "broadcasting") ? bodies : [],
      message_ids: bodies.map((b) => b.smscb_message.message_id),
    },
  };
}

/**
 * A broadcast job's outcome: a sent alert is broadcasting (unless it was cancelled meanwhile) and an
 * update's predecessor is completed; the CBC's per-cell results are kept; a failure is recorded on
 * the alert (the job page has the detail; staff retry the job).
 */
export async function applyBroadcastOutcome(
  ctx: WriteContext,
  payload: Record<string, unknown>,
  jobId: string,
  result: { status: "succeeded" | "failed"; error: { message: string } | null; outputs?: unknown },
): Promise<void> {
  const id = String(payload.broadcast_id ?? "");
  const action = actionOf(payload);
  const row = await ctx.db.select({ status: broadcasts.status, supersedesId: broadcasts.supersedesId }).from(broadcasts).where(eq(broadcasts.id, id)).get();
  if (!row) return;
  const statements: Statement[] = cellResultStatements(ctx, id, result.outputs);
  if (statements.length > 0) statements.push(ctx.db.update(broadcasts).set({ resultsAt: ctx.now }).where(eq(broadcasts.id, id)));
  if (result.status === "succeeded" && action === "send" && row.status === "approved") {
    statements.push(ctx.db.update(broadcasts).set({ status: "broadcasting", updatedAt: ctx.now }).where(eq(broadcasts.id, id)));
    if (row.supersedesId) {
      statements.push(
        ctx.db
          .update(broadcasts)
          .set({ status: "completed", updatedAt: ctx.now })
          .where(and(eq(broadcasts.id, row.supersedesId), inArray(broadcasts.status, ["approved", "broadcasting"]))),
        recordActivity(ctx, {
          entity: "broadcast",
          entityId: row.supersedesId,
          customerId: null,
          action: "broadcast.superseded",
          after: { by: id, job_id: jobId },
        }),
      );
    }
  }
  if (action !== "status" || result.status === "failed")
    statements.push(
      recordActivity(ctx, {
        entity: "broadcast",
        entityId: id,
        customerId: null,
        action: result.status === "succeeded" ? (action === "send" ? "broadcast.sent" : "broadcast.stopped") : "broadcast.dispatch_failed",
        after: { job_id: jobId, action, ...(result.error ? { error: result.error.message } : {}) },
      }),
    );
  const [first, ...rest] = statements;
  if (first) await ctx.db.batch([first, ...rest]);
}

/** Whether a broadcast job of this alert is still to run or running (the page then refreshes itself). */
export async function jobInFlight(db: Db, broadcastId: string): Promise<boolean> {
  const row = await db
    .select({ id: jobs.id })
    .from(jobs)
    .where(
      and(
        eq(jobs.type, "broadcast"),
        notInArray(jobs.status, ["succeeded", "failed", "dead"]),
        sql`json_extract(${jobs.payload}, '$.broadcast_id') = ${broadcastId}`,
      ),
    )
    .limit(1)
    .get();
  return Boolean(row);
}
