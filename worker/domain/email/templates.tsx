import type { Child } from "hono/jsx";
import type { SettingsData } from "../settings/schemas";

/** A rendered email: subject, plain text and HTML (escaped by JSX). */
export type RenderedEmail = { template: string; subject: string; text: string; html: string };

function Frame(props: { brand: SettingsData; lang?: "en" | "fr"; children: Child }) {
  const b = props.brand;
  return (
    <html lang={props.lang ?? "en"}>
      <body style="margin:0;background:#f6f7f9;font-family:Arial,Helvetica,sans-serif;color:#1f2937">
        <table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="padding:24px 0">
          <tr>
            <td align="center">
              <table role="presentation" width="560" cellpadding="0" cellspacing="0" style="background:#ffffff;border-radius:8px;overflow:hidden">
                <tr>
                  <td style={`background:${b.primary_color};padding:16px 24px;color:#ffffff;font-size:18px;font-weight:bold`}>
                    {b.logo?.startsWith("https://") ? <img src={b.logo} alt={b.operator_name} height="32" /> : b.operator_name}
                  </td>
                </tr>
                <tr>
                  <td style="padding:24px;font-size:15px;line-height:1.5">{props.children}</td>
                </tr>
                <tr>
                  <td style="padding:16px 24px;font-size:12px;color:#6b7280;border-top:1px solid #e5e7eb">
                    {[b.legal_name ?? b.operator_name, b.support_email, b.support_phone].filter(Boolean).join(" · ")}
                  </td>
                </tr>
              </table>
            </td>
          </tr>
        </table>
      </body>
    </html>
  );
}

function Button(props: { href: string; brand: SettingsData; label: string }) {
  return (
    <p>
      <a
        href={props.href}
        style={`display:inline-block;background:${props.brand.primary_color};color:#ffffff;padding:10px 18px;border-radius:6px;text-decoration:none`}
      >
        {props.label}
      </a>
    </p>
  );
}

function render(template: string, subject: string, text: string, html: Child): RenderedEmail {
  return { template, subject, text, html: `<!doctype html>${String(html)}` };
}

const footer = (b: SettingsData) => `\n\n— ${b.operator_name}${b.support_email ? ` (${b.support_email})` : ""}`;

/** A staff member invited to the console: in the operator's default language (the invitee has no preference yet). */
export function invitationEmail(
  brand: SettingsData,
  p: { name: string; inviter: string; link: string; expiresHours: number; locale?: string | null },
): RenderedEmail {
  return bilingualEmail(brand, "invitation", {
    ...p,
    subject: { en: `You are invited to ${brand.operator_name}`, fr: `Invitation à ${brand.operator_name}` },
    body: {
      en: `${p.inviter} invited you to the ${brand.operator_name} staff console. Choose your password here:`,
      fr: `${p.inviter} vous invite sur la console d'administration de ${brand.operator_name}. Choisissez votre mot de passe ici :`,
    },
    button: { href: p.link, label: { en: "Accept the invitation", fr: "Accepter l'invitation" } },
    note: { en: `The link works once, for ${p.expiresHours} hours.`, fr: `Le lien fonctionne une fois, pendant ${p.expiresHours} heures.` },
  });
}

/** A staff password reset link (30 minutes, single use), in the user's language. */
export function passwordResetEmail(brand: SettingsData, p: { name: string; link: string; locale?: string | null }): RenderedEmail {
  return bilingualEmail(brand, "password_reset", {
    ...p,
    subject: { en: `Reset your ${brand.operator_name} password`, fr: `Réinitialisez votre mot de passe ${brand.operator_name}` },
    body: { en: "Someone (hopefully you) asked to reset your password.", fr: "Quelqu'un (vous, espérons-le) a demandé à réinitialiser votre mot de passe." },
    button: { href: p.link, label: { en: "Choose a new password", fr: "Choisir un nouveau mot de passe" } },
    note: {
      en: "The link works once, for 30 minutes. If you did not ask, ignore this email: your password stays as it is.",
      fr: "Le lien fonctionne une fois, pendant 30 minutes. Si vous n'avez rien demandé, ignorez ce message : votre mot de passe reste le même.",
    },
  });
}

/** Confirms a staff user's new sign-in address (sent to it), in the user's language. */
export function verifyEmailEmail(brand: SettingsData, p: { name: string; link: string; newEmail: string; locale?: string | null }): RenderedEmail {
  return bilingualEmail(brand, "verify_email", {
    ...p,
    subject: {
      en: `Confirm your new email address for ${brand.operator_name}`,
      fr: `Confirmez votre nouvelle adresse e-mail pour ${brand.operator_name}`,
    },
    body: { en: `Confirm that ${p.newEmail} is your new sign-in address.`, fr: `Confirmez que ${p.newEmail} est votre nouvelle adresse de connexion.` },
    button: { href: p.link, label: { en: "Confirm this address", fr: "Confirmer cette adresse" } },
    note: {
      en: "Until you confirm, your old address stays in use. The link works once, for 24 hours.",
      fr: "Tant que vous n'avez pas confirmé, l'ancienne adresse reste utilisée. Le lien fonctionne une fois, pendant 24 heures.",
    },
  });
}

export type TwoFactorChange = "enabled" | "disabled" | "reset";

const TWO_FACTOR_CHANGES = {
  en: { enabled: "enabled", disabled: "disabled", reset: "reset by an administrator" },
  fr: { enabled: "activée", disabled: "désactivée", reset: "réinitialisée par un administrateur" },
} as const;

/** Tells a staff user or a portal account (in the customer's language) that its two-factor authentication changed. */
export function twoFactorChangedEmail(brand: SettingsData, p: { name: string; change: TwoFactorChange; locale?: string; customer?: boolean }): RenderedEmail {
  const fr = (p.locale ?? "").toLowerCase().startsWith("fr");
  const change = TWO_FACTOR_CHANGES[fr ? "fr" : "en"][p.change];
  const hello = fr ? `Bonjour ${p.name},` : `Hello ${p.name},`;
  const whom = p.customer ? (fr ? "contactez-nous" : "contact us") : fr ? "contactez votre administrateur" : "contact your administrator";
  const alert = fr ? `Si ce n'était pas vous, ${whom} sans attendre.` : `If this was not you, ${whom} at once.`;
  // A reset also signs the holder out everywhere (see resetTotpByAdmin).
  const signedOut =
    p.change === "reset"
      ? fr
        ? "Vous avez été déconnecté partout : reconnectez-vous avec votre mot de passe."
        : "You were signed out everywhere: sign in again with your password."
      : null;
  return render(
    "two_factor_changed",
    fr
      ? `Authentification à deux facteurs ${change} sur votre compte ${brand.operator_name}`
      : `Two-factor authentication ${change} on your ${brand.operator_name} account`,
    `${hello}\n\n${fr ? `L'authentification à deux facteurs a été ${change} sur votre compte.` : `Two-factor authentication was ${change} on your account.`}${signedOut ? ` ${signedOut}` : ""} ${alert}${footer(brand)}`,
    <Frame brand={brand} lang={fr ? "fr" : "en"}>
      <p>{hello}</p>
      <p>
        {fr ? "L'authentification à deux facteurs a été " : "Two-factor authentication was "}
        <strong>{change}</strong>
        {fr ? " sur votre compte." : " on your account."}
      </p>
      {signedOut ? <p>{signedOut}</p> : null}
      <p>{alert}</p>
    </Frame>,
  );
}

const UNIT_WORDS: Record<string, Record<"en" | "fr", (n: number) => string>> = {
  monetary: { en: (n) => `${(n / 100).toFixed(2)} credit`, fr: (n) => `${(n / 100).toFixed(2).replace(".", ",")} de crédit` },
  data: { en: (n) => `${(n / 2 ** 30).toFixed(2)} GB of data`, fr: (n) => `${(n / 2 ** 30).toFixed(2).replace(".", ",")} Go de données` },
  voice: { en: (n) => `${Math.floor(n / 60)} minutes`, fr: (n) => `${Math.floor(n / 60)} minutes` },
  sms: { en: (n) => `${n} SMS`, fr: (n) => `${n} SMS` },
};

/** A service's balance of one unit is below its threshold: in the customer's language. */
export function lowBalanceEmail(
  brand: SettingsData,
  p: { name: string; service: string; unit: string; remaining: number; locale?: string | null },
): RenderedEmail {
  const words = UNIT_WORDS[p.unit];
  const left = (lang: "en" | "fr") => (words ? words[lang](Math.max(0, p.remaining)) : String(Math.max(0, p.remaining)));
  return bilingualEmail(brand, "low_balance", {
    ...p,
    subject: { en: `Your ${p.service} balance is running low`, fr: `Le solde de ${p.service} est bientôt épuisé` },
    body: {
      en: `Only ${left("en")} left on ${p.service}. Top up to keep using it without interruption.`,
      fr: `Il ne reste que ${left("fr")} sur ${p.service}. Rechargez pour continuer sans interruption.`,
    },
  });
}

/** To the notification list (staff), in each recipient's language. */
export function lowStockEmail(
  brand: SettingsData,
  p: { type: string; inStock: number; threshold: number; url: string; locale?: string | null },
): RenderedEmail {
  return bilingualEmail(brand, "low_stock", {
    locale: p.locale,
    subject: { en: `Low stock: ${p.type} (${p.inStock} left)`, fr: `Stock bas : ${p.type} (${p.inStock} restant(s))` },
    body: {
      en: `Only ${p.inStock} ${p.type} items are in stock, below the alert threshold of ${p.threshold}.`,
      fr: `Il ne reste que ${p.inStock} article(s) ${p.type} en stock, sous le seuil d'alerte de ${p.threshold}.`,
    },
    button: { href: p.url, label: { en: "Open the stock dashboard", fr: "Ouvrir le tableau de bord du stock" } },
  });
}

/** The service is active: to its contact, in the customer's language, with its identifiers. */
export function welcomeEmail(
  brand: SettingsData,
  p: { name: string; service: string; identifiers: Record<string, string>; locale?: string | null },
): RenderedEmail {
  return bilingualEmail(brand, "service_welcome", {
    ...p,
    subject: { en: `Your ${p.service} is ready`, fr: `Votre service ${p.service} est prêt` },
    body: { en: `Your ${p.service} service is active.`, fr: `Votre service ${p.service} est actif.` },
    list: Object.entries(p.identifiers).map(([k, v]) => `${k.toUpperCase()}: ${v}`),
  });
}

/** To the notification list (staff), in each recipient's language: what failed and a link to the service. */
export function provisioningFailedEmail(
  brand: SettingsData,
  p: { serviceId: string; service: string; customer: string; reason: string; url: string; locale?: string | null },
): RenderedEmail {
  return bilingualEmail(brand, "provisioning_failed", {
    locale: p.locale,
    subject: { en: `Provisioning failed: ${p.service} for ${p.customer}`, fr: `Échec du provisionnement : ${p.service} pour ${p.customer}` },
    body: {
      en: `Provisioning of ${p.service} (${p.serviceId}) for ${p.customer} failed and was rolled back.`,
      fr: `Le provisionnement de ${p.service} (${p.serviceId}) pour ${p.customer} a échoué et a été annulé.`,
    },
    list: [p.reason],
    button: { href: p.url, label: { en: "Open the service", fr: "Ouvrir le service" } },
  });
}

/** An invoice or credit note sent to the customer, its PDF attached; in the customer's language (EN/FR). */
export function invoiceEmail(
  brand: SettingsData,
  p: { name: string; number: string; creditNote: boolean; total: string; dueDate: string | null; locale: string },
): RenderedEmail {
  const fr = p.locale.toLowerCase().startsWith("fr");
  const what = p.creditNote ? (fr ? "Votre avoir" : "Your credit note") : fr ? "Votre facture" : "Your invoice";
  const subject = `${what} ${p.number} — ${brand.operator_name}`;
  const due = p.dueDate
    ? new Intl.DateTimeFormat(fr ? "fr-FR" : "en-GB", { dateStyle: "long", timeZone: "UTC" }).format(new Date(`${p.dueDate}T00:00:00Z`))
    : null;
  const body = fr
    ? `${what} ${p.number} d'un montant de ${p.total} est jointe à ce message${!p.creditNote && p.dueDate ? ` (échéance : ${due})` : ""}.`
    : `${what} ${p.number} for ${p.total} is attached${!p.creditNote && p.dueDate ? ` (due ${due})` : ""}.`;
  const hello = fr ? `Bonjour ${p.name},` : `Hello ${p.name},`;
  return render(
    p.creditNote ? "credit_note" : "invoice",
    subject,
    `${hello}\n\n${body}${footer(brand)}`,
    <Frame brand={brand} lang={fr ? "fr" : "en"}>
      <p>{hello}</p>
      <p>{body}</p>
    </Frame>,
  );
}

/** Payment and dunning emails to a customer, in their locale (English or French). */
export function paymentEmail(
  brand: SettingsData,
  p: {
    kind: "payment_failed" | "services_suspended" | "services_resumed" | "card_expiring";
    name: string;
    locale: string;
    /** Invoice number and amount (payment_failed, services_suspended), the card (card_expiring). */
    subject: string;
    amount?: string;
    /** The next automatic attempt (payment_failed), or when services will be suspended. */
    nextDate?: string | null;
  },
): RenderedEmail {
  const fr = p.locale.toLowerCase().startsWith("fr");
  const date = p.nextDate ? new Intl.DateTimeFormat(fr ? "fr-FR" : "en-GB", { dateStyle: "long", timeZone: "UTC" }).format(new Date(p.nextDate)) : null;
  const texts = {
    payment_failed: fr
      ? {
          subject: `Échec du paiement de la facture ${p.subject}`,
          body: `Le paiement de ${p.amount} pour la facture ${p.subject} a échoué.${date ? ` Nous réessaierons le ${date} ; vous pouvez aussi payer dès maintenant depuis votre espace client ou mettre à jour votre carte.` : " Merci de régler cette facture au plus vite."}`,
        }
      : {
          subject: `Payment of invoice ${p.subject} failed`,
          body: `The payment of ${p.amount} for invoice ${p.subject} failed.${date ? ` We will try again on ${date}; you can also pay now from your account or update your card.` : " Please pay this invoice as soon as possible."}`,
        },
    services_suspended: fr
      ? {
          subject: `Services suspendus — facture ${p.subject} impayée`,
          body: `La facture ${p.subject} (${p.amount}) reste impayée : vos services sont suspendus. Ils seront rétablis dès le paiement.`,
        }
      : {
          subject: `Services suspended — invoice ${p.subject} unpaid`,
          body: `Invoice ${p.subject} (${p.amount}) is still unpaid, so your services are suspended. They are restored as soon as it is paid.`,
        },
    services_resumed: fr
      ? { subject: `Services rétablis — facture ${p.subject} payée`, body: `Merci : la facture ${p.subject} est payée et vos services sont rétablis.` }
      : { subject: `Services restored — invoice ${p.subject} paid`, body: `Thank you: invoice ${p.subject} is paid and your services are restored.` },
    card_expiring: fr
      ? {
          subject: `Votre carte ${p.subject} expire bientôt`,
          body: `Votre carte ${p.subject} expire bientôt. Ajoutez une nouvelle carte pour que vos paiements continuent sans interruption.`,
        }
      : {
          subject: `Your card ${p.subject} expires soon`,
          body: `Your card ${p.subject} expires soon. Add a new card so your payments continue without interruption.`,
        },
  }[p.kind];
  const hello = fr ? `Bonjour ${p.name},` : `Hello ${p.name},`;
  return render(
    p.kind,
    `${texts.subject} — ${brand.operator_name}`,
    `${hello}\n\n${texts.body}${footer(brand)}`,
    <Frame brand={brand} lang={fr ? "fr" : "en"}>
      <p>{hello}</p>
      <p>{texts.body}</p>
    </Frame>,
  );
}

type Bilingual = { en: string; fr: string };

/**
 * A short email in its recipient's language (French when the locale is French, else English): a
 * greeting when there is a name, a paragraph, an optional list, button and small print.
 */
function bilingualEmail(
  brand: SettingsData,
  template: string,
  p: {
    locale?: string | null;
    name?: string;
    subject: Bilingual;
    body: Bilingual;
    list?: string[];
    button?: { href: string; label: Bilingual };
    note?: Bilingual;
  },
): RenderedEmail {
  const fr = (p.locale ?? "").toLowerCase().startsWith("fr");
  const pick = (b: Bilingual) => (fr ? b.fr : b.en);
  const hello = p.name === undefined ? null : fr ? `Bonjour ${p.name},` : `Hello ${p.name},`;
  const list = p.list ?? [];
  const text = [...(hello ? [hello, ""] : []), pick(p.body), ...list, ...(p.button ? [p.button.href] : []), ...(p.note ? ["", pick(p.note)] : [])].join("\n");
  return render(
    template,
    pick(p.subject),
    `${text}${footer(brand)}`,
    <Frame brand={brand} lang={fr ? "fr" : "en"}>
      {hello && <p>{hello}</p>}
      <p>{pick(p.body)}</p>
      {list.length > 0 && (
        <ul>
          {list.map((line) => (
            <li>{line}</li>
          ))}
        </ul>
      )}
      {p.button && <Button href={p.button.href} brand={brand} label={pick(p.button.label)} />}
      {p.note && <p style="color:#6b7280;font-size:13px">{pick(p.note)}</p>}
    </Frame>,
  );
}

/** The portal invitation: choose a password (single-use link). */
export function portalInvitationEmail(
  brand: SettingsData,
  p: { name: string; customerName: string; link: string; expiresHours: number; locale?: string | null },
): RenderedEmail {
  return bilingualEmail(brand, "portal_invitation", {
    ...p,
    subject: { en: `Your ${brand.operator_name} customer account`, fr: `Votre espace client ${brand.operator_name}` },
    body: {
      en: `You can now manage ${p.customerName}'s services, usage and invoices online. Choose your password here:`,
      fr: `Vous pouvez désormais gérer en ligne les services, la consommation et les factures de ${p.customerName}. Choisissez votre mot de passe ici :`,
    },
    button: { href: p.link, label: { en: "Open my account", fr: "Ouvrir mon espace" } },
    note: { en: `The link works once, for ${p.expiresHours} hours.`, fr: `Le lien fonctionne une fois, pendant ${p.expiresHours} heures.` },
  });
}

/** A portal password reset link (30 minutes, single use). */
export function portalPasswordResetEmail(brand: SettingsData, p: { name: string; link: string; locale: string }): RenderedEmail {
  return bilingualEmail(brand, "portal_password_reset", {
    ...p,
    subject: { en: `Reset your ${brand.operator_name} password`, fr: `Réinitialisez votre mot de passe ${brand.operator_name}` },
    body: {
      en: "Someone (hopefully you) asked to reset the password of your customer area.",
      fr: "Quelqu'un (vous, espérons-le) a demandé à réinitialiser le mot de passe de votre espace client.",
    },
    button: { href: p.link, label: { en: "Choose a new password", fr: "Choisir un nouveau mot de passe" } },
    note: {
      en: "The link works once, for 30 minutes. If you did not ask, ignore this email: your password stays as it is.",
      fr: "Le lien fonctionne une fois, pendant 30 minutes. Si vous n'avez rien demandé, ignorez ce message : votre mot de passe reste le même.",
    },
  });
}

/** The link that confirms a portal account's new sign-in address (sent to the new address). */
export function portalEmailChangeEmail(brand: SettingsData, p: { name: string; link: string; locale: string }): RenderedEmail {
  return bilingualEmail(brand, "portal_email_change", {
    ...p,
    subject: { en: "Confirm your new email address", fr: "Confirmez votre nouvelle adresse e-mail" },
    body: {
      en: `Confirm this address to sign in to your ${brand.operator_name} customer area with it.`,
      fr: `Confirmez cette adresse pour vous connecter à votre espace client ${brand.operator_name}.`,
    },
    button: { href: p.link, label: { en: "Confirm the address", fr: "Confirmer l'adresse" } },
    note: {
      en: "The link works once, for 24 hours. If you did not ask for this, ignore this email.",
      fr: "Le lien fonctionne une fois, pendant 24 heures. Si vous n'avez rien demandé, ignorez ce message.",
    },
  });
}

/** Tells the old address that the sign-in address changed (so a hijack does not go unnoticed). */
export function portalEmailChangedEmail(brand: SettingsData, p: { name: string; newEmail: string; locale: string }): RenderedEmail {
  return bilingualEmail(brand, "portal_email_changed", {
    ...p,
    subject: { en: "Your sign-in address was changed", fr: "Votre adresse de connexion a changé" },
    body: {
      en: `Your customer area now signs in with ${p.newEmail}. If this was not you, contact us at once.`,
      fr: `L'adresse de connexion de votre espace client est désormais ${p.newEmail}. Si ce n'est pas vous, contactez-nous sans attendre.`,
    },
  });
}
