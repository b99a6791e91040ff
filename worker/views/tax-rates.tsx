import type { TaxRateView } from "../domain/billing/tax-rates/schemas";
import { currentIntlLocale, t } from "../i18n/request-locale";
import { CsrfField, EmptyState, ErrorSummary, Field, type FormErrors, PageHeader, Table } from "./components";
import { Layout, type PageContext } from "./layout";

export type TaxRateFormValues = { tax_class?: string; name?: string; rate?: string; jurisdiction?: string | null; inclusive?: boolean };

/** A rate in basis points as typed percent ("20", "5.5"). */
export const percentOf = (bp: number) => `${(bp / 100).toLocaleString("en-GB", { maximumFractionDigits: 2 })}`;

/** A rate in basis points for display in the page's language ("5.5 %", "5,5 %"). */
export const percentText = (bp: number) => `${(bp / 100).toLocaleString(currentIntlLocale(), { maximumFractionDigits: 2 })} %`;

function TaxRateForm(props: { ctx: PageContext; action: string; values: TaxRateFormValues; errors: FormErrors; message?: string; existing?: TaxRateView }) {
  const e = props.errors;
  return (
    <form method="post" action={props.action} class="card form-grid" novalidate>
      <CsrfField token={props.ctx.csrfToken} />
      <div class="span-2">
        <ErrorSummary errors={e} message={props.message} />
      </div>
      {props.existing ? (
        <p class="span-2">
          {t("billing.tax_rates.class")} <code>{props.existing.tax_class}</code> (
          {props.existing.products === 1 ? t("billing.tax_rates.one_product") : t("billing.tax_rates.n_products", { count: props.existing.products })})
        </p>
      ) : (
        <Field
          name="tax_class"
          label={t("billing.tax_rates.class")}
          value={props.values.tax_class}
          error={e.tax_class}
          required
          hint={t("billing.tax_rates.class_hint")}
        />
      )}
      <Field name="name" label={t("billing.name")} value={props.values.name} error={e.name} required hint={t("billing.tax_rates.name_hint")} />
      <Field name="rate" label={t("billing.tax_rates.rate_percent")} value={props.values.rate} error={e.rate_bp ?? e.rate} required placeholder="20" />
      <Field
        name="jurisdiction"
        label={t("billing.tax_rates.jurisdiction")}
        value={props.values.jurisdiction}
        error={e.jurisdiction}
        hint={t("billing.tax_rates.jurisdiction_hint")}
      />
      <label class="checkbox span-2">
        <input type="checkbox" name="inclusive" value="1" checked={props.values.inclusive ?? false} /> {t("billing.tax_rates.inclusive")}
      </label>
      <div class="span-2 form-actions">
        <button type="submit" class="button primary">
          {props.existing ? t("billing.tax_rates.save") : t("billing.tax_rates.add")}
        </button>
      </div>
    </form>
  );
}

export function TaxRatesPage(props: {
  ctx: PageContext;
  rates: TaxRateView[];
  canWrite: boolean;
  values: TaxRateFormValues;
  errors: FormErrors;
  message?: string;
}) {
  return (
    <Layout ctx={props.ctx} title={t("billing.tax_rates.title")}>
      <PageHeader
        title={t("billing.tax_rates.title")}
        back={{ href: "/admin/invoices", label: t("billing.invoices.title") }}
        subtitle={t("billing.tax_rates.subtitle")}
      />
      <section class="card">
        <Table
          id="tax-rates"
          rows={props.rates}
          empty={<EmptyState title={t("billing.tax_rates.empty")} />}
          columns={[
            { header: t("billing.tax_rates.class_short"), cell: (r) => <code>{r.tax_class}</code> },
            { header: t("billing.name"), cell: (r) => r.name },
            { header: t("billing.rate"), class: "num", cell: (r) => percentText(r.rate_bp) },
            { header: t("billing.tax_rates.jurisdiction"), cell: (r) => r.jurisdiction ?? "—" },
            { header: t("billing.tax_rates.prices"), cell: (r) => (r.inclusive ? t("billing.tax_rates.included") : t("billing.tax_rates.added")) },
            { header: t("billing.products"), class: "num", cell: (r) => r.products },
            {
              header: <span class="visually-hidden">{t("admin.actions")}</span>,
              class: "row-actions",
              when: props.canWrite,
              cell: (r) => <a href={`/admin/tax-rates/${r.id}`}>{t("admin.edit")}</a>,
            },
          ]}
        />
      </section>
      {props.canWrite && (
        <>
          <h2>{t("billing.tax_rates.new")}</h2>
          <TaxRateForm ctx={props.ctx} action="/admin/tax-rates" values={props.values} errors={props.errors} message={props.message} />
        </>
      )}
    </Layout>
  );
}

export function TaxRatePage(props: { ctx: PageContext; rate: TaxRateView; values: TaxRateFormValues; errors: FormErrors; message?: string }) {
  return (
    <Layout ctx={props.ctx} title={t("billing.tax_rate.title", { name: props.rate.tax_class })}>
      <PageHeader title={t("billing.tax_rate.title", { name: props.rate.name })} back={{ href: "/admin/tax-rates", label: t("billing.tax_rates.title") }} />
      <TaxRateForm
        ctx={props.ctx}
        action={`/admin/tax-rates/${props.rate.id}`}
        values={props.values}
        errors={props.errors}
        message={props.message}
        existing={props.rate}
      />
    </Layout>
  );
}
