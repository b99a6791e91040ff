/** Brute-force counters (implemented by the LoginGuard Durable Object). */
export type GuardState = { failures: number; blockedUntil: number | null; retryAfterSeconds: number };
export type LoginGuardPort = {
  check(key: string): Promise<GuardState>;
  fail(key: string): Promise<GuardState>;
  reset(key: string): Promise<void>;
};

export const accountKey = (email: string) => `account:${email.trim().toLowerCase()}`;
export const ipKey = (ip: string) => `ip:${ip}`;
