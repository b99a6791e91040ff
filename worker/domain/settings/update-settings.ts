import { runBatch } from "../../db/client";
import { getSettings, SETTINGS_ID } from "../../db/queries/settings";
import { settings } from "../../db/schema";
import { Invalid } from "../../lib/errors";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";
import type { SettingsData, SettingsPatchInput } from "./schemas";

/** Applies a partial change to the operator settings and records it. */
export async function updateSettings(ctx: WriteContext, patch: SettingsPatchInput): Promise<SettingsData> {
  const { data: before } = await getSettings(ctx.db);
  const after: SettingsData = { ...before };
  for (const [key, value] of Object.entries(patch)) {
    if (value !== undefined) (after as Record<string, unknown>)[key] = value;
  }
  const lastRetry = after.dunning_retry_days.at(-1) ?? 0;
  if (after.dunning_suspend_after_days !== null && after.dunning_suspend_after_days <= lastRetry)
    throw new Invalid("Services are suspended after the last retry.", [
      { path: "dunning_suspend_after_days", message: `Must be more than ${lastRetry} (the last retry day)` },
    ]);
  // Keep audit entries readable: a 200 kB logo is summarised, not copied into the log.
  const summarise = (s: SettingsData) => ({ ...s, logo: s.logo ? `${s.logo.slice(0, 40)}… (${s.logo.length} chars)` : null });
  await runBatch(ctx.db, [
    ctx.db
      .insert(settings)
      .values({ id: SETTINGS_ID, data: after, updatedAt: ctx.now })
      .onConflictDoUpdate({ target: settings.id, set: { data: after, updatedAt: ctx.now } }),
    recordActivity(ctx, {
      entity: "settings",
      entityId: SETTINGS_ID,
      customerId: null,
      action: "settings.update",
      before: summarise(before),
      after: summarise(after),
    }),
  ]);
  return after;
}
