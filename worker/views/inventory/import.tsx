import type { TemplateRow } from "../../db/queries/inventory";
import { IMPORT_MODES, type ImportReportView } from "../../domain/inventory/schemas";
import { t } from "../../i18n/request-locale";
import { CsrfField, EmptyState, ErrorSummary, type FormErrors, PageHeader, SelectField, Table, Time } from "../components";
import { Layout, type PageContext } from "../layout";
import { COMMON_IMPORT_COLUMNS, type InventoryCan, InventoryTabs, shownValue, valueLabel } from "./shared";

export function ImportUploadPage(props: {
  ctx: PageContext;
  templates: TemplateRow[];
  values: { type?: string; mode?: string };
  errors: FormErrors;
  message?: string;
  can: InventoryCan;
}) {
  return (
    <Layout ctx={props.ctx} title={t("inventory.import_title")}>
      <PageHeader title={t("inventory.import_title")} back={{ href: "/admin/inventory", label: t("inventory.title") }} subtitle={t("inventory.step1")} />
      <InventoryTabs active="import" canImport={props.can.import} />
      <form method="post" action="/admin/inventory/import" enctype="multipart/form-data" class="card stack import-form">
        <CsrfField token={props.ctx.csrfToken} />
        <input type="hidden" name="step" value="upload" />
        <ErrorSummary errors={props.errors} message={props.message} />
        <SelectField
          name="type"
          label={t("inventory.type_of_items")}
          value={props.values.type}
          options={props.templates.map((tpl) => ({ value: tpl.slug, label: tpl.name }))}
          error={props.errors.type}
          required
        />
        <ModeField value={props.values.mode} />
        <div class={props.errors.file ? "field invalid" : "field"}>
          <label for="f-file">
            {t("inventory.csv_file")}
            <span class="req" aria-hidden="true">
              {" "}
              *
            </span>
          </label>
          <input id="f-file" type="file" name="file" accept=".csv,text/csv" required aria-describedby="f-file-hint" />
          <div class="hint" id="f-file-hint">
            {t("inventory.csv_hint")}
          </div>
          {props.errors.file && <div class="field-error">{props.errors.file}</div>}
        </div>
        <div class="form-actions">
          <button type="submit" class="button primary">
            {t("inventory.upload")}
          </button>
        </div>
      </form>
    </Layout>
  );
}

function ModeField(props: { value?: string }) {
  const value = props.value ?? "valid_rows";
  return (
    <fieldset class="checkbox-group">
      <legend>{t("inventory.mode")}</legend>
      {IMPORT_MODES.map((m) => (
        <label class="checkbox">
          <input type="radio" name="mode" value={m} checked={m === value} /> {t(`inventory.mode.${m}`)}
        </label>
      ))}
    </fieldset>
  );
}

function ReportSummary(props: { total: number; imported: number; rejected: number; dryRun: boolean }) {
  return (
    <dl class="report-counts">
      <div>
        <dt>{t("inventory.rows")}</dt>
        <dd>{props.total}</dd>
      </div>
      <div class="ok">
        <dt>{props.dryRun ? t("inventory.would_import") : t("inventory.imported")}</dt>
        <dd>{props.imported}</dd>
      </div>
      <div class={props.rejected > 0 ? "bad" : undefined}>
        <dt>{t("inventory.rejected")}</dt>
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
        caption={<span class="visually-hidden">{t("inventory.row_errors")}</span>}
        rows={props.errors}
        empty={<p class="muted">{t("inventory.no_row_errors")}</p>}
        columns={[
          { header: t("inventory.line"), class: "num", cell: (e) => e.line },
          { header: t("inventory.field"), cell: (e) => (e.field ? <code>{e.field}</code> : <span class="muted">{t("inventory.row")}</span>) },
          { header: t("inventory.problem"), cell: (e) => e.message },
        ]}
      />
      {props.truncated && <p class="muted small">{t("inventory.errors_truncated")}</p>}
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
  const tpl = props.template;
  const s = props.state;
  const targets = [
    ...tpl.fields.map((f) => ({ value: f.name, label: `${f.label} (${f.name})${f.required ? " *" : ""}` })),
    // The CSV carries money in minor units (175 = 1.75), like the API; the label says so.
    ...COMMON_IMPORT_COLUMNS.map((c) => ({ value: c, label: t(`inventory.column.${c}`) })),
  ];
  const report = props.report;
  const blocked = report && report.mode === "all_or_nothing" && report.errors.length > 0;
  return (
    <Layout ctx={props.ctx} title={t("inventory.import_type", { type: tpl.name })} wide>
      <PageHeader
        title={t("inventory.import_type", { type: tpl.name })}
        back={{ href: "/admin/inventory/import", label: t("inventory.start_again") }}
        subtitle={props.stage === "map" ? t("inventory.step2") : t("inventory.step3")}
      />
      <ErrorSummary errors={props.errors} message={props.message} />
      {props.stage === "map" ? (
        <form method="post" action="/admin/inventory/import" enctype="multipart/form-data" class="card stack">
          <CsrfField token={props.ctx.csrfToken} />
          <ImportCarry state={s} withMapping={false} />
          <h2>{t("inventory.columns")}</h2>
          <p class="muted small">{t("inventory.columns_found", { n: s.header.length })}</p>
          <Table
            class="mapping"
            rows={s.header}
            columns={[
              {
                header: t("inventory.csv_column"),
                rowHeader: true,
                cell: (h, i) => (
                  <label for={`f-map-${i}`}>
                    <code>{h || t("inventory.column_n", { n: i + 1 })}</code>
                  </label>
                ),
              },
              {
                header: t("inventory.field"),
                cell: (_h, i) => (
                  <select id={`f-map-${i}`} name={`map.${i}`}>
                    <option value="">{t("inventory.ignore")}</option>
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
              {t("inventory.preview")}
            </button>
          </div>
        </form>
      ) : (
        report && (
          <>
            <section class="card" aria-labelledby="report-h">
              <h2 id="report-h">{t("inventory.dry_run")}</h2>
              <ReportSummary total={report.total} imported={report.imported} rejected={report.rejected} dryRun />
              {blocked && (
                <div class="alert error" role="alert">
                  {t("inventory.all_or_nothing_blocked", { n: report.rejected })}
                </div>
              )}
              <form method="post" action="/admin/inventory/import" enctype="multipart/form-data" class="form-actions">
                <CsrfField token={props.ctx.csrfToken} />
                <ImportCarry state={s} withMapping />
                {!blocked && report.imported > 0 && (
                  <button type="submit" name="step" value="import" class="button primary">
                    {t("inventory.import_rows", { n: report.imported })}
                  </button>
                )}
                <button type="submit" name="step" value="map" class="button">
                  {t("inventory.change_mapping")}
                </button>
              </form>
            </section>
            <section class="card" aria-labelledby="errors-h">
              <h2 id="errors-h">{t("inventory.row_errors")}</h2>
              <RowErrors errors={report.errors} truncated={report.errors_truncated} />
            </section>
            <section class="card" aria-labelledby="preview-h">
              <h2 id="preview-h">{t("inventory.first_rows")}</h2>
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
      empty={<EmptyState title={t("inventory.no_valid_rows")} />}
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
  const name = props.template?.name ?? t("inventory.items_default");
  return (
    <Layout ctx={props.ctx} title={t("inventory.import_of", { type: name })} wide>
      <PageHeader
        title={t("inventory.import_of", { type: name })}
        back={{ href: "/admin/inventory", label: t("inventory.title") }}
        subtitle={
          r.id ? (
            <>
              <code>{r.id}</code> · {valueLabel("mode_short", r.mode)}
              {r.createdAt && (
                <>
                  {" "}
                  · <Time iso={r.createdAt} timeZone={props.ctx.settings.default_timezone} />
                </>
              )}
              {r.createdBy && t("inventory.by_user", { name: r.createdBy })}
            </>
          ) : (
            t("inventory.nothing_imported")
          )
        }
        actions={
          props.can.import && (
            <a class="button" href="/admin/inventory/import">
              {t("inventory.new_import")}
            </a>
          )
        }
      />
      <section class="card">
        {r.id ? (
          <div class="alert success" role="status">
            {t("inventory.items_imported", { n: r.imported })}{" "}
            <a href={`/admin/inventory/items?import_id=${encodeURIComponent(r.id)}`}>{t("inventory.see_imported")}</a>
          </div>
        ) : (
          <div class="alert error" role="alert">
            {t("inventory.no_row_imported")}
          </div>
        )}
        <ReportSummary total={r.total} imported={r.imported} rejected={r.rejected} dryRun={false} />
      </section>
      <section class="card" aria-labelledby="errors-h">
        <h2 id="errors-h">{t("inventory.row_errors")}</h2>
        <RowErrors errors={r.errors} truncated={r.errors.length >= 1000} />
      </section>
    </Layout>
  );
}

// ---- types ----

/** The inventory types with their fields, stock and thresholds. */
