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
    detail: local ? "Local simulator (development and tests)" : "Live service",
  };
}

export function integrationStatuses(env: Env) {
  return [
    status("Google Geocoding", env.GEOCODING_API_BASE, Boolean(env.GEOCODING_API_KEY), "No GEOCODING_API_KEY: sites are stored as entered"),
    status("CGRateS", env.CGRATES_URL, true, "CGRATES_URL is not set"),
    status("Stripe", env.STRIPE_API_BASE, Boolean(env.STRIPE_SECRET_KEY), "No STRIPE_SECRET_KEY: card payments are disabled"),
    status("Mailjet", env.MAILJET_API_BASE, Boolean(env.MAILJET_API_KEY && env.MAILJET_API_SECRET), "No MAILJET_API_KEY/SECRET: emails stay queued"),
    status("SMS gateway", env.SMS_GATEWAY_URL, true, "SMS_GATEWAY_URL is not set"),
    status("Cell broadcast centre", env.CBC_URL, true, "CBC_URL is not set"),
  ];
}
