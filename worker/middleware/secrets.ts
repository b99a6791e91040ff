import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";

/** The secrets every request depends on, and the shortest acceptable value of each. */
const REQUIRED: { name: "AUTH_SECRET" | "ENCRYPTION_KEY" | "PASSWORD_PEPPER"; min: number; why: string }[] = [
  { name: "AUTH_SECRET", min: 32, why: "signs access tokens, sessions and CSRF tokens" },
  { name: "ENCRYPTION_KEY", min: 32, why: "seals TOTP seeds and SIM secrets at rest" },
  { name: "PASSWORD_PEPPER", min: 8, why: "is mixed into every password hash" },
];

/** What is wrong with the worker's secrets (empty when nothing is). */
export function secretProblems(env: Partial<Record<string, unknown>>): string[] {
  return REQUIRED.flatMap(({ name, min, why }) => {
    const value = env[name];
    if (typeof value !== "string" || value.length === 0) return [`${name} is not set (it ${why}).`];
    if (value.length < min) return [`${name} is too short: at least ${min} characters (it ${why}).`];
    return [];
  });
}

/**
 * Refuses to serve anything while a required secret is missing or weak: a token signed with an
 * empty key would be accepted everywhere. Every request gets a 500 that names the setting to fix.
 */
export function requireSecrets(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const problems = secretProblems(c.env as unknown as Record<string, unknown>);
    if (problems.length === 0) return next();
    console.error(JSON.stringify({ level: "error", msg: "refusing requests: secrets are missing or weak", problems }));
    const fix = "Set them with `wrangler secret put <NAME>` (locally: .dev.vars), then redeploy.";
    return c.text(`Server misconfigured.\n\n${problems.join("\n")}\n\n${fix}\n`, 500, { "Cache-Control": "no-store" });
  };
}
