import type { TemplateRow } from "../../db/queries/inventory";
import { ITEM_STATUSES, type ItemStatus } from "../../domain/inventory/schemas";
import { type Column, EmptyState, PageHeader, Table } from "../components";
import { Layout, type PageContext } from "../layout";
import { type InventoryCan, InventoryTabs, query, STATUS_LABELS } from "./shared";

export function InventoryDashboard(props: {
  ctx: PageContext;
  templates: TemplateRow[];
  byStatus: { type: string; status: ItemStatus; n: number }[];
  byLocation: { type: string; location: string | null; n: number }[];
  can: InventoryCan;
}) {
  const count = (type: string, status: ItemStatus) => props.byStatus.find((r) => r.type === type && r.status === status)?.n ?? 0;
  const total = props.byStatus.reduce((sum, r) => sum + r.n, 0);
  const names = new Map(props.templates.map((t) => [t.slug, t.name]));
  const low = props.templates.filter((t) => t.lowStockThreshold !== null && count(t.slug, "in_stock") < t.lowStockThreshold);
  const lowSlugs = new Set(low.map((t) => t.slug));
  const rows = props.templates.filter((t) => props.byStatus.some((r) => r.type === t.slug) || lowSlugs.has(t.slug));
  return (
    <Layout ctx={props.ctx} title="Inventory" wide>
      <PageHeader
        title="Inventory"
        subtitle="SIM cards, numbers, equipment, IP space and cell sites, from stock to the services that hold them."
        actions={
          <>
            {props.can.import && (
              <a class="button" href="/admin/inventory/import">
                Import CSV
              </a>
            )}
            {props.can.write && (
              <a class="button primary" href="/admin/inventory/items/new">
                Add item
              </a>
            )}
          </>
        }
      />
      <InventoryTabs active="dashboard" canImport={props.can.import} />
      {low.length > 0 && (
        <div class="alert warning" role="status">
          <strong>Low stock</strong>
          <ul>
            {low.map((t) => (
              <li>
                <a href={query("/admin/inventory/items", { type: t.slug, status: "in_stock" })}>{t.name}</a>: {count(t.slug, "in_stock")} in stock, below the
                threshold of {t.lowStockThreshold}
              </li>
            ))}
          </ul>
        </div>
      )}
      {total === 0 ? (
        <section class="card">
          <EmptyState title="No inventory yet.">
            {props.can.import && <a href="/admin/inventory/import">Import a CSV file</a>}
            {props.can.import && props.can.write && " or "}
            {props.can.write && <a href="/admin/inventory/items/new">add an item</a>}
            {(props.can.import || props.can.write) && " · "}
            <a href="/admin/inventory/types">See the inventory types</a>
          </EmptyState>
        </section>
      ) : (
        <>
          <section class="card" aria-labelledby="stock-h">
            <h2 id="stock-h">Items by type and status</h2>
            <Table
              class="stock-table"
              rows={rows}
              rowClass={(t) => (lowSlugs.has(t.slug) ? "low-stock" : undefined)}
              columns={[
                {
                  header: "Type",
                  rowHeader: true,
                  cell: (t) => (
                    <>
                      <a href={query("/admin/inventory/items", { type: t.slug })}>{t.name}</a>
                      {lowSlugs.has(t.slug) && (
                        <span class="badge badge-low_stock" title={`Below the threshold of ${t.lowStockThreshold}`}>
                          low stock
                        </span>
                      )}
                      {t.lowStockThreshold !== null && <div class="muted small">alert below {t.lowStockThreshold} in stock</div>}
                    </>
                  ),
                },
                ...ITEM_STATUSES.map(
                  (s): Column<TemplateRow> => ({
                    header: STATUS_LABELS[s],
                    class: "num",
                    cell: (t) => {
                      const n = count(t.slug, s);
                      return n === 0 ? (
                        <span class="muted">0</span>
                      ) : (
                        <a href={query("/admin/inventory/items", { type: t.slug, status: s })} aria-label={`${n} ${t.name} ${STATUS_LABELS[s]}`}>
                          {n}
                        </a>
                      );
                    },
                  }),
                ),
                { header: "Total", class: "num", cell: (t) => <strong>{ITEM_STATUSES.reduce((sum, s) => sum + count(t.slug, s), 0)}</strong> },
              ]}
            />
          </section>
          <section class="card" aria-labelledby="location-h">
            <h2 id="location-h">In stock by location</h2>
            <Table
              rows={[...props.byLocation].sort((a, b) => (a.location ?? "").localeCompare(b.location ?? "") || a.type.localeCompare(b.type))}
              empty={<EmptyState title="Nothing in stock." />}
              columns={[
                { header: "Location", cell: (r) => r.location ?? <span class="muted">No location</span> },
                { header: "Type", cell: (r) => names.get(r.type) ?? r.type },
                {
                  header: "In stock",
                  class: "num",
                  cell: (r) => <a href={query("/admin/inventory/items", { type: r.type, status: "in_stock", location: r.location ?? undefined })}>{r.n}</a>,
                },
              ]}
            />
          </section>
        </>
      )}
    </Layout>
  );
}

// ---- item list ----
