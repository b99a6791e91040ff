import { and, eq, lt } from "drizzle-orm";
import type { Db } from "../client";
import { idempotencyKeys } from "../schema";

export type StoredKey = typeof idempotencyKeys.$inferSelect;

const byKey = (scope: string, key: string) => and(eq(idempotencyKeys.principal, scope), eq(idempotencyKeys.key, key));

/** Claims a key for a first request; false when the caller already used it (see `findKey`). */
export async function claimKey(
  db: Db,
  row: { scope: string; key: string; method: string; path: string; requestHash: string; createdAt: string },
): Promise<boolean> {
  const inserted = await db
    .insert(idempotencyKeys)
    .values({ principal: row.scope, key: row.key, method: row.method, path: row.path, requestHash: row.requestHash, createdAt: row.createdAt })
    .onConflictDoNothing()
    .run();
  return inserted.meta.changes > 0;
}

export async function findKey(db: Db, scope: string, key: string): Promise<StoredKey | undefined> {
  return db.select().from(idempotencyKeys).where(byKey(scope, key)).get();
}

/** Stores the first outcome of a claimed key, for its replays. */
export async function completeKey(db: Db, scope: string, key: string, statusCode: number, responseBody: string): Promise<void> {
  await db.update(idempotencyKeys).set({ statusCode, responseBody }).where(byKey(scope, key));
}

/** Gives a key back (the request failed, or its record expired): the next request with it is a first one. */
export async function releaseKey(db: Db, scope: string, key: string): Promise<void> {
  await db.delete(idempotencyKeys).where(byKey(scope, key));
}

export async function purgeKeysBefore(db: Db, before: string): Promise<void> {
  await db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, before));
}
