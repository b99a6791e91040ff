/**
 * Phone numbers through libphonenumber-js (Google's metadata, `max` set: it knows which ranges are
 * mobile and which fixed, which the order form needs; ~150 kB, acceptable for a Worker). People type
 * numbers in their national format ("06 12 34 56 78" in France, "020 7946 0958" in Britain) or
 * internationally; we store E.164 (`+33612345678`) and show it formatted.
 */
import { type CountryCode, getCountryCallingCode, isSupportedCountry, parsePhoneNumberFromString } from "libphonenumber-js/max";

/** What a number is good for: a mobile line, a fixed (geographic, VoIP…) line, or either (the US). */
export type PhoneKind = "mobile" | "fixed" | "either";

export type ParsedPhone = { e164: string; country: string | null; kind: PhoneKind | null };

function country(code: string | null | undefined): CountryCode | undefined {
  const c = code?.trim().toUpperCase();
  return c && isSupportedCountry(c) ? c : undefined;
}

/**
 * Parses a number typed in international form or, when `defaultCountry` is given, in that country's
 * national form (a `00` international prefix is understood too); null unless it is a valid number
 * (`possible`: only of a possible length for its country — stock numbers from ranges the metadata
 * may not know yet).
 */
export function parsePhone(text: string, defaultCountry?: string | null, check: "valid" | "possible" = "valid"): ParsedPhone | null {
  const t = text.trim();
  if (t.length === 0 || t.length > 40 || /[^\d\s+\-.()/]/.test(t)) return null;
  const n = parsePhoneNumberFromString(t, country(defaultCountry));
  if (!n || !(check === "valid" ? n.isValid() : n.isPossible())) return null;
  const type = n.getType();
  const kind: PhoneKind | null =
    type === "MOBILE" ? "mobile" : type === "FIXED_LINE_OR_MOBILE" ? "either" : type === undefined ? null : type === "PAGER" ? null : "fixed";
  return { e164: n.number, country: n.country ?? null, kind };
}

/** The E.164 form of a typed number, or null (see {@link parsePhone}). */
export function toE164(text: string, defaultCountry?: string | null, check: "valid" | "possible" = "valid"): string | null {
  return parsePhone(text, defaultCountry, check)?.e164 ?? null;
}

/** Whether a number of this kind suits a service: mobile plans take mobile numbers, the others fixed ones. */
export function phoneFits(kind: PhoneKind | null, serviceType: string): boolean {
  if (kind === null) return false;
  return kind === "either" || (serviceType === "mobile" ? kind === "mobile" : kind === "fixed");
}

/**
 * A stored number for display: national form when it belongs to `homeCountry` ("06 12 34 56 78"),
 * else international ("+44 20 7946 0958"); anything libphonenumber cannot read is shown as stored.
 */
export function formatPhone(stored: string, homeCountry?: string | null): string {
  const n = parsePhoneNumberFromString(stored);
  if (!n) return stored;
  return homeCountry && n.country === country(homeCountry) ? n.formatNational() : n.formatInternational();
}

/** Message for a number that is not valid, naming the country national forms are read for. */
export function phoneProblem(defaultCountry?: string | null): string {
  const c = country(defaultCountry);
  return c
    ? `Not a valid phone number: type it in the ${c} national format or internationally (e.g. +33 6 12 34 56 78)`
    : "Not a valid phone number: type it internationally, e.g. +33 6 12 34 56 78";
}

/** The country calling code of an ISO country ("FR" → "33"), or null when unknown. */
export function callingCodeOf(code: string): string | null {
  const c = country(code);
  return c ? getCountryCallingCode(c) : null;
}
