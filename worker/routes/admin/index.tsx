import { Hono } from "hono";
import { getSettings } from "../../db/queries/settings";
import type { AppEnv } from "../../env";
import { negotiateLocale } from "../../i18n/catalogue";
import { withLocale } from "../../i18n/request-locale";
import { authenticateCookie } from "../../middleware/authenticate";
import { csrf } from "../../middleware/csrf";
import { activityPages } from "./activity";
import { authPages } from "./auth";
import { billRunPages } from "./bill-runs";
import { broadcastPages } from "./broadcasts";
import { catalogPages } from "./catalog";
import { customerPages } from "./customers";
import { dashboardPages } from "./dashboard";
import { identityPages } from "./identity";
import { inventoryPages } from "./inventory";
import { inventoryImportPages } from "./inventory-import";
import { inventoryTypePages } from "./inventory-types";
import { invoicePages } from "./invoices";
import { jobPages } from "./jobs";
import { paymentPages } from "./payments";
import { promoCodePages } from "./promo-codes";
import { reportPages } from "./reports";
import { searchPages } from "./search";
import { servicePages } from "./services";
import { settingsPages } from "./settings";
import { stuckWritePages } from "./stuck-writes";
import { taxRatePages } from "./tax-rates";
import { transactionPages } from "./transactions";
import { webhookPages } from "./webhooks";

/** Staff pages under /admin: cookie session, CSRF protection, operator branding on every page. */
export const admin = new Hono<AppEnv>();

admin.use(async (c, next) => {
  c.set("settings", (await getSettings(c.get("db"))).data);
  await next();
  c.res.headers.set("Cache-Control", "no-store");
});
admin.use(authenticateCookie());
admin.use(csrf());
// The admin is for staff: a customer's session (from the portal) is never an admin session.
admin.use(async (c, next) => {
  if (c.get("principal")?.type === "customer") c.set("principal", null);
  await next();
});
// Pages in the user's language (their preference, else the browser's): views read it through t().
admin.use((c, next) => withLocale(c.get("principal")?.locale ?? negotiateLocale(undefined, c.req.header("accept-language")), next));
// Staff whose role requires 2FA are sent to set it up before anything else.
admin.use(async (c, next) => {
  const principal = c.get("principal");
  const path = new URL(c.req.url).pathname;
  if (principal?.mustEnrollTwoFactor && c.req.method === "GET" && !path.startsWith("/admin/account")) return c.redirect("/admin/account/2fa?required=1", 303);
  await next();
});

admin.route("/", authPages);
admin.route("/", dashboardPages);
admin.route("/", customerPages);
admin.route("/", activityPages);
admin.route("/", searchPages);
admin.route("/", settingsPages);
admin.route("/", identityPages);
admin.route("/", catalogPages);
admin.route("/", servicePages);
admin.route("/", jobPages);
admin.route("/", paymentPages);
admin.route("/", webhookPages);
admin.route("/", stuckWritePages);
admin.route("/", inventoryPages);
admin.route("/", inventoryImportPages);
admin.route("/", inventoryTypePages);
admin.route("/", invoicePages);
admin.route("/", billRunPages);
admin.route("/", promoCodePages);
admin.route("/", reportPages);
admin.route("/", transactionPages);
admin.route("/", taxRatePages);
admin.route("/", broadcastPages);
