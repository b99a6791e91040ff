/**
 * The pages the page checks (admin-pages.test.ts) open, by router: a new GET route fails
 * test/page-routes.test.ts until it is listed here.
 *
 * To add a page: add `{ route, path }` to ADMIN_PAGES or PORTAL_PAGES (`route` as the router
 * spells it, `path` the URL to open, built from the demo records in `Ids`, which admin-pages.test.ts
 * finds or makes); a GET route that is not a page (a CSV, a PDF, an htmx fragment, a redirect) goes
 * to NOT_PAGES with the reason.
 */

/** Demo records the pages with an id show (found in beforeAll). */
export type Ids = {
  customer: string;
  suspendedCustomer: string;
  contact: string;
  site: string;
  prepaidService: string;
  fixedService: string;
  newPlan: string;
  job: string;
  product: string;
  item: string;
  configItem: string;
  import: string;
  user: string;
  role: string;
  webhook: string;
  billRun: string;
  invoice: string;
  taxRate: string;
  broadcast: string;
  portalService: string;
  portalInvoice: string;
};

export type PageSpec = {
  /** The route as the router spells it (":id" included). */
  route: string;
  /** The URL path to open. */
  path: string | ((ids: Ids) => string);
  /** Shown signed out (sign-in, links from emails). */
  signedOut?: boolean;
  /** The document's expected status when not 200 (an expired link's page). */
  status?: number;
  /** Screenshot name, when the route alone is ambiguous (one route, two records). */
  name?: string;
};

/** The admin's GET pages, under /admin. */
export const ADMIN_PAGES: PageSpec[] = [
  { route: "/login", path: "/login", signedOut: true },
  { route: "/forgot-password", path: "/forgot-password", signedOut: true },
  { route: "/verify-email", path: "/verify-email?token=expired", signedOut: true, status: 400 },
  { route: "/reset-password", path: "/reset-password?token=expired", signedOut: true, status: 400 },
  { route: "/invitation", path: "/invitation?token=expired", signedOut: true, status: 400 },
  { route: "/", path: "/" },
  { route: "/", path: "?activity=all", name: "dashboard-all-activity" },
  { route: "/customers", path: "/customers" },
  { route: "/customers/new", path: "/customers/new" },
  { route: "/customers/:id", path: (i) => `/customers/${i.customer}` },
  { route: "/customers/:id/edit", path: (i) => `/customers/${i.customer}/edit` },
  { route: "/customers/:id/status/:transition", path: (i) => `/customers/${i.customer}/status/suspend`, name: "customer-suspend" },
  { route: "/customers/:id/status/:transition", path: (i) => `/customers/${i.suspendedCustomer}/status/resume`, name: "customer-resume" },
  { route: "/customers/:id/status/:transition", path: (i) => `/customers/${i.customer}/status/archive`, name: "customer-archive" },
  { route: "/services/:id/action/:action", path: (i) => `/services/${i.prepaidService}/action/suspend`, name: "service-suspend" },
  { route: "/services/:id/action/:action", path: (i) => `/services/${i.prepaidService}/action/terminate`, name: "service-terminate" },
  { route: "/invoices/:id/void", path: (i) => `/invoices/${i.invoice}/void` },
  { route: "/customers/:id/contacts/new", path: (i) => `/customers/${i.customer}/contacts/new` },
  { route: "/contacts/:id/edit", path: (i) => `/contacts/${i.contact}/edit` },
  { route: "/customers/:id/sites/new", path: (i) => `/customers/${i.customer}/sites/new` },
  { route: "/sites/:id/edit", path: (i) => `/sites/${i.site}/edit` },
  { route: "/activity", path: "/activity" },
  { route: "/activity", path: "/activity?kind=business&from=2000-01-01", name: "activity-filtered" },
  { route: "/search", path: "/search?q=dupont" },
  { route: "/settings", path: "/settings" },
  { route: "/settings/attributes", path: "/settings/attributes" },
  { route: "/settings/attributes/:key/edit", path: "/settings/attributes/segment/edit" },
  { route: "/account", path: "/account" },
  { route: "/account/2fa", path: "/account/2fa" },
  { route: "/users", path: "/users" },
  { route: "/users/new", path: "/users/new" },
  { route: "/users/:id", path: (i) => `/users/${i.user}` },
  { route: "/roles", path: "/roles" },
  { route: "/roles/new", path: "/roles/new" },
  { route: "/roles/:id", path: (i) => `/roles/${i.role}` },
  { route: "/api-keys", path: "/api-keys" },
  { route: "/outbox", path: "/outbox" },
  { route: "/catalog", path: "/catalog" },
  { route: "/catalog/new", path: "/catalog/new" },
  { route: "/catalog/:id", path: (i) => `/catalog/${i.product}` },
  { route: "/catalog/:id/edit", path: (i) => `/catalog/${i.product}/edit` },
  { route: "/services", path: "/services" },
  { route: "/services/:id", path: (i) => `/services/${i.prepaidService}`, name: "service-prepaid-mobile" },
  { route: "/services/:id", path: (i) => `/services/${i.fixedService}`, name: "service-fixed" },
  { route: "/services/:id/change-plan", path: (i) => `/services/${i.prepaidService}/change-plan?product_id=${i.newPlan}` },
  { route: "/reconciliation", path: "/reconciliation" },
  { route: "/jobs", path: "/jobs" },
  { route: "/jobs/:id", path: (i) => `/jobs/${i.job}` },
  { route: "/payments", path: "/payments" },
  { route: "/payments/expiring-cards", path: "/payments/expiring-cards" },
  { route: "/webhooks", path: "/webhooks" },
  { route: "/webhooks/:id", path: (i) => `/webhooks/${i.webhook}` },
  { route: "/stuck-writes", path: "/stuck-writes" },
  { route: "/inventory", path: "/inventory" },
  { route: "/inventory/items", path: "/inventory/items" },
  { route: "/inventory/items/new", path: "/inventory/items/new?type=cpe" },
  { route: "/inventory/items/:id", path: (i) => `/inventory/items/${i.item}` },
  { route: "/inventory/items/:id/configs/diff", path: (i) => `/inventory/items/${i.configItem}/configs/diff?from=1&to=2` },
  { route: "/inventory/import", path: "/inventory/import" },
  { route: "/inventory/imports/:id", path: (i) => `/inventory/imports/${i.import}` },
  { route: "/inventory/types", path: "/inventory/types" },
  { route: "/inventory/types/new", path: "/inventory/types/new" },
  { route: "/inventory/types/:slug", path: "/inventory/types/sim" },
  { route: "/invoices", path: "/invoices" },
  { route: "/invoices/new", path: (i) => `/invoices/new?customer_id=${i.customer}` },
  { route: "/invoices/:id", path: (i) => `/invoices/${i.invoice}` },
  { route: "/bill-runs", path: "/bill-runs" },
  { route: "/bill-runs/:id", path: (i) => `/bill-runs/${i.billRun}` },
  { route: "/promo-codes", path: "/promo-codes" },
  { route: "/reports/tax", path: "/reports/tax" },
  { route: "/transactions", path: "/transactions" },
  { route: "/tax-rates", path: "/tax-rates" },
  { route: "/tax-rates/:id", path: (i) => `/tax-rates/${i.taxRate}` },
  { route: "/broadcasts", path: "/broadcasts" },
  { route: "/broadcasts/new", path: "/broadcasts/new" },
  { route: "/broadcasts/:id", path: (i) => `/broadcasts/${i.broadcast}` },
  { route: "/broadcasts/:id/update", path: (i) => `/broadcasts/${i.broadcast}/update` },
];

/** The portal's GET pages, under /portal (signed in as customer@example.com). */
export const PORTAL_PAGES: PageSpec[] = [
  { route: "/login", path: "/login", signedOut: true },
  { route: "/forgot-password", path: "/forgot-password", signedOut: true },
  { route: "/reset-password", path: "/reset-password?token=expired", signedOut: true, status: 400 },
  { route: "/invitation", path: "/invitation?token=expired", signedOut: true, status: 400 },
  { route: "/", path: "/" },
  { route: "/services/:id", path: (i) => `/services/${i.portalService}` },
  { route: "/invoices/:id", path: (i) => `/invoices/${i.portalInvoice}` },
  { route: "/payments", path: "/payments" },
  { route: "/account", path: "/account" },
  { route: "/account/email", path: "/account/email?token=expired", status: 400 },
  { route: "/security", path: "/security" },
];

/** GET routes that are not pages, and why. */
export const NOT_PAGES: Record<string, string> = {
  "admin /search/suggest": "htmx fragment of the search box",
  "admin /services/:id/live": "htmx fragment (polled by the service page)",
  "admin /customers/:id/order-inventory": "htmx fragment of the order form",
  "admin /customers/:id/order-inventory/search": "htmx fragment: one picker's results as staff type",
  "admin /catalog/playbook-variables": "htmx fragment: the product form's playbook variable fields",
  "admin /jobs/:id/live": "htmx fragment (polled by the job page)",
  "admin /inventory/export": "CSV download",
  "admin /billing": "redirect to /invoices",
  "admin /invoices/:id/pdf": "PDF download",
  "admin /bill-runs/:id/live": "htmx fragment (polled by the bill run page)",
  "admin /reports/tax.csv": "CSV download",
  "admin /transactions.csv": "CSV download",
  "admin /broadcasts/:id/results": "htmx fragment (polled by the broadcast page)",
  "portal /invoices/:id/pdf": "PDF download",
  "portal /lang/:locale": "sets the language and redirects back",
};
