import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import { decodeCursor, encodeCursor, type Page } from "../../lib/cursor";
import type { Db } from "../client";
import { emailOutbox, type OutboxEmail } from "../schema";

export type OutboxStatus = OutboxEmail["status"];

/** The email outbox, newest first, optionally by status. */
export async function listOutbox(db: Db, f: { status?: OutboxStatus; limit: number; cursor?: string }): Promise<Page<OutboxEmail>> {
  const where: (SQL | undefined)[] = [f.status ? eq(emailOutbox.status, f.status) : undefined];
  if (f.cursor) where.push(lt(emailOutbox.id, String(decodeCursor(f.cursor, 1)[0])));
  const rows = await db
    .select()
    .from(emailOutbox)
    .where(and(...where))
    .orderBy(desc(emailOutbox.id))
    .limit(f.limit + 1);
  const page = rows.slice(0, f.limit);
  const last = page.at(-1);
  return { data: page, next_cursor: rows.length > f.limit && last ? encodeCursor([last.id]) : null };
}
