import { env } from "cloudflare:test";
import { eq, inArray } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { bulkInsert } from "../db/bulk";
import { createDb } from "../db/client";
import { attributeDefinitions, roles } from "../db/schema";

describe("bulkInsert (rows as one JSON parameter)", () => {
  // Storage is shared by the test files: a required attribute left behind would change customer forms.
  afterAll(async () => {
    await env.DB.prepare("DELETE FROM attribute_definitions WHERE key LIKE 'bulk\\_%' ESCAPE '\\'").run();
  });
  it("writes rows that read back exactly as drizzle's own insert writes them", async () => {
    const db = createDb(env.DB);
    const at = "2026-12-01T00:00:00.000Z";
    const rows = [
      {
        key: "bulk_a",
        label: 'Quote\'s "label"',
        type: "enum" as const,
        options: ["x", "y, z"],
        required: true,
        description: null,
        createdAt: at,
        updatedAt: at,
      },
      { key: "bulk_b", label: "Ünïcødé ✓", type: "boolean" as const, options: [], required: false, description: "d", createdAt: at, updatedAt: at },
    ];
    await env.DB.batch(bulkInsert(env.DB, attributeDefinitions, rows));
    await db.insert(attributeDefinitions).values({ ...rows[0], key: "bulk_c" } as (typeof rows)[number]);
    const read = await db
      .select()
      .from(attributeDefinitions)
      .where(inArray(attributeDefinitions.key, ["bulk_a", "bulk_b", "bulk_c"]));
    const byKey = new Map(read.map((r) => [r.key, r]));
    expect(byKey.get("bulk_a")).toEqual(rows[0]);
    expect(byKey.get("bulk_b")).toEqual(rows[1]);
    // Stored the same bytes as drizzle's insert: JSON text and 0/1.
    const raw = await env.DB.prepare("SELECT key, options, required FROM attribute_definitions WHERE key IN ('bulk_a', 'bulk_c') ORDER BY key").all();
    expect(raw.results[0]).toEqual({ ...raw.results[1], key: "bulk_a" });
  });

  it("ignores rows already there, or applies the caller's upsert, and writes nothing for no rows", async () => {
    const at = "2026-12-01T00:00:00.000Z";
    const row = { key: "bulk_d", label: "first", type: "text" as const, options: [], required: false, description: null, createdAt: at, updatedAt: at };
    await env.DB.batch(bulkInsert(env.DB, attributeDefinitions, [row]));
    await env.DB.batch(bulkInsert(env.DB, attributeDefinitions, [{ ...row, label: "second" }]));
    const db = createDb(env.DB);
    expect((await db.select().from(attributeDefinitions).where(eq(attributeDefinitions.key, "bulk_d")).get())?.label).toBe("first");
    await env.DB.batch(bulkInsert(env.DB, attributeDefinitions, [{ ...row, label: "third" }], "(key) DO UPDATE SET label = excluded.label"));
    expect((await db.select().from(attributeDefinitions).where(eq(attributeDefinitions.key, "bulk_d")).get())?.label).toBe("third");
    expect(bulkInsert(env.DB, roles, [])).toEqual([]);
  });
});
