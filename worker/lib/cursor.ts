import { BadRequest } from "./errors";

/** Opaque keyset cursors: the sort value and id of the last row of a page. */
export function encodeCursor(values: (string | number | null)[]): string {
  return btoa(JSON.stringify(values)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeCursor(cursor: string, length: number): (string | number | null)[] {
  try {
    const json = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
    const values: unknown = JSON.parse(json);
    if (Array.isArray(values) && values.length === length && values.every((v) => v === null || typeof v === "string" || typeof v === "number")) {
      return values as (string | number | null)[];
    }
  } catch {
    // fall through to the error below
  }
  throw new BadRequest("The cursor is not valid; use the next_cursor value of a previous page.", [{ path: "cursor", message: "Invalid cursor" }]);
}

export type Page<T> = { data: T[]; next_cursor: string | null };
