import type { Context, ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ZodError } from "zod";
import type { AppEnv } from "../env";
import { AppError, BadRequest, type FieldError, Invalid, problemOf, TooManyRequests } from "../lib/errors";
import { errorPage } from "../views/error-page";

/** Surfaces that speak problem+json; everything else is a page. */
export function isApiPath(path: string): boolean {
  return path.startsWith("/api/") || path.startsWith("/runner/") || path.startsWith("/webhooks/") || path === "/healthz";
}

export function zodErrors(error: ZodError): FieldError[] {
  return error.issues.map((issue) => ({ path: issue.path.join(".") || "(body)", message: issue.message }));
}

/** How many field errors a problem lists: a list of 10,000 bad values is not answered with 10,000 entries. */
export const MAX_FIELD_ERRORS = 50;

/** The first {@link MAX_FIELD_ERRORS} errors, and one entry (path `(more)`) that counts the rest. */
export function cappedErrors(errors: FieldError[]): FieldError[] {
  if (errors.length <= MAX_FIELD_ERRORS) return errors;
  const rest = errors.length - MAX_FIELD_ERRORS;
  return [...errors.slice(0, MAX_FIELD_ERRORS), { path: "(more)", message: `${rest} more error${rest === 1 ? "" : "s"} not listed` }];
}

/** zod-openapi validation hook: malformed query/params are 400, an invalid body is 422. */
export function validationFailed(target: string, error: ZodError): never {
  const errors = cappedErrors(zodErrors(error));
  if (target === "json" || target === "form") throw new Invalid("The request body is not valid.", errors);
  throw new BadRequest(`The ${target === "param" ? "path" : target} parameters are not valid.`, errors);
}

function describe(err: unknown): { status: number; title: string; detail: string; errors?: FieldError[]; extra?: Record<string, unknown> } {
  if (err instanceof AppError) return { status: err.status, title: err.title, detail: err.message, errors: err.errors, extra: err.extra };
  if (err instanceof HTTPException) {
    const status = err.status;
    const detail = err.message || (status === 415 ? "Send the body as application/json." : "The request could not be processed.");
    return { status, title: status === 415 ? "Unsupported media type" : status === 400 ? "Bad request" : "Error", detail };
  }
  return { status: 500, title: "Internal error", detail: "Something went wrong on our side; the request id identifies it in the logs." };
}

/** The one error handler: problem+json for the API, a page (or redirect to sign-in) for people. */
export const handleError: ErrorHandler<AppEnv> = (err, c: Context<AppEnv>) => {
  const requestId = c.get("requestId");
  const { status, title, detail, errors, extra } = describe(err);
  if (status >= 500)
    console.error(JSON.stringify({ level: "error", request_id: requestId, error: String(err), stack: err instanceof Error ? err.stack : undefined }));
  const path = new URL(c.req.url).pathname;
  if (isApiPath(path)) {
    const headers: Record<string, string> = { "Content-Type": "application/problem+json" };
    if (status === 401) headers["WWW-Authenticate"] = 'Bearer realm="open-bss"';
    if (err instanceof TooManyRequests) headers["Retry-After"] = String(err.retryAfterSeconds);
    return c.body(JSON.stringify(problemOf(status, title, detail, errors, { ...extra, request_id: requestId })), status as 400, headers);
  }
  if (status === 401) {
    const area = path.startsWith("/portal") ? "/portal" : "/admin";
    const next = c.req.method === "GET" ? `?next=${encodeURIComponent(path + new URL(c.req.url).search)}` : "";
    const target = `${area}/login${next}`;
    if (c.req.header("hx-request")) return c.body(null, 204, { "HX-Redirect": target });
    return c.redirect(target, 303);
  }
  if (err instanceof TooManyRequests) c.header("Retry-After", String(err.retryAfterSeconds));
  return c.html(errorPage({ status, title, detail, requestId }), status as 400);
};
