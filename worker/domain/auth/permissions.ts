/**
 * The permission catalogue: `<resource>:<action>`. Every route declares exactly one of these (or is
 * explicitly public/authenticated-only); `GET /api/v1/permissions` lists them.
 */
export const PERMISSIONS = {
  "customers:read": "View customers, contacts, sites, tags and attributes",
  "customers:write": "Create and edit customers, contacts, sites, tags and attribute values",
  "customers:archive": "Change a customer's status (suspend, close, archive, restore)",
  "attributes:manage": "Define custom customer attributes",
  "activity:read": "Browse the activity log",
  "search:read": "Use global search",
  "settings:read": "View operator settings and integration status",
  "settings:manage": "Change operator settings and branding",
  "catalog:read": "View products",
  "catalog:write": "Create and edit products",
  "services:read": "View services, balances and usage",
  "services:write": "Order and change services",
  "services:provision": "Start, retry and cancel provisioning",
  "services:topup": "Top up service balances",
  "services:request": "Request a plan change (portal customers; a staff member with services:write approves it when the plan needs approval)",
  "jobs:read": "View provisioning jobs",
  "jobs:retry": "Retry failed or dead jobs",
  "inventory:read": "View inventory",
  "inventory:write": "Create and edit inventory items",
  "inventory:import": "Bulk import inventory",
  "inventory:types": "Define inventory types and their fields",
  "billing:read": "View transactions, invoices and payments",
  "billing:write": "Create transactions and invoices, record payments",
  "billing:refund": "Refund payments",
  "payments:pay": "Save and remove cards; pay invoices and top-ups by card",
  "payments:manual": "Record cash and bank-transfer payments",
  "webhooks:manage": "Manage outbound webhook endpoints and replay deliveries",
  "broadcasts:read": "View cell broadcasts",
  "broadcasts:write": "Draft and submit cell broadcasts",
  "broadcasts:approve": "Approve cell broadcasts",
  "users:manage": "Invite, disable and edit staff users",
  "roles:manage": "Create and edit roles",
  "api_keys:manage": "Create, revoke and regenerate API keys",
  "outbox:read": "View the email outbox",
  "outbox:retry": "Send failed emails again",
  "portal:invite": "Invite customer contacts to the self-service portal",
  "runner:access": "Runner API (pull, ack, events, results)",
} as const;

export type Permission = keyof typeof PERMISSIONS;

/**
 * What a customer's portal account may do — only on routes that opt in to customer principals
 * (`can(..., { customers: true })`), which scope every query to the customer's own data.
 */
export const CUSTOMER_PERMISSIONS: Permission[] = ["customers:read", "services:read", "services:topup", "services:request", "billing:read", "payments:pay"];
export const ALL_PERMISSIONS = Object.keys(PERMISSIONS) as Permission[];

export function isPermission(value: string): value is Permission {
  return Object.hasOwn(PERMISSIONS, value);
}

/** Built-in roles; a user's access is the union of their roles' permissions. */
export const BUILT_IN_ROLES: { id: string; name: string; description: string; permissions: Permission[] }[] = [
  { id: "rol_admin", name: "admin", description: "Full access", permissions: ALL_PERMISSIONS.filter((p) => p !== "runner:access") },
  {
    id: "rol_support",
    name: "support",
    description: "Customer care: customers, services, top-ups",
    permissions: [
      "customers:read",
      "customers:write",
      "portal:invite",
      "activity:read",
      "search:read",
      "settings:read",
      "catalog:read",
      "services:read",
      "services:write",
      "services:topup",
      "services:request",
      "jobs:read",
      "inventory:read",
      "billing:read",
      "payments:pay",
      "broadcasts:read",
    ],
  },
  {
    id: "rol_billing",
    name: "billing",
    description: "Invoices, payments and refunds",
    permissions: [
      "customers:read",
      "activity:read",
      "search:read",
      "settings:read",
      "catalog:read",
      "services:read",
      "billing:read",
      "billing:write",
      "billing:refund",
      "payments:pay",
      "payments:manual",
    ],
  },
  {
    id: "rol_provisioning",
    name: "provisioning",
    description: "Catalog, services and provisioning jobs",
    permissions: [
      "customers:read",
      "activity:read",
      "search:read",
      "settings:read",
      "catalog:read",
      "catalog:write",
      "services:read",
      "services:write",
      "services:provision",
      "jobs:read",
      "jobs:retry",
      "inventory:read",
    ],
  },
  {
    id: "rol_inventory",
    name: "inventory",
    description: "Stock: SIMs, numbers, equipment, IP space",
    permissions: ["customers:read", "search:read", "settings:read", "inventory:read", "inventory:write", "inventory:import", "activity:read"],
  },
  {
    id: "rol_broadcaster",
    name: "broadcaster",
    description: "Drafts, submits and approves cell broadcasts (never their own)",
    permissions: ["search:read", "settings:read", "inventory:read", "broadcasts:read", "broadcasts:write", "broadcasts:approve", "activity:read"],
  },
  {
    id: "rol_read_only",
    name: "read-only",
    description: "Sees everything, changes nothing",
    permissions: ALL_PERMISSIONS.filter((p) => p.endsWith(":read")),
  },
];
