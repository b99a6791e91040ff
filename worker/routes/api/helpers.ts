import { createRoute, type RouteConfig } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { z } from "zod";
import { findCustomerRow } from "../../db/queries/customers";
import { cursorParam, pageLimit } from "../../domain/validation";
import type { AppEnv } from "../../env";
import { BadRequest, NotFound } from "../../lib/errors";
import { type Access, type AccessOptions, assertInScope, can, customerScope } from "../../middleware/access";
import { idempotency, operationKey } from "../../middleware/idempotency";

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    request_id: z.string().optional(),
  })
  .meta({ id: "Problem", description: "RFC 9457 problem details" });

const DESCRIPTIONS: Record<number, string> = {
  400: "Malformed request (bad JSON, bad query parameter or cursor)",
  401: "Not authenticated",
  402: "The card was declined (`code`, `decline_code`; the payment is recorded as failed)",
  403: "Missing permission",
  404: "Not found (or not yours)",
  409: "Illegal state transition or conflict",
  415: "Unsupported media type",
  422: "Validation failed; `errors` lists each field",
  429: "Rate limited",
  503: "An integration this needs (Stripe) is not configured",
};

/** Problem+json responses for the given status codes. */
export function problems(...codes: number[]) {
  return Object.fromEntries(
    codes.map((code) => [code, { description: DESCRIPTIONS[code] ?? "Error", content: { "application/problem+json": { schema: Problem } } }]),
  );
}

export function jsonBody<T extends z.ZodType>(schema: T, description?: string) {
  return { required: true, description, content: { "application/json": { schema } } } as const;
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } } as const;
}

export function pageOf<T extends z.ZodType>(schema: T) {
  return z.object({ data: z.array(schema), next_cursor: z.string().nullable() });
}

export const IdParam = z.object({
  id: z
    .string()
    .max(64)
    .meta({ param: { name: "id", in: "path" } }),
});

/**
 * An API route whose access rule is declared with it: enforced by `can()`, shown in the OpenAPI
 * document (security + `x-permission`) and enumerated by the route × role tests.
 */
/** Refuses a POST without an Idempotency-Key (routes that move money or start provisioning). */
export const requireIdempotencyKey: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!c.req.header("idempotency-key")) {
    throw new BadRequest("This request moves money or starts provisioning: send an Idempotency-Key header.", [
      { path: "Idempotency-Key", message: "Required" },
    ]);
  }
  await next();
};

/**
 * `idempotent`: the route requires an Idempotency-Key. `"domain"`: the use case itself applies each
 * key once and answers a replay with the first outcome (the ServiceState object does, for top-ups),
 * so the generic response store is skipped. Every other POST gets the generic store.
 */
export type RouteOptions = AccessOptions & { idempotent?: boolean | "domain" };

export function apiRoute<const R extends Omit<RouteConfig, "middleware" | "security">>(access: Access, config: R, options: RouteOptions = {}) {
  const base = access === "public" ? "No authentication." : access === "authenticated" ? "Any signed-in caller." : `Requires \`${access}\`.`;
  const scoped = options.customers ? `${base} Customer portal accounts may call it for their own customer only.` : base;
  const note = options.idempotent ? `${scoped} An \`Idempotency-Key\` header is required.` : scoped;
  return createRoute({
    ...config,
    description: [config.description, note].filter(Boolean).join("\n\n"),
    security: access === "public" ? [] : [{ bearerAuth: [] }],
    "x-permission": access,
    "x-customer-access": options.customers ?? false,
    middleware: [
      can(access, options),
      ...(options.idempotent ? [requireIdempotencyKey] : []),
      ...(config.method === "post" && options.idempotent !== "domain" ? [idempotency()] : []),
    ] as unknown as [MiddlewareHandler<AppEnv>],
  });
}

/** The caller's operation key for the domain (`operationKey`): its Idempotency-Key, or the request id. */
export function keyOf(c: Context<AppEnv>): string {
  return operationKey(c, c.req.header("idempotency-key") ?? c.get("requestId"));
}

/** `limit` and `cursor` of every list (extend it with the list's filters). */
export const PageQuery = z.object({ limit: pageLimit, cursor: cursorParam });

/**
 * The customer a list is limited to: a portal caller's own customer (asking for another one gets an
 * empty page: `null`), else the `customer_id` the caller asked for, if any.
 */
export function listCustomer(c: Context<AppEnv>, requested: string | undefined): { customerId: string | undefined } | null {
  const scope = customerScope(c);
  if (scope && requested && requested !== scope) return null;
  return { customerId: scope ?? requested };
}

export const EMPTY_PAGE = { data: [], next_cursor: null };

/** A list limited as `listCustomer` says: the page `load` returns for that customer (or all), or an empty page. */
export async function scopedPage<T>(c: Context<AppEnv>, requested: string | undefined, load: (customerId: string | undefined) => Promise<T>) {
  const scoped = listCustomer(c, requested);
  return scoped ? await load(scoped.customerId) : (EMPTY_PAGE as T);
}

/** The `{id}` of a `/customers/{id}/…` route, once it is in the caller's scope and exists (else 404). */
export async function customerOfPath(c: Context<AppEnv>, id: string): Promise<string> {
  assertInScope(c, id);
  if (!(await findCustomerRow(c.get("db"), id))) throw new NotFound("No customer with this id.");
  return id;
}
