/** Cell broadcast pages: the history with filters, the alert form with its map, the alert with its per-cell results. */
import type { Child } from "hono/jsx";
import type { ActivityView } from "../db/queries/activity";
import type { BroadcastView } from "../domain/broadcasts/broadcasts";
import type { CellResultView } from "../domain/broadcasts/results";
import type { TemplateView } from "../domain/broadcasts/templates";
import { CAP_CATEGORIES, CAP_CERTAINTIES, CAP_SEVERITIES, CAP_URGENCIES } from "../lib/cell-broadcast/cap";
import { cbsCounterText } from "../lib/cell-broadcast/encoding";
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

/** "EXERCISE" / "TEST" next to anything that is not a real warning. */
export function ExerciseMark(props: { capStatus: string }) {
  if (props.capStatus === "Actual") return null;
  return (
    <span class="badge badge-exercise" title="Not a real warning">
      {props.capStatus.toUpperCase()}
    </span>
  );
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
    <Layout ctx={props.ctx} title="Cell broadcast">
      <PageHeader
        title="Cell broadcast"
        subtitle="Public warnings to the cells of an area (CAP 1.2 → 3GPP cell broadcast), approved by a second person."
        actions={
          props.canWrite ? (
            <a class="button primary" href="/admin/broadcasts/new">
              New alert
            </a>
          ) : undefined
        }
      />
      <Alerts notice={props.notice} />
      <section class="card">
        <form method="get" action="/admin/broadcasts" class="filters" aria-label="Filter alerts">
          <SelectField
            name="status"
            label="Status"
            value={f.status ?? ""}
            blank="Any"
            options={["draft", "submitted", "approved", "broadcasting", "completed", "cancelled", "expired"]}
          />
          <SelectField
            name="kind"
            label="Kind"
            value={f.kind ?? ""}
            blank="Any"
            options={[
              { value: "actual", label: "Real warnings" },
              { value: "exercise", label: "Exercises and tests" },
            ]}
          />
          <Field name="q" label="Event" value={f.q} placeholder="e.g. flood" />
          <Field name="from" label="From" type="date" value={f.from} />
          <Field name="to" label="To" type="date" value={f.to} />
          <button type="submit" class="button">
            Filter
          </button>
        </form>
        <Table
          rows={props.alerts}
          empty={
            <EmptyState title="No alerts match.">
              {props.canWrite
                ? "Draft one with “New alert”, start from a template below, or post CAP 1.2 to /api/v1/broadcasts."
                : "Alerts appear here once drafted."}
            </EmptyState>
          }
          columns={[
            {
              header: "Event",
              rowHeader: true,
              cell: (b) => (
                <>
                  <a href={`/admin/broadcasts/${b.id}`}>{b.event}</a> <ExerciseMark capStatus={b.cap_status} />
                  {b.supersedes_id && <span class="muted small"> (update {b.serial.update_nr})</span>}
                </>
              ),
            },
            { header: "Status", cell: (b) => <Badge value={b.status} /> },
            { header: "Message id", class: "num", cell: (b) => b.message_id },
            { header: "Languages", cell: (b) => b.messages.map((m) => m.language).join(", ") },
            { header: "Cells", class: "num", cell: (b) => b.target_cells.length },
            { header: "Author", cell: (b) => b.author },
            { header: "Approver", cell: (b) => b.approver ?? "—" },
            { header: "Created", class: "nowrap", cell: (b) => <Time iso={b.created_at} timeZone={tz} /> },
            { header: "Expires", class: "nowrap", cell: (b) => <Time iso={b.expires_at} timeZone={tz} /> },
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
        <h2>Pre-approved templates</h2>
        <p class="muted">
          Wording vouched for by an approver (e.g. the monthly test). Start from one, fill in its blanks and the area; the alert is still approved by a second
          person.
        </p>
        <Table
          rows={props.templates}
          empty={<EmptyState title="No templates yet.">An approver saves one from an alert's page (“Save as template”).</EmptyState>}
          columns={[
            { header: "Template", rowHeader: true, cell: (t) => t.name },
            { header: "Kind", cell: (t) => <ExerciseMark capStatus={t.alert.status} /> },
            { header: "Blanks", cell: (t) => (t.blanks.length ? t.blanks.join(", ") : "—") },
            { header: "Valid for", class: "nowrap", cell: (t) => `${t.duration_minutes} min` },
            { header: "By", cell: (t) => t.author },
            {
              header: <span class="visually-hidden">Actions</span>,
              class: "row-actions",
              cell: (t) => (
                <>
                  {props.canWrite && <a href={`/admin/broadcasts/new?template=${t.id}`}>Use</a>}
                  {props.canApprove && (
                    <form method="post" action={`/admin/broadcasts/templates/${t.id}/archive`} class="inline" data-confirm={`Retire the template “${t.name}”?`}>
                      <CsrfField token={props.ctx.csrfToken} />
                      <button type="submit" class="link-button danger">
                        Retire
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
  const over = props.text.length > 0 && /too long|more than/i.test(cbsCounterText(props.text));
  return (
    <output id={`counter-${props.index}`} class={over ? "counter over" : "counter"} for={`f-text_${props.index}`} aria-live="polite">
      {props.text.length === 0 ? "Empty" : cbsCounterText(props.text)}
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
    return { language, id, name: describeMessageId(id)?.name ?? "" };
  });
  return (
    <p id="message-id-preview" class="message-id-preview" aria-live="polite">
      Message identifier:{" "}
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
      <CellMap cells={props.cells} selected={props.selected} area={props.area ?? undefined} label="The operator's cell sites and the alert area" />
      {props.error ? (
        <p class="field-error" role="alert">
          {props.error}
        </p>
      ) : (
        <details class="selection" open={props.selected.length > 0 && props.selected.length <= 12}>
          <summary aria-live="polite">
            {props.selected.length === 0 ? "No cell selected yet: draw or paste an area, or list cells." : `${props.selected.length} cells selected`}
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
  const title = props.supersedes ? `Update: ${props.supersedes.event}` : props.template ? `New alert from “${props.template.name}”` : "New alert";
  const rows = [...v.messages];
  while (rows.length < 3) rows.push({ language: "", headline: "", text: "" });
  return (
    <Layout ctx={props.ctx} title={title} scripts={BROADCAST_SCRIPTS}>
      <PageHeader title={title} back={{ href: props.supersedes ? `/admin/broadcasts/${props.supersedes.id}` : "/admin/broadcasts", label: "Back" }} />
      {props.supersedes && (
        <p class="alert info">
          An update keeps the message code ({props.supersedes.serial.msg_code}) and counts the update number up (to{" "}
          {(props.supersedes.serial.update_nr + 1) % 16}). Once approved and sent it replaces the alert on air.
        </p>
      )}
      <ErrorSummary errors={e} message={props.message} />
      <form method="post" action={props.supersedes ? `/admin/broadcasts/${props.supersedes.id}/update` : "/admin/broadcasts"} class="stack broadcast-form">
        <CsrfField token={props.ctx.csrfToken} />
        {v.template_id && <input type="hidden" name="template_id" value={v.template_id} />}
        {props.template && props.template.blanks.length > 0 && (
          <fieldset class="card">
            <legend>Fill in the template</legend>
            <p class="hint">Each blank replaces its {"{{name}}"} in every language.</p>
            <div class="grid-2">
              {props.template.blanks.map((b) => (
                <Field name={`blank.${b}`} label={b} value={v.blanks?.[b]} required error={e[`blank.${b}`]} />
              ))}
            </div>
          </fieldset>
        )}
        <fieldset class="card" {...refreshOnChange("/admin/broadcasts/message-id", "#message-id-preview")}>
          <legend>Alert</legend>
          <div class="grid-3">
            <SelectField
              name="status"
              label="Kind"
              value={v.status}
              blank="Choose…"
              required
              options={[
                { value: "Actual", label: "Real warning" },
                { value: "Exercise", label: "Exercise" },
                { value: "Test", label: "Test" },
              ]}
              error={e.status}
            />
            <SelectField name="category" label="Category" value={v.category ?? "Safety"} options={CAP_CATEGORIES} error={e.category} />
            <Field name="event" label="Event" value={v.event} required error={e.event} placeholder="Flood warning" />
            <SelectField name="urgency" label="Urgency" value={v.urgency} blank="Choose…" options={CAP_URGENCIES} error={e.urgency} required />
            <SelectField name="severity" label="Severity" value={v.severity} blank="Choose…" options={CAP_SEVERITIES} error={e.severity} required />
            <SelectField name="certainty" label="Certainty" value={v.certainty} blank="Choose…" options={CAP_CERTAINTIES} error={e.certainty} required />
          </div>
          <MessageIdPreview values={v} primary={props.primary} />
          <p class="hint">
            The 3GPP message identifier follows from these (TS 23.041): an exercise is 4381, a test 4380, Extreme/Severe × Immediate/Expected × Observed/Likely
            4371–4378, anything else 4396; other languages use the “additional language” identifier.
          </p>
          {props.canOverride ? (
            <Field
              name="message_id"
              label="Message identifier override (audited)"
              type="number"
              value={v.message_id}
              error={e.message_id}
              hint="Leave empty to use the computed identifier."
            />
          ) : null}
        </fieldset>
        <fieldset class="card" {...refreshOnChange("/admin/broadcasts/message-id", "#message-id-preview")}>
          <legend>Messages, one per language</legend>
          <p class="hint">
            GSM 7-bit: 93 characters a page (extension characters such as € count two); any other character switches to UCS-2: 41 a page; at most 15 pages.
          </p>
          {rows.map((m, i) => (
            <div class="message-row">
              <div class="grid-3">
                <Field
                  name={`lang_${i}`}
                  label={`Language ${i + 1}`}
                  value={m.language}
                  placeholder={["fr", "en", "de"][i]}
                  error={e[`messages.${i}.language`]}
                />
                <Field name={`headline_${i}`} label="Headline" value={m.headline} error={e[`messages.${i}.headline`]} />
              </div>
              <div class={e[`messages.${i}.text`] ? "field invalid" : "field"}>
                <label for={`f-text_${i}`}>Text</label>
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
          <legend>Area</legend>
          <Field name="area_description" label="Area description" value={v.area_description} placeholder="Lyon 7e, river banks" error={e["area.description"]} />
          <div class="cell-map-editor" data-cell-map-editor>
            <div class="map-tools" role="toolbar" aria-label="Draw the area">
              <button type="button" class="button" data-map-mode="polygon" aria-pressed="false">
                Draw polygon
              </button>
              <button type="button" class="button" data-map-mode="circle" aria-pressed="false">
                Draw circle
              </button>
              <button type="button" class="button" data-map-undo>
                Undo point
              </button>
              <button type="button" class="button" data-map-mode="clear">
                Clear
              </button>
              <span class="muted small" data-map-status aria-live="polite">
                Draw on the map, or type/paste shapes below.
              </span>
            </div>
            <SelectionPreview cells={props.cells} selected={props.selected} area={props.area} error={e.area} />
            <div class={e.area_text ? "field invalid" : "field"}>
              <label for="f-area_text">Shapes (CAP syntax, one a line)</label>
              <textarea id="f-area_text" name="area_text" rows={3} aria-describedby="f-area_text-hint" aria-invalid={e.area_text ? "true" : undefined}>
                {v.area_text ?? ""}
              </textarea>
              <div class="hint" id="f-area_text-hint">
                A polygon: “lat,lon lat,lon …” (closed ring); a circle: “lat,lon radius_km”. The map and the selected cells follow.
              </div>
              {e.area_text && <div class="field-error">{e.area_text}</div>}
            </div>
          </div>
          <div class="grid-2">
            <Field name="cells" label="Or these cells (ids)" value={v.cells} error={e["area.cells"]} placeholder="20815001 20815002" />
            <Field name="tracking_areas" label="Or these tracking areas (TAC)" value={v.tracking_areas} error={e["area.tracking_areas"]} placeholder="6901" />
          </div>
          <fieldset>
            <legend>Networks</legend>
            {props.plmns.length === 0 ? (
              <p class="muted">No network in settings: set the cell broadcast PLMNs in Settings.</p>
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
          <legend>Timing</legend>
          <div class="grid-3">
            <Field
              name="valid_minutes"
              label="Valid for (minutes)"
              type="number"
              value={v.valid_minutes ?? "60"}
              required
              error={e.expires_at ?? e.valid_minutes}
            />
            <Field
              name="repetition_period"
              label="Repeat every (× 1.883 s)"
              type="number"
              value={v.repetition_period ?? "30"}
              error={e.repetition_period}
              hint="30 ≈ every 56 s"
            />
            <Field
              name="num_of_bcast"
              label="Number of broadcasts"
              type="number"
              value={v.num_of_bcast ?? "0"}
              error={e.num_of_bcast}
              hint="0: until cancelled or expired"
            />
          </div>
        </fieldset>
        <div class="actions">
          <button type="submit" class="button primary" name="next_step" value="submit">
            Save and submit for approval
          </button>
          <button type="submit" class="button" name="next_step" value="draft">
            Save as draft
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
      <h2 id="results-title">Results from the CBC</h2>
      <p>
        <strong>{props.summary.installed}</strong> installed · <strong class={props.summary.failed ? "error-text" : ""}>{props.summary.failed}</strong> failed ·{" "}
        {props.summary.not_reported} not reported in the area{" "}
        <span class="muted small">
          (last report: <Time iso={a.results_at} timeZone={props.tz} />
          {props.jobRunning ? "; a job is running" : ""})
        </span>
      </p>
      {props.summary.outside_area > 0 && (
        <p class="alert info">
          {props.summary.outside_area} cells outside the area broadcast it too: the cell broadcast centre's interface (ECBE) takes only a network-wide scope, so
          every cell of its peers receives the message. The area's cells are listed first.
        </p>
      )}
      {a.status === "broadcasting" && props.canWrite && (
        <form method="post" action={`/admin/broadcasts/${a.id}/refresh`} class="inline">
          <CsrfField token={props.csrfToken} />
          <button type="submit" class="button" hx-post={`/admin/broadcasts/${a.id}/refresh`} hx-target="#broadcast-results" hx-swap="outerHTML">
            Read the results again
          </button>
        </form>
      )}
      <Table
        rows={rows}
        class="results-table"
        rowClass={(r) => (r.results.some((x) => x.result === "failed") ? "row-failed" : r.inArea ? undefined : "row-muted")}
        columns={[
          { header: "Cell", rowHeader: true, cell: (r) => <code>{r.cell}</code> },
          { header: "In the area", cell: (r) => (r.inArea ? "yes" : <span class="muted">no (network-wide)</span>) },
          { header: "Site", cell: (r) => props.names.get(r.cell) ?? "—" },
          {
            header: "Result",
            cell: (r) =>
              r.results.length === 0 ? (
                <span class="muted">{a.status === "draft" || a.status === "submitted" ? "not sent" : "no report"}</span>
              ) : (
                r.results.map((x) => (
                  <div>
                    <Badge value={x.result} /> <span class="small muted">msg {x.message_id}</span>
                    {x.cause_text && <span class="small error-text"> {x.cause_text}</span>}
                  </div>
                ))
              ),
          },
          {
            header: "Broadcasts",
            class: "num",
            cell: (r) => r.results.map((x) => (x.completed === null ? "" : `${x.completed}${x.requested ? ` / ${x.requested}` : ""}`)).join(" · "),
          },
          { header: "Peer", cell: (r) => [...new Set(r.results.map((x) => x.peer))].join(", ") || "—" },
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
            <Badge value={a.status} /> <ExerciseMark capStatus={a.cap_status} /> {a.identifier} · {a.sender}
          </>
        }
        back={{ href: "/admin/broadcasts", label: "Cell broadcast" }}
        actions={
          <a class="button" href={`/api/v1/broadcasts/${a.id}/cap`} download={`${a.identifier}.xml`}>
            CAP 1.2
          </a>
        }
      />
      {a.exercise && (
        <p class="alert warning exercise-banner" role="note">
          {a.cap_status === "Test" ? "TEST" : "EXERCISE"}: not a real warning (CAP status {a.cap_status}; message identifier {a.message_id}).
        </p>
      )}
      <Alerts notice={props.notice} error={props.message} />
      <div class="grid-2">
        <section class="card">
          <h2>Alert</h2>
          <dl class="details">
            <Detail term="Category · urgency · severity · certainty">
              {a.category} · {a.urgency} · {a.severity} · {a.certainty}
            </Detail>
            <Detail term="Message identifier">
              {a.message_id}
              {a.message_id_overridden && <span class="badge badge-warning">overridden</span>}
            </Detail>
            <Detail term="Serial number">
              message code {a.serial.msg_code}, update {a.serial.update_nr}
              {a.supersedes_id && (
                <>
                  {" "}
                  — updates <a href={`/admin/broadcasts/${a.supersedes_id}`}>the earlier alert</a>
                </>
              )}
            </Detail>
            <Detail term="Repetition">
              every {a.repetition_period} × 1.883 s ({Math.round(a.repetition_period * 1.883)} s),{" "}
              {a.num_of_bcast === 0 ? "until stopped" : `${a.num_of_bcast} times`}
            </Detail>
            <Detail term="Networks">{a.plmns.map((p) => `${p.mcc}-${p.mnc}`).join(", ")}</Detail>
            <Detail term="Expires">
              <Time iso={a.expires_at} timeZone={tz} />
            </Detail>
            <Detail term="Author">{a.author}</Detail>
            <Detail term="Approver">{a.approver ?? "—"}</Detail>
            {a.cancel_reason && <Detail term="Cancelled because">{a.cancel_reason}</Detail>}
          </dl>
        </section>
        <section class="card">
          <h2>Messages</h2>
          {a.messages.map((m) => (
            <article class="broadcast-message" lang={m.language}>
              <h3>
                {m.language.toUpperCase()}{" "}
                <span class="muted small">
                  message id {m.message_id} · {m.encoding === "gsm7" ? "GSM 7-bit" : "UCS-2"} · {m.pages} page{m.pages > 1 ? "s" : ""}
                </span>
              </h3>
              <p class="message-text">{m.text}</p>
            </article>
          ))}
        </section>
      </div>
      {open && (
        <section class="card actions-card" aria-label="Actions">
          <h2>Next step</h2>
          <ErrorSummary errors={props.errors} />
          {a.status === "draft" && props.canWrite && (
            <form method="post" action={`/admin/broadcasts/${a.id}/submit`} class="inline">
              <CsrfField token={props.ctx.csrfToken} />
              <button type="submit" class="button primary">
                Submit for approval
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
                    label="Code from your authenticator app"
                    required
                    autocomplete="one-time-code"
                    error={props.errors.otp}
                    hint="A fresh 6-digit code: approving sends the alert to the cell broadcast centre."
                  />
                  <button type="submit" class="button primary">
                    Approve and send
                  </button>
                </form>
              ) : (
                <p class="alert warning">
                  Turn on two-factor authentication (<a href="/admin/account">your account</a>) to approve alerts.
                </p>
              )
            ) : (
              <p class="muted">
                {props.isAuthor ? "Waiting for a second person to approve it (authors cannot approve their own alerts)." : "Waiting for approval."}
              </p>
            ))}
          {["approved", "broadcasting"].includes(a.status) && props.canWrite && (
            <a class="button" href={`/admin/broadcasts/${a.id}/update`}>
              Update the alert
            </a>
          )}
          {props.canWrite && (
            <form method="post" action={`/admin/broadcasts/${a.id}/cancel`} class="cancel-form">
              <CsrfField token={props.ctx.csrfToken} />
              <Field
                name="reason"
                label="Reason to cancel"
                required
                error={props.errors.reason}
                hint={a.status === "broadcasting" || a.status === "approved" ? "The CBC stops broadcasting it." : undefined}
              />
              <button type="submit" class="button danger">
                Cancel the alert
              </button>
            </form>
          )}
        </section>
      )}
      {props.canApprove && (
        <details class="card">
          <summary>Save as template</summary>
          <form method="post" action={`/admin/broadcasts/${a.id}/template`} class="stack">
            <CsrfField token={props.ctx.csrfToken} />
            <div class="grid-2">
              <Field name="name" label="Template name" required error={props.errors.name} />
              <Field name="duration_minutes" label="Valid for (minutes)" type="number" value="60" error={props.errors.duration_minutes} />
            </div>
            <p class="hint">Its texts may carry {"{{blanks}}"} a broadcaster fills in. The area is not kept.</p>
            <button type="submit" class="button">
              Save as template
            </button>
          </form>
        </details>
      )}
      <section class="card">
        <h2>Area: {String(a.area.description ?? "")}</h2>
        <CellMap
          cells={props.cells}
          selected={a.target_cells}
          area={props.area ?? undefined}
          label={`Cells of the alert area (${a.target_cells.length} selected)`}
        />
      </section>
      <ResultsPanel {...props.results} />
      <section class="card">
        <h2>History</h2>
        <ActivityTable entries={props.activity} timeZone={tz} />
      </section>
    </Layout>
  );
}
