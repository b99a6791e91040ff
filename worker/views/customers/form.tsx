import { CUSTOMER_TYPES, PAYMENT_TYPES } from "../../domain/customers/schemas";
import { typedCurrencyExponent } from "../../lib/charging-units";
import { CsrfField, ErrorSummary, Field, type FormErrors, PageHeader, SelectField, TextArea } from "../components";
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
        <Field
          name="payment_terms_days"
          label="Payment terms (days)"
          type="number"
          value={v.payment_terms_days}
          error={e.payment_terms_days}
          placeholder="30"
          hint="From an invoice's issue to its due date; empty uses 30"
        />
        <Field
          name="credit_limit"
          label="Credit limit"
          value={
            v.credit_limit === undefined || v.credit_limit === null || Number.isNaN(v.credit_limit)
              ? ""
              : minorToDecimal(v.credit_limit, typedCurrencyExponent(v.currency ?? props.ctx.settings.default_currency))
          }
          error={e.credit_limit === undefined ? undefined : "An amount such as 5000.00 (at least 0)"}
          hint="Postpaid: new orders are refused once what the customer owes would pass it; empty: no limit"
        />
        <Field
          name="tax_exemption_reason"
          label="Tax exemption"
          value={v.tax_exemption_reason}
          error={e.tax_exemption_reason}
          hint="Why no tax is charged (printed on invoices); empty: taxed"
        />
        <Field
          name="tax_exemption_reference"
          label="Exemption reference"
          value={v.tax_exemption_reference}
          error={e.tax_exemption_reference}
          hint="Certificate or VAT number"
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
