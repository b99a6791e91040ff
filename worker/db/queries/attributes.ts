import { asc, eq, sql } from "drizzle-orm";
import type { Db } from "../client";
import { type AttributeDefinition, attributeDefinitions, customerAttributes } from "../schema";

export function toAttributeDefinitionView(d: AttributeDefinition) {
  return {
    key: d.key,
    label: d.label,
    type: d.type,
    options: d.options,
    required: d.required,
    description: d.description,
    created_at: d.createdAt,
    updated_at: d.updatedAt,
  };
}

export async function listAttributeDefinitions(db: Db) {
  const rows = await db.select().from(attributeDefinitions).orderBy(asc(attributeDefinitions.label));
  return rows.map(toAttributeDefinitionView);
}

export async function getAttributeDefinition(db: Db, key: string) {
  const row = await db.select().from(attributeDefinitions).where(eq(attributeDefinitions.key, key)).get();
  return row ? toAttributeDefinitionView(row) : null;
}

export async function countAttributeUses(db: Db, key: string): Promise<number> {
  const row = await db.select({ n: sql<number>`count(*)` }).from(customerAttributes).where(eq(customerAttributes.key, key)).get();
  return row?.n ?? 0;
}
