import { CUSTOMER_TYPES, PAYMENT_TYPES } from "../../domain/customers/schemas";
import { t } from "../../i18n/request-locale";
import { typedCurrencyExponent } from "../../lib/charging-units";
import { CsrfField, ErrorSummary, Field, type FormErrors, labelled, PageHeader, SelectField, TextArea } from "../components";
import { minorToDecimal } from "../format";
import { Layout, type PageContext } from "../layout";

export type CustomerFormValues = Partial<
  Record<
    | "name"
    | "type"
    | "payment_type"
    | "currency"
    | "locale"
    | "timezone"
    | "external_id"
    | "notes"
    | "tags"
    | "tax_exemption_reason"
    | "tax_exemption_reference",
    string | null
  >
> & { payment_terms_days?: number | null; credit_limit?: number | null };

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
  const title = props.mode === "create" ? t("services.customer.new") : t("services.customer.edit", { name: v.name ?? t("services.customer.customer") });
  return (
    <Layout ctx={props.ctx} title={title}>
      <PageHeader
        title={title}
        back={
          props.mode === "create"
            ? { href: "/admin/customers", label: t("services.customer.customers") }
            : { href: `/admin/customers/${props.id}`, label: t("services.customer.back") }
        }
      />
      <form method="post" action={action} class="card form-grid" novalidate>
        <CsrfField token={props.ctx.csrfToken} />
        <ErrorSummary errors={e} message={props.message} />
        <Field name="name" label={t("services.customer.name")} value={v.name} error={e.name} required autofocus />
        <SelectField
          name="type"
          label={t("services.customer.type")}
          value={v.type ?? "individual"}
          options={labelled(CUSTOMER_TYPES)}
          error={e.type}
          required
        />
        <SelectField
          name="payment_type"
          label={t("services.customer.payment_type")}
          value={v.payment_type ?? "postpaid"}
          options={labelled(PAYMENT_TYPES)}
          error={e.payment_type}
          required
        />
        <Field
          name="currency"
          label={t("services.customer.currency")}
          value={v.currency}
          error={e.currency}
          placeholder={props.ctx.settings.default_currency}
          hint={t("services.customer.currency_hint")}
        />
        <Field
          name="locale"
          label={t("services.customer.locale")}
          value={v.locale}
          error={e.locale}
          placeholder={props.ctx.settings.default_locale}
          hint={t("services.customer.locale_hint")}
        />
        <Field
          name="payment_terms_days"
          label={t("services.customer.terms")}
          type="number"
          value={v.payment_terms_days}
          error={e.payment_terms_days}
          placeholder="30"
          hint={t("services.customer.terms_hint")}
        />
        <Field
          name="credit_limit"
          label={t("services.customer.credit_limit")}
          value={
            v.credit_limit === undefined || v.credit_limit === null || Number.isNaN(v.credit_limit)
              ? ""
              : minorToDecimal(v.credit_limit, typedCurrencyExponent(v.currency ?? props.ctx.settings.default_currency))
          }
          error={e.credit_limit === undefined ? undefined : t("services.customer.credit_limit_error")}
          hint={t("services.customer.credit_limit_hint")}
        />
        <Field
          name="tax_exemption_reason"
          label={t("services.customer.tax_exemption")}
          value={v.tax_exemption_reason}
          error={e.tax_exemption_reason}
          hint={t("services.customer.tax_exemption_hint")}
        />
        <Field
          name="tax_exemption_reference"
          label={t("services.customer.exemption_reference")}
          value={v.tax_exemption_reference}
          error={e.tax_exemption_reference}
          hint={t("services.customer.exemption_reference_hint")}
        />
        <Field
          name="timezone"
          label={t("services.customer.timezone")}
          value={v.timezone}
          error={e.timezone}
          placeholder={props.ctx.settings.default_timezone}
        />
        <Field
          name="external_id"
          label={t("services.customer.external_id")}
          value={v.external_id}
          error={e.external_id}
          hint={t("services.customer.external_id_hint")}
        />
        {props.mode === "create" && (
          <Field name="tags" label={t("services.customer.tags")} value={v.tags} error={e.tags} hint={t("services.customer.tags_hint")} />
        )}
        <div class="span-2">
          <TextArea name="notes" label={t("services.customer.notes")} value={v.notes} error={e.notes} />
        </div>
        <div class="span-2 form-actions">
          <button type="submit" class="button primary">
            {props.mode === "create" ? t("services.customer.create") : t("services.customer.save")}
          </button>
          <a href={props.mode === "create" ? "/admin/customers" : `/admin/customers/${props.id}`} class="button">
            {t("services.customer.cancel")}
          </a>
        </div>
      </form>
    </Layout>
  );
}
