import { CONTACT_ROLES } from "../../domain/contacts/schemas";
import { t } from "../../i18n/request-locale";
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
  const title = editing ? t("services.contact.edit") : t("services.contact.new", { name: props.customer.name });
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
        <Field name="first_name" label={t("services.contact.first_name")} value={v.first_name} error={e.first_name} required autofocus />
        <Field name="last_name" label={t("services.contact.last_name")} value={v.last_name} error={e.last_name} />
        <Field name="email" label={t("services.contact.email")} type="email" value={v.email} error={e.email} autocomplete="off" />
        <Field name="phone" label={t("services.contact.phone")} type="tel" value={v.phone} error={e.phone} hint={t("services.contact.phone_hint")} />
        <fieldset class="span-2 checkbox-group">
          <legend>{t("services.contact.roles")}</legend>
          {CONTACT_ROLES.map((r) => (
            <label class="checkbox">
              <input type="checkbox" name="roles" value={r} checked={v.roles?.includes(r)} /> {t(`services.role.${r}`)}
            </label>
          ))}
          {e.roles && <div class="field-error">{e.roles}</div>}
        </fieldset>
        <div class="span-2">
          <TextArea name="notes" label={t("services.customer.notes")} value={v.notes} error={e.notes} />
        </div>
        <div class="span-2 form-actions">
          <button type="submit" class="button primary">
            {editing ? t("services.contact.save") : t("services.contact.add")}
          </button>
          <a class="button" href={`/admin/customers/${props.customer.id}#contacts`}>
            {t("services.customer.cancel")}
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
  const title = editing ? t("services.site.edit") : t("services.site.new", { name: props.customer.name });
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
        <Field name="name" label={t("services.site.name")} value={v.name} error={e.name} required autofocus placeholder={t("services.site.name_placeholder")} />
        <Field name="address_line1" label={t("services.site.address")} value={v.address_line1} error={e.address_line1} required />
        <Field name="address_line2" label={t("services.site.address2")} value={v.address_line2} error={e.address_line2} />
        <Field name="postal_code" label={t("services.site.postal_code")} value={v.postal_code} error={e.postal_code} />
        <Field name="city" label={t("services.site.city")} value={v.city} error={e.city} required />
        <Field name="region" label={t("services.site.region")} value={v.region} error={e.region} />
        <Field name="country" label={t("services.site.country")} value={v.country} error={e.country} required hint={t("services.site.country_hint")} />
        <div />
        <Field
          name="latitude"
          label={t("services.site.latitude")}
          type="number"
          step="any"
          value={v.latitude}
          error={e.latitude}
          hint={t("services.site.latitude_hint")}
        />
        <Field name="longitude" label={t("services.site.longitude")} type="number" step="any" value={v.longitude} error={e.longitude} />
        <div class="span-2">
          <TextArea name="notes" label={t("services.customer.notes")} value={v.notes} error={e.notes} hint={t("services.site.notes_hint")} />
        </div>
        <div class="span-2 form-actions">
          <button type="submit" class="button primary">
            {editing ? t("services.site.save") : t("services.site.add")}
          </button>
          <a class="button" href={`/admin/customers/${props.customer.id}#sites`}>
            {t("services.customer.cancel")}
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
