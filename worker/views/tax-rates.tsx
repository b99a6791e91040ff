import type { TaxRateView } from "../domain/billing/tax-rates/schemas";
import { CsrfField, EmptyState, ErrorSummary, Field, type FormErrors, PageHeader, Table } from "./components";
import { Layout, type PageContext } from "./layout";

export type TaxRateFormValues = { tax_class?: string; name?: string; rate?: string; jurisdiction?: string | null; inclusive?: boolean };

/** A rate in basis points as typed percent ("20", "5.5"). */
export const percentOf = (bp: number) => `${(bp / 100).toLocaleString("en-GB", { maximumFractionDigits: 2 })}`;

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
          Tax class <code>{props.existing.tax_class}</code> ({props.existing.products} product{props.existing.products === 1 ? "" : "s"})
        </p>
      ) : (
        <Field
          name="tax_class"
          label="Tax class"
          value={props.values.tax_class}
          error={e.tax_class}
          required
          hint="What products name, e.g. standard, reduced"
        />
      )}
      <Field name="name" label="Name" value={props.values.name} error={e.name} required hint="Printed on invoices, e.g. TVA 20 %" />
      <Field name="rate" label="Rate (%)" value={props.values.rate} error={e.rate_bp ?? e.rate} required placeholder="20" />
      <Field name="jurisdiction" label="Jurisdiction" value={props.values.jurisdiction} error={e.jurisdiction} hint="Where it applies, e.g. FR" />
      <label class="checkbox span-2">
        <input type="checkbox" name="inclusive" value="1" checked={props.values.inclusive ?? false} /> Prices include this tax (the net is the price less its
        tax)
      </label>
      <div class="span-2 form-actions">
        <button type="submit" class="button primary">
          {props.existing ? "Save tax rate" : "Add tax rate"}
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
    <Layout ctx={props.ctx} title="Tax rates">
      <PageHeader
        title="Tax rates"
        back={{ href: "/admin/invoices", label: "Invoices" }}
        subtitle="One rate per tax class. A change applies to charges recorded from then on; recorded transactions keep their rate."
      />
      <section class="card">
        <Table
          id="tax-rates"
          rows={props.rates}
          empty={<EmptyState title="No tax rates yet." />}
          columns={[
            { header: "Class", cell: (r) => <code>{r.tax_class}</code> },
            { header: "Name", cell: (r) => r.name },
            { header: "Rate", class: "num", cell: (r) => `${percentOf(r.rate_bp)} %` },
            { header: "Jurisdiction", cell: (r) => r.jurisdiction ?? "—" },
            { header: "Prices", cell: (r) => (r.inclusive ? "Tax included" : "Tax added") },
            { header: "Products", class: "num", cell: (r) => r.products },
            {
              header: <span class="visually-hidden">Actions</span>,
              class: "row-actions",
              when: props.canWrite,
              cell: (r) => <a href={`/admin/tax-rates/${r.id}`}>Edit</a>,
            },
          ]}
        />
      </section>
      {props.canWrite && (
        <>
          <h2>New tax rate</h2>
          <TaxRateForm ctx={props.ctx} action="/admin/tax-rates" values={props.values} errors={props.errors} message={props.message} />
        </>
      )}
    </Layout>
  );
}

export function TaxRatePage(props: { ctx: PageContext; rate: TaxRateView; values: TaxRateFormValues; errors: FormErrors; message?: string }) {
  return (
    <Layout ctx={props.ctx} title={`Tax rate ${props.rate.tax_class}`}>
      <PageHeader title={`Tax rate ${props.rate.name}`} back={{ href: "/admin/tax-rates", label: "Tax rates" }} />
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
