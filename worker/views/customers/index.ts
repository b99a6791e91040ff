/** The customer pages, one file per page: list, form, the customer, contact and site forms, status confirmation. */
export * from "./contact-site";
export * from "./customer";
export * from "./form";
export * from "./list";
export * from "./shared";
export * from "./status";
