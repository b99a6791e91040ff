import type { TemplateRow } from "../../db/queries/inventory";
import { ITEM_STATUSES, type ItemStatus } from "../../domain/inventory/schemas";
import { t } from "../../i18n/request-locale";
import { type Column, EmptyState, PageHeader, Table } from "../components";
import { Layout, type PageContext } from "../layout";
import { type InventoryCan, InventoryTabs, query, statusLabel } from "./shared";

export function InventoryDashboard(props: {
  ctx: PageContext;
  templates: TemplateRow[];
  byStatus: { type: string; status: ItemStatus; n: number }[];
  byLocation: { type: string; location: string | null; n: number }[];
  can: InventoryCan;
}) {
  const count = (type: string, status: ItemStatus) => props.byStatus.find((r) => r.type === type && r.status === status)?.n ?? 0;
  const total = props.byStatus.reduce((sum, r) => sum + r.n, 0);
  const names = new Map(props.templates.map((tpl) => [tpl.slug, tpl.name]));
  const low = props.templates.filter((tpl) => tpl.lowStockThreshold !== null && count(tpl.slug, "in_stock") < tpl.lowStockThreshold);
  const lowSlugs = new Set(low.map((tpl) => tpl.slug));
  const rows = props.templates.filter((tpl) => props.byStatus.some((r) => r.type === tpl.slug) || lowSlugs.has(tpl.slug));
  return (
    <Layout ctx={props.ctx} title={t("inventory.title")} wide>
      <PageHeader
        title={t("inventory.title")}
        subtitle={t("inventory.subtitle")}
        actions={
          <>
            {props.can.import && (
              <a class="button" href="/admin/inventory/import">
                {t("inventory.import_csv")}
              </a>
            )}
            {props.can.write && (
              <a class="button primary" href="/admin/inventory/items/new">
                {t("inventory.add_item")}
              </a>
            )}
          </>
        }
      />
      <InventoryTabs active="dashboard" canImport={props.can.import} />
      {low.length > 0 && (
        <div class="alert warning" role="status">
          <strong>{t("inventory.low_stock")}</strong>
          <ul>
            {low.map((tpl) => (
              <li>
                <a href={query("/admin/inventory/items", { type: tpl.slug, status: "in_stock" })}>{tpl.name}</a>
                {t("inventory.low_stock_line", { n: count(tpl.slug, "in_stock"), threshold: tpl.lowStockThreshold ?? "" })}
              </li>
            ))}
          </ul>
        </div>
      )}
      {total === 0 ? (
        <section class="card">
          <EmptyState title={t("inventory.none_yet")}>
            {props.can.import && <a href="/admin/inventory/import">{t("inventory.import_a_csv")}</a>}
            {props.can.import && props.can.write && t("inventory.or")}
            {props.can.write && <a href="/admin/inventory/items/new">{t("inventory.add_an_item")}</a>}
            {(props.can.import || props.can.write) && " · "}
            <a href="/admin/inventory/types">{t("inventory.see_types")}</a>
          </EmptyState>
        </section>
      ) : (
        <>
          <section class="card" aria-labelledby="stock-h">
            <h2 id="stock-h">{t("inventory.by_type_status")}</h2>
            <Table
              class="stock-table"
              rows={rows}
              rowClass={(tpl) => (lowSlugs.has(tpl.slug) ? "low-stock" : undefined)}
              columns={[
                {
                  header: t("inventory.col.type"),
                  rowHeader: true,
                  cell: (tpl) => (
                    <>
                      <a href={query("/admin/inventory/items", { type: tpl.slug })}>{tpl.name}</a>
                      {lowSlugs.has(tpl.slug) && (
                        <span class="badge badge-low_stock" title={t("inventory.below_threshold", { n: tpl.lowStockThreshold ?? "" })}>
                          {t("inventory.low_stock_badge")}
                        </span>
                      )}
                      {tpl.lowStockThreshold !== null && <div class="muted small">{t("inventory.alert_below", { n: tpl.lowStockThreshold })}</div>}
                    </>
                  ),
                },
                ...ITEM_STATUSES.map(
                  (s): Column<TemplateRow> => ({
                    header: statusLabel(s),
                    class: "num",
                    cell: (tpl) => {
                      const n = count(tpl.slug, s);
                      return n === 0 ? (
                        <span class="muted">0</span>
                      ) : (
                        <a
                          href={query("/admin/inventory/items", { type: tpl.slug, status: s })}
                          aria-label={t("inventory.count_label", { n, type: tpl.name, status: statusLabel(s) })}
                        >
                          {n}
                        </a>
                      );
                    },
                  }),
                ),
                {
                  header: t("inventory.col.total"),
                  class: "num",
                  cell: (tpl) => <strong>{ITEM_STATUSES.reduce((sum, s) => sum + count(tpl.slug, s), 0)}</strong>,
                },
              ]}
            />
          </section>
          <section class="card" aria-labelledby="location-h">
            <h2 id="location-h">{t("inventory.by_location")}</h2>
            <Table
              rows={[...props.byLocation].sort((a, b) => (a.location ?? "").localeCompare(b.location ?? "") || a.type.localeCompare(b.type))}
              empty={<EmptyState title={t("inventory.nothing_in_stock")} />}
              columns={[
                { header: t("inventory.col.location"), cell: (r) => r.location ?? <span class="muted">{t("inventory.no_location")}</span> },
                { header: t("inventory.col.type"), cell: (r) => names.get(r.type) ?? r.type },
                {
                  header: t("inventory.col.in_stock"),
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
