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
  "portal.forgot_title": "Forgotten password",
  "portal.forgot_intro": "Enter your email: we will send you a link to choose a new password.",
  "portal.send_link": "Send the link",
  "portal.check_email": "If an account uses this address, a link is on its way. It works once, for 30 minutes.",
  "portal.new_password": "New password",
  "portal.set_password": "Set the password",
  "portal.link_expired": "This link is invalid, has expired or was already used. Ask for a new one.",
  "portal.password_changed": "Your password was changed. Sign in with the new one.",
  "portal.back_to_sign_in": "Back to sign-in",
  "portal.pay": "Pay",
  "portal.pay_invoice": "Pay invoice {number}",
  "portal.pay_with": "Pay with",
  "portal.paid_thanks": "Thank you: your payment was received.",
  "portal.payment_pending": "Your payment is being confirmed; this page will show it within minutes.",
  "portal.declined": "Your card was declined: {reason}",
  "portal.no_card": "Add a card first (Payments).",
  "portal.cards": "Saved cards",
  "portal.no_cards": "No saved card.",
  "portal.add_card": "Add a card",
  "portal.test_card": "Test card (simulator)",
  "portal.card_saved": "Card saved.",
  "portal.card_removed": "Card removed.",
  "portal.remove": "Remove",
  "portal.make_default": "Make default",
  "portal.default": "Default",
  "portal.expires": "Expires {date}",
  "portal.history": "Payment history",
  "portal.no_payments": "No payments yet.",
  "portal.amount": "Amount",
  "portal.top_up": "Top up",
  "portal.top_up_amount": "Amount ({currency})",
  "portal.top_up_pack": "…or a pack",
  "portal.topped_up": "Topped up: the credit appears on your balance once it is confirmed.",
  "portal.identifiers": "Identifiers",
  "portal.back": "Back",
  "portal.invalid_amount": "Enter an amount such as 10.00.",
  "status.succeeded": "Succeeded",
  "status.pending_payment": "Being confirmed",
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
  "portal.forgot_title": "Mot de passe oublié",
  "portal.forgot_intro": "Saisissez votre e-mail : nous vous enverrons un lien pour choisir un nouveau mot de passe.",
  "portal.send_link": "Envoyer le lien",
  "portal.check_email": "Si un compte utilise cette adresse, un lien vous a été envoyé. Il fonctionne une fois, pendant 30 minutes.",
  "portal.new_password": "Nouveau mot de passe",
  "portal.set_password": "Enregistrer le mot de passe",
  "portal.link_expired": "Ce lien est invalide, a expiré ou a déjà servi. Demandez-en un nouveau.",
  "portal.password_changed": "Votre mot de passe a été changé. Connectez-vous avec le nouveau.",
  "portal.back_to_sign_in": "Retour à la connexion",
  "portal.pay": "Payer",
  "portal.pay_invoice": "Payer la facture {number}",
  "portal.pay_with": "Payer avec",
  "portal.paid_thanks": "Merci : votre paiement a bien été reçu.",
  "portal.payment_pending": "Votre paiement est en cours de confirmation ; cette page l'affichera d'ici quelques minutes.",
  "portal.declined": "Votre carte a été refusée : {reason}",
  "portal.no_card": "Ajoutez d'abord une carte (Paiements).",
  "portal.cards": "Cartes enregistrées",
  "portal.no_cards": "Aucune carte enregistrée.",
  "portal.add_card": "Ajouter une carte",
  "portal.test_card": "Carte de test (simulateur)",
  "portal.card_saved": "Carte enregistrée.",
  "portal.card_removed": "Carte supprimée.",
  "portal.remove": "Supprimer",
  "portal.make_default": "Par défaut",
  "portal.default": "Par défaut",
  "portal.expires": "Expire {date}",
  "portal.history": "Historique des paiements",
  "portal.no_payments": "Pas encore de paiement.",
  "portal.amount": "Montant",
  "portal.top_up": "Recharger",
  "portal.top_up_amount": "Montant ({currency})",
  "portal.top_up_pack": "…ou un forfait",
  "portal.topped_up": "Rechargé : le crédit apparaît sur votre solde dès sa confirmation.",
  "portal.identifiers": "Identifiants",
  "portal.back": "Retour",
  "portal.invalid_amount": "Saisissez un montant, par exemple 10,00.",
  "status.succeeded": "Réussi",
  "status.pending_payment": "En cours de confirmation",
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
