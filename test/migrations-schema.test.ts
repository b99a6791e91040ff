/**
 * Migrations are history: once landed they are never edited, and every schema change is a new
 * migration. Nothing else stops `worker/db/schema.ts` and `migrations/` from drifting apart (a column
 * added to schema.ts without `npm run db:generate`, a hand-written migration that schema.ts never
 * learnt of), so this applies every migration to an empty SQLite database, builds a second one from the
 * SQL drizzle-kit generates for schema.ts, and compares tables, columns, foreign keys and indexes.
 * Triggers, views and FTS5 tables live only in custom migrations (schema.ts cannot declare them) and
 * are left out.
 */
import { readdirSync, readFileSync } from "node:fs";
import Database from "better-sqlite3";
import { generateSQLiteDrizzleJson, generateSQLiteMigration } from "drizzle-kit/api";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import * as schema from "../worker/db/schema";

const MIGRATIONS = new URL("../migrations/", import.meta.url);
const BREAKPOINT = "--> statement-breakpoint";

const Journal = z.object({ entries: z.array(z.object({ idx: z.number(), tag: z.string() })) });

/** Migration tags in journal order. */
function journalTags(): string[] {
  const journal = Journal.parse(JSON.parse(readFileSync(new URL("meta/_journal.json", MIGRATIONS), "utf8")));
  return [...journal.entries].sort((a, b) => a.idx - b.idx).map((e) => e.tag);
}

/** An empty database with every migration applied in journal order, split at drizzle's statement breakpoints. */
function migratedDatabase(): Database.Database {
  const db = new Database(":memory:");
  for (const tag of journalTags()) {
    const statements = readFileSync(new URL(`${tag}.sql`, MIGRATIONS), "utf8")
      .split(BREAKPOINT)
      .map((s) => s.trim())
      .filter(Boolean);
    for (const [i, statement] of statements.entries()) {
      try {
        db.exec(statement);
      } catch (error) {
        throw new Error(`${tag}.sql, statement ${i + 1}: ${error instanceof Error ? error.message : String(error)}\n${statement}`);
      }
    }
  }
  return db;
}

/** An empty database built from the SQL drizzle-kit generates for schema.ts (what `db:generate` would write from scratch). */
async function declaredDatabase(): Promise<Database.Database> {
  const statements = await generateSQLiteMigration(await generateSQLiteDrizzleJson({}), await generateSQLiteDrizzleJson(schema));
  const db = new Database(":memory:");
  for (const statement of statements) db.exec(statement);
  return db;
}

const TableRow = z.object({ name: z.string(), type: z.string(), wr: z.number(), strict: z.number() });
type TableRowType = z.infer<typeof TableRow>;
const ColumnRow = z.object({ name: z.string(), type: z.string(), notnull: z.number(), dflt_value: z.string().nullable(), pk: z.number(), hidden: z.number() });
const ForeignKeyRow = z.object({
  id: z.number(),
  seq: z.number(),
  table: z.string(),
  from: z.string(),
  to: z.string().nullable(),
  on_update: z.string(),
  on_delete: z.string(),
});
const IndexRow = z.object({ name: z.string(), unique: z.number(), origin: z.string(), partial: z.number() });
const IndexColumnRow = z.object({ seqno: z.number(), name: z.string().nullable(), desc: z.number(), coll: z.string().nullable(), key: z.number() });
const SqlRow = z.object({ sql: z.string().nullable() });

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;
const normalize = (sql: string) =>
  sql
    .replace(/[`"[\]]/g, "")
    .replace(/\s+/g, " ")
    .trim()
    .toLowerCase();
const indexSql = (db: Database.Database, name: string) =>
  SqlRow.parse(db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?").get(name)).sql ?? "";

/** What one table looks like, as `what → description` facts that read well in a failure message. */
function tableFacts(db: Database.Database, table: TableRowType): Map<string, string> {
  const facts = new Map<string, string>();
  const sql = SqlRow.parse(db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?").get(table.name)).sql ?? "";
  const options = [/\bAUTOINCREMENT\b/i.test(sql) && "AUTOINCREMENT", table.wr && "WITHOUT ROWID", table.strict && "STRICT"].filter(Boolean);
  facts.set(table.name, ["table", ...options].join(" "));

  for (const c of z.array(ColumnRow).parse(db.prepare(`PRAGMA table_xinfo(${quoted(table.name)})`).all())) {
    const parts = [c.type.toLowerCase() || "(no type)"];
    if (c.notnull) parts.push("NOT NULL");
    if (c.dflt_value !== null) parts.push(`DEFAULT ${c.dflt_value}`);
    if (c.pk) parts.push(`PRIMARY KEY #${c.pk}`);
    if (c.hidden) parts.push(`hidden ${c.hidden}`);
    facts.set(`${table.name}.${c.name}`, parts.join(" "));
  }

  const foreignKeys = new Map<number, z.infer<typeof ForeignKeyRow>[]>();
  for (const fk of z.array(ForeignKeyRow).parse(db.prepare(`PRAGMA foreign_key_list(${quoted(table.name)})`).all())) {
    foreignKeys.set(fk.id, [...(foreignKeys.get(fk.id) ?? []), fk]);
  }
  for (const rows of foreignKeys.values()) {
    rows.sort((a, b) => a.seq - b.seq);
    const [first] = rows;
    if (!first) continue;
    const to = rows.map((r) => r.to ?? "(primary key)").join(", ");
    facts.set(
      `${table.name} foreign key (${rows.map((r) => r.from).join(", ")})`,
      `references ${first.table}(${to}) ON UPDATE ${first.on_update} ON DELETE ${first.on_delete}`,
    );
  }

  for (const index of z.array(IndexRow).parse(db.prepare(`PRAGMA index_list(${quoted(table.name)})`).all())) {
    const columns = z
      .array(IndexColumnRow)
      .parse(db.prepare(`PRAGMA index_xinfo(${quoted(index.name)})`).all())
      .filter((c) => c.key)
      .sort((a, b) => a.seqno - b.seqno)
      .map((c) => `${c.name ?? "(expression)"}${c.desc ? " DESC" : ""}${c.coll && c.coll !== "BINARY" ? ` COLLATE ${c.coll}` : ""}`)
      .join(", ");
    const parts = [index.unique ? "UNIQUE" : "non-unique", `(${columns})`];
    if (index.partial) parts.push(`WHERE ${normalize(indexSql(db, index.name).replace(/^.*?\bWHERE\b/is, ""))}`);
    if (columns.includes("(expression)")) parts.push(`[${normalize(indexSql(db, index.name))}]`);
    // SQLite names the indexes behind PRIMARY KEY / UNIQUE constraints itself: key them by what they cover.
    const key = index.name.startsWith("sqlite_autoindex_")
      ? `${table.name} ${index.origin === "pk" ? "primary key" : "unique constraint"} (${columns})`
      : `${table.name} index ${index.name}`;
    facts.set(key, parts.join(" "));
  }
  return facts;
}

/** Every ordinary table (not views, virtual tables such as FTS5, their shadow tables, or SQLite's own). */
function ordinaryTables(db: Database.Database): TableRowType[] {
  return z
    .array(TableRow)
    .parse(db.prepare("PRAGMA main.table_list").all())
    .filter((t) => t.type === "table" && !t.name.startsWith("sqlite_"))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Readable differences between the migrated and the declared database, one line each. */
function schemaDifferences(migrated: Database.Database, declared: Database.Database): string[] {
  const say = (value: string | undefined) => value ?? "nothing";
  const fromMigrations = new Map(ordinaryTables(migrated).map((t) => [t.name, t]));
  const fromSchema = new Map(ordinaryTables(declared).map((t) => [t.name, t]));
  const differences: string[] = [];
  for (const name of [...new Set([...fromMigrations.keys(), ...fromSchema.keys()])].sort()) {
    const m = fromMigrations.get(name);
    const s = fromSchema.get(name);
    if (!m || !s) {
      differences.push(`${name}: migrations say ${m ? "table" : "nothing"}, schema.ts says ${s ? "table" : "nothing"}`);
      continue;
    }
    const mFacts = tableFacts(migrated, m);
    const sFacts = tableFacts(declared, s);
    for (const key of [...new Set([...mFacts.keys(), ...sFacts.keys()])].sort()) {
      if (mFacts.get(key) !== sFacts.get(key)) differences.push(`${key}: migrations say ${say(mFacts.get(key))}, schema.ts says ${say(sFacts.get(key))}`);
    }
  }
  return differences;
}

describe("migrations and worker/db/schema.ts", () => {
  it("list the same migrations in the journal as on disk, in the same order (wrangler applies files by name)", () => {
    const files = readdirSync(MIGRATIONS)
      .filter((f) => f.endsWith(".sql"))
      .sort()
      .map((f) => f.slice(0, -".sql".length));
    expect(journalTags()).toEqual(files);
  });

  it("declare the same tables, columns, foreign keys and indexes", async () => {
    const migrated = migratedDatabase();
    const declared = await declaredDatabase();
    try {
      // The comparison covers every table schema.ts declares.
      const declaredTables = Object.keys((await generateSQLiteDrizzleJson(schema)).tables).sort();
      expect(declaredTables.length).toBeGreaterThan(0);
      expect(ordinaryTables(declared).map((t) => t.name)).toEqual(declaredTables);

      const differences = schemaDifferences(migrated, declared);
      expect(differences, `schema.ts and the migrations disagree; add a new migration (npm run db:generate):\n${differences.join("\n")}`).toEqual([]);
    } finally {
      migrated.close();
      declared.close();
    }
  });

  it("leave nothing for `npm run db:generate` to write (the last snapshot matches schema.ts)", async () => {
    const [number] = (journalTags().at(-1) ?? "").split("_");
    const snapshot = JSON.parse(readFileSync(new URL(`meta/${number}_snapshot.json`, MIGRATIONS), "utf8"));
    expect(await generateSQLiteMigration(snapshot, await generateSQLiteDrizzleJson(schema))).toEqual([]);
  });

  it("reports a table, column, index or foreign key that differs, side by side", async () => {
    const migrated = migratedDatabase();
    const declared = await declaredDatabase();
    try {
      migrated.exec("ALTER TABLE customers ADD COLUMN nickname text NOT NULL DEFAULT ''");
      migrated.exec("DROP INDEX customers_external_id_unique");
      declared.exec("CREATE INDEX customers_drift_idx ON customers (name)");
      declared.exec("ALTER TABLE contacts ADD COLUMN site_id text REFERENCES sites(id) ON DELETE CASCADE");
      declared.exec("CREATE TABLE drifted (id text PRIMARY KEY)");
      migrated.exec("CREATE TABLE drift_both (id text PRIMARY KEY, n integer NOT NULL DEFAULT 0)");
      declared.exec("CREATE TABLE drift_both (id integer PRIMARY KEY AUTOINCREMENT, n integer)");
      expect(schemaDifferences(migrated, declared)).toEqual([
        "contacts foreign key (site_id): migrations say nothing, schema.ts says references sites(id) ON UPDATE NO ACTION ON DELETE CASCADE",
        "contacts.site_id: migrations say nothing, schema.ts says text",
        "customers index customers_drift_idx: migrations say nothing, schema.ts says non-unique (name)",
        "customers index customers_external_id_unique: migrations say nothing, schema.ts says UNIQUE (external_id)",
        "customers.nickname: migrations say text NOT NULL DEFAULT '', schema.ts says nothing",
        "drift_both: migrations say table, schema.ts says table AUTOINCREMENT",
        "drift_both primary key (id): migrations say UNIQUE (id), schema.ts says nothing",
        "drift_both.id: migrations say text PRIMARY KEY #1, schema.ts says integer PRIMARY KEY #1",
        "drift_both.n: migrations say integer NOT NULL DEFAULT 0, schema.ts says integer",
        "drifted: migrations say nothing, schema.ts says table",
      ]);
    } finally {
      migrated.close();
      declared.close();
    }
  });
});
