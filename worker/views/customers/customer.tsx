import type { Child } from "hono/jsx";
import type { ActivityView } from "../../db/queries/activity";
import type { InvoiceSummary } from "../../db/queries/invoices";
import type { TransactionView } from "../../db/queries/transactions";
import type { CONTACT_ROLES, ContactView } from "../../domain/contacts/schemas";
import { CUSTOMER_TRANSITIONS, type CustomerTransition, type CustomerView } from "../../domain/customers/schemas";
import type { ServiceView } from "../../domain/services/schemas";
import type { SiteView } from "../../domain/sites/schemas";
import { t } from "../../i18n/request-locale";
import { formatPhone } from "../../lib/phone";
import { ActivityTable, Badge, CsrfField, EmptyState, editDeleteColumn, type FormErrors, PageHeader, statusLabel, Table, Time } from "../components";
import { formatMoney } from "../format";
import { Layout, type PageContext } from "../layout";
import { ServicesTable, TransactionsTable } from "../services";
import { PlacesMap } from "../site-map";
import { AttributeInput, type Definition, TRANSITION_LABELS } from "./shared";

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
  /** Contacts whose portal account has two-factor authentication on. */
  portalTwoFactor: Set<string>;
  portalFlash?: string;
  services: ServiceView[];
  transactions: TransactionView[];
  /** Invoices and what is due, for staff who may read billing. */
  invoices: { latest: InvoiceSummary[]; due: { currency: string; amount: number; overdue: number }[] } | null;
  order?: Child;
  /** The payments card (saved cards, auto-pay, dunning, recent payments), for staff who may read billing. */
  payments?: Child;
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
        back={{ href: "/admin/customers", label: t("customers.title") }}
        subtitle={
          <>
            <Badge value={c.status} /> <span>{statusLabel(c.type)}</span> · <span>{statusLabel(c.payment_type)}</span> · <code>{c.id}</code>
          </>
        }
        actions={
          <>
            {writable && (
              <a class="button" href={`/admin/customers/${c.id}/edit`}>
                {t("cust.edit")}
              </a>
            )}
            {props.can.archive &&
              transitions.map((tr) =>
                tr === "reopen" || tr === "restore" ? (
                  <form method="post" action={`/admin/customers/${c.id}/transition`} class="inline">
                    <CsrfField token={props.ctx.csrfToken} />
                    <input type="hidden" name="transition" value={tr} />
                    <button type="submit" class="button">
                      {t(TRANSITION_LABELS[tr])}
                    </button>
                  </form>
                ) : (
                  // Suspend, resume, close and archive go through a confirmation that says what follows and asks why.
                  <a class={tr === "archive" || tr === "close" ? "button danger" : "button"} href={`/admin/customers/${c.id}/status/${tr}`}>
                    {t(TRANSITION_LABELS[tr])}…
                  </a>
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
          {props.portalFlash === "invited" ? t("cust.portal_invited") : props.portalFlash}
        </div>
      )}
      {c.status === "archived" && <div class="alert">{t("cust.archived")}</div>}
      <div class="grid-360">
        <section class="card" aria-labelledby="details-h">
          <h2 id="details-h">{t("cust.details")}</h2>
          <dl class="details">
            <dt>{t("cust.currency")}</dt>
            <dd>{c.currency}</dd>
            <dt>{t("cust.locale")}</dt>
            <dd>{c.locale}</dd>
            <dt>{t("cust.timezone")}</dt>
            <dd>{c.timezone}</dd>
            <dt>{t("cust.external_id")}</dt>
            <dd>{c.external_id ?? "—"}</dd>
            <dt>{t("cust.created")}</dt>
            <dd>
              <Time iso={c.created_at} timeZone={tz} />
            </dd>
            <dt>{t("cust.updated")}</dt>
            <dd>
              <Time iso={c.updated_at} timeZone={tz} />
            </dd>
          </dl>
          {c.notes && <p class="notes">{c.notes}</p>}
        </section>

        <section class="card" aria-labelledby="tags-h" id="tags">
          <h2 id="tags-h">{t("cust.tags")}</h2>
          <p>
            {c.tags.length === 0 ? (
              <span class="muted">{t("cust.no_tags")}</span>
            ) : (
              c.tags.map((tag) => (
                <a class="tag" href={`/admin/customers?tag=${encodeURIComponent(tag)}`}>
                  {tag}
                </a>
              ))
            )}
          </p>
          {writable && (
            <form method="post" action={`/admin/customers/${c.id}/tags`} class="stack">
              <CsrfField token={props.ctx.csrfToken} />
              <div class={props.tagsError ? "field invalid" : "field"}>
                <label for="f-tags">{t("cust.edit_tags")}</label>
                <input id="f-tags" name="tags" list="known-tags" value={props.tagsValue ?? c.tags.join(", ")} placeholder="vip, fibre" />
                <datalist id="known-tags">
                  {props.allTags.map((t) => (
                    <option value={t} />
                  ))}
                </datalist>
                <div class="hint">{t("cust.comma_separated")}</div>
                {props.tagsError && <div class="field-error">{props.tagsError}</div>}
              </div>
              <button type="submit" class="button">
                {t("cust.save_tags")}
              </button>
            </form>
          )}
        </section>

        <section class="card" aria-labelledby="attrs-h" id="attributes">
          <h2 id="attrs-h">{t("cust.attributes")}</h2>
          {props.definitions.length === 0 ? (
            <EmptyState title={t("cust.no_attributes")}>
              <a href="/admin/settings/attributes">{t("cust.define_attributes")}</a>
            </EmptyState>
          ) : writable ? (
            <form method="post" action={`/admin/customers/${c.id}/attributes`} class="stack">
              <CsrfField token={props.ctx.csrfToken} />
              {props.definitions.map((d) => (
                <AttributeInput def={d} value={attrs[d.key]} error={props.attributeErrors?.[`attributes.${d.key}`]} />
              ))}
              <button type="submit" class="button">
                {t("cust.save_attributes")}
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
          <h2 id="contacts-h">{t("cust.contacts")}</h2>
          {writable && (
            <a class="button" href={`/admin/customers/${c.id}/contacts/new`}>
              {t("cust.add_contact")}
            </a>
          )}
        </div>
        <Table
          rows={props.contacts}
          empty={<EmptyState title={t("cust.no_contacts")} />}
          columns={[
            { header: t("cust.name"), cell: (k) => [k.first_name, k.last_name].filter(Boolean).join(" ") },
            { header: t("cust.roles"), cell: (k) => k.roles.map((r) => <Badge value={r} label={t(`services.role.${r as (typeof CONTACT_ROLES)[number]}`)} />) },
            { header: t("cust.email"), cell: (k) => (k.email ? <a href={`mailto:${k.email}`}>{k.email}</a> : "—") },
            { header: t("cust.phone"), cell: (k) => (k.phone ? <a href={`tel:${k.phone}`}>{formatPhone(k.phone)}</a> : "—") },
            {
              header: t("cust.portal"),
              cell: (k) => (
                <>
                  {props.portal[k.id] ? <Badge value={props.portal[k.id] ?? ""} /> : <span class="muted">—</span>}
                  {props.can.invite && k.email && props.portal[k.id] !== "active" && (c.status === "open" || c.status === "suspended") && (
                    <form method="post" action={`/admin/contacts/${k.id}/portal-invite`} class="inline">
                      <CsrfField token={props.ctx.csrfToken} />
                      <button type="submit" class="link-button">
                        {props.portal[k.id] ? t("cust.reinvite") : t("cust.invite")}
                      </button>
                    </form>
                  )}
                  {props.can.invite && props.portalTwoFactor.has(k.id) && (
                    <form
                      method="post"
                      action={`/admin/contacts/${k.id}/portal-2fa-reset`}
                      class="inline"
                      hx-confirm={t("cust.reset_2fa_confirm", { name: [k.first_name, k.last_name].filter(Boolean).join(" ") })}
                    >
                      <CsrfField token={props.ctx.csrfToken} />
                      <button type="submit" class="link-button">
                        {t("cust.reset_2fa")}
                      </button>
                    </form>
                  )}
                </>
              ),
            },
            editDeleteColumn<ContactView>({
              when: writable,
              csrfToken: props.ctx.csrfToken,
              path: (k) => `/admin/contacts/${k.id}`,
              confirm: (k) => `Delete contact ${k.first_name}?`,
            }),
          ]}
        />
      </section>

      <section class="card" aria-labelledby="sites-h" id="sites">
        <div class="section-header">
          <h2 id="sites-h">{t("cust.sites")}</h2>
          {writable && (
            <a class="button" href={`/admin/customers/${c.id}/sites/new`}>
              {t("cust.add_site")}
            </a>
          )}
        </div>
        {props.sites.length > 0 && (
          <PlacesMap
            id="sites-map"
            label={`Sites of ${c.name}`}
            empty={t("cust.no_coordinates")}
            places={props.sites.map((s) => ({
              id: s.id,
              label: s.name,
              lat: s.latitude,
              lon: s.longitude,
              href: `#site-${s.id}`,
              title: `${s.name}: ${[s.address_line1, s.postal_code, s.city].filter(Boolean).join(", ")}`,
            }))}
          />
        )}
        <Table
          rows={props.sites}
          rowId={(s) => `site-${s.id}`}
          empty={<EmptyState title={t("cust.no_sites")} />}
          columns={[
            { header: t("cust.name"), cell: (s) => s.name },
            {
              header: t("cust.address"),
              cell: (s) => (
                <>
                  {[s.address_line1, s.address_line2].filter(Boolean).join(", ")}
                  <div class="muted small">{[s.postal_code, s.city, s.region, s.country].filter(Boolean).join(" ")}</div>
                </>
              ),
            },
            {
              header: t("cust.location"),
              cell: (s) => (
                <>
                  {s.latitude !== null && s.longitude !== null ? (
                    <span>
                      {s.latitude.toFixed(5)}, {s.longitude.toFixed(5)}
                    </span>
                  ) : null}{" "}
                  <Badge value={s.geocode_status} />
                </>
              ),
            },
            editDeleteColumn<SiteView>({
              when: writable,
              csrfToken: props.ctx.csrfToken,
              path: (s) => `/admin/sites/${s.id}`,
              confirm: (s) => `Delete site ${s.name}?`,
            }),
          ]}
        />
      </section>

      <div class="grid-2">
        <section class="card" aria-labelledby="services-h" id="services">
          <h2 id="services-h">{t("cust.services")}</h2>
          {props.orderError && (
            <div class="alert error" role="alert">
              {props.orderError}
            </div>
          )}
          {props.order && c.status === "open" && props.order}
          <ServicesTable services={props.services} timeZone={tz} />
        </section>
        <section class="card" aria-labelledby="billing-h" id="billing">
          <h2 id="billing-h">{t("cust.billing")}</h2>
          {props.invoices && <CustomerInvoices customerId={c.id} {...props.invoices} />}
          <TransactionsTable
            transactions={props.transactions}
            empty={<EmptyState title={t("cust.no_transactions")}>{t("cust.no_transactions_hint")}</EmptyState>}
          />
          <p>
            <a href={`/admin/transactions?customer_id=${c.id}`}>{t("cust.all_transactions")}</a>
          </p>
        </section>
      </div>

      {props.payments}

      {props.can.activity && (
        <section class="card" aria-labelledby="activity-h" id="activity">
          <div class="section-header">
            <h2 id="activity-h">{t("cust.activity")}</h2>
            <a href={`/admin/activity?customer_id=${c.id}`}>{t("cust.all_activity")}</a>
          </div>
          <ActivityTable entries={props.activity} timeZone={tz} showEntity />
        </section>
      )}
    </Layout>
  );
}

/** The customer's billing at a glance: what is due (and overdue), the latest invoices and credit notes. */
function CustomerInvoices(props: { customerId: string; latest: InvoiceSummary[]; due: { currency: string; amount: number; overdue: number }[] }) {
  const owed = props.due.filter((d) => d.amount > 0);
  return (
    <div id="customer-invoices">
      <p>
        {owed.length === 0 ? (
          <span class="muted">{t("cust.nothing_due")}</span>
        ) : (
          owed.map((d) => (
            <span>
              Due: <strong>{formatMoney(d.amount, d.currency)}</strong>
              {d.overdue > 0 && <span class="badge badge-failed">{`${formatMoney(d.overdue, d.currency)} overdue`}</span>}{" "}
            </span>
          ))
        )}{" "}
        · <a href={`/admin/invoices?customer_id=${props.customerId}`}>{t("cust.all_invoices")}</a> ·{" "}
        <a href={`/admin/invoices/new?customer_id=${props.customerId}`}>{t("cust.new_invoice")}</a>
      </p>
      <Table
        rows={props.latest}
        empty={<p class="muted small">{t("cust.no_invoices")}</p>}
        columns={[
          { header: t("cust.number"), cell: (i) => <a href={`/admin/invoices/${i.id}`}>{i.number ?? t("cust.draft")}</a> },
          { header: t("cust.status"), cell: (i) => <Badge value={i.status} /> },
          { header: t("cust.total"), class: "num", cell: (i) => formatMoney(i.total_amount, i.currency) },
          { header: t("cust.due"), class: "num", cell: (i) => (i.kind === "invoice" && i.status === "issued" ? formatMoney(i.amount_due, i.currency) : "—") },
        ]}
      />
    </div>
  );
}
