import { type Column, getTableColumns, getTableName, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";

/**
 * Inserts many rows of one table with a single bound parameter: the rows travel as one JSON array
 * and SQLite unpacks them (`INSERT … SELECT … FROM json_each(?)`). D1 binds at most 100 parameters
 * per statement and checks each one, so a write-through of many operations used to be several
 * multi-row statements of ~100 parameters each; it is now one statement per table, whatever the
 * number of rows, and building it costs a JSON.stringify instead of drizzle's per-value query build.
 *
 * Values are mapped exactly as drizzle's own insert maps them (`mapToDriverValue`: JSON columns
 * stringified, booleans as 0/1; a missing value takes the column's default, else NULL), so a row
 * reads back the same whichever way it was written.
 */
type Plan = { columns: [key: string, column: Column][]; insert: string };

const plans = new WeakMap<SQLiteTable, Plan>();

function planOf(table: SQLiteTable): Plan {
  let plan = plans.get(table);
  if (!plan) {
    const columns = Object.entries(getTableColumns(table) as Record<string, Column>).filter(
      // Generated columns are SQLite's to fill (none today), as drizzle's own insert leaves them out.
      ([, c]) => c.generated === undefined || c.generated.type === "byDefault",
    );
    const names = columns.map(([, c]) => `"${c.name}"`).join(", ");
    const values = columns.map((_, i) => `json_extract(value, '$[${i}]')`).join(", ");
    // `WHERE true`: an upsert after INSERT … SELECT needs it, or SQLite reads ON as a join.
    plan = { columns, insert: `INSERT INTO "${getTableName(table)}" (${names}) SELECT ${values} FROM json_each(?) WHERE true ON CONFLICT ` };
    plans.set(table, plan);
  }
  return plan;
}

function driverValue(column: Column, value: unknown): unknown {
  if (value === undefined) {
    if (column.default !== undefined && column.default !== null) return column.mapToDriverValue(column.default);
    if (column.defaultFn) return column.mapToDriverValue(column.defaultFn());
    return null;
  }
  return value === null ? null : column.mapToDriverValue(value);
}

/** Rows per statement: keeps each JSON parameter well under D1's size limits. */
const ROWS_PER_STATEMENT = 200;

/**
 * `INSERT … ON CONFLICT <conflict>` of `rows` into `table`, one statement per 200 rows (none for no
 * rows). `conflict` is SQL written by the caller (never data): `DO NOTHING` or a `DO UPDATE …`.
 */
export function bulkInsert<T extends SQLiteTable>(
  d1: D1Database,
  table: T,
  rows: readonly T["$inferInsert"][],
  conflict = "DO NOTHING",
): D1PreparedStatement[] {
  if (rows.length === 0) return [];
  const plan = planOf(table);
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const json = JSON.stringify(
      rows.slice(i, i + ROWS_PER_STATEMENT).map((row) => plan.columns.map(([key, column]) => driverValue(column, (row as Record<string, unknown>)[key]))),
    );
    statements.push(d1.prepare(plan.insert + conflict).bind(json));
  }
  return statements;
}

/**
 * `column IN (values)` with the values bound as one JSON parameter, however many there are: drizzle's
 * `inArray` binds one parameter per value, and D1 refuses a statement with more than 100 (Miniflare
 * does not, so only production would fail). For lists whose length the data decides.
 */
export function inList(column: SQLWrapper, values: readonly (string | number)[]): SQL {
  return sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`;
}
