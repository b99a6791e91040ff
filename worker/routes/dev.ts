import { Hono } from "hono";
import { seedDemo } from "../domain/demo/seed";
import { serviceDeps } from "../durable/service-client";
import type { AppEnv } from "../env";
import { safeEqual } from "../lib/crypto";
import { NotFound, Unauthorized } from "../lib/errors";
import { can } from "../middleware/access";
import { runScheduled } from "../scheduled";

/**
 * Development-only helpers, used by `npm start`. They exist only when APP_ENV is "development" and
 * require the local AUTH_SECRET, so a deployed worker (APP_ENV "production") answers 404.
 */
function requireDevelopment(env: Env, secret: string | undefined) {
  if (env.APP_ENV !== "development") throw new NotFound();
  if (!safeEqual(secret ?? "", env.AUTH_SECRET)) throw new Unauthorized("Wrong development secret.");
}

export const dev = new Hono<AppEnv>()
  /**
   * The minute cron, for `npm start`: wrangler dev (4.86) cannot deliver `/cdn-cgi/handler/scheduled`
   * to a worker that serves static assets (the assets router takes the event and answers
   * "exception"), so `npm start` calls this every minute instead. Deployed, Cloudflare's cron
   * trigger calls the same tasks through `scheduled()`.
   */
  .post("/dev/scheduled", can("public"), async (c) => {
    requireDevelopment(c.env, c.req.header("x-dev-secret"));
    return c.json({ outcomes: await runScheduled(c.env) });
  })
  .post("/dev/seed", can("public"), async (c) => {
    requireDevelopment(c.env, c.req.header("x-dev-secret"));
    const result = await seedDemo(
      c.get("db"),
      {
        admin: c.env.SEED_ADMIN_PASSWORD || "admin-dev-password",
        staff: c.env.SEED_STAFF_PASSWORD || "staff-dev-password",
        customer: c.env.SEED_CUSTOMER_PASSWORD || "customer-dev-password",
        pepper: c.env.PASSWORD_PEPPER,
        runnerKey: c.env.RUNNER_API_KEY || null,
        encryptionKey: c.env.ENCRYPTION_KEY,
      },
      10,
      serviceDeps(c.env),
    );
    return c.json(result);
  });
