/**
 * The operationId of every API operation, in one place so client generators get stable, readable
 * method names (`listCustomers`, `createServiceTopUp`) and nobody has to keep them unique by hand.
 * `withOperationIds` fails the document build when an operation has none or a name is taken twice,
 * or when an entry here names an operation that no longer exists — the API foundation test builds it.
 */
export const OPERATION_IDS: Record<string, string> = {
  "POST /auth/login": "login",
  "POST /auth/refresh": "refreshTokens",
  "POST /auth/logout": "logout",
  "GET /me": "getMe",
  "GET /permissions": "listPermissions",
  "POST /me/2fa/setup": "startTotpSetup",
  "POST /me/2fa/enable": "enableTotp",
  "POST /me/2fa/disable": "disableTotp",
  "POST /me/2fa/backup-codes": "regenerateBackupCodes",
  "GET /me/sessions": "listMySessions",
  "DELETE /me/sessions/{id}": "deleteMySession",
  "POST /me/sessions/revoke-all": "revokeAllMySessions",
  "POST /me/password": "changeMyPassword",
  "POST /me/email": "changeMyEmail",
  "POST /auth/verify-email": "verifyEmail",
  "POST /auth/password-reset": "requestPasswordReset",
  "POST /auth/password-reset/confirm": "confirmPasswordReset",
  "POST /auth/invitations/accept": "acceptInvitation",
  "POST /auth/portal-invitations/accept": "acceptPortalInvitation",
  "GET /customers": "listCustomers",
  "POST /customers": "createCustomer",
  "GET /customers/{id}": "getCustomer",
  "PATCH /customers/{id}": "updateCustomer",
  "PUT /customers/{id}/tags": "replaceCustomerTags",
  "PUT /customers/{id}/attributes": "replaceCustomerAttributes",
  "POST /customers/{id}/suspend": "suspendCustomer",
  "POST /customers/{id}/resume": "resumeCustomer",
  "POST /customers/{id}/close": "closeCustomer",
  "POST /customers/{id}/reopen": "reopenCustomer",
  "POST /customers/{id}/archive": "archiveCustomer",
  "POST /customers/{id}/restore": "restoreCustomer",
  "GET /customers/{id}/contacts": "listCustomerContacts",
  "POST /customers/{id}/contacts": "createContact",
  "GET /contacts/{id}": "getContact",
  "PATCH /contacts/{id}": "updateContact",
  "DELETE /contacts/{id}": "deleteContact",
  "POST /contacts/{id}/portal-invitation": "inviteContactToPortal",
  "GET /customers/{id}/sites": "listCustomerSites",
  "POST /customers/{id}/sites": "createSite",
  "GET /sites/{id}": "getSite",
  "PATCH /sites/{id}": "updateSite",
  "DELETE /sites/{id}": "deleteSite",
  "GET /attribute-definitions": "listAttributeDefinitions",
  "POST /attribute-definitions": "createAttributeDefinition",
  "GET /attribute-definitions/{key}": "getAttributeDefinition",
  "PATCH /attribute-definitions/{key}": "updateAttributeDefinition",
  "DELETE /attribute-definitions/{key}": "deleteAttributeDefinition",
  "GET /activity": "listActivity",
  "GET /customers/{id}/activity": "listCustomerActivity",
  "GET /search": "search",
  "GET /settings": "getSettings",
  "PATCH /settings": "updateSettings",
  "GET /users": "listUsers",
  "POST /users": "createUser",
  "GET /users/{id}": "getUser",
  "PATCH /users/{id}": "updateUser",
  "POST /users/{id}/disable": "disableUser",
  "POST /users/{id}/enable": "enableUser",
  "POST /users/{id}/reset-2fa": "resetUserTotp",
  "POST /users/{id}/unlock": "unlockUser",
  "POST /users/{id}/resend-invitation": "resendUserInvitation",
  "POST /users/{id}/sign-out-everywhere": "signUserOutEverywhere",
  "GET /roles": "listRoles",
  "POST /roles": "createRole",
  "GET /roles/{id}": "getRole",
  "PATCH /roles/{id}": "updateRole",
  "DELETE /roles/{id}": "deleteRole",
  "GET /api-keys": "listApiKeys",
  "POST /api-keys": "createApiKey",
  "GET /api-keys/{id}": "getApiKey",
  "POST /api-keys/{id}/revoke": "revokeApiKey",
  "POST /api-keys/{id}/regenerate": "regenerateApiKey",
  "GET /outbox": "listOutbox",
  "POST /outbox/{id}/retry": "retryOutboxEmail",
  "GET /products": "listProducts",
  "POST /products": "createProduct",
  "GET /products/{id}": "getProduct",
  "PATCH /products/{id}": "updateProduct",
  "POST /products/{id}/test-playbook": "testProductPlaybook",
  "POST /customers/{id}/services": "orderService",
  "GET /services": "listServices",
  "GET /services/{id}": "getService",
  "PATCH /services/{id}": "updateService",
  "GET /services/{id}/balance": "getServiceBalance",
  "GET /services/{id}/usage": "getServiceUsage",
  "POST /services/{id}/sync": "syncServiceUsage",
  "POST /services/{id}/top-ups": "topUpService",
  "POST /services/{id}/change-plan": "changeServicePlan",
  "POST /services/{id}/addons": "attachServiceAddon",
  "POST /services/{id}/suspend": "suspendService",
  "POST /services/{id}/resume": "resumeService",
  "POST /services/{id}/terminate": "terminateService",
  "POST /services/{id}/retry": "retryService",
  "GET /transactions": "listTransactions",
  "POST /transactions": "createTransaction",
  "GET /transactions/{id}": "getTransaction",
  "GET /tax-rates": "listTaxRates",
  "POST /tax-rates": "createTaxRate",
  "GET /tax-rates/{id}": "getTaxRate",
  "PATCH /tax-rates/{id}": "updateTaxRate",
  "GET /invoices": "listInvoices",
  "POST /invoices": "createInvoice",
  "GET /invoices/{id}": "getInvoice",
  "GET /invoices/{id}/pdf": "getInvoicePdf",
  "POST /invoices/{id}/issue": "issueInvoice",
  "POST /invoices/{id}/send": "sendInvoice",
  "POST /invoices/{id}/void": "voidInvoice",
  "POST /invoices/{id}/credit-notes": "createCreditNote",
  "GET /inventory/templates": "listInventoryTemplates",
  "POST /inventory/templates": "createInventoryTemplate",
  "GET /inventory/templates/{slug}": "getInventoryTemplate",
  "PATCH /inventory/templates/{slug}": "updateInventoryTemplate",
  "GET /inventory/items": "listInventoryItems",
  "POST /inventory/items": "createInventoryItem",
  "GET /inventory/items/{id}": "getInventoryItem",
  "PATCH /inventory/items/{id}": "updateInventoryItem",
  "POST /inventory/import": "importInventory",
  "GET /inventory/export": "exportInventory",
  "GET /inventory/stock": "getInventoryStock",
  "GET /inventory/items/{id}/allocations": "listInventoryAllocations",
  "POST /inventory/items/{id}/allocations": "allocateFromInventoryItem",
  "POST /inventory/items/{id}/allocations/{allocation_id}/release": "releaseInventoryAllocation",
  "GET /inventory/items/{id}/configs": "listInventoryConfigs",
  "POST /inventory/items/{id}/configs": "createInventoryConfig",
  "GET /inventory/items/{id}/configs/diff": "diffInventoryConfigs",
  "GET /reconciliation": "listReconciliationFlags",
  "POST /reconciliation/{service_id}/{unit}/resolve": "resolveReconciliationFlag",
  "GET /jobs": "listJobs",
  "GET /jobs/{id}": "getJob",
  "POST /jobs/{id}/retry": "retryJob",
};

type Operation = { operationId?: string };
type Document = { paths?: Record<string, Record<string, Operation>> };

/** Gives every operation its operationId; throws on a missing, duplicate or stale name. */
export function withOperationIds<T>(document: T, ids: Record<string, string> = OPERATION_IDS): T {
  const paths = (document as Document).paths ?? {};
  const seen = new Map<string, string>();
  const used = new Set<string>();
  for (const [path, operations] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const key = `${method.toUpperCase()} ${path}`;
      const id = operation.operationId ?? ids[key];
      if (!id) throw new Error(`OpenAPI: ${key} has no operationId (add it to worker/routes/api/operation-ids.ts)`);
      const taken = seen.get(id);
      if (taken) throw new Error(`OpenAPI: operationId ${id} is used by both ${taken} and ${key}`);
      seen.set(id, key);
      used.add(key);
      operation.operationId = id;
    }
  }
  const stale = Object.keys(ids).filter((key) => !used.has(key));
  if (stale.length > 0) throw new Error(`OpenAPI: operationIds for operations that do not exist: ${stale.join(", ")}`);
  return document;
}
