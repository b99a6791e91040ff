import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Db = ReturnType<typeof build>;
export type Statement = BatchItem<"sqlite">;

function build(d1: D1Database) {
  return drizzle(d1, { schema });
}

// drizzle() walks the whole schema when it is created: build one client per binding, not per request.
const clients = new WeakMap<D1Database, ReturnType<typeof build>>();

/** The drizzle client over a D1 binding (one per binding and isolate). */
export function createDb(d1: D1Database) {
  let client = clients.get(d1);
  if (!client) {
    client = build(d1);
    clients.set(d1, client);
  }
  return client;
}

/** Runs statements as one D1 batch, which D1 executes as a single transaction. */
export async function runBatch(db: Db, statements: Statement[]): Promise<void> {
  if (statements.length === 0) return;
  const [first, ...rest] = statements as [Statement, ...Statement[]];
  await db.batch([first, ...rest]);
}

/**
 * A drizzle statement as a D1 prepared statement, for batches that mix drizzle-built statements with
 * hand-written ones (`bulkInsert`). Every `Statement` this code base builds is an insert, update or
 * delete builder, which renders itself with `toSQL()`.
 */
export function prepared(d1: D1Database, statement: Statement): D1PreparedStatement {
  const { sql, params } = (statement as unknown as { toSQL(): { sql: string; params: unknown[] } }).toSQL();
  return d1.prepare(sql).bind(...params);
}
