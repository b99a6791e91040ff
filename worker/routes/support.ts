import type { Context } from "hono";
import { getSettings } from "../db/queries/settings";
import type { LoginDeps } from "../domain/auth/login";
import type { Links } from "../domain/auth/users";
import { sendDueEmails } from "../domain/email/outbox";
import type { SettingsData } from "../domain/settings/schemas";
import { sendDueSms } from "../domain/sms/outbox";
import { loginGuard } from "../durable/guard-client";
import type { AppEnv } from "../env";
import { mailjetMailer } from "../integrations/mailjet";
import { httpSmsSender, smsFrom } from "../integrations/sms";

/** The caller's IP as Cloudflare reports it (absent in local tools that do not set it). */
export function clientIp(c: Context<AppEnv>): string | null {
  return c.req.header("cf-connecting-ip") ?? c.req.header("x-real-ip") ?? null;
}

/** Operator settings for this request (loaded once). */
export async function requestSettings(c: Context<AppEnv>): Promise<SettingsData> {
  const known = c.get("settings");
  if (known) return known;
  const { data } = await getSettings(c.get("db"));
  c.set("settings", data);
  return data;
}

/** What emails with links need: the public base URL, the operator's branding, the pepper. */
export async function links(c: Context<AppEnv>): Promise<Links> {
  return { baseUrl: c.env.PUBLIC_URL || new URL(c.req.url).origin, brand: await requestSettings(c), pepper: c.env.PASSWORD_PEPPER };
}

export async function loginDeps(c: Context<AppEnv>): Promise<LoginDeps> {
  return { pepper: c.env.PASSWORD_PEPPER, encryptionKey: c.env.ENCRYPTION_KEY, guard: loginGuard(c.env), policy: await requestSettings(c) };
}

/** Sends queued emails and SMS after the response (the scheduled handler retries what fails). */
export function kickOutbox(c: Context<AppEnv>): void {
  const db = c.get("db");
  const brand = c.get("settings");
  const send = async () => {
    const { data } = brand ? { data: brand } : await getSettings(db);
    await sendDueEmails(db, mailjetMailer(c.env, data.operator_name));
    await sendDueSms(db, httpSmsSender(c.env, smsFrom(data.operator_name)));
  };
  c.executionCtx.waitUntil(send().catch((error) => console.error(JSON.stringify({ level: "error", where: "outbox", error: String(error) }))));
}
