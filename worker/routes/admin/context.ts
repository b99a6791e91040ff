import type { Context } from "hono";
import { DEFAULT_SETTINGS } from "../../domain/settings/schemas";
import type { AppEnv } from "../../env";
import { Unauthorized } from "../../lib/errors";
import type { PageContext } from "../../views/layout";

/** What every admin page needs to render its shell. */
export function pageContext(c: Context<AppEnv>): PageContext {
  const principal = c.get("principal");
  if (!principal) throw new Unauthorized();
  return { principal, settings: c.get("settings") ?? DEFAULT_SETTINGS, csrfToken: c.get("csrfToken"), path: new URL(c.req.url).pathname };
}

/** True for an htmx request aimed at a given element (the route then answers with just that fragment). */
export function wantsFragment(c: Context<AppEnv>, target: string): boolean {
  return c.req.header("hx-request") === "true" && c.req.header("hx-target") === target && c.req.header("hx-boosted") !== "true";
}
