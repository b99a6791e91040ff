import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import { decodeCursor, encodeCursor, type Page } from "../../lib/cursor";
import type { Db } from "../client";
import { type ActivityEntry, activityLog } from "../schema";

export function toActivityView(a: ActivityEntry) {
  return {
    id: a.id,
    at: a.at,
    actor: { type: a.actorType, id: a.actorId, label: a.actorLabel },
    entity: a.entity,
    entity_id: a.entityId,
    customer_id: a.customerId,
    action: a.action,
    changes: a.changes,
    request_id: a.requestId,
  };
}
export type ActivityView = ReturnType<typeof toActivityView>;

export type ActivityFilters = {
  entity?: string;
  entityId?: string;
  actor?: string;
  customerId?: string;
  action?: string;
  limit: number;
  cursor?: string;
};

/** Newest first; ids are time-ordered so the id is the cursor. */
export async function listActivity(db: Db, f: ActivityFilters): Promise<Page<ActivityView>> {
  const where: (SQL | undefined)[] = [];
  if (f.entity) where.push(eq(activityLog.entity, f.entity));
  if (f.entityId) where.push(eq(activityLog.entityId, f.entityId));
  if (f.actor) where.push(eq(activityLog.actorId, f.actor));
  if (f.customerId) where.push(eq(activityLog.customerId, f.customerId));
  if (f.action) where.push(eq(activityLog.action, f.action));
  if (f.cursor) where.push(lt(activityLog.id, String(decodeCursor(f.cursor, 1)[0])));
  const rows = await db
    .select()
    .from(activityLog)
    .where(and(...where))
    .orderBy(desc(activityLog.id))
    .limit(f.limit + 1);
  const page = rows.slice(0, f.limit);
  const last = page.at(-1);
  return { data: page.map(toActivityView), next_cursor: rows.length > f.limit && last ? encodeCursor([last.id]) : null };
}
