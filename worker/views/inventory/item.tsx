import type { ActivityView } from "../../db/queries/activity";
import type { TemplateRow } from "../../db/queries/inventory";
import { ITEM_TRANSITIONS, type ItemView } from "../../domain/inventory/schemas";
import type { DiffLine } from "../../lib/diff";
import {
  ActivityTable,
  Badge,
  CsrfField,
  EmptyState,
  ErrorSummary,
  Field,
  type FormErrors,
  PageHeader,
  SelectField,
  Table,
  TextArea,
  Time,
} from "../components";
import { formatMoney } from "../format";
import { Layout, type PageContext } from "../layout";
import { type ItemFormValues, TemplateFieldInputs } from "./items";
import { type InventoryCan, ItemStatusBadge, itemLabel, STATUS_LABELS, shownValue } from "./shared";

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
  const t = props.template;
  const tz = props.ctx.settings.default_timezone;
  const token = props.ctx.csrfToken;
  const e = props.errors ?? {};
  const label = itemLabel(item, t);
  const transitions = ITEM_TRANSITIONS[item.status];
  const values: ItemFormValues = props.values ?? {
    ...Object.fromEntries(
      t.fields
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
    <Layout ctx={props.ctx} title={`${t.name} ${label}`} wide>
      <PageHeader
        title={`${t.name} ${label}`}
        back={{ href: `/admin/inventory/items?type=${t.slug}`, label: `${t.name} items` }}
        subtitle={
          <>
            <Badge value={item.status} /> <code>{item.id}</code>
            {item.import_id && (
              <>
                {" "}
                · from import <a href={`/admin/inventory/imports/${item.import_id}`}>{item.import_id}</a>
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
          <h2 id="item-details-h">Details</h2>
          <dl class="details">
            {t.fields.map((f) => (
              <>
                <dt>{f.label}</dt>
                <dd>
                  {f.kind === "secret" ? (
                    item.secret_fields.includes(f.name) ? (
                      <span class="secret-held">held, encrypted</span>
                    ) : (
                      <span class="muted">not set</span>
                    )
                  ) : f.unique ? (
                    <code>{shownValue(item.fields[f.name])}</code>
                  ) : (
                    shownValue(item.fields[f.name])
                  )}
                </dd>
              </>
            ))}
            <dt>Status</dt>
            <dd>
              <ItemStatusBadge item={item} timeZone={tz} />
            </dd>
            <dt>Customer</dt>
            <dd>{item.customer_id ? <a href={`/admin/customers/${item.customer_id}`}>{props.customerName ?? item.customer_id}</a> : "—"}</dd>
            <dt>Service</dt>
            <dd>{item.service_id ? <a href={`/admin/services/${item.service_id}`}>{item.service_id}</a> : "—"}</dd>
            <dt>Location</dt>
            <dd>{shownValue(item.location)}</dd>
            <dt>Supplier</dt>
            <dd>{shownValue(item.supplier)}</dd>
            <dt>Cost</dt>
            <dd>{item.cost_amount !== null ? formatMoney(item.cost_amount, item.currency ?? props.ctx.settings.default_currency) : "—"}</dd>
            <dt>Added</dt>
            <dd>
              <Time iso={item.created_at} timeZone={tz} />
            </dd>
          </dl>
          {item.notes && <p class="notes">{item.notes}</p>}
        </section>
        <section class="card" aria-labelledby="item-status-h">
          <h2 id="item-status-h">Status</h2>
          {item.status === "quarantined" && <QuarantineNotice item={item} timeZone={tz} canWrite={props.can.write} token={token} error={e.reason} />}
          {item.service_id ? (
            <p class="muted">Held by a service: it changes with that service (activation, termination).</p>
          ) : transitions.length === 0 ? (
            <p class="muted">A retired item stays retired.</p>
          ) : !props.can.write ? (
            <p class="muted">Changing the status requires the inventory:write permission.</p>
          ) : (
            <form method="post" action={`/admin/inventory/items/${item.id}/status`} class="stack">
              <CsrfField token={token} />
              <SelectField
                name="status"
                label="Change to"
                value={typeof values.status === "string" ? values.status : transitions[0]}
                options={transitions.map((s) => ({ value: s, label: STATUS_LABELS[s] }))}
                error={e.status}
              />
              {transitions.includes("reserved") && (
                <fieldset class="checkbox-group stack">
                  <legend>When reserving for a customer</legend>
                  <Field
                    name="customer_id"
                    label="Customer id"
                    value={typeof values.customer_id === "string" ? values.customer_id : null}
                    error={e.customer_id}
                    placeholder="cus_…"
                  />
                  <Field
                    name="reserved_until"
                    label="Held until (optional)"
                    type="date"
                    value={typeof values.reserved_until === "string" ? values.reserved_until : null}
                    error={e.reserved_until}
                    hint="Back to stock after this day"
                  />
                </fieldset>
              )}
              <div class="form-actions">
                <button type="submit" class="button primary">
                  Change status
                </button>
              </div>
            </form>
          )}
        </section>
      </div>
      {props.allocations && (
        <section class="card" aria-labelledby="alloc-h">
          <h2 id="alloc-h">Allocations</h2>
          <Table
            rows={props.allocations}
            empty={<EmptyState title="Nothing allocated from this block." />}
            columns={[
              { header: "Address or prefix", cell: (a) => <code>{a.cidr}</code> },
              {
                header: "Held by",
                cell: (a) => (a.serviceId ? <a href={`/admin/services/${a.serviceId}`}>{a.serviceId}</a> : <span class="muted">manual</span>),
              },
              { header: "Since", class: "nowrap", cell: (a) => <Time iso={a.createdAt} timeZone={tz} /> },
              {
                header: "Actions",
                when: props.can.write,
                cell: (a) =>
                  !a.serviceId && (
                    <form
                      method="post"
                      action={`/admin/inventory/items/${item.id}/allocations/${a.id}/release`}
                      class="inline"
                      hx-confirm={`Release ${a.cidr}?`}
                    >
                      <CsrfField token={token} />
                      <button type="submit" class="link-button danger">
                        Release <span class="visually-hidden">{a.cidr}</span>
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
                label="Prefix length (optional)"
                type="number"
                value={typeof values.prefix_length === "string" ? values.prefix_length : null}
                error={e.prefix_length}
                hint="Empty: one address; 30, 29, 64…: a sub-prefix"
              />
              <button type="submit" class="button">
                Allocate next free
              </button>
            </form>
          )}
        </section>
      )}
      {props.configs && (
        <section class="card" aria-labelledby="config-h">
          <h2 id="config-h">Configuration</h2>
          <Table
            rows={props.configs}
            empty={<EmptyState title="No configuration saved yet." />}
            columns={[
              {
                header: "Version",
                cell: (cfg) => (
                  <>
                    v{cfg.version} {cfg === latest && <Badge value="current" />}
                  </>
                ),
              },
              { header: "Source", cell: (cfg) => cfg.source },
              { header: "Note", cell: (cfg) => cfg.note ?? <span class="muted">—</span> },
              { header: "By", cell: (cfg) => cfg.createdBy ?? "—" },
              { header: "Saved", class: "nowrap", cell: (cfg) => <Time iso={cfg.createdAt} timeZone={tz} /> },
            ]}
          />
          {props.configs.length > 1 && (
            <form method="get" action={`/admin/inventory/items/${item.id}/configs/diff`} class="filters">
              <SelectField
                name="from"
                label="Compare version"
                value={String(props.configs[1]?.version ?? 1)}
                options={props.configs.map((cfg) => ({ value: String(cfg.version), label: `v${cfg.version}` }))}
              />
              <SelectField
                name="to"
                label="with version"
                value={String(latest?.version ?? 1)}
                options={props.configs.map((cfg) => ({ value: String(cfg.version), label: `v${cfg.version}` }))}
              />
              <button type="submit" class="button">
                Show differences
              </button>
            </form>
          )}
          {props.can.write && (
            <form method="post" action={`/admin/inventory/items/${item.id}/configs`} class="stack config-form">
              <CsrfField token={token} />
              <input type="hidden" name="key" value={`${props.formKey}-config`} />
              <TextArea
                name="content"
                label={latest ? `New version (from v${latest.version})` : "First version"}
                value={typeof values.content === "string" ? values.content : (latest?.content ?? "")}
                error={e.content}
                rows={12}
              />
              <Field name="note" label="Note (optional)" value={typeof values.note === "string" ? values.note : null} error={e.note} />
              <div class="form-actions">
                <button type="submit" class="button primary">
                  Save as new version
                </button>
              </div>
            </form>
          )}
        </section>
      )}
      {props.can.write && (
        <section class="card" aria-labelledby="edit-h">
          <h2 id="edit-h">Edit</h2>
          <form method="post" action={`/admin/inventory/items/${item.id}/edit`} class="form-grid" novalidate>
            <CsrfField token={token} />
            <TemplateFieldInputs template={t} values={values} errors={e} editing heldSecrets={item.secret_fields} />
            <Field name="location" label="Location" value={typeof values.location === "string" ? values.location : null} error={e.location} />
            <div class="span-2">
              <TextArea name="notes" label="Notes" value={typeof values.notes === "string" ? values.notes : null} error={e.notes} rows={2} />
            </div>
            <div class="span-2 form-actions">
              <button type="submit" class="button primary">
                Save changes
              </button>
            </div>
          </form>
        </section>
      )}
      <section class="card" aria-labelledby="history-h">
        <h2 id="history-h">History</h2>
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
  const title = `Configuration v${props.from} → v${props.to}`;
  return (
    <Layout ctx={props.ctx} title={`${title} · ${label}`} wide>
      <PageHeader
        title={title}
        back={{ href: `/admin/inventory/items/${props.item.id}#config-h`, label: `${props.template.name} ${label}` }}
        subtitle={
          <>
            <span class="diff-added">+{props.added}</span> <span class="diff-removed">−{props.removed}</span> lines
          </>
        }
      />
      <section class="card">
        {props.lines.length === 0 ? (
          <EmptyState title="Both versions are empty." />
        ) : props.added === 0 && props.removed === 0 ? (
          <EmptyState title="The two versions are identical." />
        ) : (
          <Table
            class="diff-table"
            caption={
              <span class="visually-hidden">
                Lines removed from v{props.from} and added in v{props.to}
              </span>
            }
            rows={props.lines}
            rowClass={(l) => (l.op === "add" ? "diff-add" : l.op === "del" ? "diff-del" : "diff-same")}
            columns={[
              { header: `v${props.from}`, class: "num muted", cell: (l) => l.oldLine ?? "" },
              { header: `v${props.to}`, class: "num muted", cell: (l) => l.newLine ?? "" },
              {
                header: <span class="visually-hidden">Change</span>,
                class: "diff-op",
                cell: (l) => (
                  <>
                    {l.op === "add" ? "+" : l.op === "del" ? "−" : ""}
                    <span class="visually-hidden">{l.op === "add" ? " added" : l.op === "del" ? " removed" : ""}</span>
                  </>
                ),
              },
              { header: "Line", cell: (l) => <code class="diff-text">{l.text}</code> },
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
        Released from a service: quarantined until <Time iso={props.item.quarantined_until} timeZone={props.timeZone} dateOnly />, so that calls and messages
        meant for its last holder do not reach the next one. It goes back in stock then.
      </p>
      {props.canWrite && (
        <form method="post" action={`/admin/inventory/items/${props.item.id}/end-quarantine`} class="stack">
          <CsrfField token={props.token} />
          <Field name="reason" label="Reason for ending the quarantine now" value={null} error={props.error} required />
          <div class="form-actions">
            <button type="submit" class="button">
              End quarantine now
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
