import type { Context, MiddlewareHandler } from "hono";
import type { Permission } from "../domain/auth/permissions";
import { actorOf } from "../domain/auth/principal";
import type { WriteContext } from "../domain/context";
import type { AppEnv } from "../env";
import { Forbidden, NotFound, Unauthorized } from "../lib/errors";

/** What a route requires: a permission, any signed-in principal, or nothing. */
export type Access = Permission | "authenticated" | "public";
export type AccessOptions = {
  /** Customer portal accounts may call this route; its handler scopes every query to their customer. */
  customers?: boolean;
};

export const ACCESS = Symbol("access");
export type AccessRule = { access: Access; customers: boolean };
export type AccessMiddleware = MiddlewareHandler<AppEnv> & { [ACCESS]: AccessRule };

/**
 * Declares and enforces a route's access rule. The rule is attached to the middleware so tests can
 * list every route with its permission (and fail for a route that declares none).
 * Staff whose role requires two-factor authentication reach only "authenticated" routes (their
 * account, 2FA setup, sign-out) until they have set it up.
 * @example app.get("/customers", can("customers:read"), (c) => …)
 */
export function can(access: Access, options: AccessOptions = {}): AccessMiddleware {
  const customers = options.customers ?? false;
  const middleware: MiddlewareHandler<AppEnv> = async (c, next) => {
    if (access !== "public") {
      const principal = c.get("principal");
      if (!principal) throw new Unauthorized();
      // A runner key reaches the runner API and nothing else (not even "any signed-in" routes such as /me).
      if (principal.permissions.has("runner:access") && access !== "runner:access") {
        throw new Forbidden("A runner key reaches the runner API (/runner/v1) only.");
      }
      if (principal.type === "customer" && !customers && access !== "authenticated") {
        throw new Forbidden("This requires a staff account or an API key.");
      }
      if (principal.mustEnrollTwoFactor && access !== "authenticated") {
        throw new Forbidden("Your role requires two-factor authentication: set it up before continuing.");
      }
      if (access !== "authenticated" && !principal.permissions.has(access)) {
        throw new Forbidden(`This requires the ${access} permission.`);
      }
    }
    await next();
  };
  return Object.assign(middleware, { [ACCESS]: { access, customers } });
}

/** True when the signed-in principal holds a permission (pages use it to hide what is not allowed). */
export function allowed(c: Context<AppEnv>, permission: Permission): boolean {
  const principal = c.get("principal");
  return Boolean(principal && !principal.mustEnrollTwoFactor && principal.permissions.has(permission));
}

/** The customer a customer principal is confined to; null for staff and API keys. */
export function customerScope(c: Context<AppEnv>): string | null {
  return c.get("principal")?.customerId ?? null;
}

/** Refuses (as 404, like a missing id) anything outside a customer principal's own customer. */
export function assertInScope(c: Context<AppEnv>, customerId: string | null): void {
  const scope = customerScope(c);
  if (scope !== null && scope !== customerId) throw new NotFound();
}

/** The write context of a request: its database, its actor, its id and one timestamp for all rows. */
export function writeContext(c: Context<AppEnv>): WriteContext {
  const principal = c.get("principal");
  if (!principal) throw new Unauthorized();
  return { db: c.get("db"), actor: actorOf(principal), requestId: c.get("requestId"), now: new Date().toISOString() };
}
