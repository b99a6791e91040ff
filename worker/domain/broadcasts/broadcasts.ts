/**
 * Cell broadcast alerts: made from the form/JSON or from a CAP 1.2 document, each language a message
 * with its 3GPP message identifier, encoding and page count; the target cells are the operator's cell
 * sites (inventory) inside the area (sector-aware), in the chosen networks. Lifecycle: draft →
 * submitted → approved (a second person with `broadcasts:approve`, confirming with a fresh TOTP code)
 * → broadcasting → completed | cancelled | expired. The CAP document is kept as received (or as built)
 * and exported from it.
 */
import { and, desc, eq, gte, inArray, lt, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { inList } from "../../db/bulk";
import type { Db, Statement } from "../../db/client";
import { runBatch } from "../../db/client";
import { getSettings } from "../../db/queries/settings";
import { broadcastMessages, broadcasts, broadcastTemplates, inventoryItems, users } from "../../db/schema";
import {
  CAP_CATEGORIES,
  CAP_CERTAINTIES,
  CAP_SEVERITIES,
  CAP_URGENCIES,
  type CapAlert,
  type CapInfo,
  capDateTimeToUtc,
  parseCap,
} from "../../lib/cell-broadcast/cap";
import { cbsTextSize } from "../../lib/cell-broadcast/encoding";
import { type Area, areaFromCap, selectCells } from "../../lib/cell-broadcast/geometry";
import { additionalLanguageId, isAdditionalLanguage, isValidMessageId, messageIdForCapInfo } from "../../lib/cell-broadcast/message-id";
import { Conflict, Forbidden, Invalid, NotFound } from "../../lib/errors";
import { ulid } from "../../lib/ids";
import { recordActivity } from "../activity/record";
import { verifySecondFactor } from "../auth/two-factor";
import type { WriteContext } from "../context";
import { optionalText, requiredText } from "../validation";
import { broadcastJob } from "./dispatch";

export const BROADCAST_STATUSES = ["draft", "submitted", "approved", "broadcasting", "completed", "cancelled", "expired"] as const;
export type BroadcastStatus = (typeof BROADCAST_STATUSES)[number];

const latitude = z.number().min(-90).max(90);
const longitude = z.number().min(-180).max(180);

export const BroadcastCreate = z
  .strictObject({
    status: z.enum(["Actual", "Exercise", "Test"]).default("Actual").meta({ description: "Exercise and Test alerts are marked as such everywhere" }),
    category: z.enum(CAP_CATEGORIES).default("Safety"),
    event: requiredText(200),
    urgency: z.enum(CAP_URGENCIES),
    severity: z.enum(CAP_SEVERITIES),
    certainty: z.enum(CAP_CERTAINTIES),
    messages: z
      .array(
        z.strictObject({
          language: z.string().regex(/^[a-z]{2}$/, { message: "Two lower-case letters (ISO 639-1), e.g. fr" }),
          headline: optionalText(160),
          text: requiredText(2000),
        }),
      )
      .min(1, { message: "At least one language" })
      .max(10)
      .refine((m) => new Set(m.map((x) => x.language)).size === m.length, { message: "One message per language" }),
    area: z
      .strictObject({
        description: requiredText(200).default("Alert area"),
        polygons: z
          .array(z.array(z.tuple([latitude, longitude])).min(4, { message: "A closed ring of at least 4 points" }))
          .max(20)
          .default([]),
        circles: z
          .array(z.strictObject({ lat: latitude, lon: longitude, radius_km: z.number().positive().max(1000) }))
          .max(20)
          .default([]),
        cells: z
          .array(z.string().regex(/^\d{1,10}$/))
          .max(5000)
          .default([]),
        tracking_areas: z.array(z.number().int().min(0).max(16_777_215)).max(200).default([]),
      })
      .refine((a) => a.polygons.length + a.circles.length + a.cells.length + a.tracking_areas.length > 0, {
        message: "Give a polygon, a circle, cells or tracking areas",
      }),
    plmns: z
      .array(z.strictObject({ mcc: z.string().regex(/^\d{3}$/), mnc: z.string().regex(/^\d{2,3}$/) }))
      .min(1)
      .max(10)
      .optional()
      .meta({ description: "Networks to send on (default: every network in settings)" }),
    expires_at: z.iso.datetime({ offset: true }),
    repetition_period: z.number().int().min(1).max(4095).default(30).meta({ description: "Units of 1.883 s (TS 48.049)" }),
    num_of_bcast: z.number().int().min(0).max(65535).default(0).meta({ description: "0: until cancelled or expired" }),
    message_id: z.number().int().optional().meta({ description: "Override of the computed identifier (needs broadcasts:approve; audited)" }),
    template_id: z.string().min(1).max(64).optional().meta({ description: "The pre-approved template this alert was started from (recorded)" }),
  })
  .meta({ id: "BroadcastCreate" });
export type BroadcastCreateInput = z.infer<typeof BroadcastCreate>;

type CellRow = { id: string; cellId: string; name: string; tac: number; mcc: string; mnc: string; lat: number; lon: number; azimuth: number | null };

/** The operator's cell sites (inventory `cell_site`, not retired). */
export async function cellSites(db: Db): Promise<CellRow[]> {
  const rows = await db
    .select({ id: inventoryItems.id, fields: inventoryItems.fields })
    .from(inventoryItems)
    .where(and(eq(inventoryItems.type, "cell_site"), inArray(inventoryItems.status, ["in_stock", "reserved", "assigned", "returned"])));
  return rows.map((r) => ({
    id: r.id,
    cellId: String(r.fields.cell_id ?? ""),
    name: String(r.fields.name ?? r.fields.cell_id ?? ""),
    tac: Number(r.fields.tac ?? -1),
    mcc: String(r.fields.mcc ?? ""),
    mnc: String(r.fields.mnc ?? ""),
    lat: Number(r.fields.latitude),
    lon: Number(r.fields.longitude),
    azimuth: r.fields.azimuth === null || r.fields.azimuth === undefined || r.fields.azimuth === "" ? null : Number(r.fields.azimuth),
  }));
}

/** The cells an area covers, in the chosen networks: sites inside the polygons/circles (sector-aware), named cells, tracking areas. */
export async function targetCells(
  db: Db,
  area: { polygons: Area["polygons"]; circles: Area["circles"]; cells: string[]; trackingAreas: number[] },
  plmns: { mcc: string; mnc: string }[],
): Promise<string[]> {
  const inNetwork = (await cellSites(db)).filter((c) => plmns.some((p) => p.mcc === c.mcc && p.mnc === c.mnc));
  const geometric = (area.polygons?.length ?? 0) + (area.circles?.length ?? 0) > 0;
  const inside = geometric
    ? new Set(
        selectCells(
          inNetwork.map((c) => ({ id: c.cellId, lat: c.lat, lon: c.lon, azimuth: c.azimuth })),
          { polygons: area.polygons, circles: area.circles },
        ),
      )
    : new Set<string>();
  for (const c of inNetwork) if (area.cells.includes(c.cellId) || area.trackingAreas.includes(c.tac)) inside.add(c.cellId);
  return [...inside].sort();
}

/** CAP dateTime (`2026-11-20T16:30:00+00:00`, no fractions) for a moment. */
export function capNow(iso: string): string {
  return `${iso.slice(0, 19)}+00:00`;
}

/** A CAP 1.2 alert from the form's input (one info per language). */
function capFromInput(input: BroadcastCreateInput, sender: string, identifier: string, now: string): CapAlert {
  const polygons = input.area.polygons.map((ring) => ring.map(([lat, lon]) => [lat, lon] as [number, number]));
  return {
    identifier,
    sender,
    sent: capNow(now),
    status: input.status,
    msgType: "Alert",
    scope: "Public",
    infos: input.messages.map(
      (m): CapInfo => ({
        language: m.language,
        category: [input.category],
        event: input.event,
        urgency: input.urgency,
        severity: input.severity,
        certainty: input.certainty,
        eventCodes: [],
        expires: capNow(new Date(input.expires_at).toISOString()),
        ...(m.headline ? { headline: m.headline } : {}),
        description: m.text,
        areas: [
          {
            areaDesc: input.area.description,
            polygons,
            circles: input.area.circles.map((c) => ({ lat: c.lat, lon: c.lon, radiusKm: c.radius_km })),
            geocodes: [
              ...input.area.cells.map((value) => ({ valueName: "CELL_ID", value })),
              ...input.area.tracking_areas.map((tac) => ({ valueName: "TAC", value: String(tac) })),
            ],
          },
        ],
      }),
    ),
  } as CapAlert;
}

/** The text a CAP info broadcasts: its headline, description and instruction, one per line. */
const infoText = (info: CapInfo) => [info.headline, info.description, info.instruction].filter((x): x is string => Boolean(x?.trim())).join("\n");

type Prepared = {
  alert: CapAlert;
  area: { description: string; polygons: Area["polygons"]; circles: Area["circles"]; cells: string[]; trackingAreas: number[] };
  plmns: { mcc: string; mnc: string }[];
  expiresAt: string;
  repetitionPeriod: number;
  numOfBcast: number;
  override: number | null;
  /** A CAP Update: the alert it replaces (its message code is kept, the update number counts up). */
  supersedes?: Superseded | null;
  templateId?: string | null;
};

type Superseded = { id: string; status: BroadcastStatus; msgCode: number; updateNr: number; sender: string; identifier: string; sent: string };

/** Checks an alert (from either source) and writes it as a draft with its messages and target cells. */
async function store(ctx: WriteContext, p: Prepared, source: "form" | "cap") {
  const settings = (await getSettings(ctx.db)).data;
  const primary = settings.default_locale.slice(0, 2).toLowerCase();
  const errors: { path: string; message: string }[] = [];
  const infos = p.alert.infos;
  const first = infos[0];
  if (!first) throw new Invalid("The alert has no info.", [{ path: "alert/info", message: "At least one info block" }]);
  if (!["Actual", "Exercise", "Test"].includes(p.alert.status))
    errors.push({ path: "alert/status", message: "Only Actual, Exercise and Test alerts are broadcast" });
  // A CAP alert past its expiry is kept (the archive and the export) as expired; a form's must be in the future.
  const expired = p.expiresAt <= ctx.now;
  if (expired && source === "form") errors.push({ path: "expires_at", message: "Must be in the future" });
  if (p.override !== null && !isValidMessageId(p.override))
    errors.push({ path: "message_id", message: "Not a cell broadcast warning identifier (4352–4356, 4370–4399)" });
  const languages = new Set<string>();
  const messages = infos.map((info, i) => {
    const language = info.language.slice(0, 2).toLowerCase();
    const path = source === "cap" ? `alert/info[${i + 1}]` : `messages.${i}`;
    if (languages.has(language)) errors.push({ path: `${path}/language`, message: "One message per language" });
    languages.add(language);
    const text = infoText(info);
    const size = cbsTextSize(text);
    if (!text) errors.push({ path: source === "cap" ? `${path}/description` : `${path}.text`, message: "No text to broadcast" });
    if (size.tooLong)
      errors.push({
        path: source === "cap" ? `${path}/description` : `${path}.text`,
        message: `Too long: ${size.pages} pages (at most 15; ${size.perPage} characters a page in ${size.encoding === "gsm7" ? "GSM 7-bit" : "UCS-2"})`,
      });
    const computed = messageIdForCapInfo(p.alert, info, primary);
    const additional = isAdditionalLanguage(language, primary);
    const messageId = p.override === null ? computed : additional ? (additionalLanguageId(p.override) ?? p.override) : p.override;
    return { language, text, encoding: size.encoding, pages: size.pages, messageId };
  });
  if (errors.length > 0) throw new Invalid("The alert cannot be broadcast as it is.", errors);
  const plmns = p.plmns.length > 0 ? p.plmns : settings.broadcast_plmns.map(({ mcc, mnc }) => ({ mcc, mnc }));
  const cells = await targetCells(ctx.db, p.area, plmns);
  // Staff drawing an area outside the network are told at once; a CAP feed's alert is kept all the same
  // (the record and the export), and cannot be submitted: there is nothing to broadcast.
  if (cells.length === 0 && source === "form") throw new Invalid("The area covers none of our cells.", [{ path: "area", message: "No cell site inside" }]);
  const id = `bc_${ulid()}`;
  const primaryMessage = messages.find((m) => !isAdditionalLanguage(m.language, primary)) ?? messages[0];
  const row: typeof broadcasts.$inferInsert = {
    id,
    identifier: p.alert.identifier,
    sender: p.alert.sender,
    status: expired ? "expired" : "draft",
    capStatus: p.alert.status as "Actual" | "Exercise" | "Test",
    event: first.event,
    category: first.category.join(" "),
    urgency: first.urgency,
    severity: first.severity,
    certainty: first.certainty,
    messageId: primaryMessage?.messageId ?? 4396,
    messageIdOverridden: p.override !== null,
    area: { description: p.area.description, polygons: p.area.polygons, circles: p.area.circles, cells: p.area.cells, tracking_areas: p.area.trackingAreas },
    targetCells: cells,
    plmns,
    repetitionPeriod: p.repetitionPeriod,
    numOfBcast: p.numOfBcast,
    // The message code (10 bits) of a new alert; updates keep it and count update_nr.
    msgCode: p.supersedes ? p.supersedes.msgCode : Number.parseInt(ulid().slice(-4), 36) % 1024,
    updateNr: p.supersedes ? (p.supersedes.updateNr + 1) % 16 : 0,
    supersedesId: p.supersedes?.id ?? null,
    templateId: p.templateId ?? null,
    expiresAt: p.expiresAt,
    cap: p.alert as unknown as Record<string, unknown>,
    authorId: ctx.actor.type === "user" ? ctx.actor.id : null,
    authorLabel: ctx.actor.label,
    createdAt: ctx.now,
    updatedAt: ctx.now,
  };
  const taken = await ctx.db
    .select({ id: broadcasts.id })
    .from(broadcasts)
    .where(and(eq(broadcasts.sender, row.sender), eq(broadcasts.identifier, row.identifier)))
    .get();
  if (taken) throw new Conflict(`An alert ${row.identifier} from ${row.sender} exists already.`, { broadcast_id: taken.id });
  // An update of an alert not yet approved replaces it at once; one approved or on air stays until the update is sent.
  const replaced = p.supersedes && !["approved", "broadcasting"].includes(p.supersedes.status) ? p.supersedes : null;
  await runBatch(ctx.db, [
    ...(replaced
      ? [
          ctx.db
            .update(broadcasts)
            .set({ status: "cancelled", cancelledAt: ctx.now, cancelReason: `Superseded by ${row.identifier}`, updatedAt: ctx.now })
            .where(eq(broadcasts.id, replaced.id)),
          recordActivity(ctx, { entity: "broadcast", entityId: replaced.id, customerId: null, action: "broadcast.superseded", after: { by: id } }),
        ]
      : []),
    ctx.db.insert(broadcasts).values(row),
    ...messages.map((m) => ctx.db.insert(broadcastMessages).values({ id: `bcm_${ulid()}`, broadcastId: id, ...m })),
    recordActivity(ctx, {
      entity: "broadcast",
      entityId: id,
      customerId: null,
      action: "broadcast.create",
      after: {
        source,
        ...(p.supersedes ? { supersedes: p.supersedes.id, update_nr: row.updateNr } : {}),
        ...(p.templateId ? { template_id: p.templateId } : {}),
        cap_status: row.capStatus,
        message_id: row.messageId,
        ...(p.override !== null ? { message_id_override: p.override } : {}),
        cells: cells.length,
        languages: messages.map((m) => m.language),
      },
    }),
  ]);
  return (await getBroadcast(ctx.db, id)) as BroadcastView;
}

/** The alert an update replaces: it must still be open (not cancelled, expired or completed). */
async function supersededAlert(db: Db, id: string): Promise<Superseded> {
  const row = await db.select().from(broadcasts).where(eq(broadcasts.id, id)).get();
  if (!row) throw new NotFound("No broadcast with this id.");
  if (!["draft", "submitted", "approved", "broadcasting"].includes(row.status))
    throw new Conflict(`A ${row.status} alert cannot be updated: send a new one.`, { current_status: row.status });
  const sent = String((row.cap as { sent?: unknown }).sent ?? capNow(row.createdAt));
  return { id: row.id, status: row.status, msgCode: row.msgCode, updateNr: row.updateNr, sender: row.sender, identifier: row.identifier, sent };
}

/**
 * A draft from the form or the JSON API. `canOverride`: the caller may override the message
 * identifier. `supersedes`: an update of that alert (CAP Update: same message code, update number + 1).
 */
export async function createBroadcast(
  ctx: WriteContext,
  input: BroadcastCreateInput,
  canOverride: boolean,
  options: { supersedes?: string; templateId?: string | null } = {},
) {
  if (input.message_id !== undefined && !canOverride) throw new Forbidden("Overriding the message identifier needs broadcasts:approve.");
  const placeholder = input.messages.findIndex((m) => /\{\{[^}]*\}\}/.test(`${m.headline ?? ""} ${m.text}`));
  if (placeholder >= 0)
    throw new Invalid("Fill in the template's blanks first.", [{ path: `messages.${placeholder}.text`, message: "Replace every {{…}} with its value" }]);
  const supersedes = options.supersedes ? await supersededAlert(ctx.db, options.supersedes) : null;
  const templateId = input.template_id ?? options.templateId ?? null;
  if (templateId && !(await ctx.db.select({ id: broadcastTemplates.id }).from(broadcastTemplates).where(eq(broadcastTemplates.id, templateId)).get()))
    throw new Invalid("No such template.", [{ path: "template_id", message: "Not a template" }]);
  const settings = (await getSettings(ctx.db)).data;
  const sender = settings.support_email ?? `cbc@${settings.operator_name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}.invalid`;
  const alert = capFromInput(input, sender, `OBSS-${ulid()}`, ctx.now);
  if (supersedes) Object.assign(alert, { msgType: "Update", references: `${supersedes.sender},${supersedes.identifier},${supersedes.sent}` });
  return store(
    ctx,
    {
      alert,
      area: {
        description: input.area.description,
        polygons: input.area.polygons.map((ring) => [ring]),
        circles: input.area.circles.map((c) => ({ lat: c.lat, lon: c.lon, radiusKm: c.radius_km })),
        cells: input.area.cells,
        trackingAreas: input.area.tracking_areas,
      },
      plmns: input.plmns ?? [],
      expiresAt: new Date(input.expires_at).toISOString(),
      repetitionPeriod: input.repetition_period,
      numOfBcast: input.num_of_bcast,
      override: input.message_id ?? null,
      supersedes,
      templateId,
    },
    "form",
  );
}

/**
 * A draft from a CAP 1.2 document (`Content-Type: application/cap+xml`). A CAP Cancel cancels the
 * alert it references; a CAP Update is a new draft that replaces it once approved and sent.
 */
export async function createBroadcastFromCap(ctx: WriteContext, xml: string, enqueue: (jobIds: string[]) => Promise<void> = async () => {}) {
  const parsed = parseCap(xml);
  if (!parsed.ok) throw new Invalid("The CAP document is not valid.", parsed.errors);
  const alert = parsed.alert;
  let supersedes: Superseded | null = null;
  if (alert.msgType === "Cancel" || alert.msgType === "Update") {
    const ref = (alert.references ?? "").trim().split(/\s+/)[0]?.split(",");
    const target =
      ref && ref.length === 3
        ? await ctx.db
            .select({ id: broadcasts.id })
            .from(broadcasts)
            .where(and(eq(broadcasts.sender, ref[0] ?? ""), eq(broadcasts.identifier, ref[1] ?? "")))
            .get()
        : undefined;
    if (!target) throw new Invalid("The alert this message refers to is not known.", [{ path: "alert/references", message: "No such alert" }]);
    if (alert.msgType === "Cancel") return cancelBroadcast(ctx, target.id, alert.note ?? `CAP Cancel ${alert.identifier}`, enqueue);
    supersedes = await supersededAlert(ctx.db, target.id);
  }
  if (alert.msgType !== "Alert" && alert.msgType !== "Update")
    throw new Invalid("Only Alert, Update and Cancel messages are taken.", [{ path: "alert/msgType", message: "Alert, Update or Cancel" }]);
  const areas = alert.infos.flatMap((info) => info.areas);
  const geometry = areaFromCap(areas);
  const expires = alert.infos.map((i) => i.expires).find(Boolean);
  if (!expires) throw new Invalid("The alert needs an expiry.", [{ path: "alert/info[1]/expires", message: "Required for a broadcast" }]);
  const codes = (name: string) => areas.flatMap((a) => a.geocodes.filter((g) => g.valueName.toUpperCase() === name).map((g) => g.value));
  return store(
    ctx,
    {
      alert,
      area: {
        description: areas.map((a) => a.areaDesc).join(", "),
        polygons: geometry.polygons,
        circles: geometry.circles,
        cells: codes("CELL_ID"),
        trackingAreas: codes("TAC").map(Number).filter(Number.isInteger),
      },
      plmns: [],
      expiresAt: capDateTimeToUtc(expires),
      repetitionPeriod: 30,
      numOfBcast: 0,
      override: null,
      supersedes,
    },
    "cap",
  );
}

export type BroadcastView = Awaited<ReturnType<typeof toView>>;

function toView(b: typeof broadcasts.$inferSelect, messages: (typeof broadcastMessages.$inferSelect)[]) {
  return {
    id: b.id,
    identifier: b.identifier,
    sender: b.sender,
    status: b.status,
    cap_status: b.capStatus,
    exercise: b.capStatus !== "Actual",
    event: b.event,
    category: b.category,
    urgency: b.urgency,
    severity: b.severity,
    certainty: b.certainty,
    message_id: b.messageId,
    message_id_overridden: b.messageIdOverridden,
    messages: messages.map((m) => ({ language: m.language, text: m.text, pages: m.pages, encoding: m.encoding, message_id: m.messageId })),
    area: b.area,
    target_cells: b.targetCells,
    plmns: b.plmns,
    repetition_period: b.repetitionPeriod,
    num_of_bcast: b.numOfBcast,
    serial: { msg_code: b.msgCode, update_nr: b.updateNr },
    expires_at: b.expiresAt,
    author: b.authorLabel,
    approver: b.approverLabel,
    submitted_at: b.submittedAt,
    approved_at: b.approvedAt,
    cancelled_at: b.cancelledAt,
    cancel_reason: b.cancelReason,
    supersedes_id: b.supersedesId,
    template_id: b.templateId,
    results_at: b.resultsAt,
    created_at: b.createdAt,
    updated_at: b.updatedAt,
  };
}

export async function getBroadcast(db: Db, id: string) {
  const row = await db.select().from(broadcasts).where(eq(broadcasts.id, id)).get();
  if (!row) return null;
  const messages = await db.select().from(broadcastMessages).where(eq(broadcastMessages.broadcastId, id));
  return toView(row, messages);
}

/** The CAP document of an alert as received or built (the export). */
export async function broadcastCap(db: Db, id: string): Promise<CapAlert | null> {
  const row = await db.select({ cap: broadcasts.cap }).from(broadcasts).where(eq(broadcasts.id, id)).get();
  return row ? (row.cap as unknown as CapAlert) : null;
}

export type BroadcastFilters = {
  status?: BroadcastStatus;
  /** Real warnings, or exercises and tests. */
  kind?: "actual" | "exercise";
  /** Part of the event's name. */
  q?: string;
  /** Created on or after / before the end of (YYYY-MM-DD, UTC). */
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
};

export async function listBroadcasts(db: Db, f: BroadcastFilters) {
  const where: (SQL | undefined)[] = [];
  if (f.status) where.push(eq(broadcasts.status, f.status));
  if (f.kind) where.push(f.kind === "actual" ? eq(broadcasts.capStatus, "Actual") : inArray(broadcasts.capStatus, ["Exercise", "Test"]));
  if (f.q) where.push(sql`${broadcasts.event} LIKE ${`%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`} ESCAPE '\\'`);
  if (f.from) where.push(gte(broadcasts.createdAt, f.from));
  if (f.to) where.push(lt(broadcasts.createdAt, `${f.to}T99`));
  if (f.cursor) where.push(lt(broadcasts.id, f.cursor));
  const rows = await db
    .select()
    .from(broadcasts)
    .where(and(...where))
    .orderBy(desc(broadcasts.id))
    .limit(f.limit + 1);
  const page = rows.slice(0, f.limit);
  const messages = page.length
    ? await db
        .select()
        .from(broadcastMessages)
        .where(
          inList(
            broadcastMessages.broadcastId,
            page.map((r) => r.id),
          ),
        )
    : [];
  return {
    data: page.map((r) =>
      toView(
        r,
        messages.filter((m) => m.broadcastId === r.id),
      ),
    ),
    next_cursor: rows.length > f.limit ? (page.at(-1)?.id ?? null) : null,
  };
}

/** Moves an alert from one of `from` to `to` (guarded: a concurrent change makes it a 409) with its activity. */
export async function transition(
  ctx: WriteContext,
  id: string,
  from: BroadcastStatus[],
  to: BroadcastStatus,
  set: Partial<typeof broadcasts.$inferInsert>,
  activity: Record<string, unknown> = {},
  extra: (previous: BroadcastStatus) => Statement[] = () => [],
) {
  const current = await ctx.db.select({ status: broadcasts.status }).from(broadcasts).where(eq(broadcasts.id, id)).get();
  if (!current) throw new NotFound("No broadcast with this id.");
  if (!from.includes(current.status)) throw new Conflict(`A ${current.status} alert cannot become ${to}.`, { current_status: current.status });
  const changed = await ctx.db
    .update(broadcasts)
    .set({ ...set, status: to, updatedAt: ctx.now })
    .where(and(eq(broadcasts.id, id), inArray(broadcasts.status, from)))
    .returning({ id: broadcasts.id });
  if (changed.length === 0) throw new Conflict("The alert changed meanwhile; reload it.");
  await runBatch(ctx.db, [
    recordActivity(ctx, {
      entity: "broadcast",
      entityId: id,
      customerId: null,
      action: `broadcast.${to}`,
      changes: { status: { before: current.status, after: to } },
      ...activity,
    }),
    ...extra(current.status),
  ]);
  return (await getBroadcast(ctx.db, id)) as BroadcastView;
}

export async function submitBroadcast(ctx: WriteContext, id: string) {
  const row = await ctx.db.select({ cells: broadcasts.targetCells }).from(broadcasts).where(eq(broadcasts.id, id)).get();
  if (row && row.cells.length === 0) throw new Conflict("The alert's area covers none of our cells: there is nothing to broadcast.");
  return transition(ctx, id, ["draft"], "submitted", { submittedAt: ctx.now });
}

/**
 * A second person approves: not the author, holding `broadcasts:approve` (checked by the route), with
 * two-factor authentication on, confirming with a fresh code from their app (backup codes refused;
 * a code is accepted once).
 */
export async function approveBroadcast(
  ctx: WriteContext,
  id: string,
  approverId: string,
  otp: string,
  encryptionKey: string,
  enqueue: (jobIds: string[]) => Promise<void>,
) {
  const alert = await ctx.db.select({ authorId: broadcasts.authorId, status: broadcasts.status }).from(broadcasts).where(eq(broadcasts.id, id)).get();
  if (!alert) throw new NotFound("No broadcast with this id.");
  if (alert.authorId === approverId) throw new Forbidden("The author of an alert cannot approve it: a second person must.");
  if (alert.status !== "submitted") throw new Conflict(`A ${alert.status} alert cannot be approved.`, { current_status: alert.status });
  const approver = await ctx.db.select().from(users).where(eq(users.id, approverId)).get();
  if (!approver?.totpEnabledAt) throw new Conflict("Turn on two-factor authentication to approve alerts.");
  if (!/^\d{6}$/.test(otp.trim())) throw new Invalid("Enter the 6-digit code from your authenticator app.", [{ path: "otp", message: "A 6-digit code" }]);
  if ((await verifySecondFactor(ctx, approver, otp, encryptionKey)) !== "totp")
    throw new Invalid("The code is not valid (or was already used).", [{ path: "otp", message: "Not a fresh, valid code" }]);
  // Approved → sent: the broadcast job goes to the runner, which sends the ECBE messages to the CBC.
  const job = broadcastJob(ctx, id, "send");
  const approved = await transition(ctx, id, ["submitted"], "approved", { approverId, approverLabel: ctx.actor.label, approvedAt: ctx.now }, {}, () => [
    job.statement,
  ]);
  await enqueue([job.id]);
  return { ...approved, job_id: job.id };
}

/** Cancels an alert with a reason; one already approved or on air is stopped at the CBC (a `stop` job). */
export async function cancelBroadcast(ctx: WriteContext, id: string, reason: string | null, enqueue: (jobIds: string[]) => Promise<void> = async () => {}) {
  const job = broadcastJob(ctx, id, "stop");
  let stopping = false;
  const cancelled = await transition(
    ctx,
    id,
    ["draft", "submitted", "approved", "broadcasting"],
    "cancelled",
    { cancelledAt: ctx.now, cancelReason: reason },
    { after: { reason } },
    (previous) => {
      stopping = previous === "approved" || previous === "broadcasting";
      return stopping ? [job.statement] : [];
    },
  );
  if (stopping) await enqueue([job.id]);
  return { ...cancelled, ...(stopping ? { job_id: job.id } : {}) };
}

/** Asks the CBC for the alert's per-cell results again (a `status` job; the page shows them when it reports). */
export async function refreshResults(ctx: WriteContext, id: string, enqueue: (jobIds: string[]) => Promise<void>) {
  const row = await ctx.db.select({ status: broadcasts.status }).from(broadcasts).where(eq(broadcasts.id, id)).get();
  if (!row) throw new NotFound("No broadcast with this id.");
  if (row.status !== "broadcasting")
    throw new Conflict(`A ${row.status} alert is not on air: there is nothing to read at the CBC.`, { current_status: row.status });
  const job = broadcastJob(ctx, id, "status");
  await runBatch(ctx.db, [
    job.statement,
    recordActivity(ctx, { entity: "broadcast", entityId: id, customerId: null, action: "broadcast.results_requested", after: { job_id: job.id } }),
  ]);
  await enqueue([job.id]);
  return { job_id: job.id };
}
