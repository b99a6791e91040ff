/**
 * Pre-approved alert templates (e.g. the monthly test). Written and retired only by people who may
 * approve alerts (`broadcasts:approve`); a broadcaster starts from one, fills in the `{{blanks}}` of
 * its texts and the area, and the alert then follows the same two-person approval as any other:
 * "pre-approved" vouches for the wording, not for a particular broadcast.
 */
import { and, asc, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../db/client";
import { runBatch } from "../../db/client";
import { broadcastTemplates } from "../../db/schema";
import { Conflict, NotFound } from "../../lib/errors";
import { ulid } from "../../lib/ids";
import { recordActivity } from "../activity/record";
import type { WriteContext } from "../context";
import { optionalText, requiredText } from "../validation";
import { BroadcastCreate } from "./broadcasts";

/** What a template sets: the alert's fields except where and until when. */
export const TemplateBody = BroadcastCreate.pick({
  status: true,
  category: true,
  event: true,
  urgency: true,
  severity: true,
  certainty: true,
  messages: true,
  repetition_period: true,
  num_of_bcast: true,
});

export const BroadcastTemplateCreate = z
  .strictObject({
    name: requiredText(100),
    description: optionalText(500).optional(),
    alert: TemplateBody,
    duration_minutes: z
      .number()
      .int()
      .min(5)
      .max(7 * 24 * 60)
      .default(60)
      .meta({ description: "The alert expires this long after it is drafted" }),
  })
  .meta({ id: "BroadcastTemplateCreate" });
export type BroadcastTemplateInput = z.infer<typeof BroadcastTemplateCreate>;

const BLANK = /\{\{\s*([^{}]{1,40}?)\s*\}\}/g;

/** The blanks of a template's texts, in order of appearance (each once). */
export function templateBlanks(texts: readonly string[]): string[] {
  return [...new Set(texts.flatMap((t) => [...t.matchAll(BLANK)].map((m) => m[1] ?? "")))];
}

/** A text with its blanks filled (a blank without a value stays, so the alert is refused until filled). */
export function fillBlanks(text: string, values: Record<string, string>): string {
  return text.replace(BLANK, (whole, name: string) => {
    const value = values[name]?.trim();
    return value ? value : whole;
  });
}

export type TemplateView = ReturnType<typeof toView>;

function toView(t: typeof broadcastTemplates.$inferSelect) {
  const alert = t.body as z.infer<typeof TemplateBody>;
  return {
    id: t.id,
    name: t.name,
    description: t.description,
    alert,
    duration_minutes: t.durationMinutes,
    blanks: templateBlanks(alert.messages.flatMap((m) => [m.headline ?? "", m.text])),
    author: t.authorLabel,
    created_at: t.createdAt,
  };
}

export async function listTemplates(db: Db) {
  const rows = await db.select().from(broadcastTemplates).where(isNull(broadcastTemplates.archivedAt)).orderBy(asc(broadcastTemplates.name));
  return rows.map(toView);
}

export async function getTemplate(db: Db, id: string) {
  const row = await db
    .select()
    .from(broadcastTemplates)
    .where(and(eq(broadcastTemplates.id, id), isNull(broadcastTemplates.archivedAt)))
    .get();
  return row ? toView(row) : null;
}

export async function createTemplate(ctx: WriteContext, input: BroadcastTemplateInput) {
  const taken = await ctx.db
    .select({ id: broadcastTemplates.id })
    .from(broadcastTemplates)
    .where(and(eq(broadcastTemplates.name, input.name), isNull(broadcastTemplates.archivedAt)))
    .get();
  if (taken) throw new Conflict(`A template named ${input.name} exists already.`, { template_id: taken.id });
  const id = `bct_${ulid()}`;
  await runBatch(ctx.db, [
    ctx.db.insert(broadcastTemplates).values({
      id,
      name: input.name,
      description: input.description ?? null,
      body: input.alert as Record<string, unknown>,
      durationMinutes: input.duration_minutes,
      authorLabel: ctx.actor.label,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    }),
    recordActivity(ctx, { entity: "broadcast_template", entityId: id, customerId: null, action: "broadcast_template.create", after: { name: input.name } }),
  ]);
  return (await getTemplate(ctx.db, id)) as TemplateView;
}

/** Retires a template (kept for the alerts made from it; its name can be used again). */
export async function archiveTemplate(ctx: WriteContext, id: string): Promise<void> {
  const found = await getTemplate(ctx.db, id);
  if (!found) throw new NotFound("No template with this id.");
  await runBatch(ctx.db, [
    // The unique name index would block a new template of the same name: the archived one gets a suffix.
    ctx.db
      .update(broadcastTemplates)
      .set({ archivedAt: ctx.now, name: `${found.name} (archived ${ctx.now.slice(0, 10)} ${id.slice(-6)})`, updatedAt: ctx.now })
      .where(eq(broadcastTemplates.id, id)),
    recordActivity(ctx, { entity: "broadcast_template", entityId: id, customerId: null, action: "broadcast_template.archive", before: { name: found.name } }),
  ]);
}
