/**
 * Conditional batches. A D1 batch is one transaction; a statement in it that fails rolls all of it
 * back. `abortUnlessChanged` placed right after a conditional UPDATE or INSERT fails the batch when
 * that statement changed nothing (SQLite's `changes()`), so what follows it — a number taken, an
 * activity entry — never happens alone. `json()` of a text that is not JSON is the error it raises.
 */
const REFUSED = "refused: the condition no longer holds";

export function abortUnlessChanged(d1: D1Database): D1PreparedStatement {
  return d1.prepare(`SELECT json(CASE WHEN changes() > 0 THEN '0' ELSE '${REFUSED}' END)`);
}

/** Whether a batch failed on `abortUnlessChanged` (and nothing of it was written). */
export function isGuardAbort(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? "")}` : String(error);
  return /malformed JSON/i.test(text);
}
