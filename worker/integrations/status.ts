import { t } from "../i18n/request-locale";

/** Whether each external integration points at a real service, a local simulator, or nothing. */
export type IntegrationMode = "configured" | "simulator" | "not_configured";

function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === "127.0.0.1" || host === "localhost" || host === "[::1]";
  } catch {
    return false;
  }
}

function status(name: string, endpoint: string | undefined, hasCredentials: boolean, missing: string) {
  if (!endpoint || !hasCredentials) return { name, mode: "not_configured" as IntegrationMode, endpoint: endpoint || null, detail: missing };
  const local = isLoopback(endpoint);
  return {
    name,
    mode: (local ? "simulator" : "configured") as IntegrationMode,
    endpoint,
    detail: local ? t("settings.integration.simulator") : t("settings.integration.live"),
  };
}

/** The integrations' state; names and details in the staff page's language (English for the API). */
export function integrationStatuses(env: Env) {
  return [
    status("Google Geocoding", env.GEOCODING_API_BASE, Boolean(env.GEOCODING_API_KEY), t("settings.integration.no_geocoding_key")),
    status("CGRateS", env.CGRATES_URL, true, t("settings.integration.not_set", { variable: "CGRATES_URL" })),
    status("Stripe", env.STRIPE_API_BASE, Boolean(env.STRIPE_SECRET_KEY), t("settings.integration.no_stripe_key")),
    status("Mailjet", env.MAILJET_API_BASE, Boolean(env.MAILJET_API_KEY && env.MAILJET_API_SECRET), t("settings.integration.no_mailjet_key")),
    status(t("settings.integration.sms_gateway"), env.SMS_GATEWAY_URL, true, t("settings.integration.not_set", { variable: "SMS_GATEWAY_URL" })),
    status(t("settings.integration.cbc"), env.CBC_URL, true, t("settings.integration.not_set", { variable: "CBC_URL" })),
  ];
}
