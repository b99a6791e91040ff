import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { createDb } from "./db/client";
import type { AppEnv } from "./env";
import { NotFound } from "./lib/errors";
import { can } from "./middleware/access";
import { handleError, isApiPath } from "./middleware/errors";
import { requestId } from "./middleware/request-id";
import { requireSecrets } from "./middleware/secrets";
import { admin } from "./routes/admin";
import { api } from "./routes/api";
import { dev } from "./routes/dev";
import { docs } from "./routes/docs";
import { portal } from "./routes/portal";
import { runner } from "./routes/runner";
import { topup } from "./routes/topup";
import { webhooks } from "./routes/webhooks";

/** The whole HTTP surface: API, docs, admin pages, the customer portal, the runner API and inbound webhooks. */
export const app = new Hono<AppEnv>();

app.use(requestId());
app.use(requireSecrets());
app.use(
  secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      // Stripe Elements (card forms, only when STRIPE_PUBLISHABLE_KEY is set) loads from js.stripe.com.
      scriptSrc: ["'self'", "https://js.stripe.com"],
      frameSrc: ["https://js.stripe.com", "https://hooks.stripe.com"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", "data:", "https:"],
      connectSrc: ["'self'", "https://api.stripe.com"],
      frameAncestors: ["'none'"],
      formAction: ["'self'"],
      baseUri: ["'none'"],
    },
    referrerPolicy: "same-origin",
  }),
);
app.use(async (c, next) => {
  c.set("db", createDb(c.env.DB));
  c.set("principal", null);
  await next();
});

app.get("/healthz", can("public"), (c) => c.json({ status: "ok", time: new Date().toISOString() }));
app.get("/", can("public"), (c) => c.redirect("/admin", 302));
app.route("/", docs);
app.route("/", dev);
app.route("/api/v1", api);
app.route("/runner/v1", runner);
app.route("/admin", admin);
app.route("/portal", portal);
app.route("/topup", topup);
app.route("/", webhooks);

app.notFound((c) => {
  const path = new URL(c.req.url).pathname;
  if (isApiPath(path)) return handleError(new NotFound(`No route for ${c.req.method} ${path}.`), c);
  // A page address typed or linked with a trailing slash ("/admin/") goes to the page without it;
  // the API keeps its exact paths.
  if ((c.req.method === "GET" || c.req.method === "HEAD") && path.length > 1 && path.endsWith("/") && !path.startsWith("//")) {
    const url = new URL(c.req.url);
    return c.redirect(`${path.replace(/\/+$/, "") || "/"}${url.search}`, 301);
  }
  return handleError(new NotFound("This page does not exist."), c);
});
app.onError(handleError);
