import { CUSTOMER_STATUSES, CUSTOMER_TYPES, type CustomerView, PAYMENT_TYPES } from "../../domain/customers/schemas";
import { Badge, EmptyState, PageHeader, Pager, SelectField, Table, Time } from "../components";
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
          <EmptyState title="No customers match.">
            {props.params.q || props.params.status || props.params.tag || props.params.type ? (
              <a href="/admin/customers">Clear the filters</a>
            ) : (
              <a href="/admin/customers/new">Create the first customer</a>
            )}
          </EmptyState>
        }
        columns={[
          {
            header: "Name",
            cell: (c) => (
              <>
                <a href={`/admin/customers/${c.id}`}>{c.name}</a>
                {c.external_id && <div class="muted small">{c.external_id}</div>}
              </>
            ),
          },
          { header: "Type", cell: (c) => c.type },
          { header: "Status", cell: (c) => <Badge value={c.status} /> },
          { header: "Payment", cell: (c) => c.payment_type },
          {
            header: "Tags",
            cell: (c) =>
              c.tags.map((t) => (
                <a class="tag" href={`/admin/customers?tag=${encodeURIComponent(t)}`}>
                  {t}
                </a>
              )),
          },
          { header: "Created", class: "nowrap", cell: (c) => <Time iso={c.created_at} timeZone={props.timeZone} dateOnly /> },
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
    <Layout ctx={props.ctx} title="Customers">
      <PageHeader
        title="Customers"
        actions={
          props.canWrite && (
            <a class="button primary" href="/admin/customers/new">
              New customer
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
          <label for="filter-q">Search</label>
          <input id="filter-q" type="search" name="q" value={p.q ?? ""} placeholder="Name, email, city…" />
        </div>
        <SelectField name="status" label="Status" value={p.status} blank="Any (not archived)" options={CUSTOMER_STATUSES} />
        <SelectField name="type" label="Type" value={p.type} blank="Any" options={CUSTOMER_TYPES} />
        <SelectField name="payment_type" label="Payment" value={p.payment_type} blank="Any" options={PAYMENT_TYPES} />
        <SelectField name="tag" label="Tag" value={p.tag} blank="Any" options={props.tags.map((t) => ({ value: t.name, label: `${t.name} (${t.count})` }))} />
        <SelectField
          name="sort"
          label="Sort"
          value={p.sort}
          options={[
            { value: "name", label: "Name A–Z" },
            { value: "-name", label: "Name Z–A" },
            { value: "-created_at", label: "Newest" },
            { value: "created_at", label: "Oldest" },
            { value: "-updated_at", label: "Recently changed" },
          ]}
        />
        <noscript>
          <button type="submit" class="button">
            Apply
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
