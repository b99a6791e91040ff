/**
 * Number quarantine: a phone number released from a service rests for the operator's
 * `number_quarantine_days` (status `quarantined`, `quarantined_until` set by the release statements in
 * `allocation.ts`) so that calls and messages meant for its last holder do not reach the next one.
 * The minute cron puts numbers whose quarantine ended back in stock; staff may end one early, with a reason.
 */
import { and, asc, eq, lte, type SQL, sql } from "drizzle-orm";
import { prepared } from "../../db/client";
import { abortUnlessChanged, isGuardAbort } from "../../db/guard";
import { getItem, type ItemRow, toItemView } from "../../db/queries/inventory";
import { inventoryItems } from "../../db/schema";
import { Conflict, NotFound } from "../../lib/errors";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";
import { DEFAULT_SETTINGS } from "../settings/schemas";
import { checkLowStock, type InventoryEnv } from "./items";
import type { ItemView } from "./schemas";

/** The only inventory type that is quarantined (SIMs, devices and addresses are reused as before). */
export const PHONE_NUMBER = "phone_number";

/** Most numbers put back in stock per cron run (the rest follow a minute later). */
const CRON_BATCH = 100;

const days = sql`coalesce((SELECT json_extract(data, '$.number_quarantine_days') FROM settings WHERE id = 'operator'), ${DEFAULT_SETTINGS.number_quarantine_days})`;
const quarantines = sql`${inventoryItems.type} = ${PHONE_NUMBER} AND ${days} > 0`;

/**
 * What a number released from a service becomes, as SQL for an UPDATE of `inventory_items`: the status
 * (`quarantined`, or `otherwise` when it is not a number or the setting is 0) and the end of the rest,
 * `now` plus the setting's days, read in the same statement so the write-through needs no extra read.
 */
export function releasedNumber(now: string, otherwise: SQL): { status: SQL<ItemRow["status"]>; quarantinedUntil: SQL<string | null> } {
  return {
    status: sql<ItemRow["status"]>`CASE WHEN ${quarantines} THEN 'quarantined' ELSE ${otherwise} END`,
    quarantinedUntil: sql<string | null>`CASE WHEN ${quarantines} THEN strftime('%Y-%m-%dT%H:%M:%fZ', ${now}, '+' || ${days} || ' days') END`,
  };
}

/** The day a quarantine ends, as shown in messages (UTC date). */
export function quarantineDate(until: string | null): string {
  return (until ?? "").slice(0, 10);
}

/** Why a picked item cannot be taken, when the reason is its quarantine (null otherwise). */
export function quarantineRefusal(item: Pick<ItemRow, "status" | "quarantinedUntil"> | undefined): string | null {
  if (item?.status !== "quarantined") return null;
  return `is quarantined until ${quarantineDate(item.quarantinedUntil)} (a released number rests before reuse); it can be allocated from then`;
}

/**
 * One quarantined number back in stock with its history entry, as one batch: the update is
 * conditional on the item still being quarantined, and the guard after it drops the entry when it is not.
 * (The search document follows the status by trigger.)
 */
function backToStock(ctx: WriteContext, item: ItemRow, extra: Record<string, { before: unknown; after: unknown }>) {
  const d1 = ctx.db.$client;
  return [
    prepared(
      d1,
      ctx.db
        .update(inventoryItems)
        .set({ status: "in_stock", quarantinedUntil: null, updatedAt: ctx.now })
        .where(and(eq(inventoryItems.id, item.id), eq(inventoryItems.status, "quarantined"))),
    ),
    abortUnlessChanged(d1),
    prepared(
      d1,
      recordActivity(ctx, {
        entity: "inventory_item",
        entityId: item.id,
        customerId: null,
        action: "inventory_item.quarantine_ended",
        changes: {
          status: { before: "quarantined", after: "in_stock" },
          quarantined_until: { before: item.quarantinedUntil, after: null },
          ...extra,
        },
      }),
    ),
  ];
}

/** Staff end a number's quarantine early (inventory:write), saying why; it is in stock at once. */
export async function endQuarantine(ctx: WriteContext, env: InventoryEnv, id: string, reason: string): Promise<ItemView> {
  const item = await getItem(ctx.db, id);
  if (!item) throw new NotFound("No inventory item with this id.");
  if (item.status !== "quarantined") throw new Conflict(`This item is not quarantined (it is ${item.status}).`, { current_status: item.status });
  try {
    await ctx.db.$client.batch(backToStock(ctx, item, { reason: { before: null, after: reason } }));
  } catch (error) {
    if (isGuardAbort(error)) throw new Conflict("The item changed meanwhile; reload and try again.");
    throw error;
  }
  await checkLowStock(ctx, env, item.type);
  return toItemView({ ...item, status: "in_stock", quarantinedUntil: null, updatedAt: ctx.now });
}

/**
 * The cron: numbers whose quarantine has ended go back to stock, each once (a number already put
 * back, by staff or an overlapping run, is skipped by its guard). Returns how many went back.
 */
export async function endDueQuarantines(ctx: WriteContext): Promise<{ returned: number }> {
  const due = await ctx.db
    .select()
    .from(inventoryItems)
    .where(and(eq(inventoryItems.status, "quarantined"), lte(inventoryItems.quarantinedUntil, ctx.now)))
    .orderBy(asc(inventoryItems.quarantinedUntil), asc(inventoryItems.id))
    .limit(CRON_BATCH);
  if (due.length === 0) return { returned: 0 };
  const batches = due.map((item) => backToStock(ctx, item, {}));
  try {
    // Usually all at once; when one of them was put back meanwhile, one by one so the others still go.
    await ctx.db.$client.batch(batches.flat());
    return { returned: due.length };
  } catch (error) {
    if (!isGuardAbort(error)) throw error;
  }
  let returned = 0;
  for (const batch of batches) {
    try {
      await ctx.db.$client.batch(batch);
      returned++;
    } catch (error) {
      if (!isGuardAbort(error)) throw error;
    }
  }
  return { returned };
}
