import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { authenticateBearer } from "../../middleware/authenticate";
import { validationFailed } from "../../middleware/errors";
import { wellFormedJson } from "../../middleware/well-formed";
import { activityApi } from "./activity";
import { attributesApi } from "./attributes";
import { authApi } from "./auth";
import { billRunsApi } from "./bill-runs";
import { broadcastsApi } from "./broadcasts";
import { catalogApi } from "./catalog";
import { contactsApi } from "./contacts";
import { customersApi } from "./customers";
import { inventoryApi } from "./inventory";
import { invoicesApi } from "./invoices";
import { jobsApi } from "./jobs";
import { withOperationIds } from "./operation-ids";
import { paymentsApi } from "./payments";
import { planChangesApi } from "./plan-changes";
import { promoCodesApi } from "./promo-codes";
import { reconciliationApi } from "./reconciliation";
import { reportsApi } from "./reports";
import { searchApi } from "./search";
import { servicesApi } from "./services";
import { settingsApi } from "./settings";
import { sitesApi } from "./sites";
import { taxRatesApi } from "./tax-rates";
import { transactionsApi } from "./transactions";
import { usersApi } from "./users";
import { webhookEndpointsApi } from "./webhook-endpoints";

/** The REST API under /api/v1: bearer authentication, idempotency keys, zod validation, OpenAPI 3.1. */
export const api = new OpenAPIHono<AppEnv>({
  defaultHook: (result) => {
    if (!result.success) validationFailed(result.target, result.error);
  },
});

api.use(authenticateBearer());
api.use(wellFormedJson());

api.route("/", authApi);
api.route("/", customersApi);
api.route("/", contactsApi);
api.route("/", sitesApi);
api.route("/", attributesApi);
api.route("/", activityApi);
api.route("/", searchApi);
api.route("/", settingsApi);
api.route("/", usersApi);
api.route("/", catalogApi);
api.route("/", servicesApi);
api.route("/", transactionsApi);
api.route("/", invoicesApi);
api.route("/", billRunsApi);
api.route("/", promoCodesApi);
api.route("/", paymentsApi);
api.route("/", webhookEndpointsApi);
api.route("/", reportsApi);
api.route("/", taxRatesApi);
api.route("/", inventoryApi);
api.route("/", reconciliationApi);
api.route("/", jobsApi);
api.route("/", broadcastsApi);
api.route("/", planChangesApi);

api.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
  type: "http",
  scheme: "bearer",
  description: "An access token from POST /api/v1/auth/login, or an API key `ocrm_<prefix>_<secret>`.",
});

let cachedDocument: unknown = null;

/** The OpenAPI 3.1 document, generated once per isolate from the route schemas. */
export function openApiDocument(): unknown {
  cachedDocument ??= withOperationIds(
    api.getOpenAPI31Document({
      openapi: "3.1.0",
      info: {
        title: "Open BSS API",
        version: "1.0.0",
        description:
          "REST API of the Open BSS/OSS. JSON with snake_case fields; prefixed, time-sortable ids; cursor pagination (`limit`, `cursor` → `next_cursor`); RFC 9457 problem+json errors; `Idempotency-Key` accepted on every POST (replayed for 24 hours).",
      },
      servers: [{ url: "/api/v1" }],
    }),
  );
  return cachedDocument;
}
