/** Cell broadcast pages: the history with filters, the alert form with its map, the alert with its per-cell results. */
import type { Child } from "hono/jsx";
import type { ActivityView } from "../db/queries/activity";
import type { BroadcastView } from "../domain/broadcasts/broadcasts";
import type { CellResultView } from "../domain/broadcasts/results";
import type { TemplateView } from "../domain/broadcasts/templates";
import { isBroadcastsKey } from "../i18n/admin-broadcasts";
import { t } from "../i18n/request-locale";
import { CAP_CATEGORIES, CAP_CERTAINTIES, CAP_SEVERITIES, CAP_URGENCIES } from "../lib/cell-broadcast/cap";
import { CBS_MAX_PAGES, cbsCounter } from "../lib/cell-broadcast/encoding";
import { describeMessageId, isAdditionalLanguage, messageIdFor } from "../lib/cell-broadcast/message-id";
import { CellMap, type CellMapArea, type CellMapCell } from "./cell-map";
import {
  ActivityTable,
  Alerts,
  Badge,
  CsrfField,
  EmptyState,
  ErrorSummary,
  Field,
  type FormErrors,
  PageHeader,
  Pager,
  SelectField,
  Table,
  Time,
} from "./components";
import { Layout, type PageContext } from "./layout";

export const BROADCAST_SCRIPTS = ["/js/broadcast-map.js"];

/** htmx: a change inside the element posts the whole form to `url` and swaps `target` with the answer. */
const refreshOnChange = (url: string, target: string) => ({
  "hx-post": url,
  "hx-trigger": "change",
  "hx-target": target,
  "hx-swap": "outerHTML",
  "hx-include": "closest form",
});

/** A stored value (status, CAP field) in the page's language: its key when there is one, else the value itself. */
function valueLabel(group: string, value: string): string {
  const key = `broadcasts.${group}.${value}`;
  return isBroadcastsKey(key) ? t(key) : value;
}

/** An alert's status (or a cell's result) as a badge, in the page's language. */
function StatusBadge(props: { group: "status" | "result"; value: string }) {
  return <Badge value={props.value} label={valueLabel(props.group, props.value)} />;
}

/** A select's options for stored values (statuses, CAP fields), labelled in the page's language. */
const capOptions = (group: string, values: readonly string[]) => values.map((value) => ({ value, label: valueLabel(group, value) }));

/** "EXERCISE" / "TEST" next to anything that is not a real warning. */
export function ExerciseMark(props: { capStatus: string }) {
  if (props.capStatus === "Actual") return null;
  return (
    <span class="badge badge-exercise" title={t("broadcasts.not_real")}>
      {valueLabel("cap_status", props.capStatus).toUpperCase()}
    </span>
  );
}

/** The name of a message identifier ("Extreme alert (additional language)"), in the page's language. */
function messageIdName(id: number): string {
  const info = describeMessageId(id);
  if (!info) return "";
  const name = valueLabel("message_id", String(info.primaryId));
  return info.additionalLanguage ? t("broadcasts.message_id_additional", { name }) : name;
}

export type ListFilters = { status?: string; kind?: string; q?: string; from?: string; to?: string };

export function BroadcastListPage(props: {
  ctx: PageContext;
  alerts: BroadcastView[];
  filters: ListFilters;
  nextCursor: string | null;
  hasCursor: boolean;
  templates: TemplateView[];
  canWrite: boolean;
  canApprove: boolean;
  notice?: string;
}) {
  const tz = props.ctx.settings.default_timezone;
  const f = props.filters;
  return (
    <Layout ctx={props.ctx} title={t("broadcasts.title")}>
      <PageHeader
        title={t("broadcasts.title")}
        subtitle={t("broadcasts.subtitle")}
        actions={
          props.canWrite ? (
            <a class="button primary" href="/admin/broadcasts/new">
              {t("broadcasts.new_alert")}
            </a>
          ) : undefined
        }
      />
      <Alerts notice={props.notice} />
      <section class="card">
        <form method="get" action="/admin/broadcasts" class="filters" aria-label={t("broadcasts.filter_label")}>
          <SelectField
            name="status"
            label={t("broadcasts.status")}
            value={f.status ?? ""}
            blank={t("broadcasts.any")}
            options={capOptions("status", ["draft", "submitted", "approved", "broadcasting", "completed", "cancelled", "expired"])}
          />
          <SelectField
            name="kind"
            label={t("broadcasts.kind")}
            value={f.kind ?? ""}
            blank={t("broadcasts.any")}
            options={[
              { value: "actual", label: t("broadcasts.kind_actual") },
              { value: "exercise", label: t("broadcasts.kind_exercise") },
            ]}
          />
          <Field name="q" label={t("broadcasts.event")} value={f.q} placeholder={t("broadcasts.event_placeholder")} />
          <Field name="from" label={t("broadcasts.from")} type="date" value={f.from} />
          <Field name="to" label={t("broadcasts.to")} type="date" value={f.to} />
          <button type="submit" class="button">
            {t("broadcasts.filter")}
          </button>
        </form>
        <Table
          rows={props.alerts}
          empty={
            <EmptyState title={t("broadcasts.none_match")}>{props.canWrite ? t("broadcasts.none_hint_write") : t("broadcasts.none_hint_read")}</EmptyState>
          }
          columns={[
            {
              header: t("broadcasts.event"),
              rowHeader: true,
              cell: (b) => (
                <>
                  <a href={`/admin/broadcasts/${b.id}`}>{b.event}</a> <ExerciseMark capStatus={b.cap_status} />
                  {b.supersedes_id && <span class="muted small"> {t("broadcasts.update_nr", { n: b.serial.update_nr })}</span>}
                </>
              ),
            },
            { header: t("broadcasts.status"), cell: (b) => <StatusBadge group="status" value={b.status} /> },
            { header: t("broadcasts.col.message_id"), class: "num", cell: (b) => b.message_id },
            { header: t("broadcasts.col.languages"), cell: (b) => b.messages.map((m) => m.language).join(", ") },
            { header: t("broadcasts.col.cells"), class: "num", cell: (b) => b.target_cells.length },
            { header: t("broadcasts.col.author"), cell: (b) => b.author },
            { header: t("broadcasts.col.approver"), cell: (b) => b.approver ?? "—" },
            { header: t("broadcasts.col.created"), class: "nowrap", cell: (b) => <Time iso={b.created_at} timeZone={tz} /> },
            { header: t("broadcasts.col.expires"), class: "nowrap", cell: (b) => <Time iso={b.expires_at} timeZone={tz} /> },
          ]}
        />
        <Pager
          baseUrl="/admin/broadcasts"
          params={{ status: f.status, kind: f.kind, q: f.q, from: f.from, to: f.to }}
          nextCursor={props.nextCursor}
          hasCursor={props.hasCursor}
        />
      </section>
      <section class="card" id="templates">
        <h2>{t("broadcasts.templates")}</h2>
        <p class="muted">{t("broadcasts.templates_intro")}</p>
        <Table
          rows={props.templates}
          empty={<EmptyState title={t("broadcasts.no_templates")}>{t("broadcasts.no_templates_hint")}</EmptyState>}
          columns={[
            { header: t("broadcasts.col.template"), rowHeader: true, cell: (tpl) => tpl.name },
            { header: t("broadcasts.kind"), cell: (tpl) => <ExerciseMark capStatus={tpl.alert.status} /> },
            { header: t("broadcasts.col.blanks"), cell: (tpl) => (tpl.blanks.length ? tpl.blanks.join(", ") : "—") },
            { header: t("broadcasts.col.valid_for"), class: "nowrap", cell: (tpl) => t("broadcasts.minutes", { n: tpl.duration_minutes }) },
            { header: t("broadcasts.col.by"), cell: (tpl) => tpl.author },
            {
              header: <span class="visually-hidden">{t("admin.actions")}</span>,
              class: "row-actions",
              cell: (tpl) => (
                <>
                  {props.canWrite && <a href={`/admin/broadcasts/new?template=${tpl.id}`}>{t("broadcasts.use")}</a>}
                  {props.canApprove && (
                    <form
                      method="post"
                      action={`/admin/broadcasts/templates/${tpl.id}/archive`}
                      class="inline"
                      data-confirm={t("broadcasts.retire_confirm", { name: tpl.name })}
                    >
                      <CsrfField token={props.ctx.csrfToken} />
                      <button type="submit" class="link-button danger">
                        {t("broadcasts.retire")}
                      </button>
                    </form>
                  )}
                </>
              ),
            },
          ]}
        />
      </section>
    </Layout>
  );
}

/** The live counter of one message: characters, pages, encoding (the server counts, as the CBC will). */
export function MessageCounter(props: { index: number; text: string }) {
  const c = cbsCounter(props.text);
  const over = props.text.length > 0 && c.tooLong;
  const counter = t("broadcasts.counter", {
    used: c.used,
    capacity: c.capacity,
    ucs2: c.encoding === "ucs2" ? " (UCS-2)" : "",
    pages: t(c.pages === 1 ? "broadcasts.counter_page" : "broadcasts.counter_pages", { n: c.pages }),
  });
  return (
    <output id={`counter-${props.index}`} class={over ? "counter over" : "counter"} for={`f-text_${props.index}`} aria-live="polite">
      {props.text.length === 0 ? t("broadcasts.counter_empty") : c.tooLong ? t("broadcasts.counter_too_long", { counter, max: CBS_MAX_PAGES }) : counter}
    </output>
  );
}

/** The identifier each language will carry (TS 23.041), from the kind and the CAP fields, as the form changes. */
export function MessageIdPreview(props: { values: AlertFormValues; primary: string }) {
  const v = props.values;
  const input = { status: v.status ?? "Actual", severity: v.severity ?? "", urgency: v.urgency ?? "", certainty: v.certainty ?? "" };
  const languages = v.messages.map((m) => m.language).filter(Boolean);
  const rows = (languages.length > 0 ? languages : [props.primary]).map((language) => {
    const id = messageIdFor(input, { additionalLanguage: isAdditionalLanguage(language, props.primary) });
    return { language, id, name: messageIdName(id) };
  });
  return (
    <p id="message-id-preview" class="message-id-preview" aria-live="polite">
      {t("broadcasts.message_id_preview")}{" "}
      {rows.map((r, i) => (
        <>
          {i > 0 && " · "}
          <strong>{r.id}</strong> {r.language.toUpperCase()} <span class="muted small">({r.name})</span>
        </>
      ))}
    </p>
  );
}

/** The map and the cells an area selects (refreshed as the area changes). */
export function SelectionPreview(props: { cells: CellMapCell[]; selected: string[]; area: CellMapArea | null; error?: string }) {
  const byId = new Map(props.cells.map((c) => [c.id, c]));
  return (
    <div id="selection-preview">
      <CellMap cells={props.cells} selected={props.selected} area={props.area ?? undefined} label={t("broadcasts.map_label")} />
      {props.error ? (
        <p class="field-error" role="alert">
          {props.error}
        </p>
      ) : (
        <details class="selection" open={props.selected.length > 0 && props.selected.length <= 12}>
          <summary aria-live="polite">
            {props.selected.length === 0
              ? t("broadcasts.no_cell_selected")
              : t(props.selected.length === 1 ? "broadcasts.cells_selected_one" : "broadcasts.cells_selected", { n: props.selected.length })}
          </summary>
          <ul class="cell-list">
            {props.selected.map((id) => (
              <li>
                <code>{id}</code> {byId.get(id)?.name ?? ""}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

export type AlertFormValues = {
  status?: string;
  category?: string;
  event?: string;
  urgency?: string;
  severity?: string;
  certainty?: string;
  messages: { language: string; headline: string; text: string }[];
  area_description?: string;
  area_text?: string;
  cells?: string;
  tracking_areas?: string;
  plmns?: string[];
  valid_minutes?: string;
  repetition_period?: string;
  num_of_bcast?: string;
  message_id?: string;
  template_id?: string;
  blanks?: Record<string, string>;
};

export function BroadcastFormPage(props: {
  ctx: PageContext;
  values: AlertFormValues;
  errors: FormErrors;
  message?: string;
  cells: CellMapCell[];
  selected: string[];
  area: CellMapArea | null;
  plmns: { mcc: string; mnc: string; name: string }[];
  canOverride: boolean;
  template: TemplateView | null;
  supersedes: BroadcastView | null;
  /** The operator's primary language (other languages use the "additional language" identifiers). */
  primary: string;
}) {
  const v = props.values;
  const e = props.errors;
  const title = props.supersedes
    ? t("broadcasts.form.title_update", { event: props.supersedes.event })
    : props.template
      ? t("broadcasts.form.title_template", { name: props.template.name })
      : t("broadcasts.new_alert");
  const rows = [...v.messages];
  while (rows.length < 3) rows.push({ language: "", headline: "", text: "" });
  return (
    <Layout ctx={props.ctx} title={title} scripts={BROADCAST_SCRIPTS}>
      <PageHeader
        title={title}
        back={{ href: props.supersedes ? `/admin/broadcasts/${props.supersedes.id}` : "/admin/broadcasts", label: t("broadcasts.back") }}
      />
      {props.supersedes && (
        <p class="alert info">
          {t("broadcasts.form.update_info", { code: props.supersedes.serial.msg_code, n: (props.supersedes.serial.update_nr + 1) % 16 })}
        </p>
      )}
      <ErrorSummary errors={e} message={props.message} />
      <form method="post" action={props.supersedes ? `/admin/broadcasts/${props.supersedes.id}/update` : "/admin/broadcasts"} class="stack broadcast-form">
        <CsrfField token={props.ctx.csrfToken} />
        {v.template_id && <input type="hidden" name="template_id" value={v.template_id} />}
        {props.template && props.template.blanks.length > 0 && (
          <fieldset class="card">
            <legend>{t("broadcasts.form.fill_template")}</legend>
            <p class="hint">{t("broadcasts.form.blank_hint")}</p>
            <div class="grid-2">
              {props.template.blanks.map((b) => (
                <Field name={`blank.${b}`} label={b} value={v.blanks?.[b]} required error={e[`blank.${b}`]} />
              ))}
            </div>
          </fieldset>
        )}
        <fieldset class="card" {...refreshOnChange("/admin/broadcasts/message-id", "#message-id-preview")}>
          <legend>{t("broadcasts.form.alert")}</legend>
          <div class="grid-3">
            <SelectField
              name="status"
              label={t("broadcasts.kind")}
              value={v.status}
              blank={t("broadcasts.form.choose")}
              required
              options={[
                { value: "Actual", label: t("broadcasts.form.real_warning") },
                { value: "Exercise", label: t("broadcasts.cap_status.Exercise") },
                { value: "Test", label: t("broadcasts.cap_status.Test") },
              ]}
              error={e.status}
            />
            <SelectField
              name="category"
              label={t("broadcasts.form.category")}
              value={v.category ?? "Safety"}
              options={capOptions("category", CAP_CATEGORIES)}
              error={e.category}
            />
            <Field name="event" label={t("broadcasts.event")} value={v.event} required error={e.event} placeholder={t("broadcasts.form.event_placeholder")} />
            <SelectField
              name="urgency"
              label={t("broadcasts.form.urgency")}
              value={v.urgency}
              blank={t("broadcasts.form.choose")}
              options={capOptions("urgency", CAP_URGENCIES)}
              error={e.urgency}
              required
            />
            <SelectField
              name="severity"
              label={t("broadcasts.form.severity")}
              value={v.severity}
              blank={t("broadcasts.form.choose")}
              options={capOptions("severity", CAP_SEVERITIES)}
              error={e.severity}
              required
            />
            <SelectField
              name="certainty"
              label={t("broadcasts.form.certainty")}
              value={v.certainty}
              blank={t("broadcasts.form.choose")}
              options={capOptions("certainty", CAP_CERTAINTIES)}
              error={e.certainty}
              required
            />
          </div>
          <MessageIdPreview values={v} primary={props.primary} />
          <p class="hint">{t("broadcasts.form.message_id_hint")}</p>
          {props.canOverride ? (
            <Field
              name="message_id"
              label={t("broadcasts.form.message_id_override")}
              type="number"
              value={v.message_id}
              error={e.message_id}
              hint={t("broadcasts.form.message_id_override_hint")}
            />
          ) : null}
        </fieldset>
        <fieldset class="card" {...refreshOnChange("/admin/broadcasts/message-id", "#message-id-preview")}>
          <legend>{t("broadcasts.form.messages")}</legend>
          <p class="hint">{t("broadcasts.form.messages_hint")}</p>
          {rows.map((m, i) => (
            <div class="message-row">
              <div class="grid-3">
                <Field
                  name={`lang_${i}`}
                  label={t("broadcasts.form.language_n", { n: i + 1 })}
                  value={m.language}
                  placeholder={["fr", "en", "de"][i]}
                  error={e[`messages.${i}.language`]}
                />
                <Field name={`headline_${i}`} label={t("broadcasts.form.headline")} value={m.headline} error={e[`messages.${i}.headline`]} />
              </div>
              <div class={e[`messages.${i}.text`] ? "field invalid" : "field"}>
                <label for={`f-text_${i}`}>{t("broadcasts.form.text")}</label>
                <textarea
                  id={`f-text_${i}`}
                  name={`text_${i}`}
                  rows={3}
                  hx-post={`/admin/broadcasts/counter?i=${i}`}
                  hx-trigger="input changed delay:250ms"
                  hx-target={`#counter-${i}`}
                  hx-swap="outerHTML"
                  aria-describedby={`counter-${i}`}
                  aria-invalid={e[`messages.${i}.text`] ? "true" : undefined}
                >
                  {m.text}
                </textarea>
                <MessageCounter index={i} text={m.text} />
                {e[`messages.${i}.text`] && <div class="field-error">{e[`messages.${i}.text`]}</div>}
              </div>
            </div>
          ))}
          {e.messages && <div class="field-error">{e.messages}</div>}
        </fieldset>
        <fieldset class="card" {...refreshOnChange("/admin/broadcasts/preview", "#selection-preview")}>
          <legend>{t("broadcasts.form.area")}</legend>
          <Field
            name="area_description"
            label={t("broadcasts.form.area_description")}
            value={v.area_description}
            placeholder={t("broadcasts.form.area_description_placeholder")}
            error={e["area.description"]}
          />
          <div class="cell-map-editor" data-cell-map-editor>
            <div class="map-tools" role="toolbar" aria-label={t("broadcasts.form.draw_area")}>
              <button type="button" class="button" data-map-mode="polygon" aria-pressed="false">
                {t("broadcasts.form.draw_polygon")}
              </button>
              <button type="button" class="button" data-map-mode="circle" aria-pressed="false">
                {t("broadcasts.form.draw_circle")}
              </button>
              <button type="button" class="button" data-map-undo>
                {t("broadcasts.form.undo_point")}
              </button>
              <button type="button" class="button" data-map-mode="clear">
                {t("broadcasts.form.clear")}
              </button>
              <span class="muted small" data-map-status aria-live="polite">
                {t("broadcasts.form.draw_status")}
              </span>
            </div>
            <SelectionPreview cells={props.cells} selected={props.selected} area={props.area} error={e.area} />
            <div class={e.area_text ? "field invalid" : "field"}>
              <label for="f-area_text">{t("broadcasts.form.shapes")}</label>
              <textarea id="f-area_text" name="area_text" rows={3} aria-describedby="f-area_text-hint" aria-invalid={e.area_text ? "true" : undefined}>
                {v.area_text ?? ""}
              </textarea>
              <div class="hint" id="f-area_text-hint">
                {t("broadcasts.form.shapes_hint")}
              </div>
              {e.area_text && <div class="field-error">{e.area_text}</div>}
            </div>
          </div>
          <div class="grid-2">
            <Field name="cells" label={t("broadcasts.form.cells")} value={v.cells} error={e["area.cells"]} placeholder="20815001 20815002" />
            <Field
              name="tracking_areas"
              label={t("broadcasts.form.tracking_areas")}
              value={v.tracking_areas}
              error={e["area.tracking_areas"]}
              placeholder="6901"
            />
          </div>
          <fieldset>
            <legend>{t("broadcasts.form.networks")}</legend>
            {props.plmns.length === 0 ? (
              <p class="muted">{t("broadcasts.form.no_networks")}</p>
            ) : (
              props.plmns.map((p) => {
                const key = `${p.mcc}-${p.mnc}`;
                return (
                  <label class="checkbox">
                    <input type="checkbox" name="plmns" value={key} checked={!v.plmns || v.plmns.length === 0 || v.plmns.includes(key)} /> {p.name} ({p.mcc}-
                    {p.mnc})
                  </label>
                );
              })
            )}
            {e.plmns && <div class="field-error">{e.plmns}</div>}
          </fieldset>
        </fieldset>
        <fieldset class="card">
          <legend>{t("broadcasts.form.timing")}</legend>
          <div class="grid-3">
            <Field
              name="valid_minutes"
              label={t("broadcasts.form.valid_minutes")}
              type="number"
              value={v.valid_minutes ?? "60"}
              required
              error={e.expires_at ?? e.valid_minutes}
            />
            <Field
              name="repetition_period"
              label={t("broadcasts.form.repetition")}
              type="number"
              value={v.repetition_period ?? "30"}
              error={e.repetition_period}
              hint={t("broadcasts.form.repetition_hint")}
            />
            <Field
              name="num_of_bcast"
              label={t("broadcasts.form.num_of_bcast")}
              type="number"
              value={v.num_of_bcast ?? "0"}
              error={e.num_of_bcast}
              hint={t("broadcasts.form.num_of_bcast_hint")}
            />
          </div>
        </fieldset>
        <div class="actions">
          <button type="submit" class="button primary" name="next_step" value="submit">
            {t("broadcasts.form.save_submit")}
          </button>
          <button type="submit" class="button" name="next_step" value="draft">
            {t("broadcasts.form.save_draft")}
          </button>
        </div>
      </form>
    </Layout>
  );
}

const LIVE = new Set(["approved", "broadcasting"]);

/** The CBC's per-cell results, refreshed every 5 s while the alert is on air or a job is running. */
export function ResultsPanel(props: {
  alert: BroadcastView;
  results: CellResultView[];
  summary: { installed: number; failed: number; not_reported: number; outside_area: number };
  names: Map<string, string>;
  jobRunning: boolean;
  canWrite: boolean;
  tz: string;
  csrfToken: string;
}) {
  const a = props.alert;
  // Submitted: watched too, so the author sees the approval (the route reloads the page when the status moved on).
  const live = LIVE.has(a.status) || a.status === "submitted" || props.jobRunning;
  const target = new Set(a.target_cells);
  const byCell = new Map<string, CellResultView[]>();
  for (const r of props.results) byCell.set(r.cell, [...(byCell.get(r.cell) ?? []), r]);
  const rows = [...new Set([...a.target_cells, ...byCell.keys()])].map((cell) => ({ cell, results: byCell.get(cell) ?? [], inArea: target.has(cell) }));
  return (
    <section
      class="card"
      id="broadcast-results"
      aria-labelledby="results-title"
      {...(live ? { "hx-get": `/admin/broadcasts/${a.id}/results?seen=${a.status}`, "hx-trigger": "every 5s", "hx-swap": "outerHTML" } : {})}
    >
      <h2 id="results-title">{t("broadcasts.results.title")}</h2>
      <p>
        <strong>{props.summary.installed}</strong> {t("broadcasts.results.installed")} ·{" "}
        <strong class={props.summary.failed ? "error-text" : ""}>{props.summary.failed}</strong> {t("broadcasts.results.failed")} · {props.summary.not_reported}{" "}
        {t("broadcasts.results.not_reported")}{" "}
        <span class="muted small">
          ({t("broadcasts.results.last_report")} <Time iso={a.results_at} timeZone={props.tz} />
          {props.jobRunning ? t("broadcasts.results.job_running") : ""})
        </span>
      </p>
      {props.summary.outside_area > 0 && (
        <p class="alert info">
          {t(props.summary.outside_area === 1 ? "broadcasts.results.outside_area_one" : "broadcasts.results.outside_area", { n: props.summary.outside_area })}
        </p>
      )}
      {a.status === "broadcasting" && props.canWrite && (
        <form method="post" action={`/admin/broadcasts/${a.id}/refresh`} class="inline">
          <CsrfField token={props.csrfToken} />
          <button type="submit" class="button" hx-post={`/admin/broadcasts/${a.id}/refresh`} hx-target="#broadcast-results" hx-swap="outerHTML">
            {t("broadcasts.results.read_again")}
          </button>
        </form>
      )}
      <Table
        rows={rows}
        class="results-table"
        rowClass={(r) => (r.results.some((x) => x.result === "failed") ? "row-failed" : r.inArea ? undefined : "row-muted")}
        columns={[
          { header: t("broadcasts.results.cell"), rowHeader: true, cell: (r) => <code>{r.cell}</code> },
          {
            header: t("broadcasts.results.in_area"),
            cell: (r) => (r.inArea ? t("broadcasts.results.yes") : <span class="muted">{t("broadcasts.results.no_network_wide")}</span>),
          },
          { header: t("broadcasts.results.site"), cell: (r) => props.names.get(r.cell) ?? "—" },
          {
            header: t("broadcasts.results.result"),
            cell: (r) =>
              r.results.length === 0 ? (
                <span class="muted">
                  {a.status === "draft" || a.status === "submitted" ? t("broadcasts.results.not_sent") : t("broadcasts.results.no_report")}
                </span>
              ) : (
                r.results.map((x) => (
                  <div>
                    <StatusBadge group="result" value={x.result} /> <span class="small muted">{t("broadcasts.results.msg", { id: x.message_id })}</span>
                    {x.cause_text && <span class="small error-text"> {x.cause_text}</span>}
                  </div>
                ))
              ),
          },
          {
            header: t("broadcasts.results.broadcasts"),
            class: "num",
            cell: (r) => r.results.map((x) => (x.completed === null ? "" : `${x.completed}${x.requested ? ` / ${x.requested}` : ""}`)).join(" · "),
          },
          { header: t("broadcasts.results.peer"), cell: (r) => [...new Set(r.results.map((x) => x.peer))].join(", ") || "—" },
        ]}
      />
    </section>
  );
}

function Detail(props: { term: string; children: Child }) {
  return (
    <>
      <dt>{props.term}</dt>
      <dd>{props.children}</dd>
    </>
  );
}

export function BroadcastPage(props: {
  ctx: PageContext;
  alert: BroadcastView;
  cells: CellMapCell[];
  area: CellMapArea | null;
  results: Parameters<typeof ResultsPanel>[0];
  activity: ActivityView[];
  canWrite: boolean;
  canApprove: boolean;
  isAuthor: boolean;
  approverHasTotp: boolean;
  errors: FormErrors;
  message?: string;
  notice?: string;
}) {
  const a = props.alert;
  const tz = props.ctx.settings.default_timezone;
  const open = ["draft", "submitted", "approved", "broadcasting"].includes(a.status);
  return (
    <Layout ctx={props.ctx} title={a.event} scripts={BROADCAST_SCRIPTS}>
      <PageHeader
        title={a.event}
        subtitle={
          <>
            <StatusBadge group="status" value={a.status} /> <ExerciseMark capStatus={a.cap_status} /> {a.identifier} · {a.sender}
          </>
        }
        back={{ href: "/admin/broadcasts", label: t("broadcasts.title") }}
        actions={
          <a class="button" href={`/api/v1/broadcasts/${a.id}/cap`} download={`${a.identifier}.xml`}>
            CAP 1.2
          </a>
        }
      />
      {a.exercise && (
        <p class="alert warning exercise-banner" role="note">
          {t("broadcasts.alert.exercise_banner", {
            mark: valueLabel("cap_status", a.cap_status === "Test" ? "Test" : "Exercise").toUpperCase(),
            status: a.cap_status,
            id: a.message_id,
          })}
        </p>
      )}
      <Alerts notice={props.notice} error={props.message} />
      <div class="grid-2">
        <section class="card">
          <h2>{t("broadcasts.alert.alert")}</h2>
          <dl class="details">
            <Detail term={t("broadcasts.alert.cap_fields")}>
              {a.category
                .split(" ")
                .map((c) => valueLabel("category", c))
                .join(" ")}{" "}
              · {valueLabel("urgency", a.urgency)} · {valueLabel("severity", a.severity)} · {valueLabel("certainty", a.certainty)}
            </Detail>
            <Detail term={t("broadcasts.alert.message_id")}>
              {a.message_id}
              {a.message_id_overridden && <span class="badge badge-warning">{t("broadcasts.alert.overridden")}</span>}
            </Detail>
            <Detail term={t("broadcasts.alert.serial")}>
              {t("broadcasts.alert.serial_value", { code: a.serial.msg_code, n: a.serial.update_nr })}
              {a.supersedes_id && (
                <>
                  {" "}
                  {t("broadcasts.alert.updates")} <a href={`/admin/broadcasts/${a.supersedes_id}`}>{t("broadcasts.alert.earlier_alert")}</a>
                </>
              )}
            </Detail>
            <Detail term={t("broadcasts.alert.repetition")}>
              {t("broadcasts.alert.repetition_value", { period: a.repetition_period, seconds: Math.round(a.repetition_period * 1.883) })}{" "}
              {a.num_of_bcast === 0 ? t("broadcasts.alert.until_stopped") : t("broadcasts.alert.times", { n: a.num_of_bcast })}
            </Detail>
            <Detail term={t("broadcasts.alert.networks")}>{a.plmns.map((p) => `${p.mcc}-${p.mnc}`).join(", ")}</Detail>
            <Detail term={t("broadcasts.alert.expires")}>
              <Time iso={a.expires_at} timeZone={tz} />
            </Detail>
            <Detail term={t("broadcasts.alert.author")}>{a.author}</Detail>
            <Detail term={t("broadcasts.alert.approver")}>{a.approver ?? "—"}</Detail>
            {a.cancel_reason && <Detail term={t("broadcasts.alert.cancelled_because")}>{a.cancel_reason}</Detail>}
          </dl>
        </section>
        <section class="card">
          <h2>{t("broadcasts.alert.messages")}</h2>
          {a.messages.map((m) => (
            <article class="broadcast-message" lang={m.language}>
              <h3>
                {m.language.toUpperCase()}{" "}
                <span class="muted small">
                  {t("broadcasts.alert.message_meta", {
                    id: m.message_id,
                    encoding: m.encoding === "gsm7" ? "GSM 7-bit" : "UCS-2",
                    pages: t(m.pages > 1 ? "broadcasts.counter_pages" : "broadcasts.counter_page", { n: m.pages }),
                  })}
                </span>
              </h3>
              <p class="message-text">{m.text}</p>
            </article>
          ))}
        </section>
      </div>
      {open && (
        <section class="card actions-card" aria-label={t("admin.actions")}>
          <h2>{t("broadcasts.alert.next_step")}</h2>
          <ErrorSummary errors={props.errors} />
          {a.status === "draft" && props.canWrite && (
            <form method="post" action={`/admin/broadcasts/${a.id}/submit`} class="inline">
              <CsrfField token={props.ctx.csrfToken} />
              <button type="submit" class="button primary">
                {t("broadcasts.alert.submit")}
              </button>
            </form>
          )}
          {a.status === "submitted" &&
            (props.canApprove && !props.isAuthor ? (
              props.approverHasTotp ? (
                <form method="post" action={`/admin/broadcasts/${a.id}/approve`} class="approve-form">
                  <CsrfField token={props.ctx.csrfToken} />
                  <Field
                    name="otp"
                    label={t("broadcasts.alert.otp")}
                    required
                    autocomplete="one-time-code"
                    error={props.errors.otp}
                    hint={t("broadcasts.alert.otp_hint")}
                  />
                  <button type="submit" class="button primary">
                    {t("broadcasts.alert.approve")}
                  </button>
                </form>
              ) : (
                <p class="alert warning">
                  {t("broadcasts.alert.totp_before")}
                  <a href="/admin/account">{t("broadcasts.alert.totp_link")}</a>
                  {t("broadcasts.alert.totp_after")}
                </p>
              )
            ) : (
              <p class="muted">{props.isAuthor ? t("broadcasts.alert.waiting_author") : t("broadcasts.alert.waiting")}</p>
            ))}
          {["approved", "broadcasting"].includes(a.status) && props.canWrite && (
            <a class="button" href={`/admin/broadcasts/${a.id}/update`}>
              {t("broadcasts.alert.update")}
            </a>
          )}
          {props.canWrite && (
            <form method="post" action={`/admin/broadcasts/${a.id}/cancel`} class="cancel-form">
              <CsrfField token={props.ctx.csrfToken} />
              <Field
                name="reason"
                label={t("broadcasts.alert.cancel_reason")}
                required
                error={props.errors.reason}
                hint={a.status === "broadcasting" || a.status === "approved" ? t("broadcasts.alert.cancel_hint") : undefined}
              />
              <button type="submit" class="button danger">
                {t("broadcasts.alert.cancel")}
              </button>
            </form>
          )}
        </section>
      )}
      {props.canApprove && (
        <details class="card">
          <summary>{t("broadcasts.alert.save_template")}</summary>
          <form method="post" action={`/admin/broadcasts/${a.id}/template`} class="stack">
            <CsrfField token={props.ctx.csrfToken} />
            <div class="grid-2">
              <Field name="name" label={t("broadcasts.alert.template_name")} required error={props.errors.name} />
              <Field name="duration_minutes" label={t("broadcasts.form.valid_minutes")} type="number" value="60" error={props.errors.duration_minutes} />
            </div>
            <p class="hint">{t("broadcasts.alert.template_hint")}</p>
            <button type="submit" class="button">
              {t("broadcasts.alert.save_template")}
            </button>
          </form>
        </details>
      )}
      <section class="card">
        <h2>{t("broadcasts.alert.area", { description: String(a.area.description ?? "") })}</h2>
        <CellMap
          cells={props.cells}
          selected={a.target_cells}
          area={props.area ?? undefined}
          label={t(a.target_cells.length === 1 ? "broadcasts.alert.map_label_one" : "broadcasts.alert.map_label", { n: a.target_cells.length })}
        />
      </section>
      <ResultsPanel {...props.results} />
      <section class="card">
        <h2>{t("broadcasts.alert.history")}</h2>
        <ActivityTable entries={props.activity} timeZone={tz} />
      </section>
    </Layout>
  );
}
