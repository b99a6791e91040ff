import { eq } from "drizzle-orm";
import type { z } from "zod";
import { runBatch } from "../../db/client";
import { countAttributeUses, getAttributeDefinition, toAttributeDefinitionView } from "../../db/queries/attributes";
import { attributeDefinitions } from "../../db/schema";
import { Conflict, Invalid, NotFound } from "../../lib/errors";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";
import type { AttributeDefinitionCreate, AttributeDefinitionPatch } from "./schemas";

type View = ReturnType<typeof toAttributeDefinitionView>;

/** Defines a new custom attribute for customers. */
export async function defineAttribute(ctx: WriteContext, input: z.infer<typeof AttributeDefinitionCreate>): Promise<View> {
  if (await getAttributeDefinition(ctx.db, input.key)) throw new Conflict(`An attribute with key ${input.key} already exists.`);
  const row = {
    key: input.key,
    label: input.label,
    type: input.type,
    options: input.options ?? [],
    required: input.required,
    description: input.description ?? null,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
  await runBatch(ctx.db, [
    ctx.db.insert(attributeDefinitions).values(row),
    recordActivity(ctx, {
      entity: "attribute_definition",
      entityId: row.key,
      customerId: null,
      action: "attribute.define",
      after: toAttributeDefinitionView(row),
    }),
  ]);
  return toAttributeDefinitionView(row);
}

/** Changes an attribute's label, options, required flag or description (never its key or type). */
export async function updateAttribute(ctx: WriteContext, key: string, patch: z.infer<typeof AttributeDefinitionPatch>): Promise<View> {
  const before = await getAttributeDefinition(ctx.db, key);
  if (!before) throw new NotFound("No attribute with this key.");
  if (patch.options !== undefined && before.type !== "enum") {
    throw new Invalid("Only enum attributes have options.", [{ path: "options", message: "Only enum attributes have options" }]);
  }
  if (patch.options !== undefined && patch.options.length === 0) {
    throw new Invalid("An enum attribute needs at least one option.", [{ path: "options", message: "Give at least one option" }]);
  }
  const after: View = {
    ...before,
    label: patch.label ?? before.label,
    options: patch.options ?? before.options,
    required: patch.required ?? before.required,
    description: patch.description === undefined ? before.description : patch.description,
    updated_at: ctx.now,
  };
  await runBatch(ctx.db, [
    ctx.db
      .update(attributeDefinitions)
      .set({ label: after.label, options: after.options, required: after.required, description: after.description, updatedAt: ctx.now })
      .where(eq(attributeDefinitions.key, key)),
    recordActivity(ctx, { entity: "attribute_definition", entityId: key, customerId: null, action: "attribute.update", before, after }),
  ]);
  return after;
}

/** Removes an attribute definition that no customer uses. */
export async function deleteAttribute(ctx: WriteContext, key: string): Promise<void> {
  const before = await getAttributeDefinition(ctx.db, key);
  if (!before) throw new NotFound("No attribute with this key.");
  const uses = await countAttributeUses(ctx.db, key);
  if (uses > 0) throw new Conflict(`${uses} customer(s) have a value for this attribute; clear them first.`, { uses });
  await runBatch(ctx.db, [
    ctx.db.delete(attributeDefinitions).where(eq(attributeDefinitions.key, key)),
    recordActivity(ctx, { entity: "attribute_definition", entityId: key, customerId: null, action: "attribute.delete", before }),
  ]);
}
