import { Hono } from "hono";
import { seedDemo } from "../domain/demo/seed";
import { serviceDeps } from "../durable/service-client";
import type { AppEnv } from "../env";
import { safeEqual } from "../lib/crypto";
import { NotFound, Unauthorized } from "../lib/errors";
import { can } from "../middleware/access";

/**
 * Development-only helpers, used by `npm start`. They exist only when APP_ENV is "development" and
 * require the local AUTH_SECRET, so a deployed worker (APP_ENV "production") answers 404.
 */
export const dev = new Hono<AppEnv>().post("/dev/seed", can("public"), async (c) => {
  if (c.env.APP_ENV !== "development") throw new NotFound();
  const secret = c.req.header("x-dev-secret") ?? "";
  if (!safeEqual(secret, c.env.AUTH_SECRET)) throw new Unauthorized("Wrong development secret.");
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
