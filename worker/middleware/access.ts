import type { Context, MiddlewareHandler } from "hono";
import type { Permission } from "../domain/auth/permissions";
import { actorOf } from "../domain/auth/principal";
import type { WriteContext } from "../domain/context";
import type { AppEnv } from "../env";
import { Forbidden, Unauthorized } from "../lib/errors";

/** What a route requires: a permission, any signed-in principal, or nothing. */
export type Access = Permission | "authenticated" | "public";

export const ACCESS = Symbol("access");
export type AccessMiddleware = MiddlewareHandler<AppEnv> & { [ACCESS]: Access };

/**
 * Declares and enforces a route's access rule. The rule is attached to the middleware so tests can
 * list every route with its permission (and fail for a route that declares none).
 * @example app.get("/customers", can("customers:read"), (c) => …)
 */
export function can(access: Access): AccessMiddleware {
  const middleware: MiddlewareHandler<AppEnv> = async (c, next) => {
    if (access !== "public") {
      const principal = c.get("principal");
      if (!principal) throw new Unauthorized();
      if (access !== "authenticated" && !principal.permissions.has(access)) {
        throw new Forbidden(`This requires the ${access} permission.`);
      }
    }
    await next();
  };
  return Object.assign(middleware, { [ACCESS]: access });
}

/** True when the signed-in principal holds a permission (pages use it to hide what is not allowed). */
export function allowed(c: Context<AppEnv>, permission: Permission): boolean {
  return c.get("principal")?.permissions.has(permission) ?? false;
}

/** The write context of a request: its database, its actor, its id and one timestamp for all rows. */
export function writeContext(c: Context<AppEnv>): WriteContext {
  const principal = c.get("principal");
  if (!principal) throw new Unauthorized();
  return { db: c.get("db"), actor: actorOf(principal), requestId: c.get("requestId"), now: new Date().toISOString() };
}
