/** The inventory pages, one file per page (or group of pages): dashboard, items, one item, import, types, and the service's inventory. */
export * from "./dashboard";
export * from "./import";
export * from "./item";
export * from "./items";
export * from "./service";
export * from "./shared";
export * from "./types";
