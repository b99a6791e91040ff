import type { Context } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import { listActivity } from "../../db/queries/activity";
import { listAttributeDefinitions } from "../../db/queries/attributes";
import { listProducts } from "../../db/queries/catalog";
import { getContact, listContacts } from "../../db/queries/contacts";
import { customerAccountLinks, getCustomer, listCustomers, listTagNames } from "../../db/queries/customers";
import { amountDue, listInvoices } from "../../db/queries/invoices";
import { listServices } from "../../db/queries/services";
import { getSiteRow, listSites, toSiteView } from "../../db/queries/sites";
import { listTransactions } from "../../db/queries/transactions";
import { createContact, deleteContact, updateContact } from "../../domain/contacts/contacts";
import { ContactCreate, ContactPatch } from "../../domain/contacts/schemas";
import { CASCADING, servicesFollowing, transitionCustomerWithServices } from "../../domain/customers/cascade";
import { createCustomer } from "../../domain/customers/create-customer";
import {
  CUSTOMER_SORTS,
  CUSTOMER_STATUSES,
  CUSTOMER_TRANSITION_NAMES,
  CUSTOMER_TRANSITIONS,
  CUSTOMER_TYPES,
  CustomerCreate,
  CustomerPatch,
  type CustomerTransition,
  type CustomerView,
  PAYMENT_TYPES,
  tagList,
} from "../../domain/customers/schemas";
import { setCustomerAttributes, setCustomerTags } from "../../domain/customers/set-tags";
import { transitionCustomer } from "../../domain/customers/transition-customer";
import { updateCustomer } from "../../domain/customers/update-customer";
import { listCards } from "../../domain/payments/cards";
import { customerDunning } from "../../domain/payments/dunning";
import { listPayments } from "../../domain/payments/payments";
import { SiteCreate, SitePatch } from "../../domain/sites/schemas";
import { createSite, deleteSite, updateSite } from "../../domain/sites/sites";
import { serviceDeps } from "../../durable/service-client";
import type { AppEnv } from "../../env";
import type { MessageKey } from "../../i18n/catalogue";
import { t } from "../../i18n/request-locale";
import { googleGeocoder } from "../../integrations/geocoding";
import { typedCurrencyExponent } from "../../lib/charging-units";
import { NotFound } from "../../lib/errors";
import { ulid } from "../../lib/ids";
import { allowed, can, writeContext } from "../../middleware/access";
import { operationKey } from "../../middleware/idempotency";
import { type FormErrors, statusLabel } from "../../views/components";
import {
  CONFIRMED_CUSTOMER_TRANSITIONS,
  type ConfirmedCustomerTransition,
  ContactFormPage,
  type ContactFormValues,
  CustomerFormPage,
  type CustomerFormValues,
  CustomerListPage,
  type CustomerListParams,
  CustomerPage,
  CustomerResults,
  CustomerStatusConfirmPage,
  SiteFormPage,
  type SiteFormValues,
} from "../../views/customers";
import { parseMoney } from "../../views/format";
import { CustomerPayments, paymentNotice } from "../../views/payments";
import { OrderForm } from "../../views/services";
import { pageContext, redirectWithNotice, wantsFragment } from "./context";
import { attempt, type FormBody, list, numberOrNull, readForm, reasonOf, text, validate } from "./forms";

const ListQuery = z.object({
  q: z.string().max(200).optional().catch(undefined),
  status: z.enum(CUSTOMER_STATUSES).optional().catch(undefined),
  type: z.enum(CUSTOMER_TYPES).optional().catch(undefined),
  payment_type: z.enum(PAYMENT_TYPES).optional().catch(undefined),
  tag: z.string().max(40).optional().catch(undefined),
  sort: z.enum(CUSTOMER_SORTS).default("name").catch("name"),
  cursor: z.string().max(500).optional().catch(undefined),
});

async function loadCustomer(c: Context<AppEnv>, id: string): Promise<CustomerView> {
  const customer = await getCustomer(c.get("db"), id);
  if (!customer) throw new NotFound("No customer with this id.");
  return customer;
}

/** What the page says once a status change is made ("Customer Dupont SARL suspended."). */
const TRANSITION_DONE: Record<CustomerTransition, MessageKey> = {
  suspend: "services.notice.customer.suspend",
  resume: "services.notice.customer.resume",
  close: "services.notice.customer.close",
  reopen: "services.notice.customer.reopen",
  archive: "services.notice.customer.archive",
  restore: "services.notice.customer.restore",
};

/** The confirmation of a status change the customer notices (again with a 422 when the reason is missing). */
async function statusConfirmPage(
  c: Context<AppEnv>,
  customer: CustomerView,
  transition: ConfirmedCustomerTransition,
  extra: { reason?: { value?: string; error?: string } } = {},
  status: 200 | 422 = 200,
) {
  return c.html(
    <CustomerStatusConfirmPage
      ctx={pageContext(c)}
      customer={customer}
      transition={transition}
      services={await servicesFollowing(c.get("db"), customer.id, transition)}
      canChangeServices={allowed(c, "services:write")}
      formKey={ulid()}
      reason={extra.reason}
    />,
    status,
  );
}

/** Renders the customer 360 page, optionally with inline errors from a failed tags/attributes form. */
export async function renderCustomerPage(
  c: Context<AppEnv>,
  customer: CustomerView,
  extra: {
    attributeErrors?: FormErrors;
    attributeValues?: Record<string, unknown>;
    tagsError?: string;
    tagsValue?: string;
    message?: string;
    payment?: { message?: string; notice?: string };
  } = {},
  status: 200 | 402 | 403 | 404 | 409 | 422 | 503 = 200,
) {
  const db = c.get("db");
  const billing = allowed(c, "billing:read");
  const { payment, ...rest } = extra;
  const [cards, payments, dunning] = billing
    ? await Promise.all([listCards(db, customer.id), listPayments(db, { customerId: customer.id }, 10), customerDunning({ db }, customer.id)])
    : [[], { data: [] }, []];
  const [contacts, sites, definitions, activity, tags, accounts, services, transactions, products, invoices, due] = await Promise.all([
    listContacts(db, customer.id, 200),
    listSites(db, customer.id, 200),
    listAttributeDefinitions(db),
    allowed(c, "activity:read") ? listActivity(db, { customerId: customer.id, limit: 15 }) : Promise.resolve({ data: [], next_cursor: null }),
    listTagNames(db),
    customerAccountLinks(db, customer.id),
    allowed(c, "services:read") ? listServices(db, { customerId: customer.id, limit: 100 }) : Promise.resolve({ data: [], next_cursor: null }),
    allowed(c, "billing:read") ? listTransactions(db, { customerId: customer.id, limit: 15 }) : Promise.resolve({ data: [], next_cursor: null }),
    allowed(c, "services:write") ? listProducts(db, { status: "active", limit: 200 }) : Promise.resolve({ data: [], next_cursor: null }),
    billing ? listInvoices(db, { customerId: customer.id, limit: 10 }) : Promise.resolve({ data: [], next_cursor: null }),
    billing ? amountDue(db, customer.id) : Promise.resolve([]),
  ]);
  const portal: Record<string, string> = {};
  const twoFactor = new Set<string>();
  for (const a of accounts) {
    if (!a.contactId) continue;
    portal[a.contactId] = a.status;
    if (a.twoFactorSince) twoFactor.add(a.contactId);
  }
  const flash = c.req.query("portal");
  return c.html(
    <CustomerPage
      ctx={pageContext(c)}
      customer={customer}
      contacts={contacts.data}
      sites={sites.data}
      definitions={definitions}
      activity={activity.data}
      allTags={tags.map((t) => t.name)}
      can={{
        write: allowed(c, "customers:write"),
        archive: allowed(c, "customers:archive"),
        activity: allowed(c, "activity:read"),
        invite: allowed(c, "portal:invite"),
      }}
      portal={portal}
      portalTwoFactor={twoFactor}
      portalFlash={flash ? flash.slice(0, 200) : undefined}
      services={services.data}
      transactions={transactions.data}
      invoices={billing ? { latest: invoices.data, due } : null}
      payments={
        billing ? (
          <CustomerPayments
            ctx={pageContext(c)}
            customerId={customer.id}
            autoPay={customer.auto_pay}
            cards={cards}
            payments={payments.data}
            dunning={dunning}
            can={{ pay: allowed(c, "payments:pay"), manual: allowed(c, "payments:manual"), refund: allowed(c, "billing:refund") }}
            publishableKey={c.env.STRIPE_PUBLISHABLE_KEY || null}
            message={payment?.message}
            notice={payment?.notice ?? paymentNotice(c.req.query("payments"))}
          />
        ) : undefined
      }
      orderError={c.req.query("order_error")?.slice(0, 300)}
      order={
        allowed(c, "services:write") ? (
          <OrderForm
            ctx={pageContext(c)}
            customerId={customer.id}
            products={products.data.filter(
              (p) =>
                (p.type === "standalone" || p.type === "bundle") && p.currency === customer.currency && p.eligibility.customer_types.includes(customer.type),
            )}
            sites={sites.data.map((x) => ({ id: x.id, name: x.name }))}
            contacts={contacts.data.map((x) => ({
              id: x.id,
              name: [x.first_name, x.last_name].filter(Boolean).join(" "),
              primary: x.roles.includes("primary"),
            }))}
            formKey={ulid()}
          />
        ) : undefined
      }
      {...rest}
    />,
    status,
  );
}

function customerValues(body: FormBody, empty: "omit" | "null") {
  return {
    name: text(body, "name") ?? "",
    type: text(body, "type"),
    payment_type: text(body, "payment_type"),
    currency: text(body, "currency"),
    locale: text(body, "locale"),
    timezone: text(body, "timezone"),
    external_id: text(body, "external_id", empty),
    notes: text(body, "notes", empty),
    payment_terms_days: numberOrNull(body, "payment_terms_days"),
    tax_exemption_reason: text(body, "tax_exemption_reason", empty),
    tax_exemption_reference: text(body, "tax_exemption_reference", empty),
    credit_limit: creditLimitOf(body),
  };
}

/** The credit limit typed as money in the customer's currency ("5000", "5000.00"); NaN (an error) when it is not one. */
function creditLimitOf(body: FormBody): number | null {
  const typed = text(body, "credit_limit");
  if (!typed) return null;
  return parseMoney(typed, typedCurrencyExponent(text(body, "currency") ?? "EUR")) ?? Number.NaN;
}

function contactValues(body: FormBody, empty: "omit" | "null") {
  return {
    first_name: text(body, "first_name") ?? "",
    last_name: text(body, "last_name", empty),
    email: text(body, "email", empty),
    phone: text(body, "phone", empty),
    roles: list(body, "roles"),
    notes: text(body, "notes", empty),
  };
}

function siteValues(body: FormBody, empty: "omit" | "null") {
  return {
    name: text(body, "name") ?? "",
    address_line1: text(body, "address_line1") ?? "",
    address_line2: text(body, "address_line2", empty),
    city: text(body, "city") ?? "",
    region: text(body, "region", empty),
    postal_code: text(body, "postal_code", empty),
    country: text(body, "country") ?? "",
    latitude: numberOrNull(body, "latitude"),
    longitude: numberOrNull(body, "longitude"),
    notes: text(body, "notes", empty),
  };
}

/** A contact as staff name it: first and last name. */
const contactName = (x: { first_name: string; last_name: string | null }) => [x.first_name, x.last_name].filter(Boolean).join(" ");

const splitTags = (s: string | null | undefined) =>
  (s ?? "")
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean);

export const customerPages = new Hono<AppEnv>()
  .get("/customers", can("customers:read"), async (c) => {
    const q = ListQuery.parse(c.req.query());
    const db = c.get("db");
    const page = await listCustomers(db, {
      q: q.q,
      status: q.status ? [q.status] : undefined,
      type: q.type,
      paymentType: q.payment_type,
      tags: q.tag ? [q.tag] : undefined,
      sort: q.sort,
      limit: 25,
      cursor: q.cursor,
    });
    const params: CustomerListParams = {
      q: q.q,
      status: q.status,
      type: q.type,
      payment_type: q.payment_type,
      tag: q.tag,
      sort: q.sort === "name" ? undefined : q.sort,
    };
    const ctx = pageContext(c);
    if (wantsFragment(c, "customer-results")) {
      return c.html(
        <CustomerResults
          customers={page.data}
          nextCursor={page.next_cursor}
          params={params}
          hasCursor={Boolean(q.cursor)}
          timeZone={ctx.settings.default_timezone}
        />,
      );
    }
    return c.html(
      <CustomerListPage
        ctx={ctx}
        customers={page.data}
        nextCursor={page.next_cursor}
        params={params}
        hasCursor={Boolean(q.cursor)}
        tags={await listTagNames(db)}
        canWrite={allowed(c, "customers:write")}
      />,
    );
  })
  .get("/customers/new", can("customers:write"), (c) => c.html(<CustomerFormPage ctx={pageContext(c)} mode="create" values={{}} errors={{}} />))
  .post("/customers/new", can("customers:write"), async (c) => {
    const body = await readForm(c);
    const values = customerValues(body, "omit");
    const tagsText = text(body, "tags");
    const shown: CustomerFormValues = { ...values, tags: tagsText };
    const parsed = validate(CustomerCreate, { ...values, tags: splitTags(tagsText) });
    if (!parsed.ok) return c.html(<CustomerFormPage ctx={pageContext(c)} mode="create" values={shown} errors={parsed.errors} />, 422);
    const result = await attempt(() => createCustomer(writeContext(c), parsed.data));
    if (!result.ok) return c.html(<CustomerFormPage ctx={pageContext(c)} mode="create" values={shown} errors={result.errors} message={result.message} />, 422);
    return redirectWithNotice(c, `/admin/customers/${result.data.id}`, t("services.notice.customer_created", { name: result.data.name }));
  })
  .get("/customers/:id", can("customers:read"), async (c) => renderCustomerPage(c, await loadCustomer(c, c.req.param("id"))))
  .get("/customers/:id/edit", can("customers:write"), async (c) => {
    const customer = await loadCustomer(c, c.req.param("id"));
    return c.html(<CustomerFormPage ctx={pageContext(c)} mode="edit" id={customer.id} values={{ ...customer, tags: customer.tags.join(", ") }} errors={{}} />);
  })
  .post("/customers/:id/edit", can("customers:write"), async (c) => {
    const id = c.req.param("id");
    const body = await readForm(c);
    const values = customerValues(body, "null");
    const parsed = validate(CustomerPatch, values);
    if (!parsed.ok) return c.html(<CustomerFormPage ctx={pageContext(c)} mode="edit" id={id} values={values} errors={parsed.errors} />, 422);
    const result = await attempt(() => updateCustomer(writeContext(c), id, parsed.data));
    if (!result.ok)
      return c.html(<CustomerFormPage ctx={pageContext(c)} mode="edit" id={id} values={values} errors={result.errors} message={result.message} />, 422);
    return redirectWithNotice(c, `/admin/customers/${id}`, t("services.notice.customer_saved", { name: result.data.name }));
  })
  .get("/customers/:id/status/:transition", can("customers:archive"), async (c) => {
    const customer = await loadCustomer(c, c.req.param("id"));
    const transition = z.enum(CONFIRMED_CUSTOMER_TRANSITIONS).safeParse(c.req.param("transition"));
    if (!transition.success) throw new NotFound("No such status change.");
    if (!(CUSTOMER_TRANSITIONS[transition.data].from as readonly string[]).includes(customer.status))
      return renderCustomerPage(
        c,
        customer,
        { message: t("services.error.cannot_transition", { verb: t(`services.status.verb.${transition.data}`), status: statusLabel(customer.status) }) },
        409,
      );
    return statusConfirmPage(c, customer, transition.data);
  })
  .post("/customers/:id/transition", can("customers:archive"), async (c) => {
    const id = c.req.param("id");
    const body = await readForm(c);
    const transition = z.enum(CUSTOMER_TRANSITION_NAMES as [string, ...string[]]).safeParse(text(body, "transition"));
    const customer = await loadCustomer(c, id);
    if (!transition.success) return renderCustomerPage(c, customer, { message: t("services.error.unknown_transition") }, 422);
    const name = transition.data as CustomerTransition;
    const confirmed = z.enum(CONFIRMED_CUSTOMER_TRANSITIONS).safeParse(name);
    const reason = confirmed.success ? reasonOf(body) : null;
    if (confirmed.success) {
      // Suspend, resume, close and archive only after their confirmation page, with a reason.
      if (text(body, "confirmed") !== "1") return c.redirect(`/admin/customers/${id}/status/${name}`, 303);
      if (reason && !reason.ok) return statusConfirmPage(c, customer, confirmed.data, { reason: { value: reason.value, error: reason.error } }, 422);
    }
    const why = reason?.ok ? reason.reason : null;
    const done = t(TRANSITION_DONE[name], { name: customer.name });
    if (name in CASCADING) {
      const result = await attempt(() =>
        transitionCustomerWithServices(writeContext(c), serviceDeps(c.env, new URL(c.req.url).origin), {
          id,
          transition: name,
          reason: why,
          key: operationKey(c, text(body, "key")),
          mayChangeServices: allowed(c, "services:write"),
        }),
      );
      if (!result.ok) return renderCustomerPage(c, customer, { message: result.message }, 409);
      const stuck = result.data.services.filter((s) => s.error);
      if (stuck.length > 0) {
        const list = stuck.map((s) => `${s.id}: ${s.error}`).join("; ");
        return renderCustomerPage(
          c,
          result.data.customer,
          { message: t("services.error.services_stuck", { status: statusLabel(result.data.customer.status), n: stuck.length, list }) },
          409,
        );
      }
      const n = result.data.services.length;
      return redirectWithNotice(
        c,
        `/admin/customers/${id}#services`,
        n > 0 ? t(n === 1 ? "services.notice.with_one" : "services.notice.with_many", { done: done.slice(0, -1), n }) : done,
      );
    }
    const result = await attempt(() => transitionCustomer(writeContext(c), id, name, why));
    if (!result.ok) return renderCustomerPage(c, customer, { message: result.message }, 409);
    return redirectWithNotice(c, `/admin/customers/${id}`, done);
  })
  .post("/customers/:id/tags", can("customers:write"), async (c) => {
    const id = c.req.param("id");
    const raw = text(await readForm(c), "tags");
    const parsed = tagList.safeParse(splitTags(raw));
    const customer = await loadCustomer(c, id);
    if (!parsed.success) return renderCustomerPage(c, customer, { tagsError: parsed.error.issues[0]?.message, tagsValue: raw ?? "" }, 422);
    const result = await attempt(() => setCustomerTags(writeContext(c), id, parsed.data));
    if (!result.ok) return renderCustomerPage(c, customer, { message: result.message }, 409);
    return redirectWithNotice(
      c,
      `/admin/customers/${id}#tags`,
      parsed.data.length > 0
        ? t("services.notice.tags_set", { name: customer.name, tags: parsed.data.join(", ") })
        : t("services.notice.tags_cleared", { name: customer.name }),
    );
  })
  .post("/customers/:id/attributes", can("customers:write"), async (c) => {
    const id = c.req.param("id");
    const body = await readForm(c);
    const db = c.get("db");
    const definitions = await listAttributeDefinitions(db);
    // Unchecked checkboxes send nothing: a boolean attribute absent from the form is false.
    const values: Record<string, unknown> = {};
    for (const d of definitions) {
      const v = text(body, `attr.${d.key}`);
      values[d.key] = d.type === "boolean" ? (v === undefined ? false : v) : v;
    }
    const result = await attempt(() => setCustomerAttributes(writeContext(c), id, values));
    if (!result.ok) {
      return renderCustomerPage(c, await loadCustomer(c, id), { attributeErrors: result.errors, attributeValues: values, message: result.message }, 422);
    }
    return redirectWithNotice(c, `/admin/customers/${id}#attributes`, t("services.notice.attributes_saved", { name: (await loadCustomer(c, id)).name }));
  })
  // Contacts
  .get("/customers/:id/contacts/new", can("customers:write"), async (c) => {
    const customer = await loadCustomer(c, c.req.param("id"));
    return c.html(<ContactFormPage ctx={pageContext(c)} customer={customer} values={{ roles: [] }} errors={{}} />);
  })
  .post("/customers/:id/contacts/new", can("customers:write"), async (c) => {
    const customer = await loadCustomer(c, c.req.param("id"));
    const values = contactValues(await readForm(c), "omit");
    const parsed = validate(ContactCreate, values);
    if (!parsed.ok) return c.html(<ContactFormPage ctx={pageContext(c)} customer={customer} values={values} errors={parsed.errors} />, 422);
    const result = await attempt(() => createContact(writeContext(c), customer.id, parsed.data));
    if (!result.ok)
      return c.html(<ContactFormPage ctx={pageContext(c)} customer={customer} values={values} errors={result.errors} message={result.message} />, 422);
    return redirectWithNotice(
      c,
      `/admin/customers/${customer.id}#contacts`,
      t("services.notice.contact_added", { contact: contactName(result.data), name: customer.name }),
    );
  })
  .get("/contacts/:id/edit", can("customers:write"), async (c) => {
    const contact = await getContact(c.get("db"), c.req.param("id"));
    if (!contact) throw new NotFound("No contact with this id.");
    const customer = await loadCustomer(c, contact.customer_id);
    return c.html(<ContactFormPage ctx={pageContext(c)} customer={customer} contactId={contact.id} values={contact} errors={{}} />);
  })
  .post("/contacts/:id/edit", can("customers:write"), async (c) => {
    const contact = await getContact(c.get("db"), c.req.param("id"));
    if (!contact) throw new NotFound("No contact with this id.");
    const customer = await loadCustomer(c, contact.customer_id);
    const values: ContactFormValues = contactValues(await readForm(c), "null");
    const parsed = validate(ContactPatch, values);
    if (!parsed.ok)
      return c.html(<ContactFormPage ctx={pageContext(c)} customer={customer} contactId={contact.id} values={values} errors={parsed.errors} />, 422);
    const result = await attempt(() => updateContact(writeContext(c), contact.id, parsed.data));
    if (!result.ok) {
      return c.html(
        <ContactFormPage ctx={pageContext(c)} customer={customer} contactId={contact.id} values={values} errors={result.errors} message={result.message} />,
        422,
      );
    }
    return redirectWithNotice(c, `/admin/customers/${customer.id}#contacts`, t("services.notice.contact_saved", { contact: contactName(result.data) }));
  })
  .post("/contacts/:id/delete", can("customers:write"), async (c) => {
    const contact = await getContact(c.get("db"), c.req.param("id"));
    if (!contact) throw new NotFound("No contact with this id.");
    await deleteContact(writeContext(c), contact.id);
    return redirectWithNotice(c, `/admin/customers/${contact.customer_id}#contacts`, t("services.notice.contact_deleted", { contact: contactName(contact) }));
  })
  // Sites
  .get("/customers/:id/sites/new", can("customers:write"), async (c) => {
    const customer = await loadCustomer(c, c.req.param("id"));
    return c.html(
      <SiteFormPage ctx={pageContext(c)} customer={customer} values={{ country: pageContext(c).settings.default_locale.split("-")[1] ?? "" }} errors={{}} />,
    );
  })
  .post("/customers/:id/sites/new", can("customers:write"), async (c) => {
    const customer = await loadCustomer(c, c.req.param("id"));
    const values = siteValues(await readForm(c), "omit");
    const parsed = validate(SiteCreate, values);
    const shown = values as SiteFormValues;
    if (!parsed.ok) return c.html(<SiteFormPage ctx={pageContext(c)} customer={customer} values={shown} errors={parsed.errors} />, 422);
    const result = await attempt(() => createSite(writeContext(c), customer.id, parsed.data, googleGeocoder(c.env)));
    if (!result.ok)
      return c.html(<SiteFormPage ctx={pageContext(c)} customer={customer} values={shown} errors={result.errors} message={result.message} />, 422);
    return redirectWithNotice(c, `/admin/customers/${customer.id}#sites`, t("services.notice.site_added", { site: result.data.name, name: customer.name }));
  })
  .get("/sites/:id/edit", can("customers:write"), async (c) => {
    const site = await getSiteRow(c.get("db"), c.req.param("id"));
    if (!site) throw new NotFound("No site with this id.");
    const customer = await loadCustomer(c, site.customerId);
    const view = toSiteView(site);
    // Geocoded coordinates are not shown as manual input, so editing the address geocodes again.
    const values: SiteFormValues = {
      ...view,
      latitude: view.geocode_status === "manual" ? view.latitude : null,
      longitude: view.geocode_status === "manual" ? view.longitude : null,
    };
    return c.html(<SiteFormPage ctx={pageContext(c)} customer={customer} siteId={site.id} values={values} errors={{}} />);
  })
  .post("/sites/:id/edit", can("customers:write"), async (c) => {
    const site = await getSiteRow(c.get("db"), c.req.param("id"));
    if (!site) throw new NotFound("No site with this id.");
    const customer = await loadCustomer(c, site.customerId);
    const values = siteValues(await readForm(c), "null");
    // Empty coordinates on the edit form mean "not set by hand": keep the geocoder's result.
    const patch = values.latitude === null && values.longitude === null ? { ...values, latitude: undefined, longitude: undefined } : values;
    const shown = values as SiteFormValues;
    const parsed = validate(SitePatch, patch);
    if (!parsed.ok) return c.html(<SiteFormPage ctx={pageContext(c)} customer={customer} siteId={site.id} values={shown} errors={parsed.errors} />, 422);
    const result = await attempt(() => updateSite(writeContext(c), site.id, parsed.data, googleGeocoder(c.env)));
    if (!result.ok)
      return c.html(
        <SiteFormPage ctx={pageContext(c)} customer={customer} siteId={site.id} values={shown} errors={result.errors} message={result.message} />,
        422,
      );
    return redirectWithNotice(c, `/admin/customers/${customer.id}#sites`, t("services.notice.site_saved", { site: result.data.name }));
  })
  .post("/sites/:id/delete", can("customers:write"), async (c) => {
    const site = await getSiteRow(c.get("db"), c.req.param("id"));
    if (!site) throw new NotFound("No site with this id.");
    await deleteSite(writeContext(c), site.id);
    return redirectWithNotice(c, `/admin/customers/${site.customerId}#sites`, t("services.notice.site_deleted", { site: site.name }));
  });
