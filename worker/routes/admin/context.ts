import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { DEFAULT_SETTINGS } from "../../domain/settings/schemas";
import type { AppEnv } from "../../env";
import { Unauthorized } from "../../lib/errors";
import type { PageContext } from "../../views/layout";

/**
 * The one-time message after an action: a short-lived cookie scoped to /admin, set with the 303
 * and taken (read and cleared) by the next full page, which shows it as text in the #flash region.
 */
export const NOTICE_COOKIE = "obss_notice";
const NOTICE_MAX = 300;
const COOKIE_OPTIONS = { path: "/admin", secure: true, httpOnly: true, sameSite: "Lax" } as const;

/** The notice each request shows, taken once: later pageContext calls of the same request reuse it. */
const taken = new WeakMap<Context<AppEnv>, string | null>();

/** Says what just happened on the page this request renders (a POST that answers with a page rather than a redirect). */
export function noticeNow(c: Context<AppEnv>, message: string): void {
  taken.set(c, message.slice(0, NOTICE_MAX));
}

/** 303 to `url` after a successful action, with `message` ("Customer Dupont SARL created.") shown once there. */
export function redirectWithNotice(c: Context<AppEnv>, url: string, message: string): Response {
  setCookie(c, NOTICE_COOKIE, message.slice(0, NOTICE_MAX), { ...COOKIE_OPTIONS, maxAge: 60 });
  return c.redirect(url, 303);
}

/** The pending notice for a full page, cleared as it is shown; htmx fragments leave it for the page. */
function takeNotice(c: Context<AppEnv>): string | null {
  if (taken.has(c)) return taken.get(c) ?? null;
  if (c.req.header("hx-request") === "true" && c.req.header("hx-boosted") !== "true") return null;
  const raw = getCookie(c, NOTICE_COOKIE);
  const notice = raw ? raw.slice(0, NOTICE_MAX) : null;
  if (raw !== undefined) deleteCookie(c, NOTICE_COOKIE, COOKIE_OPTIONS);
  taken.set(c, notice);
  return notice;
}

/** What every admin page needs to render its shell. */
export function pageContext(c: Context<AppEnv>): PageContext {
  const principal = c.get("principal");
  if (!principal) throw new Unauthorized();
  return {
    principal,
    settings: c.get("settings") ?? DEFAULT_SETTINGS,
    csrfToken: c.get("csrfToken"),
    path: new URL(c.req.url).pathname,
    notice: takeNotice(c),
  };
}

/** True for an htmx request aimed at a given element (the route then answers with just that fragment). */
export function wantsFragment(c: Context<AppEnv>, target: string): boolean {
  return c.req.header("hx-request") === "true" && c.req.header("hx-target") === target && c.req.header("hx-boosted") !== "true";
}
