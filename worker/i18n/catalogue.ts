/**
 * The portal's message catalogue, English and French. Every key exists in both languages: the French
 * table is typed from the English one (a missing or extra key does not compile) and a test checks it
 * again at run time. `{name}` placeholders are filled by `t`.
 */
const en = {
  "portal.title": "Customer area",
  "portal.sign_in": "Sign in",
  "portal.sign_in_title": "Sign in to your customer area",
  "portal.email": "Email",
  "portal.password": "Password",
  "portal.remember": "Keep me signed in on this device",
  "portal.sign_out": "Sign out",
  "portal.bad_credentials": "Email or password is incorrect.",
  "portal.too_many": "Too many attempts. Try again in {seconds} s.",
  "portal.forgot": "Forgotten password?",
  "portal.language": "Language",
  "portal.nav.dashboard": "Overview",
  "portal.nav.services": "Services",
  "portal.nav.invoices": "Invoices",
  "portal.nav.payments": "Payments",
  "portal.nav.account": "My details",
  "portal.hello": "Hello {name}",
  "portal.amount_due": "Amount due",
  "portal.nothing_due": "Nothing to pay. Thank you!",
  "portal.services": "Your services",
  "portal.no_services": "You have no services yet.",
  "portal.status": "Status",
  "portal.balance": "Balance",
  "portal.invoices": "Latest invoices",
  "portal.no_invoices": "No invoices yet.",
  "portal.invoice": "Invoice",
  "portal.date": "Date",
  "portal.total": "Total",
  "portal.due": "Due",
  "portal.download": "Download PDF",
  "portal.skip": "Skip to content",
  "status.active": "Active",
  "status.suspended": "Suspended",
  "status.pending": "Pending",
  "status.provisioning": "Being set up",
  "status.failed": "Failed",
  "status.terminating": "Ending",
  "status.terminated": "Ended",
  "status.issued": "To pay",
  "status.paid": "Paid",
  "status.void": "Cancelled",
  "status.draft": "Draft",
  "unit.data": "Data",
  "unit.voice": "Calls",
  "unit.sms": "SMS",
  "unit.monetary": "Credit",
} as const;

export type MessageKey = keyof typeof en;

const fr: Record<MessageKey, string> = {
  "portal.title": "Espace client",
  "portal.sign_in": "Se connecter",
  "portal.sign_in_title": "Connexion à votre espace client",
  "portal.email": "E-mail",
  "portal.password": "Mot de passe",
  "portal.remember": "Rester connecté sur cet appareil",
  "portal.sign_out": "Se déconnecter",
  "portal.bad_credentials": "E-mail ou mot de passe incorrect.",
  "portal.too_many": "Trop de tentatives. Réessayez dans {seconds} s.",
  "portal.forgot": "Mot de passe oublié ?",
  "portal.language": "Langue",
  "portal.nav.dashboard": "Vue d'ensemble",
  "portal.nav.services": "Services",
  "portal.nav.invoices": "Factures",
  "portal.nav.payments": "Paiements",
  "portal.nav.account": "Mes coordonnées",
  "portal.hello": "Bonjour {name}",
  "portal.amount_due": "Montant dû",
  "portal.nothing_due": "Rien à payer. Merci !",
  "portal.services": "Vos services",
  "portal.no_services": "Vous n'avez pas encore de service.",
  "portal.status": "État",
  "portal.balance": "Solde",
  "portal.invoices": "Dernières factures",
  "portal.no_invoices": "Pas encore de facture.",
  "portal.invoice": "Facture",
  "portal.date": "Date",
  "portal.total": "Total",
  "portal.due": "Échéance",
  "portal.download": "Télécharger le PDF",
  "portal.skip": "Aller au contenu",
  "status.active": "Actif",
  "status.suspended": "Suspendu",
  "status.pending": "En attente",
  "status.provisioning": "En cours de mise en service",
  "status.failed": "Échec",
  "status.terminating": "En cours de résiliation",
  "status.terminated": "Résilié",
  "status.issued": "À payer",
  "status.paid": "Payée",
  "status.void": "Annulée",
  "status.draft": "Brouillon",
  "unit.data": "Données",
  "unit.voice": "Appels",
  "unit.sms": "SMS",
  "unit.monetary": "Crédit",
};

export const CATALOGUE: Record<Locale, Record<MessageKey, string>> = { en, fr };
export const LOCALES = ["en", "fr"] as const;
export type Locale = (typeof LOCALES)[number];

/** The language to use: the remembered choice, else the first supported language of Accept-Language, else English. */
export function negotiateLocale(chosen: string | undefined, acceptLanguage: string | undefined): Locale {
  if (chosen === "en" || chosen === "fr") return chosen;
  const ranked = (acceptLanguage ?? "")
    .split(",")
    .map((part) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
      return { lang: tag.toLowerCase().split("-")[0] ?? "", q: q ? Number(q.slice(2)) || 0 : 1 };
    })
    .filter((x) => x.lang)
    .sort((a, b) => b.q - a.q);
  for (const { lang } of ranked) if (lang === "en" || lang === "fr") return lang;
  return "en";
}

/** A translator for one language: `t("portal.hello", { name })`. */
export function translator(locale: Locale) {
  const table = CATALOGUE[locale];
  return (key: MessageKey, params: Record<string, string | number> = {}) =>
    table[key].replace(/\{(\w+)\}/g, (_, name: string) => (name in params ? String(params[name]) : `{${name}}`));
}
export type Translate = ReturnType<typeof translator>;

/** The Intl locale of a portal language (dates, numbers and money). */
export function intlLocale(locale: Locale): string {
  return locale === "fr" ? "fr-FR" : "en-GB";
}
