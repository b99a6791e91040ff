import type { TemplateRow } from "../../db/queries/inventory";
import type { ItemView } from "../../domain/inventory/schemas";
import { t } from "../../i18n/request-locale";
import { EmptyState, Table } from "../components";
import { itemLabel, StatusBadge } from "./shared";

/** What a service holds: its inventory items and IP allocations. */
export function ServiceInventory(props: {
  items: ItemView[];
  allocations: { id: string; blockId: string; cidr: string }[];
  templates: Map<string, TemplateRow>;
  linkable: boolean;
}) {
  const link = (href: string, text: string) => (props.linkable ? <a href={href}>{text}</a> : <span>{text}</span>);
  // Items first, then the IP allocations, as one list of rows.
  const rows = [
    ...props.items.map((item) => {
      const tpl = props.templates.get(item.type);
      return { type: tpl?.name ?? item.type, href: `/admin/inventory/items/${item.id}`, label: itemLabel(item, tpl), status: item.status };
    }),
    ...props.allocations.map((a) => ({ type: t("inventory.ip_address"), href: `/admin/inventory/items/${a.blockId}`, label: a.cidr, status: "allocated" })),
  ];
  return (
    <Table
      rows={rows}
      empty={<EmptyState title={t("inventory.none_held")} />}
      columns={[
        { header: t("inventory.col.type"), cell: (r) => r.type },
        { header: t("inventory.item"), cell: (r) => <code>{link(r.href, r.label)}</code> },
        { header: t("inventory.col.status"), cell: (r) => <StatusBadge value={r.status} /> },
      ]}
    />
  );
}
