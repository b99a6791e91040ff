import { AsyncLocalStorage } from "node:async_hooks";
import { intlLocale, type Locale, type MessageKey, translator } from "./catalogue";

/**
 * The language of the staff page being rendered. Admin requests run inside `withLocale` (the user's
 * preference, else the browser's), so views call `t(...)`, `formatMoney` and `<Time>` without
 * threading a locale through every component. Outside a request (emails, PDFs, the API) nothing is
 * set and English applies; those callers pass the recipient's locale explicitly.
 */
const storage = new AsyncLocalStorage<Locale>();

export function withLocale<T>(locale: Locale, run: () => T): T {
  return storage.run(locale, run);
}

export function currentLocale(): Locale {
  return storage.getStore() ?? "en";
}

/** The Intl locale of the current page ("fr-FR", "en-GB"). */
export function currentIntlLocale(): string {
  return intlLocale(currentLocale());
}

const translators = { en: translator("en"), fr: translator("fr") };

/** Translates a catalogue key into the current page's language. */
export function t(key: MessageKey, params?: Record<string, string | number>): string {
  return translators[currentLocale()](key, params);
}
