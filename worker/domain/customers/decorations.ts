import { eq, sql } from "drizzle-orm";
import type { Statement } from "../../db/client";
import { attributeDefinitions, customerAttributes, customerTags, tags } from "../../db/schema";
import type { FieldError } from "../../lib/errors";
import { Invalid } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { type AttributeValue, coerceAttributeValue } from "../attributes/schemas";
import type { WriteContext } from "../context";

/**
 * Validates a complete set of attribute values against the definitions: unknown keys, wrong types
 * and missing required attributes are reported together, one error per field.
 */
export async function validateAttributes(ctx: WriteContext, values: Record<string, unknown>): Promise<Record<string, AttributeValue>> {
  const definitions = await ctx.db.select().from(attributeDefinitions);
  const byKey = new Map(definitions.map((d) => [d.key, d]));
  const errors: FieldError[] = [];
  const result: Record<string, AttributeValue> = {};
  for (const [key, raw] of Object.entries(values)) {
    if (raw === null || raw === undefined || raw === "") continue;
    const def = byKey.get(key);
    if (!def) {
      errors.push({ path: `attributes.${key}`, message: "No attribute is defined with this key" });
      continue;
    }
    const outcome = coerceAttributeValue(def, raw);
    if ("error" in outcome) errors.push({ path: `attributes.${key}`, message: outcome.error });
    else result[key] = outcome.value;
  }
  for (const def of definitions) {
    if (def.required && !(def.key in result) && !errors.some((e) => e.path === `attributes.${def.key}`)) {
      errors.push({ path: `attributes.${def.key}`, message: `${def.label} is required` });
    }
  }
  if (errors.length > 0) throw new Invalid("Some attribute values are not valid.", errors);
  return result;
}

/** Statements that make a customer's tags exactly `names`, creating unknown tags on the way. */
export function replaceTagsStatements(ctx: WriteContext, customerId: string, names: string[]): Statement[] {
  const statements: Statement[] = [ctx.db.delete(customerTags).where(eq(customerTags.customerId, customerId))];
  for (const name of names) {
    statements.push(
      ctx.db
        .insert(tags)
        .values({ id: newId("tag"), name, createdAt: ctx.now })
        .onConflictDoNothing(),
    );
    statements.push(
      ctx.db
        .insert(customerTags)
        .select(
          ctx.db
            .select({ customerId: sql<string>`${customerId}`.as("customer_id"), tagId: tags.id })
            .from(tags)
            .where(eq(tags.name, name)),
        )
        .onConflictDoNothing(),
    );
  }
  return statements;
}

/** Statements that make a customer's attribute values exactly `values`. */
export function replaceAttributesStatements(ctx: WriteContext, customerId: string, values: Record<string, AttributeValue>): Statement[] {
  return [
    ctx.db.delete(customerAttributes).where(eq(customerAttributes.customerId, customerId)),
    ...Object.entries(values).map(([key, value]) => ctx.db.insert(customerAttributes).values({ customerId, key, value })),
  ];
}
