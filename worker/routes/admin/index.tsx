import { Hono } from "hono";
import { getSettings } from "../../db/queries/settings";
import type { AppEnv } from "../../env";
import { authenticateCookie } from "../../middleware/authenticate";
import { csrf } from "../../middleware/csrf";
import { activityPages } from "./activity";
import { areaPages } from "./areas";
import { authPages } from "./auth";
import { customerPages } from "./customers";
import { dashboardPages } from "./dashboard";
import { searchPages } from "./search";
import { settingsPages } from "./settings";

/** Staff pages under /admin: cookie session, CSRF protection, operator branding on every page. */
export const admin = new Hono<AppEnv>();

admin.use(authenticateCookie());
admin.use(csrf());
admin.use(async (c, next) => {
  c.set("settings", (await getSettings(c.get("db"))).data);
  await next();
  c.res.headers.set("Cache-Control", "no-store");
});

admin.route("/", authPages);
admin.route("/", dashboardPages);
admin.route("/", customerPages);
admin.route("/", activityPages);
admin.route("/", searchPages);
admin.route("/", settingsPages);
admin.route("/", areaPages);
