import { demoCells } from "./cbc/demo-cells";
import { startCbcSimulator } from "./cbc/server";
import { startCgratesSimulator } from "./cgrates/server";
import { startGeocodingSimulator } from "./geocoding/server";
import type { RunningSimulator } from "./lib/server";
import { startMailjetSimulator } from "./mailjet/server";
import { startSmsSimulator } from "./sms/server";
import { startStripeSimulator } from "./stripe/server";
import { startWebhookReceiver } from "./webhook-receiver/server";

/** Port of a loopback URL, or null when the URL points elsewhere (then no simulator is started). */
export function loopbackPort(url: string | undefined, fallback: number): number | null {
  if (!url) return fallback;
  try {
    const u = new URL(url);
    if (u.hostname !== "127.0.0.1" && u.hostname !== "localhost") return null;
    return Number(u.port) || (u.protocol === "https:" ? 443 : 80);
  } catch {
    return null;
  }
}

/** Starts every simulator whose service URL (same variable as production) points at loopback. */
export async function startSimulators(env: NodeJS.ProcessEnv = process.env): Promise<RunningSimulator[]> {
  const running: RunningSimulator[] = [];
  const geocoding = loopbackPort(env.GEOCODING_API_BASE, 12113);
  if (geocoding !== null) running.push(await startGeocodingSimulator(geocoding));
  const mailjet = loopbackPort(env.MAILJET_API_BASE, 12112);
  if (mailjet !== null)
    running.push(await startMailjetSimulator(mailjet, { key: env.MAILJET_API_KEY || "sim-key", secret: env.MAILJET_API_SECRET || "sim-secret" }));
  // CGRATES_URL is the JSON-RPC endpoint (…/jsonrpc); the simulator answers on that port.
  const cgrates = loopbackPort(env.CGRATES_URL, 2080);
  if (cgrates !== null) {
    const user = env.CGRATES_USER;
    const password = env.CGRATES_PASSWORD;
    const auth = user && password ? { user, password } : undefined;
    // No tariff plan to load: the BSS loads the action sets, plans and triggers its catalogue needs,
    // and the simulator rates traffic beyond the bundles at its demo rates (`rates`).
    const sim = await startCgratesSimulator(cgrates, {
      basicAuth: auth,
      defaultTenant: env.CGRATES_TENANT || "cgrates.org",
      currency: env.CGRATES_SIM_CURRENCY || "EUR",
    });
    running.push(sim);
  }
  const stripe = loopbackPort(env.STRIPE_API_BASE, 12111);
  if (stripe !== null) {
    // Events go to STRIPE_SIM_WEBHOOK_URL (npm start: the worker's /webhooks/stripe), retried after these delays.
    const delays = env.STRIPE_SIM_WEBHOOK_RETRY_MS?.split(",").map(Number);
    running.push(
      await startStripeSimulator(stripe, {
        secretKey: env.STRIPE_SECRET_KEY || "sk_test_sim_local_development_key",
        webhookSecret: env.STRIPE_WEBHOOK_SECRET || "whsec_sim_local_development_secret",
        webhookUrl: env.STRIPE_SIM_WEBHOOK_URL || null,
        retryDelaysMs: delays?.every((d) => Number.isFinite(d) && d >= 0) ? delays : undefined,
      }),
    );
  }
  const sms = loopbackPort(env.SMS_GATEWAY_URL, 12114);
  if (sms !== null) running.push(await startSmsSimulator(sms, { token: env.SMS_GATEWAY_TOKEN || undefined }));
  // An integrator's endpoint to point outbound webhooks at (http://127.0.0.1:12115/anything).
  const receiver = loopbackPort(env.WEBHOOK_RECEIVER_URL, 12115);
  if (receiver !== null) running.push(await startWebhookReceiver(receiver));
  // The cell broadcast centre: the Osmocom CBC's ECBE REST API (POST {CBC_URL}/api/ecbe/v1/message), and its
  // VTY at CBC_VTY (host:port, telnet) where the per-cell results are read; it knows the demo operator's cells.
  const cbc = loopbackPort(env.CBC_URL, 12116);
  if (cbc !== null) {
    const vtyPort = loopbackPort(env.CBC_VTY ? `telnet://${env.CBC_VTY}` : undefined, 12117);
    running.push(await startCbcSimulator(cbc, { vtyPort, cells: await demoCells() }));
  }
  return running;
}

// `node --import tsx simulators/index.ts` runs them standalone.
if (import.meta.url === `file://${process.argv[1]}`) {
  const running = await startSimulators();
  for (const s of running) console.log(`simulator ${s.name} on ${s.url}`);
  const stop = async () => {
    await Promise.all(running.map((s) => s.close()));
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
