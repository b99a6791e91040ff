import type { Context } from "hono";
import type { z } from "zod";
import type { AppEnv } from "../../env";
import { localiseError, zodErrorMap } from "../../i18n/form-errors";
import { t } from "../../i18n/request-locale";
import { AppError, Invalid } from "../../lib/errors";
import { zodErrors } from "../../middleware/errors";
import { malformedTextPath } from "../../middleware/well-formed";
import { errorMap, type FormErrors } from "../../views/components";
import { REASON_MAX, REASON_MIN } from "../../views/confirm";

export type FormBody = Record<string, string | string[]>;

/** The submitted form as strings (repeated fields as arrays); files are ignored. */
export async function readForm(c: Context<AppEnv>): Promise<FormBody> {
  const raw = await c.req.parseBody({ all: true });
  const bad = malformedTextPath(Object.fromEntries(Object.entries(raw).filter(([, v]) => typeof v === "string" || Array.isArray(v))));
  if (bad) throw new Invalid("The form holds text that is not valid Unicode.", [{ path: bad, message: "Not valid Unicode" }]);
  const out: FormBody = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key === "_csrf") continue;
    if (Array.isArray(value)) out[key] = value.filter((v): v is string => typeof v === "string");
    else if (typeof value === "string") out[key] = value;
  }
  return out;
}

/** One text field: trimmed; empty becomes `undefined` (create forms) or `null` (edit forms, to clear). */
export function text(body: FormBody, key: string, empty: "omit" | "null" = "omit"): string | null | undefined {
  const v = body[key];
  const s = Array.isArray(v) ? v[0] : v;
  if (s === undefined) return undefined;
  if (s.trim() === "") return empty === "null" ? null : undefined;
  return s;
}

export function list(body: FormBody, key: string): string[] {
  const v = body[key];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

export function numberOrNull(body: FormBody, key: string): number | null | undefined {
  const s = text(body, key, "null");
  if (s === undefined || s === null) return s;
  const n = Number(s);
  return Number.isFinite(n) ? n : (s as unknown as number); // let zod report the type error
}

export type FormResult<T> = { ok: true; data: T } | { ok: false; errors: FormErrors; message?: string };

/** Validates with the same zod schema the API uses; zod's own messages in the page's language (the schema's stay as written, errorMap translates them). */
export function validate<T extends z.ZodType>(schema: T, input: unknown): FormResult<z.infer<T>> {
  const parsed = schema.safeParse(input, { error: zodErrorMap });
  return parsed.success ? { ok: true, data: parsed.data } : { ok: false, errors: errorMap(zodErrors(parsed.error)) };
}

/** Runs a use case; a 4xx domain failure becomes form errors (shown inline) instead of an error page. */
export async function attempt<T>(run: () => Promise<T>): Promise<FormResult<T>> {
  try {
    return { ok: true, data: await run() };
  } catch (error) {
    if (error instanceof AppError && error.status < 500 && error.status !== 401 && error.status !== 403) {
      // Said in the page's language when the catalogue knows the domain's English (i18n/form-errors.ts).
      return { ok: false, errors: errorMap(error.errors), message: localiseError(error.message) };
    }
    throw error;
  }
}

/** The reason typed on a confirmation page: trimmed, REASON_MIN to REASON_MAX characters, or what to say beside the box. */
export function reasonOf(body: FormBody): { ok: true; reason: string } | { ok: false; value: string; error: string } {
  const value = (text(body, "reason") ?? "").trim();
  if (value.length < REASON_MIN) return { ok: false, value, error: t("confirm.reason_short", { min: REASON_MIN }) };
  if (value.length > REASON_MAX) return { ok: false, value, error: t("confirm.reason_long", { max: REASON_MAX, n: value.length }) };
  return { ok: true, reason: value };
}
