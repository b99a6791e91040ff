import { asc, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { getSettings } from "../../db/queries/settings";
import { sites } from "../../db/schema";
import { Invalid } from "../../lib/errors";
import { phoneProblem, toE164 } from "../../lib/phone";

/** The region of a language tag ("fr-FR" → FR, "fr" → FR by likely subtags), or null. */
export function localeCountry(tag: string): string | null {
  try {
    return new Intl.Locale(tag).maximize().region ?? null;
  } catch {
    return null;
  }
}

/**
 * The country whose national format a customer's numbers may be typed in: the country of the
 * customer's first site, else the region of the operator's default language (fr-FR → FR).
 */
export async function customerPhoneCountry(db: Db, customerId: string): Promise<string | null> {
  const site = await db.select({ country: sites.country }).from(sites).where(eq(sites.customerId, customerId)).orderBy(asc(sites.id)).limit(1).get();
  if (site) return site.country;
  return localeCountry((await getSettings(db)).data.default_locale);
}

/**
 * A typed phone number as E.164, read in the customer's national format when it has no country
 * code; a number that is not valid is a 422 naming `path`. Null and undefined pass through.
 */
export async function normalizeCustomerPhone<T extends string | null | undefined>(db: Db, customerId: string, value: T, path = "phone"): Promise<T | string> {
  if (value === null || value === undefined) return value;
  const country = value.trim().startsWith("+") ? null : await customerPhoneCountry(db, customerId);
  const e164 = toE164(value, country);
  if (!e164) throw new Invalid(`${phoneProblem(country)}.`, [{ path, message: phoneProblem(country) }]);
  return e164;
}
