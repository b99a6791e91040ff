import type { TemplateRow } from "../../db/queries/inventory";
import { IMPORT_MODES, type ImportReportView } from "../../domain/inventory/schemas";
import { CsrfField, EmptyState, ErrorSummary, type FormErrors, PageHeader, SelectField, Table, Time } from "../components";
import { Layout, type PageContext } from "../layout";
import { COMMON_IMPORT_COLUMNS, type InventoryCan, InventoryTabs, shownValue } from "./shared";

export function ImportUploadPage(props: {
  ctx: PageContext;
  templates: TemplateRow[];
  values: { type?: string; mode?: string };
  errors: FormErrors;
  message?: string;
  can: InventoryCan;
}) {
  return (
    <Layout ctx={props.ctx} title="Import inventory">
      <PageHeader title="Import inventory" back={{ href: "/admin/inventory", label: "Inventory" }} subtitle="Step 1 of 3: choose the file" />
      <InventoryTabs active="import" canImport={props.can.import} />
      <form method="post" action="/admin/inventory/import" enctype="multipart/form-data" class="card stack import-form">
        <CsrfField token={props.ctx.csrfToken} />
        <input type="hidden" name="step" value="upload" />
        <ErrorSummary errors={props.errors} message={props.message} />
        <SelectField
          name="type"
          label="Type of items"
          value={props.values.type}
          options={props.templates.map((t) => ({ value: t.slug, label: t.name }))}
          error={props.errors.type}
          required
        />
        <ModeField value={props.values.mode} />
        <div class={props.errors.file ? "field invalid" : "field"}>
          <label for="f-file">
            CSV file
            <span class="req" aria-hidden="true">
              {" "}
              *
            </span>
          </label>
          <input id="f-file" type="file" name="file" accept=".csv,text/csv" required aria-describedby="f-file-hint" />
          <div class="hint" id="f-file-hint">
            A header row, then one row per item. You map the columns to fields in the next step. Up to 200,000 rows.
          </div>
          {props.errors.file && <div class="field-error">{props.errors.file}</div>}
        </div>
        <div class="form-actions">
          <button type="submit" class="button primary">
            Upload and map columns
          </button>
        </div>
      </form>
    </Layout>
  );
}

function ModeField(props: { value?: string }) {
  const value = props.value ?? "valid_rows";
  const labels: Record<(typeof IMPORT_MODES)[number], string> = {
    valid_rows: "Import the valid rows, report the others",
    all_or_nothing: "All or nothing: one bad row imports nothing",
  };
  return (
    <fieldset class="checkbox-group">
      <legend>Mode</legend>
      {IMPORT_MODES.map((m) => (
        <label class="checkbox">
          <input type="radio" name="mode" value={m} checked={m === value} /> {labels[m]}
        </label>
      ))}
    </fieldset>
  );
}

function ReportSummary(props: { total: number; imported: number; rejected: number; dryRun: boolean }) {
  return (
    <dl class="report-counts">
      <div>
        <dt>Rows</dt>
        <dd>{props.total}</dd>
      </div>
      <div class="ok">
        <dt>{props.dryRun ? "Would be imported" : "Imported"}</dt>
        <dd>{props.imported}</dd>
      </div>
      <div class={props.rejected > 0 ? "bad" : undefined}>
        <dt>Rejected</dt>
        <dd>{props.rejected}</dd>
      </div>
    </dl>
  );
}

function RowErrors(props: { errors: { line: number; field: string | null; message: string }[]; truncated: boolean }) {
  return (
    <>
      <Table
        class="row-errors"
        caption={<span class="visually-hidden">Row errors</span>}
        rows={props.errors}
        empty={<p class="muted">No row errors.</p>}
        columns={[
          { header: "Line", class: "num", cell: (e) => e.line },
          { header: "Field", cell: (e) => (e.field ? <code>{e.field}</code> : <span class="muted">row</span>) },
          { header: "Problem", cell: (e) => e.message },
        ]}
      />
      {props.truncated && <p class="muted small">Only the first 1,000 errors are listed.</p>}
    </>
  );
}

export type ImportState = { type: string; mode: string; csv: string; header: string[]; mapping: string[]; key: string };

/** Hidden fields that carry the file and the choices from one step to the next. */
function ImportCarry(props: { state: ImportState; withMapping: boolean }) {
  const s = props.state;
  return (
    <>
      <input type="hidden" name="type" value={s.type} />
      <input type="hidden" name="key" value={s.key} />
      {props.withMapping && (
        <>
          <input type="hidden" name="mode" value={s.mode} />
          {s.mapping.map((m, i) => (
            <input type="hidden" name={`map.${i}`} value={m} />
          ))}
        </>
      )}
      <textarea name="csv" hidden tabindex={-1}>
        {`\n${s.csv}`}
      </textarea>
    </>
  );
}

/** Import steps 2 and 3: the column mapping, then the dry-run report with the Import button. */
export function ImportWizardPage(props: {
  ctx: PageContext;
  template: TemplateRow;
  state: ImportState;
  stage: "map" | "preview";
  report?: ImportReportView;
  errors: FormErrors;
  message?: string;
  can: InventoryCan;
}) {
  const t = props.template;
  const s = props.state;
  const targets = [
    ...t.fields.map((f) => ({ value: f.name, label: `${f.label} (${f.name})${f.required ? " *" : ""}` })),
    // The CSV carries money in minor units (175 = 1.75), like the API; the label says so.
    ...COMMON_IMPORT_COLUMNS.map((c) => ({ value: c, label: c === "cost_amount" ? "cost (minor units: 175 = 1.75)" : c.replace("_", " ") })),
  ];
  const report = props.report;
  const blocked = report && report.mode === "all_or_nothing" && report.errors.length > 0;
  return (
    <Layout ctx={props.ctx} title={`Import ${t.name}`} wide>
      <PageHeader
        title={`Import ${t.name}`}
        back={{ href: "/admin/inventory/import", label: "Start again" }}
        subtitle={props.stage === "map" ? "Step 2 of 3: map the columns, then preview" : "Step 3 of 3: check the dry run, then import"}
      />
      <ErrorSummary errors={props.errors} message={props.message} />
      {props.stage === "map" ? (
        <form method="post" action="/admin/inventory/import" enctype="multipart/form-data" class="card stack">
          <CsrfField token={props.ctx.csrfToken} />
          <ImportCarry state={s} withMapping={false} />
          <h2>Columns</h2>
          <p class="muted small">{s.header.length} column(s) found. Choose the field each column fills, or ignore it. Fields marked * are required.</p>
          <Table
            class="mapping"
            rows={s.header}
            columns={[
              {
                header: "CSV column",
                rowHeader: true,
                cell: (h, i) => (
                  <label for={`f-map-${i}`}>
                    <code>{h || `(column ${i + 1})`}</code>
                  </label>
                ),
              },
              {
                header: "Field",
                cell: (_h, i) => (
                  <select id={`f-map-${i}`} name={`map.${i}`}>
                    <option value="">Ignore</option>
                    {targets.map((o) => (
                      <option value={o.value} selected={s.mapping[i] === o.value}>
                        {o.label}
                      </option>
                    ))}
                  </select>
                ),
              },
            ]}
          />
          <ModeField value={s.mode} />
          <div class="form-actions">
            <button type="submit" name="step" value="preview" class="button primary">
              Preview (dry run)
            </button>
          </div>
        </form>
      ) : (
        report && (
          <>
            <section class="card" aria-labelledby="report-h">
              <h2 id="report-h">Dry run</h2>
              <ReportSummary total={report.total} imported={report.imported} rejected={report.rejected} dryRun />
              {blocked && (
                <div class="alert error" role="alert">
                  All or nothing: with {report.rejected} bad row(s) nothing would be imported. Fix the file, or go back and import the valid rows only.
                </div>
              )}
              <form method="post" action="/admin/inventory/import" enctype="multipart/form-data" class="form-actions">
                <CsrfField token={props.ctx.csrfToken} />
                <ImportCarry state={s} withMapping />
                {!blocked && report.imported > 0 && (
                  <button type="submit" name="step" value="import" class="button primary">
                    Import {report.imported} row(s)
                  </button>
                )}
                <button type="submit" name="step" value="map" class="button">
                  Change the mapping
                </button>
              </form>
            </section>
            <section class="card" aria-labelledby="errors-h">
              <h2 id="errors-h">Row errors</h2>
              <RowErrors errors={report.errors} truncated={report.errors_truncated} />
            </section>
            <section class="card" aria-labelledby="preview-h">
              <h2 id="preview-h">First rows as they would be stored</h2>
              <PreviewTable rows={report.preview} />
            </section>
          </>
        )
      )}
    </Layout>
  );
}

function PreviewTable(props: { rows: Record<string, unknown>[] }) {
  const columns = [...new Set(props.rows.flatMap((r) => Object.keys(r)))];
  return (
    <Table
      rows={props.rows}
      empty={<EmptyState title="No valid rows." />}
      columns={columns.map((c) => ({
        header: c,
        cell: (r: Record<string, unknown>) => {
          const v = r[c];
          return typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? shownValue(v) : "—";
        },
      }))}
    />
  );
}

/** What an import wrote (or why nothing was written), with a link to the imported items. */
export function ImportResultPage(props: {
  ctx: PageContext;
  template: TemplateRow | undefined;
  result: {
    id: string | null;
    mode: string;
    total: number;
    imported: number;
    rejected: number;
    errors: { line: number; field: string | null; message: string }[];
    createdBy?: string | null;
    createdAt?: string;
  };
  can: InventoryCan;
}) {
  const r = props.result;
  const name = props.template?.name ?? "items";
  return (
    <Layout ctx={props.ctx} title={`Import of ${name}`} wide>
      <PageHeader
        title={`Import of ${name}`}
        back={{ href: "/admin/inventory", label: "Inventory" }}
        subtitle={
          r.id ? (
            <>
              <code>{r.id}</code> · {r.mode.replace(/_/g, " ")}
              {r.createdAt && (
                <>
                  {" "}
                  · <Time iso={r.createdAt} timeZone={props.ctx.settings.default_timezone} />
                </>
              )}
              {r.createdBy && ` · by ${r.createdBy}`}
            </>
          ) : (
            "Nothing was imported."
          )
        }
        actions={
          props.can.import && (
            <a class="button" href="/admin/inventory/import">
              New import
            </a>
          )
        }
      />
      <section class="card">
        {r.id ? (
          <div class="alert success" role="status">
            {r.imported} item(s) imported. <a href={`/admin/inventory/items?import_id=${encodeURIComponent(r.id)}`}>See the imported items</a>
          </div>
        ) : (
          <div class="alert error" role="alert">
            No row was imported.
          </div>
        )}
        <ReportSummary total={r.total} imported={r.imported} rejected={r.rejected} dryRun={false} />
      </section>
      <section class="card" aria-labelledby="errors-h">
        <h2 id="errors-h">Row errors</h2>
        <RowErrors errors={r.errors} truncated={r.errors.length >= 1000} />
      </section>
    </Layout>
  );
}

// ---- types ----

/** The inventory types with their fields, stock and thresholds. */
