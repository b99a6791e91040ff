import type { TemplateRow } from "../../db/queries/inventory";
import type { InventoryFieldDef } from "../../db/schema";
import type { ItemStatus, ItemView } from "../../domain/inventory/schemas";
import { isInventoryKey } from "../../i18n/admin-inventory";
import { t } from "../../i18n/request-locale";
import { Badge, Time } from "../components";

/** Columns every type accepts besides its own fields (location, supplier, cost, notes). */
export const COMMON_IMPORT_COLUMNS = ["location", "supplier", "cost_amount", "currency", "notes"] as const;

/** An item status as a label ("In stock"), in the page's language. */
export function statusLabel(status: ItemStatus): string {
  return t(`inventory.status.${status}`);
}

/** A stored value (status, import mode) in the page's language: its key when there is one, else the value itself. */
export function valueLabel(group: string, value: string): string {
  const key = `inventory.${group}.${value}`;
  return isInventoryKey(key) ? t(key) : value;
}

/** A status badge (item statuses, "allocated", "builtin", "current") in the page's language. */
export function StatusBadge(props: { value: string }) {
  return <Badge value={props.value} label={valueLabel("badge", props.value)} />;
}

/** The field that names an item of a type: its first identifier, else its first public field. */
export function mainField(template: Pick<TemplateRow, "fields"> | undefined): InventoryFieldDef | undefined {
  if (!template) return undefined;
  return template.fields.find((f) => f.unique) ?? template.fields.find((f) => f.kind !== "secret");
}

/** An item's label: the value of its type's main identifier, or its id. */
export function itemLabel(item: Pick<ItemView, "id" | "fields">, template: Pick<TemplateRow, "fields"> | undefined): string {
  const main = mainField(template);
  const value = main ? item.fields[main.name] : null;
  return value === null || value === undefined || value === "" ? item.id : String(value);
}

export function shownValue(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "boolean") return value ? t("inventory.yes") : t("inventory.no");
  return String(value);
}

export function query(base: string, params: Record<string, string | undefined>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) sp.set(k, v);
  const s = sp.toString();
  return s ? `${base}?${s}` : base;
}

export function InventoryTabs(props: { active: "dashboard" | "items" | "import" | "types"; canImport: boolean }) {
  const tabs: { key: typeof props.active; href: string; label: string }[] = [
    { key: "dashboard", href: "/admin/inventory", label: t("inventory.tab.dashboard") },
    { key: "items", href: "/admin/inventory/items", label: t("inventory.tab.items") },
    ...(props.canImport ? [{ key: "import" as const, href: "/admin/inventory/import", label: t("inventory.tab.import") }] : []),
    { key: "types", href: "/admin/inventory/types", label: t("inventory.tab.types") },
  ];
  return (
    <nav class="tabs inventory-tabs" aria-label={t("inventory.title")}>
      {tabs.map((tab) => (
        <a href={tab.href} class={tab.key === props.active ? "active" : ""} aria-current={tab.key === props.active ? "page" : undefined}>
          {tab.label}
        </a>
      ))}
    </nav>
  );
}

export type InventoryCan = { write: boolean; import: boolean; types: boolean };

// ---- dashboard ----

/** The stock dashboard: counts per type × status, in stock by location, low-stock warnings. */

/** An item's status badge, with the day a hold lapses or a quarantine ends ("quarantined until …"). */
export function ItemStatusBadge(props: { item: Pick<ItemView, "status" | "reserved_until" | "quarantined_until">; timeZone: string }) {
  const until = props.item.status === "quarantined" ? props.item.quarantined_until : props.item.reserved_until;
  return (
    <>
      <StatusBadge value={props.item.status} />
      {until && (
        <span class="small">
          {" "}
          {t("inventory.until")} <Time iso={until} timeZone={props.timeZone} dateOnly={props.item.status === "quarantined"} />
        </span>
      )}
    </>
  );
}
