import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { Invalid } from "../lib/errors";

/** A UTF-16 surrogate without its pair: not text, and stored by D1 as invalid UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The path of the first string (key or value) holding a lone surrogate, or null. */
export function malformedTextPath(value: unknown, path = ""): string | null {
  if (typeof value === "string") return LONE_SURROGATE.test(value) ? path || "(body)" : null;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = malformedTextPath(v, path ? `${path}.${i}` : String(i));
      if (found) return found;
    }
    return null;
  }
  if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      const here = path ? `${path}.${k}` : k;
      if (LONE_SURROGATE.test(k)) return here;
      const found = malformedTextPath(v, here);
      if (found) return found;
    }
  }
  return null;
}

/** Refuses (422) a JSON body carrying text that is not valid Unicode, before any handler sees it. */
export function wellFormedJson(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const type = c.req.header("content-type") ?? "";
    if (c.req.method !== "GET" && c.req.method !== "HEAD" && type.includes("json")) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(await c.req.text());
      } catch {
        return next(); // malformed JSON: the route's validation answers 400
      }
      const path = malformedTextPath(parsed);
      if (path) throw new Invalid("The request holds text that is not valid Unicode (a lone UTF-16 surrogate).", [{ path, message: "Not valid Unicode" }]);
    }
    await next();
  };
}
