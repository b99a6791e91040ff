import type { Statement } from "../../db/client";
import { activityLog } from "../../db/schema";
import { newId } from "../../lib/ids";
import type { WriteContext } from "../context";

export type Changes = Record<string, { before: unknown; after: unknown }>;

const IGNORED = new Set(["updatedAt", "updated_at", "createdAt", "created_at"]);

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** Field-by-field difference between two versions of a record (null for a side that does not exist). */
export function diff(before: Record<string, unknown> | null, after: Record<string, unknown> | null): Changes {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  const changes: Changes = {};
  for (const key of keys) {
    if (IGNORED.has(key)) continue;
    const b = before ? (before[key] ?? null) : null;
    const a = after ? (after[key] ?? null) : null;
    if (!same(a, b)) changes[key] = { before: b, after: a };
  }
  return changes;
}

export type ActivityInput = {
  entity: string;
  entityId: string;
  customerId: string | null;
  action: string;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  changes?: Changes;
};

export type ActivityRow = typeof activityLog.$inferInsert;

/** The activity row of one mutation, as plain data (a Durable Object may store it before writing it). */
export function activityRow(ctx: Pick<WriteContext, "actor" | "requestId" | "now">, input: ActivityInput): ActivityRow {
  return {
    id: newId("activity"),
    at: ctx.now,
    actorType: ctx.actor.type,
    actorId: ctx.actor.id,
    actorLabel: ctx.actor.label,
    entity: input.entity,
    entityId: input.entityId,
    customerId: input.customerId,
    action: input.action,
    changes: input.changes ?? diff(input.before ?? null, input.after ?? null),
    requestId: ctx.requestId,
  };
}

/** The insert that records one mutation; callers put it in the same batch as the change itself. */
export function recordActivity(ctx: WriteContext, input: ActivityInput): Statement {
  return ctx.db.insert(activityLog).values(activityRow(ctx, input));
}
