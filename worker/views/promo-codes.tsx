/** The promo codes page: the codes with their use, a form to make one, enable/disable. */
import { describeDiscount } from "../domain/billing/promo-codes/promo-codes";
import type { PromoCodeView } from "../domain/billing/promo-codes/schemas";
import { Badge, CsrfField, EmptyState, ErrorSummary, Field, type FormErrors, PageHeader, Pager, SelectField, Table } from "./components";
import { formatMoney } from "./format";
import { Layout, type PageContext } from "./layout";

export type PromoFormValues = Record<string, string | undefined>;

export function PromoCodesPage(props: {
  ctx: PageContext;
  codes: PromoCodeView[];
  nextCursor: string | null;
  hasCursor: boolean;
  canWrite: boolean;
  currency: string;
  values: PromoFormValues;
  errors: FormErrors;
  message?: string;
}) {
  const v = props.values;
  const e = props.errors;
  const money = (minor: number) => formatMoney(minor, props.currency);
  return (
    <Layout ctx={props.ctx} title="Promo codes">
      <PageHeader
        title="Promo codes"
        back={{ href: "/admin/invoices", label: "Invoices" }}
        subtitle="Discounts on a service's recurring charges, redeemed by an order that names the code; each invoice they cover shows a discount line."
      />
      <section class="card">
        <Table
          id="promo-codes"
          rows={props.codes}
          empty={<EmptyState title="No promo codes yet.">Make one below.</EmptyState>}
          columns={[
            { header: "Code", cell: (p) => <code>{p.code}</code> },
            { header: "Discount", cell: (p) => describeDiscount(p, money) },
            { header: "Used", class: "num", cell: (p) => `${p.redemptions}${p.max_redemptions === null ? "" : ` / ${p.max_redemptions}`}` },
            { header: "Valid", class: "nowrap", cell: (p) => `${p.valid_from ?? "now"} → ${p.valid_until ?? "no end"}` },
            { header: "Products", cell: (p) => (p.eligible_products.length ? `${p.eligible_products.length} product(s)` : "All recurring") },
            { header: "Status", cell: (p) => <Badge value={p.status} /> },
            {
              header: <span class="visually-hidden">Actions</span>,
              class: "row-actions",
              when: props.canWrite,
              cell: (p) => (
                <form method="post" action={`/admin/promo-codes/${p.id}/status`}>
                  <CsrfField token={props.ctx.csrfToken} />
                  <input type="hidden" name="status" value={p.status === "active" ? "disabled" : "active"} />
                  <button type="submit" class="button small">
                    {p.status === "active" ? "Disable" : "Enable"}
                  </button>
                </form>
              ),
            },
          ]}
        />
        <Pager baseUrl="/admin/promo-codes" params={{}} nextCursor={props.nextCursor} hasCursor={props.hasCursor} />
      </section>
      {props.canWrite && (
        <>
          <h2>New promo code</h2>
          <form method="post" action="/admin/promo-codes" class="card form-grid" novalidate>
            <CsrfField token={props.ctx.csrfToken} />
            <div class="span-2">
              <ErrorSummary errors={e} message={props.message} />
            </div>
            <Field name="code" label="Code" value={v.code} error={e.code} required hint="What customers type, e.g. WELCOME10" autocomplete="off" />
            <Field name="description" label="Description" value={v.description} error={e.description} />
            <SelectField
              name="kind"
              label="Kind"
              value={v.kind ?? "percent"}
              error={e.kind}
              options={[
                { value: "percent", label: "Percent off" },
                { value: "fixed", label: `Amount off (${props.currency})` },
                { value: "free_months", label: "Free months" },
              ]}
            />
            <Field name="value" label="Value" value={v.value} error={e.value} required hint="10 (%), 5.00 (amount) or 2 (months)" />
            <Field name="months" label="For how many months" value={v.months ?? "1"} error={e.months} hint="Percent and amount discounts" />
            <Field name="max_redemptions" label="Uses at most" value={v.max_redemptions} error={e.max_redemptions} hint="Empty: unlimited" />
            <Field name="valid_from" label="Valid from" type="date" value={v.valid_from} error={e.valid_from} />
            <Field name="valid_until" label="Valid until" type="date" value={v.valid_until} error={e.valid_until} />
            <div class="span-2 form-actions">
              <button type="submit" class="button primary">
                Add promo code
              </button>
            </div>
          </form>
        </>
      )}
    </Layout>
  );
}
