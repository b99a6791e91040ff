import { and, eq, sql } from "drizzle-orm";
import { runBatch, type Statement } from "../../db/client";
import { blockAllocations, getItem, type ItemRow } from "../../db/queries/inventory";
import { inventoryItems, ipAllocations } from "../../db/schema";
import { Conflict, Invalid, NotFound } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { formatPrefix, nextFreeAddress, nextFreePrefix, type Prefix, parseCidr, prefixEnd, toHexKey } from "../../lib/ip";
import { type ActivityRow, activityRow, recordActivity } from "../activity/record";
import type { WriteContext } from "../context";
import type { Outcome } from "../services/state";
import { type NumberRule, numberProblem, PHONE_NUMBER, searchOrderInventory } from "./picker";
import { quarantineRefusal, releasedNumber } from "./quarantine";

/** The inventory type whose items are not reserved whole: an order takes an address from one. */
export const IP_BLOCK = "ip_block";

export type Reserved = { id: string; type: string; fields: ItemRow["fields"] };
export type IpGrant = { id: string; block_id: string; cidr: string };

/** Service identifiers known from reserved inventory (shown on the service at once). */
export function identifiersFrom(items: readonly Reserved[], ips: readonly IpGrant[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    for (const field of ["iccid", "imsi", "msisdn", "serial", "mac"]) {
      const v = item.fields[field];
      if ((typeof v === "string" || typeof v === "number") && !(field in out)) out[field] = String(v);
    }
  }
  const ip = ips[0];
  if (ip) out.ip = ip.cidr.endsWith("/32") || ip.cidr.endsWith("/128") ? ip.cidr.replace(/\/\d+$/, "") : ip.cidr;
  return out;
}

/**
 * Who moves inventory. Stock is taken here, in D1 (`withReservation`), because only one conditional
 * UPDATE across all services keeps two orders from getting the same item, and no single service's
 * object sees the others; the reservation is handed to the service's ServiceState object with the
 * call that records it, and given back here only when the object refuses that call. From then on
 * only the object moves the service's items and addresses: assigned on activation, released when
 * provisioning fails, returned on termination (`INVENTORY_ON_TRANSITION`, written through to D1 with
 * the statements below).
 */
export type ReservationRequest = {
  serviceId: string;
  customerId: string;
  required: readonly string[];
  picks: Record<string, string>;
  /** The product's provisioning variables: `ip_prefix_length`, `ip_family`, `number_pool`. */
  vars: Record<string, unknown>;
  /** The product's service type: a picked phone number must fit it (see `numberProblem`). */
  serviceType?: string;
};

/**
 * Reserves what `request` needs (nothing when it needs nothing), then runs `apply` (the ServiceState
 * call that records the reservation with the service). An outcome the object refused gives the
 * reservation back. A call that throws keeps it: the object may have recorded it and will write it
 * through on its own (the inventory sweep releases a reservation whose service never reaches D1).
 */
export async function withReservation<T>(
  ctx: WriteContext,
  request: ReservationRequest,
  apply: (reserved: { items: Reserved[]; ips: IpGrant[] }) => Promise<Outcome<T>>,
): Promise<Outcome<T>> {
  if (request.required.length === 0) return apply({ items: [], ips: [] });
  const v = request.vars;
  const reserved = await reserveForOrder(ctx, {
    serviceId: request.serviceId,
    customerId: request.customerId,
    required: request.required,
    picks: request.picks,
    ipPrefixLength: typeof v.ip_prefix_length === "number" ? v.ip_prefix_length : null,
    ipFamily: v.ip_family === 6 ? 6 : 4,
    numberPool: typeof v.number_pool === "string" ? v.number_pool : null,
    numberRule: request.serviceType ? { service_type: request.serviceType, provisioning_json_vars: v } : null,
  });
  const outcome = await apply(reserved);
  if (!outcome.ok) await releaseItems(ctx, request.serviceId);
  return outcome;
}

/** How many fitting numbers "next available" lines up, in case orders racing for them take the first ones. */
const FITTING_CANDIDATES = 10;
/** How many times an order lines up fitting numbers when racing orders took all of them (then a 409). */
const FITTING_ATTEMPTS = 5;

/**
 * Reserves what a product requires for a new service, atomically per item: each item is taken by one
 * conditional UPDATE (in stock, or held for this customer), so two orders never get the same item.
 * Picked items are taken as named; otherwise the next available one (golden numbers only when picked;
 * a phone number only if it fits the product, as a picked one must).
 * When any is missing, the ones taken are released and the order gets a 409 naming the type.
 */
async function reserveForOrder(
  ctx: WriteContext,
  p: {
    serviceId: string;
    customerId: string;
    required: readonly string[];
    picks: Record<string, string>;
    ipPrefixLength: number | null;
    ipFamily: 4 | 6;
    /** Next-available numbers come from this pool only (the product's `number_pool` variable). */
    numberPool?: string | null;
    /** A picked number must suit the product (pool, mobile or fixed): 422 otherwise, before anything is taken. */
    numberRule?: NumberRule | null;
  },
  attempt = 1,
): Promise<{ items: Reserved[]; ips: IpGrant[] }> {
  const unknownPick = Object.keys(p.picks).find((type) => !p.required.includes(type));
  if (unknownPick) {
    throw new Invalid(`This product does not use inventory of type ${unknownPick}.`, [
      { path: `inventory.${unknownPick}`, message: "Not required by the product" },
    ]);
  }
  const numberPick = p.picks[PHONE_NUMBER];
  if (numberPick && p.numberRule) {
    const picked = await getItem(ctx.db, numberPick);
    const problem = picked?.type === PHONE_NUMBER ? numberProblem(p.numberRule, picked.fields) : null;
    if (problem) throw new Invalid(`This number does not fit the product: ${problem}.`, [{ path: `inventory.${PHONE_NUMBER}`, message: problem }]);
  }
  const itemTypes = p.required.filter((t) => t !== IP_BLOCK);
  // "Next available" number for a product with a rule: only numbers that fit it (its pool, and mobile
  // or fixed-line by libphonenumber, which SQL cannot tell), found first; the UPDATE then takes the
  // first of them still free, so an order racing for the same number takes the next one.
  const fitting =
    itemTypes.includes(PHONE_NUMBER) && !numberPick && p.numberRule
      ? (
          await searchOrderInventory(ctx.db, {
            customerId: p.customerId,
            type: PHONE_NUMBER,
            q: "",
            country: null,
            product: p.numberRule,
            limit: FITTING_CANDIDATES,
            golden: false,
          })
        ).map((row) => row.id)
      : null;
  const set = "status = 'reserved', service_id = ?1, customer_id = ?2, reserved_until = NULL, updated_at = ?3";
  const statements = itemTypes.map((type) => {
    const pick = p.picks[type];
    if (type === PHONE_NUMBER && fitting) {
      return ctx.db.$client
        .prepare(
          `UPDATE inventory_items SET ${set} WHERE id = (
             SELECT i.id FROM json_each(?4) AS j JOIN inventory_items i ON i.id = j.value
             WHERE i.type = ?5 AND i.service_id IS NULL AND (i.status = 'in_stock' OR (i.status = 'reserved' AND i.customer_id = ?2))
             ORDER BY j.key LIMIT 1)
           AND service_id IS NULL RETURNING id, type, fields`,
        )
        .bind(p.serviceId, p.customerId, ctx.now, JSON.stringify(fitting), type);
    }
    const statement = pick
      ? `UPDATE inventory_items SET ${set} WHERE id = ?4 AND type = ?5 AND service_id IS NULL
           AND (status = 'in_stock' OR (status = 'reserved' AND customer_id = ?2)) RETURNING id, type, fields`
      : // Two index-ordered lookups (type, status, id): a hold for this customer first, then stock by id.
        `UPDATE inventory_items SET ${set} WHERE id = coalesce(
           (SELECT id FROM inventory_items WHERE type = ?5 AND status = 'reserved' AND customer_id = ?2 AND service_id IS NULL ORDER BY id LIMIT 1),
           (SELECT id FROM inventory_items WHERE type = ?5 AND status = 'in_stock' AND service_id IS NULL
              AND coalesce(json_extract(fields, '$.golden'), 0) = 0
              AND (?6 IS NULL OR type != 'phone_number' OR json_extract(fields, '$.pool') = ?6)
            ORDER BY id LIMIT 1))
         AND service_id IS NULL RETURNING id, type, fields`;
    // SQLite counts parameters up to the highest index used: the picked form has five, the other six.
    const params = [p.serviceId, p.customerId, ctx.now, pick ?? null, type];
    return ctx.db.$client.prepare(statement).bind(...(pick ? params : [...params, p.numberPool ?? null]));
  });
  const items: Reserved[] = [];
  if (statements.length > 0) {
    // One batch (one transaction); each UPDATE takes its item or nothing.
    const results = await ctx.db.$client.batch<{ id: string; type: string; fields: string }>(statements);
    const missing: string[] = [];
    results.forEach((result, i) => {
      const row = result.results[0];
      if (row) items.push({ id: row.id, type: row.type, fields: JSON.parse(row.fields) as ItemRow["fields"] });
      else missing.push(itemTypes[i] ?? "");
    });
    if (missing.length > 0) {
      await releaseItems(ctx, p.serviceId);
      const type = missing[0] ?? "";
      const pick = p.picks[type];
      // Every fitting number lined up was taken by orders racing this one: line up the next ones.
      if (!pick && type === PHONE_NUMBER && fitting && fitting.length > 0 && attempt < FITTING_ATTEMPTS) return reserveForOrder(ctx, p, attempt + 1);
      if (!pick && type === PHONE_NUMBER && fitting) {
        throw new Conflict(
          "No phone_number available in stock for this order that fits the product (its number pool; mobile or fixed-line as its service type needs).",
          {
            inventory_type: type,
          },
        );
      }
      if (!pick) throw new Conflict(`No ${type} available in stock for this order.`, { inventory_type: type });
      const picked = await getItem(ctx.db, pick);
      const quarantined = picked?.type === type ? quarantineRefusal(picked) : null;
      throw new Conflict(`The ${type} item ${pick} ${quarantined ?? "is not available"}.`, {
        inventory_type: type,
        item_id: pick,
        ...(quarantined ? { quarantined_until: picked?.quarantinedUntil } : {}),
      });
    }
  }
  const ips: IpGrant[] = [];
  if (p.required.includes(IP_BLOCK)) {
    try {
      ips.push(
        await allocateFromAnyBlock(ctx, { serviceId: p.serviceId, prefixLength: p.ipPrefixLength, family: p.ipFamily, pick: p.picks[IP_BLOCK] ?? null }),
      );
    } catch (error) {
      await releaseItems(ctx, p.serviceId);
      throw error;
    }
  }
  return { items, ips };
}

/**
 * Puts back everything reserved for a service that never came to exist (a refused order): straight
 * to stock, numbers included, since nobody ever had them.
 */
async function releaseItems(ctx: WriteContext, serviceId: string): Promise<void> {
  await runBatch(ctx.db, releaseStatements(ctx.db, serviceId, ctx.now));
}

/**
 * Statements that give a service's items back to stock and free its addresses (provisioning failed;
 * an order refused). A number goes straight back too: the service never became active, so nobody
 * ever had it — only a terminated service's number rests (`returnStatements`).
 */
export function releaseStatements(db: WriteContext["db"], serviceId: string, now: string): Statement[] {
  return [
    db
      .update(inventoryItems)
      .set({ status: "in_stock", quarantinedUntil: null, serviceId: null, customerId: null, reservedUntil: null, updatedAt: now })
      .where(and(eq(inventoryItems.serviceId, serviceId), sql`${inventoryItems.status} IN ('reserved', 'assigned')`)),
    db.delete(ipAllocations).where(eq(ipAllocations.serviceId, serviceId)),
  ];
}

/** Statements that mark a service's reserved items as in use (the service became active). */
export function assignStatements(db: WriteContext["db"], serviceId: string, now: string): Statement[] {
  return [
    db
      .update(inventoryItems)
      .set({ status: "assigned", updatedAt: now })
      .where(and(eq(inventoryItems.serviceId, serviceId), eq(inventoryItems.status, "reserved"))),
  ];
}

/**
 * Statements for a terminated service: numbers go back to stock after their quarantine, SIMs are retired or restocked as
 * the operator's settings say (`sim_on_termination`), equipment is `returned` (awaiting check-in,
 * still recorded against the customer), addresses are freed.
 */
export function returnStatements(db: WriteContext["db"], serviceId: string, now: string): Statement[] {
  return [
    db
      .update(inventoryItems)
      .set({
        ...releasedNumber(
          now,
          sql`CASE
          WHEN ${inventoryItems.type} = 'phone_number' THEN 'in_stock'
          WHEN ${inventoryItems.type} = 'sim' THEN CASE WHEN coalesce((SELECT json_extract(data, '$.sim_on_termination') FROM settings WHERE id = 'operator'), 'retire') = 'restock' THEN 'in_stock' ELSE 'retired' END
          ELSE 'returned' END`,
        ),
        customerId: sql`CASE WHEN ${inventoryItems.type} IN ('phone_number', 'sim') THEN NULL ELSE ${inventoryItems.customerId} END`,
        serviceId: null,
        updatedAt: now,
      })
      .where(and(eq(inventoryItems.serviceId, serviceId), sql`${inventoryItems.status} IN ('reserved', 'assigned')`)),
    db.delete(ipAllocations).where(eq(ipAllocations.serviceId, serviceId)),
  ];
}

function blockPrefix(block: ItemRow): Prefix {
  const prefix = typeof block.fields.cidr === "string" ? parseCidr(block.fields.cidr) : null;
  if (!prefix) throw new Conflict(`Block ${block.id} has no valid prefix.`);
  return prefix;
}

/**
 * Allocates the next free address (no length) or aligned sub-prefix (/30, /29, /64…) from a block.
 * The insert is conditional on no overlapping allocation existing, checked by SQL on fixed-width hex
 * ranges in the same statement: concurrent allocations can race for a candidate, never share one
 * (the loser recomputes and tries the next).
 */
export async function allocateIp(ctx: WriteContext, blockId: string, p: { serviceId: string | null; prefixLength: number | null }): Promise<IpGrant> {
  const block = await getItem(ctx.db, blockId);
  if (!block || block.type !== IP_BLOCK) throw new NotFound("No IP block with this id.");
  if (block.status === "retired") throw new Conflict("This block is retired.");
  const prefix = blockPrefix(block);
  const max = prefix.family === 4 ? 32 : 128;
  const length = p.prefixLength ?? max;
  if (length < prefix.length || length > max) {
    throw new Invalid(`A /${length} does not fit in ${formatPrefix(prefix)}.`, [{ path: "prefix_length", message: `Between ${prefix.length} and ${max}` }]);
  }
  for (let attempt = 0; attempt < 8; attempt++) {
    const taken = (await blockAllocations(ctx.db, blockId)).map((a) => parseCidr(a.cidr)).filter((x): x is Prefix => x !== null);
    const candidate = length === max ? nextFreeAddress(prefix, taken) : nextFreePrefix(prefix, length, taken);
    if (!candidate) throw new Conflict(`No free /${length} left in ${formatPrefix(prefix)}.`, { block_id: blockId });
    const grant = { id: newId("ipAllocation"), block_id: blockId, cidr: formatPrefix(candidate) };
    const start = toHexKey(candidate.family, candidate.start);
    const end = toHexKey(candidate.family, prefixEnd(candidate));
    const inserted = await ctx.db.all<{ id: string }>(
      sql`INSERT INTO ip_allocations (id, block_id, service_id, family, cidr, start_key, end_key, created_at)
        SELECT ${grant.id}, ${blockId}, ${p.serviceId}, ${candidate.family}, ${grant.cidr}, ${start}, ${end}, ${ctx.now}
        WHERE NOT EXISTS (SELECT 1 FROM ip_allocations WHERE block_id = ${blockId} AND start_key <= ${end} AND end_key >= ${start})
        RETURNING id`,
    );
    if (inserted.length > 0) {
      await runBatch(ctx.db, [
        recordActivity(ctx, {
          entity: "inventory_item",
          entityId: blockId,
          customerId: null,
          action: "inventory_item.ip_allocate",
          changes: { allocation: { before: null, after: { id: grant.id, cidr: grant.cidr, service_id: p.serviceId } } },
        }),
      ]);
      return grant;
    }
  }
  throw new Conflict("The block is busy; try again.", { block_id: blockId });
}

/** For an order: a named block, or the first block of the family with room. */
async function allocateFromAnyBlock(
  ctx: WriteContext,
  p: { serviceId: string; prefixLength: number | null; family: 4 | 6; pick: string | null },
): Promise<IpGrant> {
  if (p.pick) return allocateIp(ctx, p.pick, p);
  const blocks = await ctx.db
    .select()
    .from(inventoryItems)
    .where(and(eq(inventoryItems.type, IP_BLOCK), sql`${inventoryItems.status} != 'retired'`))
    .orderBy(inventoryItems.id);
  for (const block of blocks) {
    const prefix = typeof block.fields.cidr === "string" ? parseCidr(block.fields.cidr) : null;
    if (prefix?.family !== p.family) continue;
    try {
      return await allocateIp(ctx, block.id, p);
    } catch (error) {
      if (!(error instanceof Conflict)) throw error;
    }
  }
  throw new Conflict(`No IPv${p.family} address space available for this order.`, { inventory_type: IP_BLOCK });
}

/** Frees one allocation (staff action); a service's allocations are freed with the service. */
export async function releaseIp(ctx: WriteContext, blockId: string, allocationId: string): Promise<void> {
  const row = await ctx.db
    .select()
    .from(ipAllocations)
    .where(and(eq(ipAllocations.id, allocationId), eq(ipAllocations.blockId, blockId)))
    .get();
  if (!row) throw new NotFound("No such allocation in this block.");
  if (row.serviceId) throw new Conflict(`This allocation belongs to service ${row.serviceId}; it is freed when the service ends.`);
  await runBatch(ctx.db, [
    ctx.db.delete(ipAllocations).where(eq(ipAllocations.id, allocationId)),
    recordActivity(ctx, {
      entity: "inventory_item",
      entityId: blockId,
      customerId: null,
      action: "inventory_item.ip_release",
      changes: { allocation: { before: { id: row.id, cidr: row.cidr }, after: null } },
    }),
  ]);
}

/** Activity entries for items an order reserved (their history shows which service took them). */
export function reservationActivity(
  op: Pick<WriteContext, "actor" | "requestId" | "now">,
  items: readonly Reserved[],
  serviceId: string,
  customerId: string,
): ActivityRow[] {
  return items.map((item) =>
    activityRow(op, {
      entity: "inventory_item",
      entityId: item.id,
      customerId,
      action: "inventory_item.reserved",
      changes: { status: { before: "in_stock", after: "reserved" }, service_id: { before: null, after: serviceId } },
    }),
  );
}

/**
 * The scheduled sweep: customer holds past their end go back to stock; items reserved for a service
 * that never reached D1 (the worker stopped between reserving and creating it) are released after
 * ten minutes, with their addresses.
 */
export async function sweepInventory(db: WriteContext["db"], now: string): Promise<void> {
  const stale = new Date(Date.parse(now) - 10 * 60_000).toISOString();
  await runBatch(db, [
    db
      .update(inventoryItems)
      .set({ status: "in_stock", customerId: null, reservedUntil: null, updatedAt: now })
      .where(and(eq(inventoryItems.status, "reserved"), sql`${inventoryItems.serviceId} IS NULL`, sql`${inventoryItems.reservedUntil} < ${now}`)),
    db
      .update(inventoryItems)
      .set({ status: "in_stock", serviceId: null, customerId: null, updatedAt: now })
      .where(
        and(
          eq(inventoryItems.status, "reserved"),
          sql`${inventoryItems.serviceId} IS NOT NULL`,
          sql`${inventoryItems.updatedAt} < ${stale}`,
          sql`NOT EXISTS (SELECT 1 FROM services WHERE services.id = ${inventoryItems.serviceId})`,
        ),
      ),
    db
      .delete(ipAllocations)
      .where(
        and(
          sql`${ipAllocations.serviceId} IS NOT NULL`,
          sql`${ipAllocations.createdAt} < ${stale}`,
          sql`NOT EXISTS (SELECT 1 FROM services WHERE services.id = ${ipAllocations.serviceId})`,
        ),
      ),
  ]);
}
