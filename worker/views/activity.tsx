/** The activity log by name: each entry's subject as people know it, linked, its id on hover. */

import type { ActivityView } from "../db/queries/activity";
import type { ActivitySubject } from "../db/queries/activity-subjects";
import { t } from "../i18n/request-locale";
import { ActivityChanges, actorKind, EmptyState, type FormErrors, SelectField, Table, Time } from "./components";

export type SubjectMap = Map<string, ActivitySubject & { customer: { id: string; name: string } | null }>;

/** The subject of one entry: its name linked (id in the title), what it is, and whose. */
export function SubjectCell(props: { entry: ActivityView; subject: (ActivitySubject & { customer: { id: string; name: string } | null }) | undefined }) {
  const { entry: a, subject: s } = props;
  if (!s) return <span title={a.entity_id}>{a.entity_id}</span>;
  return (
    <div class="activity-subject">
      {s.href ? (
        <a href={s.href} title={`${a.entity} ${a.entity_id}`}>
          {s.label}
        </a>
      ) : (
        <span title={`${a.entity} ${a.entity_id}`}>{s.label}</span>
      )}
      {(s.detail || s.customer) && (
        <div class="small muted">
          {s.detail}
          {s.detail && s.customer && " · "}
          {s.customer && (
            <a href={`/admin/customers/${s.customer.id}`} title={s.customer.id}>
              {s.customer.name}
            </a>
          )}
        </div>
      )}
    </div>
  );
}

/** Entries newest first: when, who, what happened to which subject (by name), and the fields it changed. */
export function ActivityLogTable(props: { entries: ActivityView[]; subjects: SubjectMap; timeZone: string; empty?: string }) {
  return (
    <Table
      class="activity activity-log"
      rows={props.entries}
      empty={<EmptyState title={props.empty ?? t("overview.activity.empty")} />}
      rowAttributes={(a) => ({ "data-entry": a.id })}
      columns={[
        { header: t("overview.activity.when"), class: "nowrap", cell: (a) => <Time iso={a.at} timeZone={props.timeZone} /> },
        {
          header: t("overview.activity.who"),
          cell: (a) => (
            <span title={a.actor.id ?? undefined}>
              <span class="muted small">{actorKind(a.actor.type, a.actor.type.replace("_", " "))}</span> {a.actor.label}
            </span>
          ),
        },
        {
          header: t("overview.activity.what"),
          cell: (a) => (
            <>
              <code>{a.action}</code>
              <SubjectCell entry={a} subject={props.subjects.get(a.id)} />
            </>
          ),
        },
        { header: t("overview.activity.changes"), cell: (a) => <ActivityChanges entry={a} /> },
      ]}
    />
  );
}

export type ActivityFilterValues = Partial<Record<"q" | "from" | "to" | "entity" | "entity_id" | "actor" | "action" | "customer_id" | "kind", string>>;

/** Entities offered in the filter (any other can still be given in the address). */
const ENTITIES = [
  "customer",
  "service",
  "invoice",
  "payment",
  "product",
  "inventory_item",
  "broadcast",
  "contact",
  "site",
  "user",
  "session",
  "settings",
] as const;

/** The activity log's filters: subject by name, a period of days (operator's time zone), and the entry's columns. */
export function ActivityFilters(props: { values: ActivityFilterValues; errors: FormErrors; timeZone: string }) {
  const v = props.values;
  const e = props.errors;
  const text = (name: keyof ActivityFilterValues, label: string, placeholder?: string, type = "text") => (
    <div class={e[name] ? "field invalid" : "field"}>
      <label for={`f-${name}`}>{label}</label>
      <input
        id={`f-${name}`}
        name={name}
        type={type}
        value={v[name] ?? ""}
        placeholder={placeholder}
        aria-invalid={e[name] ? "true" : undefined}
        aria-describedby={e[name] ? `f-${name}-error` : undefined}
      />
      {e[name] && (
        <div class="field-error" id={`f-${name}-error`}>
          {e[name]}
        </div>
      )}
    </div>
  );
  return (
    <form class="filters activity-filters" method="get" action="/admin/activity">
      {text("q", t("overview.activity.subject"), t("overview.activity.subject_placeholder"), "search")}
      {text("from", t("overview.activity.from", { zone: props.timeZone }), "2025-03-01", "date")}
      {text("to", t("overview.activity.to"), "2025-03-31", "date")}
      <SelectField
        name="kind"
        label={t("overview.activity.events")}
        value={v.kind ?? "all"}
        options={[
          { value: "all", label: t("overview.activity.all") },
          { value: "business", label: t("overview.activity.business") },
        ]}
      />
      <SelectField
        name="entity"
        label={t("overview.activity.entity")}
        value={v.entity}
        blank={t("overview.activity.any")}
        options={ENTITIES.map((value) => ({ value, label: t(`overview.entity.${value}`) }))}
      />
      {text("action", t("overview.activity.action"), "customer.update")}
      {text("actor", t("overview.activity.actor"), "usr_…")}
      {text("customer_id", t("overview.activity.customer"), "cus_…")}
      {text("entity_id", t("overview.activity.entity_id"))}
      <button type="submit" class="button">
        {t("overview.activity.filter")}
      </button>
    </form>
  );
}
