import { and, eq, isNull } from "drizzle-orm";
import { reconciliationFlags, services } from "../../db/schema";
import { Conflict, NotFound } from "../../lib/errors";
import { recordActivity } from "../activity/record";
import type { BalanceUnit } from "../catalog/schemas";
import type { WriteContext } from "../context";

/**
 * Marks an open difference with CGRateS as reviewed, with what was done about it (the balance of
 * record is CGRateS's either way; a difference seen again later opens a new flag). Audited.
 */
export async function resolveDifference(ctx: WriteContext, serviceId: string, unit: BalanceUnit, resolution: string) {
  const flag = await ctx.db
    .select()
    .from(reconciliationFlags)
    .where(and(eq(reconciliationFlags.serviceId, serviceId), eq(reconciliationFlags.unit, unit)))
    .get();
  if (!flag) throw new NotFound("No difference for this service and unit.");
  if (flag.resolvedAt) throw new Conflict("This difference is already resolved.", { resolved_at: flag.resolvedAt });
  const service = await ctx.db.select({ customerId: services.customerId }).from(services).where(eq(services.id, serviceId)).get();
  const [updated] = await ctx.db.batch([
    ctx.db
      .update(reconciliationFlags)
      .set({ resolvedAt: ctx.now, resolvedBy: ctx.actor.label, resolution })
      .where(and(eq(reconciliationFlags.serviceId, serviceId), eq(reconciliationFlags.unit, unit), isNull(reconciliationFlags.resolvedAt)))
      .returning(),
    recordActivity(ctx, {
      entity: "service",
      entityId: serviceId,
      customerId: service?.customerId ?? null,
      action: "service.charging_difference_resolved",
      changes: { [unit]: { before: { bss: flag.bss, cgrates: flag.cgrates, since: flag.since }, after: { resolution } } },
    }),
  ]);
  const row = updated[0];
  if (!row) throw new Conflict("This difference was resolved meanwhile.");
  return row;
}
