import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { hmacSha256, safeEqual } from "../lib/crypto";
import { Forbidden } from "../lib/errors";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * CSRF protection for cookie-authenticated pages, in two layers: the request must come from this
 * origin (Sec-Fetch-Site / Origin), and a signed-in user's request must carry the session's token
 * (`_csrf` form field or `X-CSRF-Token` header, which htmx sends from the page's hx-headers).
 * Run after `authenticateCookie()`.
 */
export function csrf(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = c.get("principal");
    const token = principal ? await hmacSha256(c.env.AUTH_SECRET, `csrf:${principal.sessionId}`) : "";
    c.set("csrfToken", token);
    if (!SAFE.has(c.req.method)) {
      const site = c.req.header("sec-fetch-site");
      const origin = c.req.header("origin");
      const expected = new URL(c.req.url).origin;
      if ((site && site !== "same-origin") || (origin && origin !== expected) || (!site && !origin)) {
        throw new Forbidden("Cross-site request refused.");
      }
      if (principal) {
        let sent = c.req.header("x-csrf-token");
        if (!sent && (c.req.header("content-type") ?? "").includes("form")) {
          const body = await c.req.parseBody();
          sent = typeof body._csrf === "string" ? body._csrf : undefined;
        }
        if (!sent || !safeEqual(sent, token)) throw new Forbidden("The form has expired; reload the page and try again.");
      }
    }
    await next();
  };
}
