import type { InventoryFieldDef } from "../../db/schema";
import type { FieldError } from "../../lib/errors";
import { normalizeE164, normalizeMac, validIccid, validImsi } from "../../lib/identifiers";
import { formatIp, formatPrefix, parseCidr, parseIp } from "../../lib/ip";

export type FieldValue = string | number | boolean | null;

/** The outcome of checking one item's values against its type: public fields, secrets, identifier keys. */
export type CheckedFields = {
  fields: Record<string, FieldValue>;
  secrets: Record<string, string>;
  /** `type:field:value` of every unique field, for the inventory_keys table. */
  keys: string[];
  errors: FieldError[];
};

const TRUE = new Set(["true", "1", "yes", "y", "on"]);
const FALSE = new Set(["false", "0", "no", "n", "off", ""]);

function text(raw: unknown): string | null {
  if (raw === null || raw === undefined) return null;
  if (typeof raw === "string") return raw.trim() === "" ? null : raw.trim();
  if (typeof raw === "number" || typeof raw === "boolean") return String(raw);
  return null;
}

/** One value of one field, normalized; a string message when it is invalid. */
function checkValue(def: InventoryFieldDef, raw: unknown): { value: FieldValue } | string {
  if (def.kind === "boolean") {
    if (typeof raw === "boolean") return { value: raw };
    const t = (text(raw) ?? "").toLowerCase();
    if (TRUE.has(t)) return { value: true };
    if (FALSE.has(t)) return { value: false };
    return "Must be true or false";
  }
  const t = text(raw);
  if (t === null) return def.required ? "Required" : { value: null };
  if (typeof raw === "object") return "Must be a single value";
  switch (def.kind) {
    case "text":
    case "secret":
      return t.length > 500 ? "At most 500 characters" : { value: t };
    case "enum":
      return def.options?.includes(t) ? { value: t } : `Must be one of: ${(def.options ?? []).join(", ")}`;
    case "integer":
      return /^-?\d{1,15}$/.test(t) ? { value: Number(t) } : "Must be a whole number";
    case "decimal":
      return /^-?\d{1,12}(\.\d{1,8})?$/.test(t) ? { value: t } : "Must be a decimal number such as 12.5";
    case "digits":
      if (!/^\d+$/.test(t)) return "Digits only";
      return def.lengths && !def.lengths.includes(t.length) ? `Must have ${def.lengths.join(" or ")} digits` : { value: t };
    case "iccid":
      return validIccid(t) ? { value: t } : "Not a valid ICCID (19–20 digits starting 89, Luhn check digit)";
    case "imsi":
      return validImsi(t) ? { value: t } : "An IMSI has exactly 15 digits";
    case "e164": {
      const n = normalizeE164(t);
      return n ? { value: n } : "Must be an E.164 number such as +33612345678";
    }
    case "mac": {
      const m = normalizeMac(t);
      return m ? { value: m } : "Not a MAC address (aa:bb:cc:dd:ee:ff)";
    }
    case "cidr": {
      const p = parseCidr(t);
      return p ? { value: formatPrefix(p) } : "Not a network prefix in CIDR notation (host bits must be zero), e.g. 192.0.2.0/24 or 2001:db8::/48";
    }
    case "ip": {
      const ip = parseIp(t);
      return ip ? { value: formatIp(ip.family, ip.value) } : "Not an IP address";
    }
    case "latitude":
    case "longitude":
    case "azimuth": {
      if (!/^-?\d{1,3}(\.\d{1,8})?$/.test(t)) return "Must be a number in degrees";
      const n = Number(t);
      const [min, max] = def.kind === "latitude" ? [-90, 90] : def.kind === "longitude" ? [-180, 180] : [0, 359.99999999];
      return n < min || n > max ? `Must be between ${min} and ${Math.floor(max)}` : { value: n };
    }
  }
}

/**
 * Checks values against a type's fields: required fields present, each value valid for its kind
 * (ICCID Luhn, IMSI, E.164, MAC, CIDR, coordinates…), unknown fields refused. Secrets are returned
 * apart, to be sealed; unique fields give identifier keys.
 */
export function checkFields(type: string, defs: readonly InventoryFieldDef[], values: Record<string, unknown>, partial = false): CheckedFields {
  const out: CheckedFields = { fields: {}, secrets: {}, keys: [], errors: [] };
  const known = new Set(defs.map((d) => d.name));
  for (const name of Object.keys(values)) {
    if (!known.has(name)) out.errors.push({ path: name, message: `Unknown field for type ${type}` });
  }
  for (const def of defs) {
    if (partial && !(def.name in values)) continue;
    const checked = checkValue(def, values[def.name]);
    if (typeof checked === "string") {
      out.errors.push({ path: def.name, message: checked });
      continue;
    }
    if (def.kind === "secret") {
      if (checked.value !== null) out.secrets[def.name] = String(checked.value);
      continue;
    }
    out.fields[def.name] = checked.value;
    if (def.unique && checked.value !== null) out.keys.push(identifierKey(type, def.name, checked.value));
  }
  return out;
}

export function identifierKey(type: string, field: string, value: FieldValue): string {
  return `${type}:${field}:${String(value).toLowerCase()}`;
}
