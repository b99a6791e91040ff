/**
 * Validation messages on staff pages in the reader's language. The API answers in English (problem+json),
 * so the domain's schemas keep writing English; a page translates at its edge: a message equal to one of
 * the catalogue's `overview.error.*` English texts (placeholders such as `{max}` match any text) is shown
 * from the same key in the page's language, any other stays as written. zod's own messages come in the
 * page's language through `zodErrorMap` (zod's French locale), and "Required" for a missing field.
 */
import { z } from "zod";
import { overviewEn } from "./admin-overview";
import { CATALOGUE, type MessageKey } from "./catalogue";
import { currentLocale, t } from "./request-locale";

type ErrorKey = Extract<keyof typeof overviewEn, `overview.error.${string}`>;
type Pattern = { key: ErrorKey; regex: RegExp; names: string[] };

const exact = new Map<string, ErrorKey>();
const patterns: Pattern[] = [];
for (const [key, english] of Object.entries(overviewEn)) {
  if (!key.startsWith("overview.error.")) continue;
  const names = [...english.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? "");
  if (names.length === 0) {
    exact.set(english, key as ErrorKey);
    continue;
  }
  const source = english
    .split(/\{\w+\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("(.+?)");
  patterns.push({ key: key as ErrorKey, regex: new RegExp(`^${source}$`), names });
}
/** Placeholders that stand for a number ("At most {max}" must not turn "At most five tags" half French). */
const NUMERIC = new Set(["max", "min", "n", "size", "line", "header"]);
const isNumber = (text: string) => /^\d[\d.,]*(?: ?(?:%|kB))?$/.test(text);

// The most specific pattern first ("At most {size} kB of JSON" before "At most {max}").
patterns.sort((a, b) => b.regex.source.length - a.regex.source.length);

/**
 * A placeholder's value that is itself a word of the domain, in the page's language when the
 * catalogue has it: `{status}` and `{to}` (a service, product or customer status, said as an adjective),
 * `{action}` (a lifecycle step such as "suspend"), `{invoice_status}` and `{payment_status}` (said
 * as fits an invoice or a payment); null for such a word it does not know. Other placeholders stay
 * as written.
 */
const WORDS: Record<string, string> = {
  status: "overview.state",
  to: "overview.state",
  action: "overview.step",
  invoice_status: "overview.invoice_state",
  payment_status: "overview.payment_state",
};
function localParam(name: string, value: string): string | null {
  const prefix = WORDS[name];
  if (prefix === undefined) return value;
  const key = `${prefix}.${value.replace(/ /g, "_")}`;
  return key in CATALOGUE.en ? t(key as MessageKey) : null;
}

/** A validation message in the page's language: known English messages translated, others as written. */
export function localiseError(message: string): string {
  if (currentLocale() === "en") return message;
  const key = exact.get(message);
  if (key) return t(key);
  for (const p of patterns) {
    const m = p.regex.exec(message);
    if (!m) continue;
    const params = Object.fromEntries(p.names.map((name, i) => [name, m[i + 1] ?? ""]));
    if (!p.names.every((name) => !NUMERIC.has(name) || isNumber(params[name] ?? ""))) continue;
    const words = Object.entries(params).map(([name, value]) => [name, localParam(name, value)] as const);
    // A status or step the catalogue does not know leaves the whole message as written, not half translated.
    if (words.some(([, value]) => value === null)) continue;
    return t(p.key, Object.fromEntries(words) as Record<string, string>);
  }
  return message;
}

const french = z.locales.fr().localeError;

/**
 * zod's messages for a page form, where the schema has none of its own: "Required" for a field left
 * empty (the form omits it), zod's French messages on a French page, zod's English ones otherwise.
 */
export const zodErrorMap: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === "invalid_type" && issue.input === undefined) return t("overview.error.required");
  if (currentLocale() === "fr") {
    const out = french(issue);
    return typeof out === "string" ? out : out?.message;
  }
  return undefined;
};

/** A form field's name as its label says it: the catalogue's `overview.field.*`, else the path made readable. */
export function fieldLabel(path: string): string {
  const last = path.split(".").filter((p) => !/^\d+$/.test(p));
  for (const candidate of [path, last[last.length - 1] ?? path]) {
    const key = `overview.field.${candidate}`;
    if (key in CATALOGUE.en) return t(key as MessageKey);
  }
  const words = path.replace(/[._]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
