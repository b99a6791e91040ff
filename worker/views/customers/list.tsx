import { CUSTOMER_STATUSES, CUSTOMER_TYPES, type CustomerView, PAYMENT_TYPES } from "../../domain/customers/schemas";
import { t } from "../../i18n/request-locale";
import { Badge, EmptyState, labelled, PageHeader, Pager, SelectField, statusLabel, Table, Time } from "../components";
import { Layout, type PageContext } from "../layout";

export type CustomerListParams = { q?: string; status?: string; type?: string; payment_type?: string; tag?: string; sort?: string };

export function CustomerResults(props: {
  customers: CustomerView[];
  nextCursor: string | null;
  params: CustomerListParams;
  hasCursor: boolean;
  timeZone: string;
}) {
  return (
    <div id="customer-results">
      <Table
        rows={props.customers}
        empty={
          <EmptyState title={t("customers.none")}>
            {props.params.q || props.params.status || props.params.tag || props.params.type ? (
              <a href="/admin/customers">{t("customers.clear_filters")}</a>
            ) : (
              <a href="/admin/customers/new">{t("customers.create_first")}</a>
            )}
          </EmptyState>
        }
        columns={[
          {
            header: t("customers.name"),
            cell: (c) => (
              <>
                <a href={`/admin/customers/${c.id}`}>{c.name}</a>
                {c.external_id && <div class="muted small">{c.external_id}</div>}
              </>
            ),
          },
          { header: t("customers.type"), cell: (c) => statusLabel(c.type) },
          { header: t("customers.status"), cell: (c) => <Badge value={c.status} /> },
          { header: t("customers.payment"), cell: (c) => statusLabel(c.payment_type) },
          {
            header: t("customers.tags"),
            cell: (c) =>
              c.tags.map((tag) => (
                <a class="tag" href={`/admin/customers?tag=${encodeURIComponent(tag)}`}>
                  {tag}
                </a>
              )),
          },
          { header: t("customers.created"), class: "nowrap", cell: (c) => <Time iso={c.created_at} timeZone={props.timeZone} dateOnly /> },
        ]}
      />
      <Pager baseUrl="/admin/customers" params={props.params} nextCursor={props.nextCursor} hasCursor={props.hasCursor} />
    </div>
  );
}

export function CustomerListPage(props: {
  ctx: PageContext;
  customers: CustomerView[];
  nextCursor: string | null;
  params: CustomerListParams;
  hasCursor: boolean;
  tags: { name: string; count: number }[];
  canWrite: boolean;
}) {
  const p = props.params;
  return (
    <Layout ctx={props.ctx} title={t("customers.title")}>
      <PageHeader
        title={t("customers.title")}
        actions={
          props.canWrite && (
            <a class="button primary" href="/admin/customers/new">
              {t("customers.new")}
            </a>
          )
        }
      />
      <form
        class="filters"
        method="get"
        action="/admin/customers"
        hx-get="/admin/customers"
        hx-target="#customer-results"
        hx-swap="outerHTML"
        hx-push-url="true"
        hx-trigger="input changed delay:300ms from:input[name=q], change from:select, submit"
      >
        <div class="field grow">
          <label for="filter-q">{t("customers.search")}</label>
          <input id="filter-q" type="search" name="q" value={p.q ?? ""} placeholder={t("customers.search_placeholder")} />
        </div>
        <SelectField
          name="status"
          label={t("customers.status")}
          value={p.status}
          blank={t("customers.any_not_archived")}
          options={labelled(CUSTOMER_STATUSES)}
        />
        <SelectField name="type" label={t("customers.type")} value={p.type} blank={t("customers.any")} options={labelled(CUSTOMER_TYPES)} />
        <SelectField name="payment_type" label={t("customers.payment")} value={p.payment_type} blank={t("customers.any")} options={labelled(PAYMENT_TYPES)} />
        <SelectField
          name="tag"
          label={t("customers.tag")}
          value={p.tag}
          blank={t("customers.any")}
          options={props.tags.map((tag) => ({ value: tag.name, label: `${tag.name} (${tag.count})` }))}
        />
        <SelectField
          name="sort"
          label={t("customers.sort")}
          value={p.sort}
          options={[
            { value: "name", label: t("customers.sort_name") },
            { value: "-name", label: t("customers.sort_name_desc") },
            { value: "-created_at", label: t("customers.sort_newest") },
            { value: "created_at", label: t("customers.sort_oldest") },
            { value: "-updated_at", label: t("customers.sort_changed") },
          ]}
        />
        <noscript>
          <button type="submit" class="button">
            {t("customers.apply")}
          </button>
        </noscript>
      </form>
      <CustomerResults
        customers={props.customers}
        nextCursor={props.nextCursor}
        params={props.params}
        hasCursor={props.hasCursor}
        timeZone={props.ctx.settings.default_timezone}
      />
    </Layout>
  );
}
