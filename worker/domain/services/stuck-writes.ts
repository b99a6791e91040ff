/** Write-throughs D1 refused (`stuck_writes`, filled by ServiceState.quarantine): staff mark each handled. */
import { and, eq, isNull } from "drizzle-orm";
import { runBatch } from "../../db/client";
import { stuckWrites } from "../../db/schema";
import { Conflict, NotFound } from "../../lib/errors";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";

/** Marks a stuck write handled (audited). */
export async function resolveStuckWrite(ctx: WriteContext, id: string, resolution: string): Promise<void> {
  const row = await ctx.db.select().from(stuckWrites).where(eq(stuckWrites.id, id)).get();
  if (!row) throw new NotFound("No stuck write with this id.");
  if (row.resolvedAt) throw new Conflict("This stuck write is already handled.");
  await runBatch(ctx.db, [
    ctx.db
      .update(stuckWrites)
      .set({ resolvedAt: ctx.now, resolvedBy: ctx.actor.label, resolution })
      .where(and(eq(stuckWrites.id, id), isNull(stuckWrites.resolvedAt))),
    recordActivity(ctx, {
      entity: "service",
      entityId: row.serviceId,
      customerId: null,
      action: "service.stuck_write_resolved",
      changes: { stuck_write: { before: row.opKey, after: resolution } },
    }),
  ]);
}
