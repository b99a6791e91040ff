import type { Child } from "hono/jsx";
import type { ActivityView } from "../db/queries/activity";
import { BADGE_FR } from "../i18n/admin";
import type { MessageKey } from "../i18n/catalogue";
import { fieldLabel, localiseError } from "../i18n/form-errors";
import { currentIntlLocale, currentLocale, t } from "../i18n/request-locale";
import type { FieldError } from "../lib/errors";

export type FormErrors = Record<string, string>;

export function errorMap(errors: FieldError[] | undefined): FormErrors {
  const map: FormErrors = {};
  for (const e of errors ?? []) if (!(e.path in map)) map[e.path] = localiseError(e.message);
  return map;
}

export function PageHeader(props: { title: string; subtitle?: Child; actions?: Child; back?: { href: string; label: string } }) {
  return (
    <div class="page-header">
      <div>
        {props.back && (
          <a class="back-link" href={props.back.href}>
            ← {props.back.label}
          </a>
        )}
        <h1>{props.title}</h1>
        {props.subtitle && <div class="muted">{props.subtitle}</div>}
      </div>
      {props.actions && <div class="actions">{props.actions}</div>}
    </div>
  );
}

export function CsrfField(props: { token: string }) {
  return <input type="hidden" name="_csrf" value={props.token} />;
}

/** The form's errors above it, each named by its field's label (`labels`, else the catalogue's) and linked to the field. */
export function ErrorSummary(props: { errors: FormErrors; message?: string; labels?: Record<string, string> }) {
  const entries = Object.entries(props.errors);
  if (entries.length === 0 && !props.message) return null;
  return (
    <div class="alert error" role="alert" tabindex={-1} id="error-summary">
      <strong>{props.message ? localiseError(props.message) : t("admin.correct_fields")}</strong>
      {entries.length > 0 && (
        <ul>
          {entries.map(([path, message]) => (
            <li>
              <a href={`#f-${path.replace(/\./g, "-")}`}>{`${props.labels?.[path] ?? fieldLabel(path)}${t("overview.colon")}${message}`}</a>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

type FieldProps = {
  name: string;
  label: string;
  /** The input's id when the page has two fields of one name (two forms); `f-<name>` otherwise. */
  id?: string;
  value?: string | number | null;
  error?: string;
  type?: string;
  required?: boolean;
  hint?: string;
  placeholder?: string;
  autofocus?: boolean;
  autocomplete?: string;
  step?: string;
};

export function Field(p: FieldProps) {
  const id = p.id ?? `f-${p.name.replace(/\./g, "-")}`;
  return (
    <div class={p.error ? "field invalid" : "field"}>
      <label for={id}>
        {p.label}
        {p.required && (
          <span class="req" aria-hidden="true">
            {" "}
            *
          </span>
        )}
      </label>
      <input
        id={id}
        name={p.name}
        type={p.type ?? "text"}
        value={p.value ?? ""}
        required={p.required}
        placeholder={p.placeholder}
        autofocus={p.autofocus}
        autocomplete={p.autocomplete}
        step={p.step}
        aria-invalid={p.error ? "true" : undefined}
        aria-describedby={p.error ? `${id}-error` : p.hint ? `${id}-hint` : undefined}
      />
      {p.hint && !p.error && (
        <div class="hint" id={`${id}-hint`}>
          {p.hint}
        </div>
      )}
      {p.error && (
        <div class="field-error" id={`${id}-error`}>
          {p.error}
        </div>
      )}
    </div>
  );
}

export function SelectField(p: {
  name: string;
  label: string;
  value?: string | null;
  options: readonly (string | { value: string; label: string })[];
  error?: string;
  required?: boolean;
  blank?: string;
  /** The element id, when one page has several selects of the same name (default `f-<name>`). */
  id?: string;
}) {
  const id = p.id ?? `f-${p.name}`;
  return (
    <div class={p.error ? "field invalid" : "field"}>
      <label for={id}>
        {p.label}
        {p.required && (
          <span class="req" aria-hidden="true">
            {" "}
            *
          </span>
        )}
      </label>
      <select id={id} name={p.name} required={p.required} aria-invalid={p.error ? "true" : undefined}>
        {p.blank !== undefined && <option value="">{p.blank}</option>}
        {p.options.map((o) => {
          const value = typeof o === "string" ? o : o.value;
          const label = typeof o === "string" ? o : o.label;
          return (
            <option value={value} selected={value === p.value}>
              {label}
            </option>
          );
        })}
      </select>
      {p.error && <div class="field-error">{p.error}</div>}
    </div>
  );
}

export function TextArea(p: { name: string; label: string; value?: string | number | null; error?: string; rows?: number; hint?: string }) {
  const id = `f-${p.name}`;
  return (
    <div class={p.error ? "field invalid" : "field"}>
      <label for={id}>{p.label}</label>
      <textarea id={id} name={p.name} rows={p.rows ?? 3} aria-invalid={p.error ? "true" : undefined}>
        {p.value ?? ""}
      </textarea>
      {p.hint && !p.error && <div class="hint">{p.hint}</div>}
      {p.error && <div class="field-error">{p.error}</div>}
    </div>
  );
}

/** A status word with its colour (by value); the word in the page's language, or `label` when the caller translated it. */
export function Badge(props: { value: string; label?: string }) {
  return <span class={`badge badge-${props.value.replace(/[^a-z_]/g, "")}`}>{props.label ?? statusLabel(props.value)}</span>;
}

/** Enum values as select options, each labelled in the page's language. */
export function labelled(values: readonly string[]): { value: string; label: string }[] {
  return values.map((value) => ({ value, label: statusLabel(value) }));
}

/** A status value as words in the page's language ("in_stock" → "in stock", « en stock »). */
export function statusLabel(value: string): string {
  return (currentLocale() === "fr" ? BADGE_FR[value] : undefined) ?? value.replace(/_/g, " ");
}

export function EmptyState(props: { title: string; children?: Child }) {
  return (
    <div class="empty">
      <strong>{props.title}</strong>
      {props.children && <div class="muted">{props.children}</div>}
    </div>
  );
}

/** A column of a `Table`: its header and what each row shows in it. */
export type Column<T> = {
  header: Child;
  cell: (row: T, index: number) => Child;
  /** The cell is the row's header (`<th scope="row">`). */
  rowHeader?: boolean;
  /** Class of the column's cells (e.g. `num`, `nowrap`, `row-actions`). */
  class?: string;
  /** Shown only when true (a column some pages or roles do not get). */
  when?: boolean;
  /** More attributes of the column's cell in a row (e.g. `data-amount`). */
  attributes?: (row: T) => Record<string, string | number | undefined>;
};

/**
 * Every list in the admin is this table: headers with `scope="col"`, one row per item, an empty state
 * instead of an empty table, and a wrapper that scrolls sideways inside its card on a narrow screen.
 */
export function Table<T>(props: {
  rows: readonly T[];
  columns: readonly Column<T>[];
  /** Shown instead of the table when there are no rows (nothing when omitted). */
  empty?: Child;
  /** Extra classes of the table (`activity`, `stock-table`, …). */
  class?: string;
  /** A class per row (e.g. highlighting a failed or low-stock row). */
  rowClass?: (row: T) => string | undefined;
  /** An id per row (a target for links or HTMX). */
  rowId?: (row: T) => string | undefined;
  /** More attributes per row (e.g. `data-*` for scripts and tests). */
  rowAttributes?: (row: T) => Record<string, string | number | undefined>;
  /** The table's id. */
  id?: string;
  /** No header row (a short list whose cells speak for themselves, e.g. jobs or transactions in a side card). */
  headless?: boolean;
  /** Rows after the body (totals). */
  footer?: Child;
  caption?: Child;
}) {
  if (props.rows.length === 0 && props.empty !== undefined) return <>{props.empty}</>;
  const columns = props.columns.filter((c) => c.when !== false);
  return (
    // Focusable, so a table wider than a phone can be scrolled sideways from the keyboard.
    <div class="table-scroll" tabindex={0}>
      <table class={props.class ? `table ${props.class}` : "table"} id={props.id}>
        {props.caption && <caption>{props.caption}</caption>}
        {!props.headless && (
          <thead>
            <tr>
              {columns.map((c) => (
                <th scope="col" class={c.class}>
                  {c.header}
                </th>
              ))}
            </tr>
          </thead>
        )}
        <tbody>
          {props.rows.map((row, i) => (
            <tr class={props.rowClass?.(row)} id={props.rowId?.(row)} {...props.rowAttributes?.(row)}>
              {columns.map((c) =>
                c.rowHeader ? (
                  <th scope="row" class={c.class} {...c.attributes?.(row)}>
                    {c.cell(row, i)}
                  </th>
                ) : (
                  <td class={c.class} {...c.attributes?.(row)}>
                    {c.cell(row, i)}
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
        {props.footer && <tfoot>{props.footer}</tfoot>}
      </table>
    </div>
  );
}

/**
 * The last column of a list its user may change: "Edit" (`<path>/edit`) and "Delete" (a post to `<path>/delete`
 * that asks first). Shown only when `when` is true.
 */
export function editDeleteColumn<T>(props: { when: boolean; csrfToken: string; path: (row: T) => string; confirm: (row: T) => string }): Column<T> {
  return {
    header: <span class="visually-hidden">{t("admin.actions")}</span>,
    class: "row-actions",
    when: props.when,
    cell: (row) => (
      <>
        <a href={`${props.path(row)}/edit`}>{t("admin.edit")}</a>
        <form method="post" action={`${props.path(row)}/delete`} class="inline" hx-confirm={props.confirm(row)}>
          <CsrfField token={props.csrfToken} />
          <button type="submit" class="link-button danger">
            {t("admin.delete")}
          </button>
        </form>
      </>
    ),
  };
}

/** One line that closes a flagged problem: what was done (`resolution`, 3–500 characters) and a submit button. */
export function ResolutionForm(props: { action: string; csrfToken: string; inputId: string; submit: string }) {
  return (
    <form method="post" action={props.action} class="inline">
      <CsrfField token={props.csrfToken} />
      <label class="visually-hidden" for={props.inputId}>
        What was done
      </label>
      <input id={props.inputId} name="resolution" required minlength={3} maxlength={500} placeholder="What was done" />
      <button type="submit" class="button small">
        {props.submit}
      </button>
    </form>
  );
}

/** Keyset pagination: "First page" and "Next" (cursors cannot go back, so the first page is one click away). */
export function Pager(props: { baseUrl: string; params: Record<string, string | undefined>; nextCursor: string | null; hasCursor: boolean }) {
  const query = (extra: Record<string, string | undefined>) => {
    const sp = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...props.params, ...extra })) if (v) sp.set(k, v);
    const s = sp.toString();
    return s ? `${props.baseUrl}?${s}` : props.baseUrl;
  };
  if (!props.nextCursor && !props.hasCursor) return null;
  return (
    <nav class="pager" aria-label={t("admin.pagination")}>
      {props.hasCursor ? <a href={query({ cursor: undefined })}>{t("admin.first_page")}</a> : <span />}
      {props.nextCursor ? (
        <a href={query({ cursor: props.nextCursor })} rel="next">
          {t("admin.next_page")}
        </a>
      ) : (
        <span class="muted">{t("admin.end_of_list")}</span>
      )}
    </nav>
  );
}

/** A timestamp shown in a time zone (UTC storage, local display). */
export function Time(props: { iso: string | null; timeZone?: string; dateOnly?: boolean }) {
  if (!props.iso) return <span class="muted">—</span>;
  const d = new Date(props.iso);
  const text = new Intl.DateTimeFormat(currentIntlLocale(), {
    timeZone: props.timeZone ?? "UTC",
    dateStyle: "medium",
    ...(props.dateOnly ? {} : { timeStyle: "short" }),
  }).format(d);
  return (
    <time datetime={props.iso} title={props.iso}>
      {text}
    </time>
  );
}

function show(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

export const ENTITY_LINKS: Record<string, (id: string, customerId: string | null) => string | null> = {
  customer: (id) => `/admin/customers/${id}`,
  contact: (_id, customerId) => (customerId ? `/admin/customers/${customerId}#contacts` : null),
  site: (_id, customerId) => (customerId ? `/admin/customers/${customerId}#sites` : null),
  settings: () => "/admin/settings",
  attribute_definition: () => "/admin/settings/attributes",
  inventory_item: (id) => `/admin/inventory/items/${id}`,
  inventory_template: () => "/admin/inventory/types",
  inventory_import: (id) => `/admin/inventory/imports/${id}`,
  invoice: (id) => `/admin/invoices/${id}`,
  tax_rate: () => "/admin/tax-rates",
  broadcast: (id) => `/admin/broadcasts/${id}`,
  broadcast_template: () => "/admin/broadcasts/templates",
};

const ACTOR_KINDS = new Set(["user", "api_key", "system", "customer"]);

/** Who acted ("user", "api_key"…) in the page's language; in English, and for an unknown kind, as the caller shows it stored. */
export function actorKind(type: string, asStored: string): string {
  return currentLocale() !== "en" && ACTOR_KINDS.has(type) ? t(`overview.actor.${type}` as MessageKey) : asStored;
}

export function ActivityTable(props: { entries: ActivityView[]; timeZone: string; showEntity?: boolean }) {
  return (
    <Table
      class="activity"
      rows={props.entries}
      empty={<EmptyState title={t("overview.activity.empty")} />}
      columns={[
        { header: t("overview.activity.when"), class: "nowrap", cell: (a) => <Time iso={a.at} timeZone={props.timeZone} /> },
        {
          header: t("overview.activity.who"),
          cell: (a) => (
            <>
              <span class="muted small">{actorKind(a.actor.type, a.actor.type)}</span> {a.actor.label}
            </>
          ),
        },
        { header: t("overview.activity.what"), cell: (a) => <code>{a.action}</code> },
        {
          header: t("overview.activity.entity"),
          when: Boolean(props.showEntity),
          cell: (a) => {
            const link = ENTITY_LINKS[a.entity]?.(a.entity_id, a.customer_id) ?? null;
            return link ? <a href={link}>{a.entity_id}</a> : <span>{a.entity_id}</span>;
          },
        },
        { header: t("overview.activity.changes"), cell: (a) => <ActivityChanges entry={a} /> },
      ]}
    />
  );
}

/** The fields an activity entry changed: a count and their names, opening to each field's before and after. */
export function ActivityChanges(props: { entry: ActivityView }) {
  const a = props.entry;
  const changes = Object.entries(a.changes);
  if (changes.length === 0) return <span class="muted">—</span>;
  return (
    <details>
      <summary>
        {t(changes.length > 1 ? "overview.activity.fields_many" : "overview.activity.fields_one", {
          n: changes.length,
          names: `${changes
            .map(([k]) => k)
            .slice(0, 4)
            .join(", ")}${changes.length > 4 ? "…" : ""}`,
        })}
      </summary>
      <dl class="diff">
        {changes.map(([field, change]) => (
          <>
            <dt>{field}</dt>
            <dd>
              <del>{show(change.before)}</del> → <ins>{show(change.after)}</ins>
            </dd>
          </>
        ))}
      </dl>
      <div class="muted small">{t("overview.activity.request", { id: a.request_id ?? "—" })}</div>
    </details>
  );
}

/** The outcome of the last action: a success notice and/or an error, announced to screen readers. */
export function Alerts(props: { notice?: string; error?: string }) {
  return (
    <>
      {props.notice && (
        <div class="alert success" role="status">
          {props.notice}
        </div>
      )}
      {props.error && (
        <div class="alert error" role="alert">
          {props.error}
        </div>
      )}
    </>
  );
}
