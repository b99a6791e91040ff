import type { ActivityView } from "../../db/queries/activity";
import type { TemplateRow } from "../../db/queries/inventory";
import { ITEM_TRANSITIONS, type ItemView } from "../../domain/inventory/schemas";
import { t } from "../../i18n/request-locale";
import type { DiffLine } from "../../lib/diff";
import { ActivityTable, CsrfField, EmptyState, ErrorSummary, Field, type FormErrors, PageHeader, SelectField, Table, TextArea, Time } from "../components";
import { formatMoney } from "../format";
import { Layout, type PageContext } from "../layout";
import { type ItemFormValues, TemplateFieldInputs } from "./items";
import { type InventoryCan, ItemStatusBadge, itemLabel, StatusBadge, shownValue, statusLabel, valueLabel } from "./shared";

export type ItemAllocation = { id: string; cidr: string; serviceId: string | null; createdAt: string };
export type ItemConfig = { version: number; source: string; note: string | null; createdBy: string | null; createdAt: string; content: string };

/** One item: details, status change, allocations (IP blocks), configurations (devices), edit form, history. */
export function ItemPage(props: {
  ctx: PageContext;
  item: ItemView;
  template: TemplateRow;
  customerName: string | null;
  activity: ActivityView[];
  allocations: ItemAllocation[] | null;
  configs: ItemConfig[] | null;
  can: InventoryCan;
  formKey: string;
  errors?: FormErrors;
  message?: string;
  notice?: string;
  values?: ItemFormValues;
}) {
  const item = props.item;
  const tpl = props.template;
  const tz = props.ctx.settings.default_timezone;
  const token = props.ctx.csrfToken;
  const e = props.errors ?? {};
  const label = itemLabel(item, tpl);
  const transitions = ITEM_TRANSITIONS[item.status];
  const values: ItemFormValues = props.values ?? {
    ...Object.fromEntries(
      tpl.fields
        .filter((f) => f.kind !== "secret")
        .map((f) => [
          `fields.${f.name}`,
          f.kind === "boolean" ? item.fields[f.name] === true : shownValue(item.fields[f.name]) === "—" ? "" : String(item.fields[f.name]),
        ]),
    ),
    location: item.location,
    notes: item.notes,
  };
  const latest = props.configs?.[0];
  return (
    <Layout ctx={props.ctx} title={`${tpl.name} ${label}`} wide>
      <PageHeader
        title={`${tpl.name} ${label}`}
        back={{ href: `/admin/inventory/items?type=${tpl.slug}`, label: t("inventory.type_items", { type: tpl.name }) }}
        subtitle={
          <>
            <StatusBadge value={item.status} /> <code>{item.id}</code>
            {item.import_id && (
              <>
                {" "}
                {t("inventory.from_import")} <a href={`/admin/inventory/imports/${item.import_id}`}>{item.import_id}</a>
              </>
            )}
          </>
        }
      />
      <ErrorSummary errors={e} message={props.message} />
      {props.notice && (
        <div class="alert success" role="status">
          {props.notice}
        </div>
      )}
      <div class="grid-2">
        <section class="card" aria-labelledby="item-details-h">
          <h2 id="item-details-h">{t("inventory.details")}</h2>
          <dl class="details">
            {tpl.fields.map((f) => (
              <>
                <dt>{f.label}</dt>
                <dd>
                  {f.kind === "secret" ? (
                    item.secret_fields.includes(f.name) ? (
                      <span class="secret-held">{t("inventory.held_encrypted")}</span>
                    ) : (
                      <span class="muted">{t("inventory.not_set")}</span>
                    )
                  ) : f.unique ? (
                    <code>{shownValue(item.fields[f.name])}</code>
                  ) : (
                    shownValue(item.fields[f.name])
                  )}
                </dd>
              </>
            ))}
            <dt>{t("inventory.col.status")}</dt>
            <dd>
              <ItemStatusBadge item={item} timeZone={tz} />
            </dd>
            <dt>{t("inventory.customer")}</dt>
            <dd>{item.customer_id ? <a href={`/admin/customers/${item.customer_id}`}>{props.customerName ?? item.customer_id}</a> : "—"}</dd>
            <dt>{t("inventory.service")}</dt>
            <dd>{item.service_id ? <a href={`/admin/services/${item.service_id}`}>{item.service_id}</a> : "—"}</dd>
            <dt>{t("inventory.col.location")}</dt>
            <dd>{shownValue(item.location)}</dd>
            <dt>{t("inventory.supplier")}</dt>
            <dd>{shownValue(item.supplier)}</dd>
            <dt>{t("inventory.cost")}</dt>
            <dd>{item.cost_amount !== null ? formatMoney(item.cost_amount, item.currency ?? props.ctx.settings.default_currency) : "—"}</dd>
            <dt>{t("inventory.added")}</dt>
            <dd>
              <Time iso={item.created_at} timeZone={tz} />
            </dd>
          </dl>
          {item.notes && <p class="notes">{item.notes}</p>}
        </section>
        <section class="card" aria-labelledby="item-status-h">
          <h2 id="item-status-h">{t("inventory.col.status")}</h2>
          {item.status === "quarantined" && <QuarantineNotice item={item} timeZone={tz} canWrite={props.can.write} token={token} error={e.reason} />}
          {item.service_id ? (
            <p class="muted">{t("inventory.held_by_service")}</p>
          ) : transitions.length === 0 ? (
            <p class="muted">{t("inventory.retired_stays")}</p>
          ) : !props.can.write ? (
            <p class="muted">{t("inventory.needs_write")}</p>
          ) : (
            <form method="post" action={`/admin/inventory/items/${item.id}/status`} class="stack">
              <CsrfField token={token} />
              <SelectField
                name="status"
                label={t("inventory.change_to")}
                value={typeof values.status === "string" ? values.status : transitions[0]}
                options={transitions.map((s) => ({ value: s, label: statusLabel(s) }))}
                error={e.status}
              />
              {transitions.includes("reserved") && (
                <fieldset class="checkbox-group stack">
                  <legend>{t("inventory.when_reserving")}</legend>
                  <Field
                    name="customer_id"
                    label={t("inventory.customer_id")}
                    value={typeof values.customer_id === "string" ? values.customer_id : null}
                    error={e.customer_id}
                    placeholder="cus_…"
                  />
                  <Field
                    name="reserved_until"
                    label={t("inventory.held_until")}
                    type="date"
                    value={typeof values.reserved_until === "string" ? values.reserved_until : null}
                    error={e.reserved_until}
                    hint={t("inventory.held_until_hint")}
                  />
                </fieldset>
              )}
              <div class="form-actions">
                <button type="submit" class="button primary">
                  {t("inventory.change_status")}
                </button>
              </div>
            </form>
          )}
        </section>
      </div>
      {props.allocations && (
        <section class="card" aria-labelledby="alloc-h">
          <h2 id="alloc-h">{t("inventory.allocations")}</h2>
          <Table
            rows={props.allocations}
            empty={<EmptyState title={t("inventory.nothing_allocated")} />}
            columns={[
              { header: t("inventory.address_prefix"), cell: (a) => <code>{a.cidr}</code> },
              {
                header: t("inventory.col.held_by"),
                cell: (a) => (a.serviceId ? <a href={`/admin/services/${a.serviceId}`}>{a.serviceId}</a> : <span class="muted">{t("inventory.manual")}</span>),
              },
              { header: t("inventory.since"), class: "nowrap", cell: (a) => <Time iso={a.createdAt} timeZone={tz} /> },
              {
                header: t("inventory.col.actions"),
                when: props.can.write,
                cell: (a) =>
                  !a.serviceId && (
                    <form
                      method="post"
                      action={`/admin/inventory/items/${item.id}/allocations/${a.id}/release`}
                      class="inline"
                      hx-confirm={t("inventory.release_confirm", { cidr: a.cidr })}
                    >
                      <CsrfField token={token} />
                      <button type="submit" class="link-button danger">
                        {t("inventory.release")} <span class="visually-hidden">{a.cidr}</span>
                      </button>
                    </form>
                  ),
              },
            ]}
          />
          {props.can.write && item.status !== "retired" && (
            <form method="post" action={`/admin/inventory/items/${item.id}/allocations`} class="filters allocate-form">
              <CsrfField token={token} />
              <input type="hidden" name="key" value={`${props.formKey}-alloc`} />
              <Field
                name="prefix_length"
                label={t("inventory.prefix_length")}
                type="number"
                value={typeof values.prefix_length === "string" ? values.prefix_length : null}
                error={e.prefix_length}
                hint={t("inventory.prefix_length_hint")}
              />
              <button type="submit" class="button">
                {t("inventory.allocate")}
              </button>
            </form>
          )}
        </section>
      )}
      {props.configs && (
        <section class="card" aria-labelledby="config-h">
          <h2 id="config-h">{t("inventory.configuration")}</h2>
          <Table
            rows={props.configs}
            empty={<EmptyState title={t("inventory.no_config")} />}
            columns={[
              {
                header: t("inventory.version"),
                cell: (cfg) => (
                  <>
                    v{cfg.version} {cfg === latest && <StatusBadge value="current" />}
                  </>
                ),
              },
              { header: t("inventory.source"), cell: (cfg) => valueLabel("config_source", cfg.source) },
              { header: t("inventory.note"), cell: (cfg) => cfg.note ?? <span class="muted">—</span> },
              { header: t("inventory.by"), cell: (cfg) => cfg.createdBy ?? "—" },
              { header: t("inventory.saved"), class: "nowrap", cell: (cfg) => <Time iso={cfg.createdAt} timeZone={tz} /> },
            ]}
          />
          {props.configs.length > 1 && (
            <form method="get" action={`/admin/inventory/items/${item.id}/configs/diff`} class="filters">
              <SelectField
                name="from"
                label={t("inventory.compare_version")}
                value={String(props.configs[1]?.version ?? 1)}
                options={props.configs.map((cfg) => ({ value: String(cfg.version), label: `v${cfg.version}` }))}
              />
              <SelectField
                name="to"
                label={t("inventory.with_version")}
                value={String(latest?.version ?? 1)}
                options={props.configs.map((cfg) => ({ value: String(cfg.version), label: `v${cfg.version}` }))}
              />
              <button type="submit" class="button">
                {t("inventory.show_differences")}
              </button>
            </form>
          )}
          {props.can.write && (
            <form method="post" action={`/admin/inventory/items/${item.id}/configs`} class="stack config-form">
              <CsrfField token={token} />
              <input type="hidden" name="key" value={`${props.formKey}-config`} />
              <TextArea
                name="content"
                label={latest ? t("inventory.new_version", { n: latest.version }) : t("inventory.first_version")}
                value={typeof values.content === "string" ? values.content : (latest?.content ?? "")}
                error={e.content}
                rows={12}
              />
              <Field name="note" label={t("inventory.note_optional")} value={typeof values.note === "string" ? values.note : null} error={e.note} />
              <div class="form-actions">
                <button type="submit" class="button primary">
                  {t("inventory.save_version")}
                </button>
              </div>
            </form>
          )}
        </section>
      )}
      {props.can.write && (
        <section class="card" aria-labelledby="edit-h">
          <h2 id="edit-h">{t("inventory.edit")}</h2>
          <form method="post" action={`/admin/inventory/items/${item.id}/edit`} class="form-grid" novalidate>
            <CsrfField token={token} />
            <TemplateFieldInputs template={tpl} values={values} errors={e} editing heldSecrets={item.secret_fields} />
            <Field
              name="location"
              label={t("inventory.col.location")}
              value={typeof values.location === "string" ? values.location : null}
              error={e.location}
            />
            <div class="span-2">
              <TextArea name="notes" label={t("inventory.notes")} value={typeof values.notes === "string" ? values.notes : null} error={e.notes} rows={2} />
            </div>
            <div class="span-2 form-actions">
              <button type="submit" class="button primary">
                {t("inventory.save_changes")}
              </button>
            </div>
          </form>
        </section>
      )}
      <section class="card" aria-labelledby="history-h">
        <h2 id="history-h">{t("inventory.history")}</h2>
        <ActivityTable entries={props.activity} timeZone={tz} />
      </section>
    </Layout>
  );
}

/** Line diff between two configuration versions of a device. */
export function ConfigDiffPage(props: {
  ctx: PageContext;
  item: ItemView;
  template: TemplateRow;
  from: number;
  to: number;
  lines: DiffLine[];
  added: number;
  removed: number;
}) {
  const label = itemLabel(props.item, props.template);
  const title = t("inventory.diff_title", { from: props.from, to: props.to });
  return (
    <Layout ctx={props.ctx} title={`${title} · ${label}`} wide>
      <PageHeader
        title={title}
        back={{ href: `/admin/inventory/items/${props.item.id}#config-h`, label: `${props.template.name} ${label}` }}
        subtitle={
          <>
            <span class="diff-added">+{props.added}</span> <span class="diff-removed">−{props.removed}</span> {t("inventory.lines")}
          </>
        }
      />
      <section class="card">
        {props.lines.length === 0 ? (
          <EmptyState title={t("inventory.both_empty")} />
        ) : props.added === 0 && props.removed === 0 ? (
          <EmptyState title={t("inventory.identical")} />
        ) : (
          <Table
            class="diff-table"
            caption={<span class="visually-hidden">{t("inventory.diff_caption", { from: props.from, to: props.to })}</span>}
            rows={props.lines}
            rowClass={(l) => (l.op === "add" ? "diff-add" : l.op === "del" ? "diff-del" : "diff-same")}
            columns={[
              { header: `v${props.from}`, class: "num muted", cell: (l) => l.oldLine ?? "" },
              { header: `v${props.to}`, class: "num muted", cell: (l) => l.newLine ?? "" },
              {
                header: <span class="visually-hidden">{t("inventory.change")}</span>,
                class: "diff-op",
                cell: (l) => (
                  <>
                    {l.op === "add" ? "+" : l.op === "del" ? "−" : ""}
                    <span class="visually-hidden">{l.op === "add" ? t("inventory.line_added") : l.op === "del" ? t("inventory.line_removed") : ""}</span>
                  </>
                ),
              },
              { header: t("inventory.line"), cell: (l) => <code class="diff-text">{l.text}</code> },
            ]}
          />
        )}
      </section>
    </Layout>
  );
}

// ---- import wizard ----

/** Import step 1: type, mode and the CSV file. */

/** A quarantined number: when it is back in stock, and (inventory:write) ending the quarantine now, with a reason. */
function QuarantineNotice(props: { item: ItemView; timeZone: string; canWrite: boolean; token: string; error?: string }) {
  return (
    <div class="stack">
      <p>
        {t("inventory.quarantine_before")} <Time iso={props.item.quarantined_until} timeZone={props.timeZone} dateOnly />
        {t("inventory.quarantine_after")}
      </p>
      {props.canWrite && (
        <form method="post" action={`/admin/inventory/items/${props.item.id}/end-quarantine`} class="stack">
          <CsrfField token={props.token} />
          <Field name="reason" label={t("inventory.quarantine_reason")} value={null} error={props.error} required />
          <div class="form-actions">
            <button type="submit" class="button">
              {t("inventory.end_quarantine")}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
