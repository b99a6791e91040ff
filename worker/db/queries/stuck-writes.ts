import { and, count, desc, isNotNull, isNull, lt } from "drizzle-orm";
import type { Db } from "../client";
import { stuckWrites } from "../schema";

/** Stuck writes, newest first: open ones, or those handled; `limit + 1` rows tell whether more follow. */
export async function listStuckWrites(db: Db, f: { handled: boolean; cursor?: string; limit: number }) {
  const rows = await db
    .select()
    .from(stuckWrites)
    .where(and(f.handled ? isNotNull(stuckWrites.resolvedAt) : isNull(stuckWrites.resolvedAt), f.cursor ? lt(stuckWrites.id, f.cursor) : undefined))
    .orderBy(desc(stuckWrites.id))
    .limit(f.limit + 1);
  const page = rows.slice(0, f.limit);
  return { data: page, next_cursor: rows.length > f.limit ? (page.at(-1)?.id ?? null) : null };
}

export async function openStuckWriteCount(db: Db): Promise<number> {
  return (await db.select({ n: count() }).from(stuckWrites).where(isNull(stuckWrites.resolvedAt)).get())?.n ?? 0;
}
