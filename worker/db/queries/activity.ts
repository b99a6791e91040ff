import { and, desc, eq, gte, inArray, lt, type SQL, sql } from "drizzle-orm";
import { BUSINESS_ENTITIES } from "../../domain/activity/filters";
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
  /** Entries at or after this UTC instant (ISO 8601). */
  from?: string;
  /** Entries before this UTC instant (half-open). */
  to?: string;
  /** Only business events ({@link BUSINESS_ENTITIES}). */
  business?: boolean;
  /** Entries about one of these entities, or belonging to one of these customers (a subject matched by name). */
  subjects?: { entities: readonly (readonly [entity: string, id: string])[]; customerIds: readonly string[] };
  limit: number;
  cursor?: string;
};

const CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz";
/** The smallest activity id made at `ms`: ids are `act_` + a ULID, whose first ten characters are its millisecond time. */
export function activityIdAt(ms: number): string {
  let out = "";
  let t = Math.max(0, ms);
  for (let i = 0; i < 10; i++) {
    out = CROCKFORD[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return `act_${out}`;
}
/**
 * Ids bound a period with an hour to spare: an entry's id and its `at` come from the same clock when its
 * write is prepared, but a Durable Object may write it through a little later.
 */
export const ACTIVITY_ID_MARGIN_MS = 3_600_000;

/** Newest first; ids are time-ordered so the id is the cursor. */
export async function listActivity(db: Db, f: ActivityFilters): Promise<Page<ActivityView>> {
  const where: (SQL | undefined)[] = [];
  if (f.entity) where.push(eq(activityLog.entity, f.entity));
  if (f.entityId) where.push(eq(activityLog.entityId, f.entityId));
  if (f.actor) where.push(eq(activityLog.actorId, f.actor));
  if (f.customerId) where.push(eq(activityLog.customerId, f.customerId));
  if (f.action) where.push(eq(activityLog.action, f.action));
  if (f.business) where.push(inArray(activityLog.entity, [...BUSINESS_ENTITIES]));
  // The id bounds let SQLite seek the primary key; `at` decides.
  if (f.from) where.push(gte(activityLog.at, f.from), gte(activityLog.id, activityIdAt(Date.parse(f.from) - ACTIVITY_ID_MARGIN_MS)));
  if (f.to) where.push(lt(activityLog.at, f.to), lt(activityLog.id, activityIdAt(Date.parse(f.to) + ACTIVITY_ID_MARGIN_MS)));
  if (f.subjects)
    where.push(
      // (entity, entity_id) and customer_id each have an index: SQLite unions the two lookups.
      sql`((${activityLog.entity}, ${activityLog.entityId}) IN (SELECT value ->> 0, value ->> 1 FROM json_each(${JSON.stringify(f.subjects.entities)})) OR ${activityLog.customerId} IN (SELECT value FROM json_each(${JSON.stringify(f.subjects.customerIds)})))`,
    );
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
