/** The promo codes page: the codes with their use, a form to make one, enable/disable. */
import type { PromoCodeView } from "../domain/billing/promo-codes/schemas";
import { t } from "../i18n/request-locale";
import { Badge, CsrfField, EmptyState, ErrorSummary, Field, type FormErrors, PageHeader, Pager, SelectField, Table } from "./components";
import { formatMoney } from "./format";
import { Layout, type PageContext } from "./layout";

export type PromoFormValues = Record<string, string | undefined>;

/** A code's discount in words ("10 % off for 3 months"). */
function discountText(p: { kind: string; value: number; months: number }, money: (minor: number) => string): string {
  const span = p.months === 1 ? t("billing.promo.first_month") : t("billing.promo.months", { months: p.months });
  if (p.kind === "percent") return t("billing.promo.percent_off", { value: p.value, span });
  if (p.kind === "fixed") return t("billing.promo.amount_off", { amount: money(p.value), span });
  return p.value === 1 ? t("billing.promo.one_free_month") : t("billing.promo.free_months", { count: p.value });
}

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
    <Layout ctx={props.ctx} title={t("billing.promo.title")}>
      <PageHeader
        title={t("billing.promo.title")}
        back={{ href: "/admin/invoices", label: t("billing.invoices.title") }}
        subtitle={t("billing.promo.subtitle")}
      />
      <section class="card">
        <Table
          id="promo-codes"
          rows={props.codes}
          empty={<EmptyState title={t("billing.promo.empty")}>{t("billing.promo.empty_hint")}</EmptyState>}
          columns={[
            { header: t("billing.promo.code"), cell: (p) => <code>{p.code}</code> },
            { header: t("billing.promo.discount"), cell: (p) => discountText(p, money) },
            { header: t("billing.promo.used"), class: "num", cell: (p) => `${p.redemptions}${p.max_redemptions === null ? "" : ` / ${p.max_redemptions}`}` },
            {
              header: t("billing.promo.valid"),
              class: "nowrap",
              cell: (p) => `${p.valid_from ?? t("billing.promo.now")} → ${p.valid_until ?? t("billing.promo.no_end")}`,
            },
            {
              header: t("billing.products"),
              cell: (p) =>
                p.eligible_products.length ? t("billing.promo.n_products", { count: p.eligible_products.length }) : t("billing.promo.all_recurring"),
            },
            { header: t("billing.status"), cell: (p) => <Badge value={p.status} /> },
            {
              header: <span class="visually-hidden">{t("admin.actions")}</span>,
              class: "row-actions",
              when: props.canWrite,
              cell: (p) => (
                <form method="post" action={`/admin/promo-codes/${p.id}/status`}>
                  <CsrfField token={props.ctx.csrfToken} />
                  <input type="hidden" name="status" value={p.status === "active" ? "disabled" : "active"} />
                  <button type="submit" class="button small">
                    {p.status === "active" ? t("billing.promo.disable") : t("billing.promo.enable")}
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
          <h2>{t("billing.promo.new")}</h2>
          <form method="post" action="/admin/promo-codes" class="card form-grid" novalidate>
            <CsrfField token={props.ctx.csrfToken} />
            <div class="span-2">
              <ErrorSummary errors={e} message={props.message} />
            </div>
            <Field name="code" label={t("billing.promo.code")} value={v.code} error={e.code} required hint={t("billing.promo.code_hint")} autocomplete="off" />
            <Field name="description" label={t("billing.description")} value={v.description} error={e.description} />
            <SelectField
              name="kind"
              label={t("billing.kind")}
              value={v.kind ?? "percent"}
              error={e.kind}
              options={[
                { value: "percent", label: t("billing.promo.kind_percent") },
                { value: "fixed", label: t("billing.promo.kind_fixed", { currency: props.currency }) },
                { value: "free_months", label: t("billing.promo.kind_free_months") },
              ]}
            />
            <Field name="value" label={t("billing.promo.value")} value={v.value} error={e.value} required hint={t("billing.promo.value_hint")} />
            <Field name="months" label={t("billing.promo.for_months")} value={v.months ?? "1"} error={e.months} hint={t("billing.promo.for_months_hint")} />
            <Field
              name="max_redemptions"
              label={t("billing.promo.max_uses")}
              value={v.max_redemptions}
              error={e.max_redemptions}
              hint={t("billing.promo.max_uses_hint")}
            />
            <Field name="valid_from" label={t("billing.promo.valid_from")} type="date" value={v.valid_from} error={e.valid_from} />
            <Field name="valid_until" label={t("billing.promo.valid_until")} type="date" value={v.valid_until} error={e.valid_until} />
            <div class="span-2 form-actions">
              <button type="submit" class="button primary">
                {t("billing.promo.add")}
              </button>
            </div>
          </form>
        </>
      )}
    </Layout>
  );
}
