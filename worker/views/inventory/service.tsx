import type { TemplateRow } from "../../db/queries/inventory";
import type { ItemView } from "../../domain/inventory/schemas";
import { Badge, EmptyState } from "../components";
import { itemLabel } from "./shared";

export type OrderInventoryGroup = { type: string; name: string; options: { value: string; label: string }[] };

/** The per-type pickers of the order form (an htmx fragment): "Next available" or a chosen item. */
export function OrderInventoryFields(props: { groups: OrderInventoryGroup[] }) {
  return (
    <>
      {props.groups.map((g) => (
        <div class="field">
          <label for={`f-inventory-${g.type}`}>{g.name}</label>
          <select id={`f-inventory-${g.type}`} name={`inventory.${g.type}`}>
            <option value="">Next available</option>
            {g.options.map((o) => (
              <option value={o.value}>{o.label}</option>
            ))}
          </select>
        </div>
      ))}
    </>
  );
}

/** What a service holds: its inventory items and IP allocations. */
export function ServiceInventory(props: {
  items: ItemView[];
  allocations: { id: string; blockId: string; cidr: string }[];
  templates: Map<string, TemplateRow>;
  linkable: boolean;
}) {
  if (props.items.length === 0 && props.allocations.length === 0) return <EmptyState title="No inventory held by this service." />;
  const link = (href: string, text: string) => (props.linkable ? <a href={href}>{text}</a> : <span>{text}</span>);
  return (
    <table class="table">
      <thead>
        <tr>
          <th scope="col">Type</th>
          <th scope="col">Item</th>
          <th scope="col">Status</th>
        </tr>
      </thead>
      <tbody>
        {props.items.map((item) => {
          const t = props.templates.get(item.type);
          return (
            <tr>
              <td>{t?.name ?? item.type}</td>
              <td>
                <code>{link(`/admin/inventory/items/${item.id}`, itemLabel(item, t))}</code>
              </td>
              <td>
                <Badge value={item.status} />
              </td>
            </tr>
          );
        })}
        {props.allocations.map((a) => (
          <tr>
            <td>IP address</td>
            <td>
              <code>{link(`/admin/inventory/items/${a.blockId}`, a.cidr)}</code>
            </td>
            <td>
              <Badge value="allocated" />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
