import { and, desc, eq } from "drizzle-orm";
import { runBatch } from "../../db/client";
import { getItem, toConfigView } from "../../db/queries/inventory";
import { inventoryConfigs } from "../../db/schema";
import { Conflict, Invalid, NotFound } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";

/** Types whose items carry a versioned configuration. */
export const CONFIGURABLE_TYPES = new Set(["modem", "ont", "cpe"]);

/**
 * Stores a new configuration version of a device (edited by staff, or the output of a playbook).
 * Versions are numbered per device; storing the same content as the latest version is refused, so
 * the history only holds changes. A concurrent save taking the same number is a 409.
 */
export async function saveConfig(
  ctx: WriteContext,
  itemId: string,
  input: { content: string; note?: string | null; source?: "playbook" | "edited"; jobId?: string | null },
) {
  const item = await getItem(ctx.db, itemId);
  if (!item) throw new NotFound("No inventory item with this id.");
  if (!CONFIGURABLE_TYPES.has(item.type)) {
    throw new Invalid(`Items of type ${item.type} have no configuration.`, [{ path: "content", message: "Only modems, ONTs and CPEs" }]);
  }
  const latest = await ctx.db.select().from(inventoryConfigs).where(eq(inventoryConfigs.itemId, itemId)).orderBy(desc(inventoryConfigs.version)).limit(1).get();
  if (latest && latest.content === input.content) throw new Conflict(`This is already version ${latest.version}.`, { version: latest.version });
  const row = {
    id: newId("config"),
    itemId,
    version: (latest?.version ?? 0) + 1,
    content: input.content,
    source: input.source ?? "edited",
    jobId: input.jobId ?? null,
    note: input.note ?? null,
    createdBy: ctx.actor.label,
    createdAt: ctx.now,
  } as const;
  await runBatch(ctx.db, [
    ctx.db.insert(inventoryConfigs).values(row),
    recordActivity(ctx, {
      entity: "inventory_item",
      entityId: itemId,
      customerId: item.customerId,
      action: "inventory_item.config",
      changes: { config_version: { before: latest?.version ?? null, after: row.version } },
    }),
  ]).catch((error: unknown) => {
    if (error instanceof Error && /UNIQUE constraint failed: inventory_configs/.test(error.message)) {
      throw new Conflict("Another version was saved meanwhile; reload and compare.");
    }
    throw error;
  });
  return toConfigView(row);
}

export async function getConfigVersion(ctx: Pick<WriteContext, "db">, itemId: string, version: number) {
  const row = await ctx.db
    .select()
    .from(inventoryConfigs)
    .where(and(eq(inventoryConfigs.itemId, itemId), eq(inventoryConfigs.version, version)))
    .get();
  if (!row) throw new NotFound(`No configuration version ${version} for this item.`);
  return row;
}
