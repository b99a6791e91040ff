import type { Child } from "hono/jsx";
import type { ActivityView } from "../db/queries/activity";
import type { toAttributeDefinitionView } from "../db/queries/attributes";
import type { TransactionView } from "../db/queries/transactions";
import { CONTACT_ROLES, type ContactView } from "../domain/contacts/schemas";
import {
  CUSTOMER_STATUSES,
  CUSTOMER_TRANSITIONS,
  CUSTOMER_TYPES,
  type CustomerTransition,
  type CustomerView,
  PAYMENT_TYPES,
} from "../domain/customers/schemas";
import type { ServiceView } from "../domain/services/schemas";
import type { SiteView } from "../domain/sites/schemas";
import {
  ActivityTable,
  Badge,
  CsrfField,
  EmptyState,
  ErrorSummary,
  Field,
  type FormErrors,
  PageHeader,
  Pager,
  SelectField,
  TextArea,
  Time,
} from "./components";
import { formatMoney } from "./format";
import { Layout, type PageContext } from "./layout";
import { ServicesTable } from "./services";

type Definition = ReturnType<typeof toAttributeDefinitionView>;
export type CustomerListParams = { q?: string; status?: string; type?: string; payment_type?: string; tag?: string; sort?: string };

export function CustomerResults(props: {
  customers: CustomerView[];
  nextCursor: string | null;
  params: CustomerListParams;
  hasCursor: boolean;
  timeZone: string;
}) {
  return (
    <div id="customer-results">
      {props.customers.length === 0 ? (
        <EmptyState title="No customers match.">
          {props.params.q || props.params.status || props.params.tag || props.params.type ? (
            <a href="/admin/customers">Clear the filters</a>
          ) : (
            <a href="/admin/customers/new">Create the first customer</a>
          )}
        </EmptyState>
      ) : (
        <table class="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Status</th>
              <th scope="col">Payment</th>
              <th scope="col">Tags</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {props.customers.map((c) => (
              <tr>
                <td>
                  <a href={`/admin/customers/${c.id}`}>{c.name}</a>
                  {c.external_id && <div class="muted small">{c.external_id}</div>}
                </td>
                <td>{c.type}</td>
                <td>
                  <Badge value={c.status} />
                </td>
                <td>{c.payment_type}</td>
                <td>
                  {c.tags.map((t) => (
                    <a class="tag" href={`/admin/customers?tag=${encodeURIComponent(t)}`}>
                      {t}
                    </a>
                  ))}
                </td>
                <td class="nowrap">
                  <Time iso={c.created_at} timeZone={props.timeZone} dateOnly />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager baseUrl="/admin/customers" params={props.params} nextCursor={props.nextCursor} hasCursor={props.hasCursor} />
    </div>
  );
}

export function CustomerListPage(props: {
  ctx: PageContext;
  customers: CustomerView[];
  nextCursor: string | null;
  params: CustomerListParams;
  hasCursor: boolean;
  tags: { name: string; count: number }[];
  canWrite: boolean;
}) {
  const p = props.params;
  return (
    <Layout ctx={props.ctx} title="Customers">
      <PageHeader
        title="Customers"
        actions={
          props.canWrite && (
            <a class="button primary" href="/admin/customers/new">
              New customer
            </a>
          )
        }
      />
      <form
        class="filters"
        method="get"
        action="/admin/customers"
        hx-get="/admin/customers"
        hx-target="#customer-results"
        hx-swap="outerHTML"
        hx-push-url="true"
        hx-trigger="input changed delay:300ms from:input[name=q], change from:select, submit"
      >
        <div class="field grow">
          <label for="filter-q">Search</label>
          <input id="filter-q" type="search" name="q" value={p.q ?? ""} placeholder="Name, email, city…" />
        </div>
        <SelectField name="status" label="Status" value={p.status} blank="Any (not archived)" options={CUSTOMER_STATUSES} />
        <SelectField name="type" label="Type" value={p.type} blank="Any" options={CUSTOMER_TYPES} />
        <SelectField name="payment_type" label="Payment" value={p.payment_type} blank="Any" options={PAYMENT_TYPES} />
        <SelectField name="tag" label="Tag" value={p.tag} blank="Any" options={props.tags.map((t) => ({ value: t.name, label: `${t.name} (${t.count})` }))} />
        <SelectField
          name="sort"
          label="Sort"
          value={p.sort}
          options={[
            { value: "name", label: "Name A–Z" },
            { value: "-name", label: "Name Z–A" },
            { value: "-created_at", label: "Newest" },
            { value: "created_at", label: "Oldest" },
            { value: "-updated_at", label: "Recently changed" },
          ]}
        />
        <noscript>
          <button type="submit" class="button">
            Apply
          </button>
        </noscript>
      </form>
      <CustomerResults
        customers={props.customers}
        nextCursor={props.nextCursor}
        params={props.params}
        hasCursor={props.hasCursor}
        timeZone={props.ctx.settings.default_timezone}
      />
    </Layout>
  );
}

export type CustomerFormValues = Partial<
  Record<"name" | "type" | "payment_type" | "currency" | "locale" | "timezone" | "external_id" | "notes" | "tags", string | null>
>;

export function CustomerFormPage(props: {
  ctx: PageContext;
  mode: "create" | "edit";
  id?: string;
  values: CustomerFormValues;
  errors: FormErrors;
  message?: string;
}) {
  const v = props.values;
  const e = props.errors;
  const action = props.mode === "create" ? "/admin/customers/new" : `/admin/customers/${props.id}/edit`;
  const title = props.mode === "create" ? "New customer" : `Edit ${v.name ?? "customer"}`;
  return (
    <Layout ctx={props.ctx} title={title}>
      <PageHeader
        title={title}
        back={props.mode === "create" ? { href: "/admin/customers", label: "Customers" } : { href: `/admin/customers/${props.id}`, label: "Customer" }}
      />
      <form method="post" action={action} class="card form-grid" novalidate>
        <CsrfField token={props.ctx.csrfToken} />
        <ErrorSummary errors={e} message={props.message} />
        <Field name="name" label="Name" value={v.name} error={e.name} required autofocus />
        <SelectField name="type" label="Type" value={v.type ?? "individual"} options={CUSTOMER_TYPES} error={e.type} required />
        <SelectField name="payment_type" label="Payment type" value={v.payment_type ?? "postpaid"} options={PAYMENT_TYPES} error={e.payment_type} required />
        <Field
          name="currency"
          label="Currency"
          value={v.currency}
          error={e.currency}
          placeholder={props.ctx.settings.default_currency}
          hint="ISO 4217; empty uses the operator default"
        />
        <Field
          name="locale"
          label="Locale"
          value={v.locale}
          error={e.locale}
          placeholder={props.ctx.settings.default_locale}
          hint="Language for emails and invoices"
        />
        <Field name="timezone" label="Time zone" value={v.timezone} error={e.timezone} placeholder={props.ctx.settings.default_timezone} />
        <Field name="external_id" label="External id" value={v.external_id} error={e.external_id} hint="Your reference in another system (unique)" />
        {props.mode === "create" && <Field name="tags" label="Tags" value={v.tags} error={e.tags} hint="Comma-separated, e.g. vip, fibre" />}
        <div class="span-2">
          <TextArea name="notes" label="Notes" value={v.notes} error={e.notes} />
        </div>
        <div class="span-2 form-actions">
          <button type="submit" class="button primary">
            {props.mode === "create" ? "Create customer" : "Save changes"}
          </button>
          <a href={props.mode === "create" ? "/admin/customers" : `/admin/customers/${props.id}`} class="button">
            Cancel
          </a>
        </div>
      </form>
    </Layout>
  );
}

const TRANSITION_LABELS: Record<CustomerTransition, string> = {
  suspend: "Suspend",
  resume: "Resume",
  close: "Close",
  reopen: "Reopen",
  archive: "Archive",
  restore: "Restore",
};

function AttributeInput(props: { def: Definition; value: unknown; error?: string }) {
  const { def } = props;
  const name = `attr.${def.key}`;
  const id = `f-attributes-${def.key}`;
  const value = props.value === undefined || props.value === null ? "" : String(props.value);
  return (
    <div class={props.error ? "field invalid" : "field"}>
      {def.type === "boolean" ? (
        <label class="checkbox">
          <input type="checkbox" id={id} name={name} value="true" checked={props.value === true} /> {def.label}
        </label>
      ) : (
        <>
          <label for={id}>
            {def.label}
            {def.required && <span class="req"> *</span>}
          </label>
          {def.type === "enum" ? (
            <select id={id} name={name}>
              <option value="">—</option>
              {def.options.map((o) => (
                <option value={o} selected={o === value}>
                  {o}
                </option>
              ))}
            </select>
          ) : (
            <input
              id={id}
              name={name}
              type={def.type === "number" ? "number" : def.type === "date" ? "date" : "text"}
              step={def.type === "number" ? "any" : undefined}
              value={value}
            />
          )}
        </>
      )}
      {def.description && <div class="hint">{def.description}</div>}
      {props.error && <div class="field-error">{props.error}</div>}
    </div>
  );
}

export function CustomerPage(props: {
  ctx: PageContext;
  customer: CustomerView;
  contacts: ContactView[];
  sites: SiteView[];
  definitions: Definition[];
  activity: ActivityView[];
  allTags: string[];
  can: { write: boolean; archive: boolean; activity: boolean; invite: boolean };
  /** Portal account status per contact id. */
  portal: Record<string, string>;
  portalFlash?: string;
  services: ServiceView[];
  transactions: TransactionView[];
  order?: Child;
  orderError?: string;
  attributeErrors?: FormErrors;
  attributeValues?: Record<string, unknown>;
  tagsError?: string;
  tagsValue?: string;
  message?: string;
}) {
  const c = props.customer;
  const tz = props.ctx.settings.default_timezone;
  const writable = props.can.write && c.status !== "archived";
  const transitions = (Object.keys(CUSTOMER_TRANSITIONS) as CustomerTransition[]).filter((t) =>
    (CUSTOMER_TRANSITIONS[t].from as readonly string[]).includes(c.status),
  );
  const attrs = props.attributeValues ?? c.attributes;
  return (
    <Layout ctx={props.ctx} title={c.name} wide>
      <PageHeader
        title={c.name}
        back={{ href: "/admin/customers", label: "Customers" }}
        subtitle={
          <>
            <Badge value={c.status} /> <span>{c.type}</span> · <span>{c.payment_type}</span> · <code>{c.id}</code>
          </>
        }
        actions={
          <>
            {writable && (
              <a class="button" href={`/admin/customers/${c.id}/edit`}>
                Edit
              </a>
            )}
            {props.can.archive &&
              transitions.map((t) =>
                t === "suspend" || t === "resume" ? (
                  // Suspend and resume carry the live services along: they go through a confirmation that lists them.
                  <a class="button" href={`/admin/customers/${c.id}/status/${t}`}>
                    {TRANSITION_LABELS[t]}
                  </a>
                ) : (
                  <form
                    method="post"
                    action={`/admin/customers/${c.id}/transition`}
                    class="inline"
                    hx-confirm={t === "archive" || t === "close" ? `${TRANSITION_LABELS[t]} ${c.name}?` : undefined}
                  >
                    <CsrfField token={props.ctx.csrfToken} />
                    <input type="hidden" name="transition" value={t} />
                    <button type="submit" class={t === "archive" || t === "close" ? "button danger" : "button"}>
                      {TRANSITION_LABELS[t]}
                    </button>
                  </form>
                ),
              )}
          </>
        }
      />
      {props.message && (
        <div class="alert error" role="alert">
          {props.message}
        </div>
      )}
      {props.portalFlash && (
        <div class={props.portalFlash === "invited" ? "alert success" : "alert error"} role="status">
          {props.portalFlash === "invited" ? "Portal invitation sent." : props.portalFlash}
        </div>
      )}
      {c.status === "archived" && <div class="alert">This customer is archived and read-only. Restore it to make changes.</div>}
      <div class="grid-360">
        <section class="card" aria-labelledby="details-h">
          <h2 id="details-h">Details</h2>
          <dl class="details">
            <dt>Currency</dt>
            <dd>{c.currency}</dd>
            <dt>Locale</dt>
            <dd>{c.locale}</dd>
            <dt>Time zone</dt>
            <dd>{c.timezone}</dd>
            <dt>External id</dt>
            <dd>{c.external_id ?? "—"}</dd>
            <dt>Created</dt>
            <dd>
              <Time iso={c.created_at} timeZone={tz} />
            </dd>
            <dt>Updated</dt>
            <dd>
              <Time iso={c.updated_at} timeZone={tz} />
            </dd>
          </dl>
          {c.notes && <p class="notes">{c.notes}</p>}
        </section>

        <section class="card" aria-labelledby="tags-h" id="tags">
          <h2 id="tags-h">Tags</h2>
          <p>
            {c.tags.length === 0 ? (
              <span class="muted">No tags.</span>
            ) : (
              c.tags.map((t) => (
                <a class="tag" href={`/admin/customers?tag=${encodeURIComponent(t)}`}>
                  {t}
                </a>
              ))
            )}
          </p>
          {writable && (
            <form method="post" action={`/admin/customers/${c.id}/tags`} class="stack">
              <CsrfField token={props.ctx.csrfToken} />
              <div class={props.tagsError ? "field invalid" : "field"}>
                <label for="f-tags">Edit tags</label>
                <input id="f-tags" name="tags" list="known-tags" value={props.tagsValue ?? c.tags.join(", ")} placeholder="vip, fibre" />
                <datalist id="known-tags">
                  {props.allTags.map((t) => (
                    <option value={t} />
                  ))}
                </datalist>
                <div class="hint">Comma-separated.</div>
                {props.tagsError && <div class="field-error">{props.tagsError}</div>}
              </div>
              <button type="submit" class="button">
                Save tags
              </button>
            </form>
          )}
        </section>

        <section class="card" aria-labelledby="attrs-h" id="attributes">
          <h2 id="attrs-h">Attributes</h2>
          {props.definitions.length === 0 ? (
            <EmptyState title="No custom attributes are defined.">
              <a href="/admin/settings/attributes">Define attributes</a>
            </EmptyState>
          ) : writable ? (
            <form method="post" action={`/admin/customers/${c.id}/attributes`} class="stack">
              <CsrfField token={props.ctx.csrfToken} />
              {props.definitions.map((d) => (
                <AttributeInput def={d} value={attrs[d.key]} error={props.attributeErrors?.[`attributes.${d.key}`]} />
              ))}
              <button type="submit" class="button">
                Save attributes
              </button>
            </form>
          ) : (
            <dl class="details">
              {props.definitions.map((d) => (
                <>
                  <dt>{d.label}</dt>
                  <dd>{c.attributes[d.key] === undefined ? "—" : String(c.attributes[d.key])}</dd>
                </>
              ))}
            </dl>
          )}
        </section>
      </div>

      <section class="card" aria-labelledby="contacts-h" id="contacts">
        <div class="section-header">
          <h2 id="contacts-h">Contacts</h2>
          {writable && (
            <a class="button" href={`/admin/customers/${c.id}/contacts/new`}>
              Add contact
            </a>
          )}
        </div>
        {props.contacts.length === 0 ? (
          <EmptyState title="No contacts yet." />
        ) : (
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Roles</th>
                <th scope="col">Email</th>
                <th scope="col">Phone</th>
                <th scope="col">Portal</th>
                {writable && (
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {props.contacts.map((k) => (
                <tr>
                  <td>{[k.first_name, k.last_name].filter(Boolean).join(" ")}</td>
                  <td>
                    {k.roles.map((r) => (
                      <Badge value={r} />
                    ))}
                  </td>
                  <td>{k.email ? <a href={`mailto:${k.email}`}>{k.email}</a> : "—"}</td>
                  <td>{k.phone ? <a href={`tel:${k.phone}`}>{k.phone}</a> : "—"}</td>
                  <td>
                    {props.portal[k.id] ? <Badge value={props.portal[k.id] ?? ""} /> : <span class="muted">—</span>}
                    {props.can.invite && k.email && props.portal[k.id] !== "active" && (c.status === "open" || c.status === "suspended") && (
                      <form method="post" action={`/admin/contacts/${k.id}/portal-invite`} class="inline">
                        <CsrfField token={props.ctx.csrfToken} />
                        <button type="submit" class="link-button">
                          {props.portal[k.id] ? "Re-invite" : "Invite"}
                        </button>
                      </form>
                    )}
                  </td>
                  {writable && (
                    <td class="row-actions">
                      <a href={`/admin/contacts/${k.id}/edit`}>Edit</a>
                      <form method="post" action={`/admin/contacts/${k.id}/delete`} class="inline" hx-confirm={`Delete contact ${k.first_name}?`}>
                        <CsrfField token={props.ctx.csrfToken} />
                        <button type="submit" class="link-button danger">
                          Delete
                        </button>
                      </form>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section class="card" aria-labelledby="sites-h" id="sites">
        <div class="section-header">
          <h2 id="sites-h">Sites</h2>
          {writable && (
            <a class="button" href={`/admin/customers/${c.id}/sites/new`}>
              Add site
            </a>
          )}
        </div>
        {props.sites.length === 0 ? (
          <EmptyState title="No sites yet." />
        ) : (
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Address</th>
                <th scope="col">Location</th>
                {writable && (
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {props.sites.map((s) => (
                <tr>
                  <td>{s.name}</td>
                  <td>
                    {[s.address_line1, s.address_line2].filter(Boolean).join(", ")}
                    <div class="muted small">{[s.postal_code, s.city, s.region, s.country].filter(Boolean).join(" ")}</div>
                  </td>
                  <td>
                    {s.latitude !== null && s.longitude !== null ? (
                      <span>
                        {s.latitude.toFixed(5)}, {s.longitude.toFixed(5)}
                      </span>
                    ) : null}{" "}
                    <Badge value={s.geocode_status} />
                  </td>
                  {writable && (
                    <td class="row-actions">
                      <a href={`/admin/sites/${s.id}/edit`}>Edit</a>
                      <form method="post" action={`/admin/sites/${s.id}/delete`} class="inline" hx-confirm={`Delete site ${s.name}?`}>
                        <CsrfField token={props.ctx.csrfToken} />
                        <button type="submit" class="link-button danger">
                          Delete
                        </button>
                      </form>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <div class="grid-2">
        <section class="card" aria-labelledby="services-h" id="services">
          <h2 id="services-h">Services</h2>
          {props.orderError && (
            <div class="alert error" role="alert">
              {props.orderError}
            </div>
          )}
          {props.order && c.status === "open" && props.order}
          <ServicesTable services={props.services} timeZone={tz} />
        </section>
        <section class="card" aria-labelledby="billing-h" id="billing">
          <h2 id="billing-h">Billing</h2>
          {props.transactions.length === 0 ? (
            <EmptyState title="No transactions yet.">
              Charges and credits (setup fees, top-ups, plan changes) appear here; invoices come with the billing module.
            </EmptyState>
          ) : (
            <table class="table">
              <tbody>
                {props.transactions.map((t) => (
                  <tr>
                    <td>{t.description}</td>
                    <td class="nowrap">
                      {t.kind === "credit" ? "−" : ""}
                      {formatMoney(t.amount, t.currency)}
                    </td>
                    <td class="nowrap">{t.date}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>

      {props.can.activity && (
        <section class="card" aria-labelledby="activity-h" id="activity">
          <div class="section-header">
            <h2 id="activity-h">Activity</h2>
            <a href={`/admin/activity?customer_id=${c.id}`}>All activity</a>
          </div>
          <ActivityTable entries={props.activity} timeZone={tz} showEntity />
        </section>
      )}
    </Layout>
  );
}

export type ContactFormValues = Partial<Record<"first_name" | "last_name" | "email" | "phone" | "notes", string | null>> & { roles?: string[] };

export function ContactFormPage(props: {
  ctx: PageContext;
  customer: { id: string; name: string };
  contactId?: string;
  values: ContactFormValues;
  errors: FormErrors;
  message?: string;
}) {
  const v = props.values;
  const e = props.errors;
  const editing = Boolean(props.contactId);
  const title = editing ? "Edit contact" : `New contact for ${props.customer.name}`;
  return (
    <Layout ctx={props.ctx} title={title}>
      <PageHeader title={title} back={{ href: `/admin/customers/${props.customer.id}#contacts`, label: props.customer.name }} />
      <form
        method="post"
        action={editing ? `/admin/contacts/${props.contactId}/edit` : `/admin/customers/${props.customer.id}/contacts/new`}
        class="card form-grid"
        novalidate
      >
        <CsrfField token={props.ctx.csrfToken} />
        <ErrorSummary errors={e} message={props.message} />
        <Field name="first_name" label="First name" value={v.first_name} error={e.first_name} required autofocus />
        <Field name="last_name" label="Last name" value={v.last_name} error={e.last_name} />
        <Field name="email" label="Email" type="email" value={v.email} error={e.email} autocomplete="off" />
        <Field name="phone" label="Phone" type="tel" value={v.phone} error={e.phone} hint="International format, e.g. +33 6 12 34 56 78" />
        <fieldset class="span-2 checkbox-group">
          <legend>Roles</legend>
          {CONTACT_ROLES.map((r) => (
            <label class="checkbox">
              <input type="checkbox" name="roles" value={r} checked={v.roles?.includes(r)} /> {r}
            </label>
          ))}
          {e.roles && <div class="field-error">{e.roles}</div>}
        </fieldset>
        <div class="span-2">
          <TextArea name="notes" label="Notes" value={v.notes} error={e.notes} />
        </div>
        <div class="span-2 form-actions">
          <button type="submit" class="button primary">
            {editing ? "Save contact" : "Add contact"}
          </button>
          <a class="button" href={`/admin/customers/${props.customer.id}#contacts`}>
            Cancel
          </a>
        </div>
      </form>
    </Layout>
  );
}

export type SiteFormValues = Partial<
  Record<
    "name" | "address_line1" | "address_line2" | "city" | "region" | "postal_code" | "country" | "latitude" | "longitude" | "notes",
    string | number | null
  >
>;

export function SiteFormPage(props: {
  ctx: PageContext;
  customer: { id: string; name: string };
  siteId?: string;
  values: SiteFormValues;
  errors: FormErrors;
  message?: string;
}) {
  const v = props.values;
  const e = props.errors;
  const editing = Boolean(props.siteId);
  const title = editing ? "Edit site" : `New site for ${props.customer.name}`;
  return (
    <Layout ctx={props.ctx} title={title}>
      <PageHeader title={title} back={{ href: `/admin/customers/${props.customer.id}#sites`, label: props.customer.name }} />
      <form
        method="post"
        action={editing ? `/admin/sites/${props.siteId}/edit` : `/admin/customers/${props.customer.id}/sites/new`}
        class="card form-grid"
        novalidate
      >
        <CsrfField token={props.ctx.csrfToken} />
        <ErrorSummary errors={e} message={props.message} />
        <Field name="name" label="Site name" value={v.name} error={e.name} required autofocus placeholder="Head office" />
        <Field name="address_line1" label="Address" value={v.address_line1} error={e.address_line1} required />
        <Field name="address_line2" label="Address (line 2)" value={v.address_line2} error={e.address_line2} />
        <Field name="postal_code" label="Postal code" value={v.postal_code} error={e.postal_code} />
        <Field name="city" label="City" value={v.city} error={e.city} required />
        <Field name="region" label="Region" value={v.region} error={e.region} />
        <Field name="country" label="Country" value={v.country} error={e.country} required hint="ISO code, e.g. FR" />
        <div />
        <Field
          name="latitude"
          label="Latitude"
          type="number"
          step="any"
          value={v.latitude}
          error={e.latitude}
          hint="Optional: leave empty to geocode the address"
        />
        <Field name="longitude" label="Longitude" type="number" step="any" value={v.longitude} error={e.longitude} />
        <div class="span-2">
          <TextArea name="notes" label="Notes" value={v.notes} error={e.notes} hint="Access instructions, floor, …" />
        </div>
        <div class="span-2 form-actions">
          <button type="submit" class="button primary">
            {editing ? "Save site" : "Add site"}
          </button>
          <a class="button" href={`/admin/customers/${props.customer.id}#sites`}>
            Cancel
          </a>
        </div>
      </form>
    </Layout>
  );
}

/**
 * Confirms a suspend or resume that carries live services along, listing each of them. Posting it
 * changes the customer and queues one provisioning job per service.
 */
export function CustomerStatusConfirmPage(props: {
  ctx: PageContext;
  customer: CustomerView;
  transition: "suspend" | "resume";
  services: { id: string; name: string; status: string; identifiers: Record<string, string> }[];
  canChangeServices: boolean;
  formKey: string;
}) {
  const c = props.customer;
  const verb = props.transition === "suspend" ? "Suspend" : "Resume";
  const n = props.services.length;
  const blocked = n > 0 && !props.canChangeServices;
  return (
    <Layout ctx={props.ctx} title={`${verb} ${c.name}`}>
      <PageHeader
        title={`${verb} ${c.name}?`}
        back={{ href: `/admin/customers/${c.id}`, label: c.name }}
        subtitle={
          <>
            <Badge value={c.status} /> → <Badge value={props.transition === "suspend" ? "suspended" : "open"} />
          </>
        }
      />
      <section class="card" aria-labelledby="carried-h">
        <h2 id="carried-h">
          {n === 0 ? "No services follow" : `${n} service${n === 1 ? "" : "s"} ${props.transition === "suspend" ? "will be suspended" : "will be resumed"}`}
        </h2>
        {n === 0 ? (
          <p class="muted">
            {props.transition === "suspend"
              ? "This customer has no active service: only the customer's status changes."
              : "No service was suspended with this customer (or they were resumed since): only the customer's status changes."}
          </p>
        ) : (
          <>
            <p class="muted small">
              Each one goes through its own provisioning job
              {props.transition === "resume" ? "; services suspended on their own stay suspended" : ""}.
            </p>
            <table class="table" id="carried-services">
              <thead>
                <tr>
                  <th scope="col">Service</th>
                  <th scope="col">Identifiers</th>
                  <th scope="col">Status now</th>
                </tr>
              </thead>
              <tbody>
                {props.services.map((s) => (
                  <tr data-service-id={s.id}>
                    <td>
                      <a href={`/admin/services/${s.id}`}>{s.name}</a> <code class="small">{s.id}</code>
                    </td>
                    <td class="small">
                      {Object.entries(s.identifiers)
                        .map(([k, v]) => `${k} ${v}`)
                        .join(" · ") || "—"}
                    </td>
                    <td>
                      <Badge value={s.status} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </section>
      {blocked && (
        <div class="alert error" role="alert">
          Changing these services needs the services:write permission; ask someone who holds it.
        </div>
      )}
      <form method="post" action={`/admin/customers/${c.id}/transition`} class="stack">
        <CsrfField token={props.ctx.csrfToken} />
        <input type="hidden" name="transition" value={props.transition} />
        <input type="hidden" name="confirmed" value="1" />
        <input type="hidden" name="key" value={props.formKey} />
        <div class="actions">
          <button type="submit" class={props.transition === "suspend" ? "button danger" : "button primary"} disabled={blocked}>
            {verb} the customer{n > 0 ? ` and ${n} service${n === 1 ? "" : "s"}` : ""}
          </button>
          <a class="button" href={`/admin/customers/${c.id}`}>
            Cancel
          </a>
        </div>
      </form>
    </Layout>
  );
}
