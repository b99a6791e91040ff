import { eq } from "drizzle-orm";
import { DEFAULT_SETTINGS, Settings, type SettingsData } from "../../domain/settings/schemas";
import type { Db } from "../client";
import { settings } from "../schema";

export const SETTINGS_ID = "operator";

/** Operator settings; stored values that no longer validate fall back to defaults field by field. */
export async function getSettings(db: Db): Promise<{ data: SettingsData; updatedAt: string | null }> {
  const row = await db.select().from(settings).where(eq(settings.id, SETTINGS_ID)).get();
  if (!row) return { data: DEFAULT_SETTINGS, updatedAt: null };
  const merged: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  for (const [key, value] of Object.entries(row.data)) {
    const shape = Settings.shape[key as keyof SettingsData];
    if (shape?.safeParse(value).success) merged[key] = value;
  }
  return { data: Settings.parse(merged), updatedAt: row.updatedAt };
}
