import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Db = ReturnType<typeof createDb>;
export type Statement = BatchItem<"sqlite">;

/** A drizzle client over the D1 binding. */
export function createDb(d1: D1Database) {
  return drizzle(d1, { schema });
}

/** Runs statements as one D1 batch, which D1 executes as a single transaction. */
export async function runBatch(db: Db, statements: Statement[]): Promise<void> {
  if (statements.length === 0) return;
  const [first, ...rest] = statements as [Statement, ...Statement[]];
  await db.batch([first, ...rest]);
}
