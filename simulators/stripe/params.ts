/**
 * Stripe's v1 request parameters: form-encoded (`a[b][c]=v`, `list[]=v`, `list[0]=v`) in POST bodies
 * and in GET query strings, checked against what the real endpoint accepts. A parameter Stripe does
 * not have is refused as Stripe refuses it (`parameter_unknown`); a real one this simulator does not
 * model is refused too, with its own code, rather than silently ignored.
 */

/** A Stripe API error, thrown by handlers. `saved: false` for refusals made before the endpoint runs (not kept for idempotent replay). */
export class StripeFailure extends Error {
  constructor(
    readonly status: number,
    readonly error: { type: string; message: string; code?: string; param?: string; [key: string]: unknown },
    readonly saved = true,
  ) {
    super(error.message);
  }
}

/** 400 `invalid_request_error`. */
export const invalid = (message: string, param?: string, code?: string, saved = true) =>
  new StripeFailure(400, { type: "invalid_request_error", message, ...(code ? { code } : {}), ...(param ? { param } : {}) }, saved);

const refused = (message: string, param: string, code?: string) => invalid(message, param, code, false);

type Tree = string | { [key: string]: Tree };

/** Parses form pairs into a tree: `a[b]=1` → {a:{b:"1"}}; `a[]=x&a[]=y` → {a:{0:"x",1:"y"}}. */
export function parseForm(pairs: URLSearchParams): Record<string, Tree> {
  const root: Record<string, Tree> = {};
  for (const [key, value] of pairs) {
    const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
    const path = match ? [match[1] ?? key, ...[...(match[2] ?? "").matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1] ?? "")] : [key];
    let node: Record<string, Tree> = root;
    for (const [i, raw] of path.entries()) {
      const segment = raw === "" ? String(Object.keys(node).length) : raw;
      if (i === path.length - 1) {
        node[segment] = value;
        break;
      }
      const next = node[segment];
      if (typeof next === "object") node = next;
      else {
        const child: Record<string, Tree> = {};
        node[segment] = child;
        node = child;
      }
    }
  }
  return root;
}

export type Field =
  | { t: "string"; emptyable?: boolean; values?: readonly string[]; max?: number }
  | { t: "integer"; min?: number; max?: number }
  | { t: "boolean" }
  | { t: "off_session" }
  | { t: "metadata" }
  | { t: "strings"; values?: readonly string[] }
  | { t: "object"; fields: Spec; emptyable?: boolean; required?: string[] }
  | { t: "not_simulated" };
export type Spec = Record<string, Field>;

export const str = (extra: { emptyable?: boolean; values?: readonly string[]; max?: number } = {}): Field => ({ t: "string", ...extra });
export const int = (min?: number, max?: number): Field => ({ t: "integer", min, max });
export const bool: Field = { t: "boolean" };
export const metadata: Field = { t: "metadata" };
export const strings = (values?: readonly string[]): Field => ({ t: "strings", values });
export const obj = (fields: Spec, extra: { emptyable?: boolean; required?: string[] } = {}): Field => ({ t: "object", fields, ...extra });
/** Parameters the real endpoint accepts and this simulator does not model. */
export const notSimulated = (...names: string[]): Spec => Object.fromEntries(names.map((n) => [n, { t: "not_simulated" } as Field]));
export const expand: Spec = { expand: strings() };
export const pagination: Spec = { limit: int(1, 100), starting_after: str(), ending_before: str() };

export type Value = string | number | boolean | null | string[] | Record<string, string> | Params;

/** Validated parameters; an absent key was not sent, `null` was sent empty (Stripe's "unset"). */
export class Params {
  constructor(readonly values: Record<string, Value>) {}
  has(key: string): boolean {
    return key in this.values;
  }
  str(key: string): string | undefined {
    const v = this.values[key];
    return typeof v === "string" ? v : undefined;
  }
  /** A string, null when sent empty, undefined when not sent. */
  nullable(key: string): string | null | undefined {
    const v = this.values[key];
    return v === null ? null : typeof v === "string" ? v : undefined;
  }
  int(key: string): number | undefined {
    const v = this.values[key];
    return typeof v === "number" ? v : undefined;
  }
  bool(key: string): boolean | undefined {
    const v = this.values[key];
    return typeof v === "boolean" ? v : undefined;
  }
  list(key: string): string[] | undefined {
    const v = this.values[key];
    return Array.isArray(v) ? v : undefined;
  }
  /** Metadata as sent: null clears everything, "" values delete their key. */
  metadata(key = "metadata"): Record<string, string> | null | undefined {
    const v = this.values[key];
    return v === null ? null : typeof v === "object" && !Array.isArray(v) && !(v instanceof Params) ? v : undefined;
  }
  sub(key: string): Params | null | undefined {
    const v = this.values[key];
    return v === null ? null : v instanceof Params ? v : undefined;
  }
  /** A plain object for idempotency comparison and logs. */
  toJSON(): Record<string, unknown> {
    return this.values;
  }
}

/** Levenshtein distance, for Stripe's "Did you mean …?" hint. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] ?? 0;
      row[j] = Math.min(current + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] ?? 0;
}

function checkString(value: Tree, name: string): string {
  if (typeof value !== "string") throw refused(`Invalid string: ${name} must be a string, not a hash or an array`, name);
  return value;
}

function checkField(field: Field, value: Tree, name: string): Value {
  switch (field.t) {
    case "not_simulated":
      throw refused(
        `The Stripe simulator does not model the parameter ${name} (Stripe accepts it). Leave it out or extend simulators/stripe.`,
        name,
        "simulator_unsupported_parameter",
      );
    case "string": {
      const s = checkString(value, name);
      if (s === "") {
        if (field.emptyable) return null;
        throw refused(
          `You passed an empty string for '${name}'. We assume empty values are an attempt to unset a parameter; however '${name}' cannot be unset. You should remove '${name}' from your request or supply a non-empty value.`,
          name,
          "parameter_invalid_empty",
        );
      }
      if (field.values && !field.values.includes(s)) throw refused(`Invalid ${name}: must be one of ${field.values.join(", ")}`, name);
      if (field.max !== undefined && s.length > field.max) throw refused(`Invalid ${name}: must be at most ${field.max} characters`, name);
      return s;
    }
    case "integer": {
      const s = checkString(value, name);
      if (!/^-?\d+$/.test(s)) throw refused(`Invalid integer: ${s}`, name, "parameter_invalid_integer");
      const n = Number(s);
      if (field.min !== undefined && n < field.min) throw refused(`This value must be greater than or equal to ${field.min}.`, name);
      if (field.max !== undefined && n > field.max) throw refused(`This value must be less than or equal to ${field.max}.`, name);
      return n;
    }
    case "boolean": {
      const s = checkString(value, name);
      if (s !== "true" && s !== "false") throw refused(`Invalid boolean: ${s}`, name);
      return s === "true";
    }
    case "off_session": {
      const s = checkString(value, name);
      if (s === "true" || s === "false") return s === "true";
      if (s === "one_off" || s === "recurring") return s;
      throw refused(`Invalid ${name}: must be a boolean or one of one_off, recurring`, name);
    }
    case "metadata": {
      if (value === "") return null;
      if (typeof value === "string") throw refused(`Invalid object: ${name} must be a hash of keys and values`, name);
      const entries = Object.entries(value);
      if (entries.length > 50) throw refused("You can specify up to 50 metadata keys.", name);
      const out: Record<string, string> = {};
      for (const [k, v] of entries) {
        const param = `${name}[${k}]`;
        const s = checkString(v, param);
        if (k.length > 40) throw refused(`Metadata keys can have up to 40 characters; ${k} is too long.`, param);
        if (s.length > 500) throw refused(`Metadata values can have up to 500 characters, but you passed in a value that is ${s.length} characters.`, param);
        out[k] = s;
      }
      return out;
    }
    case "strings": {
      if (value === "") return [];
      if (typeof value === "string" || Object.keys(value).some((k) => !/^\d+$/.test(k)))
        throw refused(`Invalid array: ${name} must be an array (${name}[0]=…, ${name}[]=…)`, name);
      return Object.entries(value)
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([k, v]) => {
          const s = checkString(v, `${name}[${k}]`);
          if (field.values && !field.values.includes(s)) throw refused(`Invalid ${name}[${k}]: must be one of ${field.values.join(", ")}`, `${name}[${k}]`);
          return s;
        });
    }
    case "object": {
      if (value === "" && field.emptyable) return null;
      if (typeof value === "string") throw refused(`Invalid object: ${name} must be a hash`, name);
      return checkParams(field.fields, value, field.required, name);
    }
  }
}

/** Checks a parsed tree against a spec: unknown names, types, then the required ones (Stripe's order). */
export function checkParams(spec: Spec, tree: Record<string, Tree>, required: string[] = [], parent?: string): Params {
  const out: Record<string, Value> = {};
  for (const [key, value] of Object.entries(tree)) {
    const name = parent ? `${parent}[${key}]` : key;
    const field = spec[key];
    if (!field) {
      const close = Object.keys(spec).find((k) => distance(k, key) <= 2);
      throw refused(`Received unknown parameter: ${name}${close ? `. Did you mean ${close}?` : ""}`, name, "parameter_unknown");
    }
    out[key] = checkField(field, value, name);
  }
  for (const key of required) {
    const name = parent ? `${parent}[${key}]` : key;
    if (!(key in out)) throw refused(`Missing required param: ${name}.`, name, "parameter_missing");
  }
  return new Params(out);
}

/** Applies metadata as Stripe does: null clears all, an empty value deletes its key. */
export function mergeMetadata(current: Record<string, string>, update: Record<string, string> | null | undefined): Record<string, string> {
  if (update === undefined) return current;
  if (update === null) return {};
  const next = { ...current };
  for (const [k, v] of Object.entries(update)) {
    if (v === "") delete next[k];
    else next[k] = v;
  }
  return next;
}
