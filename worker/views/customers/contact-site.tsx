import { CONTACT_ROLES } from "../../domain/contacts/schemas";
import { CsrfField, ErrorSummary, Field, type FormErrors, PageHeader, TextArea } from "../components";
import { Layout, type PageContext } from "../layout";

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
        <Field
          name="phone"
          label="Phone"
          type="tel"
          value={v.phone}
          error={e.phone}
          hint="International (+44 20 7946 0958), or national for the customer's country (06 12 34 56 78); stored as +33612345678"
        />
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
