import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { ulid } from "../lib/ids";

/**
 * Gives every request an id (`X-Request-Id`): a well-formed incoming id is kept so a caller can
 * correlate, otherwise a new one is made. The id is echoed back and written to the activity log.
 * @example app.use(requestId())
 */
export function requestId(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const incoming = c.req.header("x-request-id");
    const id = incoming && /^[A-Za-z0-9._:-]{8,100}$/.test(incoming) ? incoming : `req_${ulid()}`;
    c.set("requestId", id);
    await next();
    c.res.headers.set("X-Request-Id", id);
  };
}
