/**
 * Cell broadcast pages: the history (filters), the alert form (map, live counter, templates,
 * updates), the alert (approve with a TOTP code, cancel with a reason, per-cell results live).
 * Every action goes through the same use cases as the API.
 */

import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { Hono } from "hono";
import { listActivity } from "../../db/queries/activity";
import { getSettings } from "../../db/queries/settings";
import { broadcasts, users } from "../../db/schema";
import {
  approveBroadcast,
  BroadcastCreate,
  type BroadcastView,
  cancelBroadcast,
  cellSites,
  createBroadcast,
  getBroadcast,
  listBroadcasts,
  refreshResults,
  submitBroadcast,
  targetCells,
} from "../../domain/broadcasts/broadcasts";
import { jobInFlight } from "../../domain/broadcasts/dispatch";
import { cellResults, resultSummary } from "../../domain/broadcasts/results";
import {
  archiveTemplate,
  BroadcastTemplateCreate,
  createTemplate,
  fillBlanks,
  getTemplate,
  listTemplates,
  type TemplateView,
} from "../../domain/broadcasts/templates";
import { serviceDeps } from "../../durable/service-client";
import type { AppEnv } from "../../env";
import type { MessageKey } from "../../i18n/catalogue";
import { t } from "../../i18n/request-locale";
import { parseAreaText } from "../../lib/cell-broadcast/area-text";
import { NotFound } from "../../lib/errors";
import { allowed, can, writeContext } from "../../middleware/access";
import {
  type AlertFormValues,
  BroadcastFormPage,
  BroadcastListPage,
  BroadcastPage,
  type ListFilters,
  MessageCounter,
  MessageIdPreview,
  ResultsPanel,
  SelectionPreview,
} from "../../views/broadcasts";
import type { CellMapArea } from "../../views/cell-map";
import type { FormErrors } from "../../views/components";
import { pageContext } from "./context";
import { attempt, type FormBody, list, readForm, text, validate } from "./forms";

const PAGE = 25;
const STATUSES = ["draft", "submitted", "approved", "broadcasting", "completed", "cancelled", "expired"] as const;
const enqueue = (c: Context<AppEnv>) => (ids: string[]) => serviceDeps(c.env).enqueue(ids);
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The map's cells: every cell site of the inventory. */
async function mapCells(c: Context<AppEnv>) {
  return (await cellSites(c.get("db"))).map((s) => ({ id: s.cellId, name: s.name, lat: s.lat, lon: s.lon, azimuth: s.azimuth }));
}

/** An alert's stored area as the map draws it. */
function storedArea(a: BroadcastView): CellMapArea {
  const area = a.area as { polygons?: [number, number][][][]; circles?: { lat: number; lon: number; radiusKm: number }[] };
  return { polygons: area.polygons ?? [], circles: (area.circles ?? []).map((x) => ({ lat: x.lat, lon: x.lon, radius_km: x.radiusKm })) };
}

/** The form's area fields: shapes (CAP syntax), cells, tracking areas, networks. */
function readArea(body: FormBody) {
  const shapes = parseAreaText(text(body, "area_text") ?? "");
  const words = (key: string) => (text(body, key) ?? "").split(/[\s,;]+/).filter(Boolean);
  const plmns = list(body, "plmns").map((p) => {
    const [mcc = "", mnc = ""] = p.split("-");
    return { mcc, mnc };
  });
  return {
    shapes,
    cells: words("cells"),
    trackingAreas: words("tracking_areas").map((t) => (/^\d+$/.test(t) ? Number(t) : Number.NaN)),
    plmns,
  };
}

function formValues(body: FormBody, template: TemplateView | null): AlertFormValues {
  const blanks: Record<string, string> = {};
  for (const b of template?.blanks ?? []) blanks[b] = text(body, `blank.${b}`) ?? "";
  const messages = [0, 1, 2].map((i) => ({
    language: (text(body, `lang_${i}`) ?? "").toLowerCase(),
    headline: text(body, `headline_${i}`) ?? "",
    text: text(body, `text_${i}`) ?? "",
  }));
  const keys = ["status", "category", "event", "urgency", "severity", "certainty", "area_description", "area_text", "cells", "tracking_areas"] as const;
  return {
    ...Object.fromEntries(keys.map((k) => [k, text(body, k) ?? undefined])),
    messages,
    plmns: list(body, "plmns"),
    valid_minutes: text(body, "valid_minutes") ?? undefined,
    repetition_period: text(body, "repetition_period") ?? undefined,
    num_of_bcast: text(body, "num_of_bcast") ?? undefined,
    message_id: text(body, "message_id") ?? undefined,
    template_id: text(body, "template_id") ?? undefined,
    blanks,
  };
}

const int = (s: string | undefined, fallback: number) => (s === undefined ? fallback : /^-?\d+$/.test(s.trim()) ? Number(s) : Number.NaN);

/** The `BroadcastCreate` input of the form (blanks filled), or the errors to show. */
function alertInput(body: FormBody, values: AlertFormValues, template: TemplateView | null, now: string) {
  const area = readArea(body);
  const errors: FormErrors = {};
  // Nothing is chosen for staff: a real, extreme warning must be picked, never left as a default.
  for (const key of ["status", "urgency", "severity", "certainty"] as const) if (!values[key]) errors[key] = t("broadcasts.error.choose_one");
  if (!area.shapes.ok) errors.area_text = area.shapes.errors.map((x) => x.message).join(" ");
  for (const b of template?.blanks ?? []) if (!values.blanks?.[b]?.trim()) errors[`blank.${b}`] = t("broadcasts.error.required");
  const minutes = int(values.valid_minutes, 60);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 7 * 24 * 60) errors.valid_minutes = t("broadcasts.error.valid_minutes");
  const fill = (t: string) => fillBlanks(t, values.blanks ?? {});
  const messages = values.messages
    .filter((m) => m.language || m.text || m.headline)
    .map((m) => ({ language: m.language, text: fill(m.text), ...(m.headline ? { headline: fill(m.headline) } : {}) }));
  const parsed = validate(BroadcastCreate, {
    status: values.status ?? "",
    category: values.category ?? "Safety",
    event: values.event ?? "",
    urgency: values.urgency,
    severity: values.severity,
    certainty: values.certainty,
    messages,
    area: {
      description: values.area_description ?? "Alert area",
      polygons: area.shapes.ok ? area.shapes.polygons : [],
      circles: area.shapes.ok ? area.shapes.circles : [],
      cells: area.cells,
      tracking_areas: area.trackingAreas,
    },
    ...(area.plmns.length > 0 ? { plmns: area.plmns } : {}),
    expires_at: new Date(Date.parse(now) + (Number.isInteger(minutes) ? minutes : 60) * 60_000).toISOString(),
    repetition_period: int(values.repetition_period, 30),
    num_of_bcast: int(values.num_of_bcast, 0),
    ...(values.message_id ? { message_id: int(values.message_id, 0) } : {}),
    ...(values.template_id ? { template_id: values.template_id } : {}),
  });
  if (!parsed.ok) return { ok: false as const, errors: { ...parsed.errors, ...errors } };
  if (Object.keys(errors).length > 0) return { ok: false as const, errors };
  return { ok: true as const, input: parsed.data };
}

/** What an alert says (kind, CAP fields), as the form and a template take it. */
function alertFields(alert: BroadcastView) {
  return {
    status: alert.cap_status,
    category: alert.category.split(" ")[0] ?? "Safety",
    event: alert.event,
    urgency: alert.urgency,
    severity: alert.severity,
    certainty: alert.certainty,
  };
}

/** Values of a new form: empty, from a template, or from the alert an update replaces. */
function initialValues(primary: string, template: TemplateView | null, alert: BroadcastView | null): AlertFormValues {
  if (alert) {
    const area = storedArea(alert);
    return {
      ...alertFields(alert),
      messages: alert.messages.map((m) => ({ language: m.language, headline: "", text: m.text })),
      area_description: String(alert.area.description ?? ""),
      area_text: formatShapes(area),
      cells: ((alert.area.cells as string[] | undefined) ?? []).join(" "),
      tracking_areas: ((alert.area.tracking_areas as number[] | undefined) ?? []).join(" "),
      plmns: alert.plmns.map((p) => `${p.mcc}-${p.mnc}`),
      repetition_period: String(alert.repetition_period),
      num_of_bcast: String(alert.num_of_bcast),
    };
  }
  if (template) {
    const t = template.alert;
    return {
      status: t.status,
      category: t.category,
      event: t.event,
      urgency: t.urgency,
      severity: t.severity,
      certainty: t.certainty,
      messages: t.messages.map((m) => ({ language: m.language, headline: m.headline ?? "", text: m.text })),
      valid_minutes: String(template.duration_minutes),
      repetition_period: String(t.repetition_period),
      num_of_bcast: String(t.num_of_bcast),
      template_id: template.id,
      blanks: {},
    };
  }
  return {
    messages: [
      { language: primary, headline: "", text: "" },
      { language: primary === "en" ? "fr" : "en", headline: "", text: "" },
    ],
  };
}

function formatShapes(area: CellMapArea): string {
  const rings = (area.polygons as [number, number][][][]).map((p) => p[0] ?? []);
  return [...rings.map((r) => r.map(([lat, lon]) => `${lat},${lon}`).join(" ")), ...area.circles.map((x) => `${x.lat},${x.lon} ${x.radius_km}`)].join("\n");
}

async function formPage(
  c: Context<AppEnv>,
  state: { values: AlertFormValues; errors: FormErrors; message?: string; template: TemplateView | null; supersedes: BroadcastView | null },
  status: 200 | 409 | 422 = 200,
) {
  const settings = (await getSettings(c.get("db"))).data;
  const cells = await mapCells(c);
  const preview = await previewOf(c, state.values);
  return c.html(
    <BroadcastFormPage
      ctx={pageContext(c)}
      {...state}
      cells={cells}
      selected={preview.selected}
      area={preview.area}
      plmns={settings.broadcast_plmns.map((p) => ({ mcc: p.mcc, mnc: p.mnc, name: p.name ?? `${p.mcc}-${p.mnc}` }))}
      canOverride={allowed(c, "broadcasts:approve")}
      primary={settings.default_locale.slice(0, 2).toLowerCase()}
    />,
    status,
  );
}

/** The cells the form's area selects now (for the map), or why it cannot tell. */
async function previewOf(c: Context<AppEnv>, values: AlertFormValues): Promise<{ selected: string[]; area: CellMapArea | null; error?: string }> {
  const body: FormBody = {
    area_text: values.area_text ?? "",
    cells: values.cells ?? "",
    tracking_areas: values.tracking_areas ?? "",
    plmns: values.plmns ?? [],
  };
  const area = readArea(body);
  if (!area.shapes.ok) return { selected: [], area: null, error: area.shapes.errors.map((e) => e.message).join(" ") };
  const settings = (await getSettings(c.get("db"))).data;
  const plmns = area.plmns.length > 0 ? area.plmns : settings.broadcast_plmns.map(({ mcc, mnc }) => ({ mcc, mnc }));
  const selected = await targetCells(
    c.get("db"),
    {
      polygons: area.shapes.polygons.map((ring) => [ring]),
      circles: area.shapes.circles.map((x) => ({ lat: x.lat, lon: x.lon, radiusKm: x.radius_km })),
      cells: area.cells,
      trackingAreas: area.trackingAreas.filter(Number.isInteger),
    },
    plmns,
  );
  return { selected, area: { polygons: area.shapes.polygons, circles: area.shapes.circles } };
}

/** The results panel's data; `cells`: the map's cells when the caller has them already (the names). */
async function resultsProps(c: Context<AppEnv>, alert: BroadcastView, cells?: Awaited<ReturnType<typeof mapCells>>) {
  const results = await cellResults(c.get("db"), alert.id);
  const names = new Map((cells ?? (await mapCells(c))).map((x) => [x.id, x.name ?? x.id]));
  const jobRunning = await jobInFlight(c.get("db"), alert.id);
  return {
    alert,
    results,
    summary: resultSummary(alert.target_cells, results),
    names,
    jobRunning,
    canWrite: allowed(c, "broadcasts:write"),
    tz: pageContext(c).settings.default_timezone,
    csrfToken: pageContext(c).csrfToken,
  };
}

async function alertPage(
  c: Context<AppEnv>,
  id: string,
  state: { errors?: FormErrors; message?: string; notice?: string } = {},
  status: 200 | 403 | 409 | 422 = 200,
) {
  const alert = await getBroadcast(c.get("db"), id);
  if (!alert) throw new NotFound(t("broadcasts.error.no_alert"));
  const principal = c.get("principal");
  const userId = principal?.type === "user" ? principal.id : null;
  const me = userId ? await c.get("db").select({ totp: users.totpEnabledAt }).from(users).where(eq(users.id, userId)).get() : null;
  const activity = await listActivity(c.get("db"), { entity: "broadcast", entityId: id, limit: 50 });
  const cells = await mapCells(c);
  return c.html(
    <BroadcastPage
      ctx={pageContext(c)}
      alert={alert}
      cells={cells}
      area={storedArea(alert)}
      results={await resultsProps(c, alert, cells)}
      activity={activity.data}
      canWrite={allowed(c, "broadcasts:write")}
      canApprove={allowed(c, "broadcasts:approve")}
      isAuthor={Boolean(userId) && (await authorOf(c, id)) === userId}
      approverHasTotp={Boolean(me?.totp)}
      errors={state.errors ?? {}}
      message={state.message}
      notice={state.notice}
    />,
    status,
  );
}

async function authorOf(c: Context<AppEnv>, id: string): Promise<string | null> {
  const row = await c.get("db").select({ author: broadcasts.authorId }).from(broadcasts).where(eq(broadcasts.id, id)).get();
  return row?.author ?? null;
}

const NOTICES: Record<string, MessageKey> = {
  created: "broadcasts.notice.created",
  submitted: "broadcasts.notice.submitted",
  approved: "broadcasts.notice.approved",
  cancelled: "broadcasts.notice.cancelled",
  refreshing: "broadcasts.notice.refreshing",
  template: "broadcasts.notice.template",
  retired: "broadcasts.notice.retired",
};

/** The notice a redirect asked for (`?done=…`), in the page's language. */
function notice(c: Context<AppEnv>): string | undefined {
  const key = NOTICES[c.req.query("done") ?? ""];
  return key && t(key);
}

/** Creates (or updates) from the form, then submits when asked. */
async function saveAlert(c: Context<AppEnv>, supersedes: BroadcastView | null) {
  const body = await readForm(c);
  const templateId = text(body, "template_id");
  const template = templateId ? await getTemplate(c.get("db"), templateId) : null;
  const values = formValues(body, template);
  const ctx = writeContext(c);
  const input = alertInput(body, values, template, ctx.now);
  if (!input.ok) return formPage(c, { values, errors: input.errors, template, supersedes }, 422);
  const created = await attempt(() => createBroadcast(ctx, input.input, allowed(c, "broadcasts:approve"), supersedes ? { supersedes: supersedes.id } : {}));
  if (!created.ok) return formPage(c, { values, errors: created.errors, message: created.message, template, supersedes }, 422);
  if (text(body, "next_step") === "submit") {
    const submitted = await attempt(() => submitBroadcast(ctx, created.data.id));
    if (!submitted.ok) return alertPage(c, created.data.id, { message: submitted.message }, 409);
    return c.redirect(`/admin/broadcasts/${created.data.id}?done=submitted`, 303);
  }
  return c.redirect(`/admin/broadcasts/${created.data.id}?done=created`, 303);
}

async function listFilters(c: Context<AppEnv>): Promise<ListFilters> {
  const q = c.req.query();
  return {
    status: STATUSES.includes(q.status as (typeof STATUSES)[number]) ? q.status : undefined,
    kind: q.kind === "actual" || q.kind === "exercise" ? q.kind : undefined,
    q: q.q?.trim().slice(0, 100) || undefined,
    from: DATE.test(q.from ?? "") ? q.from : undefined,
    to: DATE.test(q.to ?? "") ? q.to : undefined,
  };
}

export const broadcastPages = new Hono<AppEnv>()
  .get("/broadcasts", can("broadcasts:read"), async (c) => {
    const filters = await listFilters(c);
    const cursor = c.req.query("cursor");
    const page = await listBroadcasts(c.get("db"), {
      ...filters,
      status: filters.status as (typeof STATUSES)[number] | undefined,
      kind: filters.kind as "actual" | "exercise" | undefined,
      limit: PAGE,
      cursor: cursor && /^bc_[0-9a-z]{26}$/i.test(cursor) ? cursor : undefined,
    });
    return c.html(
      <BroadcastListPage
        ctx={pageContext(c)}
        alerts={page.data}
        filters={filters}
        nextCursor={page.next_cursor}
        hasCursor={Boolean(cursor)}
        templates={await listTemplates(c.get("db"))}
        canWrite={allowed(c, "broadcasts:write")}
        canApprove={allowed(c, "broadcasts:approve")}
        notice={notice(c)}
      />,
    );
  })
  .get("/broadcasts/new", can("broadcasts:write"), async (c) => {
    const templateId = c.req.query("template");
    const template = templateId ? await getTemplate(c.get("db"), templateId) : null;
    if (templateId && !template) throw new NotFound(t("broadcasts.error.no_template"));
    const primary = (await getSettings(c.get("db"))).data.default_locale.slice(0, 2).toLowerCase();
    return formPage(c, { values: initialValues(primary, template, null), errors: {}, template, supersedes: null });
  })
  .post("/broadcasts", can("broadcasts:write"), (c) => saveAlert(c, null))
  .post("/broadcasts/counter", can("broadcasts:write"), async (c) => {
    const i = Number(c.req.query("i") ?? 0);
    const index = Number.isInteger(i) && i >= 0 && i < 3 ? i : 0;
    const body = await readForm(c);
    return c.html(<MessageCounter index={index} text={text(body, `text_${index}`) ?? ""} />);
  })
  .post("/broadcasts/message-id", can("broadcasts:write"), async (c) => {
    const values = formValues(await readForm(c), null);
    const primary = (await getSettings(c.get("db"))).data.default_locale.slice(0, 2).toLowerCase();
    return c.html(<MessageIdPreview values={values} primary={primary} />);
  })
  .post("/broadcasts/preview", can("broadcasts:write"), async (c) => {
    const body = await readForm(c);
    const values = formValues(body, null);
    const preview = await previewOf(c, values);
    return c.html(<SelectionPreview cells={await mapCells(c)} selected={preview.selected} area={preview.area} error={preview.error} />);
  })
  .post("/broadcasts/templates/:id/archive", can("broadcasts:approve"), async (c) => {
    await archiveTemplate(writeContext(c), c.req.param("id"));
    return c.redirect("/admin/broadcasts?done=retired#templates", 303);
  })
  .get("/broadcasts/:id", can("broadcasts:read"), (c) => alertPage(c, c.req.param("id"), { notice: notice(c) }))
  .get("/broadcasts/:id/results", can("broadcasts:read"), async (c) => {
    const alert = await getBroadcast(c.get("db"), c.req.param("id"));
    if (!alert) throw new NotFound(t("broadcasts.error.no_alert"));
    // The page was drawn for another status (approved, cancelled…): htmx reloads it whole.
    const seen = c.req.query("seen");
    if (seen && seen !== alert.status) c.header("HX-Refresh", "true");
    return c.html(<ResultsPanel {...(await resultsProps(c, alert))} />);
  })
  .post("/broadcasts/:id/refresh", can("broadcasts:write"), async (c) => {
    const id = c.req.param("id");
    const done = await attempt(() => refreshResults(writeContext(c), id, enqueue(c)));
    if (c.req.header("hx-request")) {
      const alert = await getBroadcast(c.get("db"), id);
      if (!alert) throw new NotFound(t("broadcasts.error.no_alert"));
      return c.html(<ResultsPanel {...(await resultsProps(c, alert))} />);
    }
    if (!done.ok) return alertPage(c, id, { message: done.message }, 409);
    return c.redirect(`/admin/broadcasts/${id}?done=refreshing`, 303);
  })
  .get("/broadcasts/:id/update", can("broadcasts:write"), async (c) => {
    const alert = await getBroadcast(c.get("db"), c.req.param("id"));
    if (!alert) throw new NotFound(t("broadcasts.error.no_alert"));
    return formPage(c, { values: initialValues("", null, alert), errors: {}, template: null, supersedes: alert });
  })
  .post("/broadcasts/:id/update", can("broadcasts:write"), async (c) => {
    const alert = await getBroadcast(c.get("db"), c.req.param("id"));
    if (!alert) throw new NotFound(t("broadcasts.error.no_alert"));
    return saveAlert(c, alert);
  })
  .post("/broadcasts/:id/submit", can("broadcasts:write"), async (c) => {
    const id = c.req.param("id");
    const done = await attempt(() => submitBroadcast(writeContext(c), id));
    if (!done.ok) return alertPage(c, id, { message: done.message }, 409);
    return c.redirect(`/admin/broadcasts/${id}?done=submitted`, 303);
  })
  .post("/broadcasts/:id/approve", can("broadcasts:approve"), async (c) => {
    const id = c.req.param("id");
    const body = await readForm(c);
    const principal = c.get("principal");
    if (principal?.type !== "user") return alertPage(c, id, { message: t("broadcasts.error.by_person") }, 403);
    const done = await attempt(() => approveBroadcast(writeContext(c), id, principal.id, text(body, "otp") ?? "", c.env.ENCRYPTION_KEY, enqueue(c)));
    if (!done.ok)
      return alertPage(c, id, { errors: { otp: done.errors.otp ?? done.message ?? t("broadcasts.error.not_approved") }, message: done.message }, 422);
    return c.redirect(`/admin/broadcasts/${id}?done=approved`, 303);
  })
  .post("/broadcasts/:id/cancel", can("broadcasts:write"), async (c) => {
    const id = c.req.param("id");
    const body = await readForm(c);
    const reason = text(body, "reason")?.trim();
    if (!reason) return alertPage(c, id, { errors: { reason: t("broadcasts.error.cancel_reason") } }, 422);
    if (reason.length > 500) return alertPage(c, id, { errors: { reason: t("broadcasts.error.cancel_reason_long") } }, 422);
    const done = await attempt(() => cancelBroadcast(writeContext(c), id, reason, enqueue(c)));
    if (!done.ok) return alertPage(c, id, { message: done.message }, 409);
    return c.redirect(`/admin/broadcasts/${id}?done=cancelled`, 303);
  })
  .post("/broadcasts/:id/template", can("broadcasts:approve"), async (c) => {
    const id = c.req.param("id");
    const alert = await getBroadcast(c.get("db"), id);
    if (!alert) throw new NotFound(t("broadcasts.error.no_alert"));
    const body = await readForm(c);
    const parsed = validate(BroadcastTemplateCreate, {
      name: text(body, "name") ?? "",
      duration_minutes: int(text(body, "duration_minutes") ?? undefined, 60),
      alert: {
        ...alertFields(alert),
        messages: alert.messages.map((m) => ({ language: m.language, text: m.text })),
        repetition_period: alert.repetition_period,
        num_of_bcast: alert.num_of_bcast,
      },
    });
    if (!parsed.ok) return alertPage(c, id, { errors: parsed.errors }, 422);
    const done = await attempt(() => createTemplate(writeContext(c), parsed.data));
    if (!done.ok) return alertPage(c, id, { errors: { name: done.message ?? t("broadcasts.error.not_saved") } }, 409);
    return c.redirect("/admin/broadcasts?done=template#templates", 303);
  });
