/** Reusable zod validators for values every area shares (currencies, locales, phone numbers, …). */
import { z } from "zod";
import { toE164 } from "../lib/phone";

const COUNTRIES = new Set(
  (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
    "CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
    "GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO " +
    "JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR " +
    "MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO " +
    "RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV " +
    "TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
  ).split(" "),
);

let currencies: Set<string> | null = null;
let timeZones: Set<string> | null = null;

function supported(kind: "currency" | "timeZone"): Set<string> {
  return new Set(Intl.supportedValuesOf(kind));
}

export function isCurrency(code: string): boolean {
  currencies ??= supported("currency");
  return currencies.has(code);
}

export function isTimeZone(zone: string): boolean {
  timeZones ??= new Set([...supported("timeZone"), "UTC"]);
  return timeZones.has(zone);
}

export function isLocale(tag: string): boolean {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}

export const currencyCode = z
  .string()
  .trim()
  .toUpperCase()
  .refine(isCurrency, { message: "Must be an ISO 4217 currency code such as EUR or USD" })
  .meta({ example: "EUR" });

export const localeTag = z
  .string()
  .trim()
  .max(35)
  .refine(isLocale, { message: "Must be a BCP 47 language tag such as en-GB or fr-FR" })
  .transform((t) => Intl.getCanonicalLocales(t)[0] ?? t)
  .meta({ example: "en-GB" });

export const timeZoneName = z
  .string()
  .trim()
  .refine(isTimeZone, { message: "Must be an IANA time zone such as Europe/Paris" })
  .meta({ example: "Europe/Paris" });

export const countryCode = z
  .string()
  .trim()
  .toUpperCase()
  .refine((c) => COUNTRIES.has(c), { message: "Must be an ISO 3166-1 alpha-2 country code such as FR" })
  .meta({ example: "FR" });

/** A number typed internationally, normalised to E.164 with libphonenumber (valid numbers only). */
export const e164Phone = z
  .string()
  .trim()
  .transform((p, ctx) => {
    const e164 = toE164(p);
    if (!e164) ctx.addIssue({ code: "custom", message: "Must be a valid phone number in international format such as +33 6 12 34 56 78" });
    return e164 ?? p;
  })
  .meta({ example: "+33612345678" });

/**
 * A phone number as typed: international, or national for the customer's country ("06 12 34 56 78");
 * the domain reads it for that country and stores E.164 (see `normalizeCustomerPhone`).
 */
export const phoneInput = z
  .string()
  .trim()
  .max(40, { message: "At most 40 characters" })
  .refine((p) => /^\+?[\d\s\-.()/]+$/.test(p) && (p.match(/\d/g)?.length ?? 0) >= 4, {
    message: "Must be a phone number such as +33 6 12 34 56 78, or 06 12 34 56 78 in the customer's country",
  })
  .meta({
    description: "International, or national format for the customer's country (first site's, else the operator's); stored as E.164",
    example: "+33612345678",
  });

export const email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email({ message: "Must be a valid email address" }));

export const requiredText = (max: number) =>
  z
    .string()
    .trim()
    .min(1, { message: "Required" })
    .max(max, { message: `At most ${max} characters` });

export const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, { message: `At most ${max} characters` })
    .transform((v) => (v === "" ? null : v))
    .nullable()
    .optional();

export const pageLimit = z.coerce
  .number()
  .int({ message: "Must be an integer" })
  .min(1, { message: "Must be at least 1" })
  .max(200, { message: "At most 200" })
  .default(50)
  .meta({ description: "Page size (1–200)", example: 50 });

export const cursorParam = z.string().max(500).optional().meta({ description: "Opaque cursor from `next_cursor`" });

/** A reference to another record by id: never empty (an empty id would reach D1 as a broken foreign key). */
export const refId = z.string().trim().min(1, { message: "Must not be empty" }).max(64);
